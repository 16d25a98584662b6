//! Notices about proposals to residents (status changes, a campaign reaching its target): news,
//! not answers, so a phone that opted out (`BERHENTI`) gets none ([`news_to_person`]).

pub use crate::notices::news_to_person;
