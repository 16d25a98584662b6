//! Proposals (usulan) and swadaya campaigns (issue 6; DESIGN §4, §6).
//!
//! | file | what |
//! | --- | --- |
//! | [`status`] | the status workflow: which transitions are allowed, reason rules |
//! | [`proposal`] | submitting (`USUL`), supporting (`DUKUNG`), setting a status (admin API) |
//! | [`campaign`] | opening a campaign, donating (`DONASI`), recording spends |
//! | [`notify`] | notices to proposers and supporters through the outbox, respecting opt-out |
//!
//! Who may do what (DESIGN §6): any linked, current resident aged 16 or over may propose
//! (non-permanent residents too); a support needs age 17 or over and `TETAP`, once per person per
//! proposal (supporting one's own proposal is allowed once, like anyone); a donation is a wallet
//! payment (16 or over, the 16–17 per-payment limit, never above the balance).

pub mod campaign;
pub mod notify;
pub mod proposal;
pub mod status;

use crate::error::StoreError;
use crate::ledger::LedgerError;

pub use status::{CampaignStatus, Kind, Status};

/// Why a proposal action was refused. The engine maps each to a resident's text
/// (`engine::actions::proposals`), the admin API to a status (`http::api_proposals`).
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("no proposal with this number")]
    UnknownProposal,
    #[error("the proposal is closed ({status})")]
    Closed { status: Status },
    #[error("unknown status {0:?}")]
    UnknownStatus(String),
    #[error("a proposal cannot go from {from} to {to}")]
    InvalidTransition { from: String, to: String },
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("the reason is too long (at most {max} characters)")]
    ReasonTooLong { max: usize },
    #[error("only residents aged 16 or over may propose")]
    TooYoungToPropose,
    #[error("only residents aged 17 or over may support a proposal")]
    TooYoungToVote,
    #[error("non-permanent residents may not support a proposal")]
    NotPermanent,
    #[error("this person already supported this proposal")]
    AlreadySupported,
    #[error("the proposal has no swadaya campaign")]
    NoCampaign,
    #[error("the campaign is {status}: no more donations")]
    CampaignClosed { status: CampaignStatus },
    #[error("the proposal already has a campaign")]
    CampaignExists,
    #[error("a campaign is only for a rejected or unfunded proposal (this one is {status})")]
    NotFundable { status: Status },
    #[error("the target must be a positive whole number of rupiah")]
    InvalidTarget,
    #[error("a spend needs a memo of 1 to {max} characters")]
    InvalidMemo { max: usize },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ProposalResult<T> = Result<T, ProposalError>;

/// Reads a proposal number as residents type it: `12` or `#12`. Letters (`12a`, `dua`) are not
/// a number.
pub fn parse_number(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix('#').unwrap_or(s).trim();
    if s.is_empty() || s.len() > 9 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("12"), Some(12));
        assert_eq!(parse_number(" #7 "), Some(7));
        assert_eq!(parse_number("12a"), None);
        assert_eq!(parse_number("dua"), None);
        assert_eq!(parse_number("0"), None);
        assert_eq!(parse_number("-3"), None);
        assert_eq!(parse_number("99999999999"), None);
    }
}
