//! Notices about proposals to residents (status changes, a campaign reaching its target). To the
//! proposer they are news about their own proposal, transactional ([`notice_to_person_labelled`], sent even
//! after `BERHENTI`); to supporters they are news, so a phone that opted out gets none
//! ([`news_to_person`]).

pub use crate::notices::{news_to_person, notice_to_person, notice_to_person_labelled};
