//! The status workflow of a proposal (issue 6), set by the kelurahan through
//! `POST /api/proposals/{n}/status`:
//!
//! ```text
//! terkumpul → diproses → prioritas_musrenbang → didanai_apbd → selesai
//!                      ↘ didanai_apbd          ↘ ditolak
//!                      ↘ ditolak (reason required) → selesai (done by swadaya)
//! ```
//!
//! Any other transition (backwards, skipping the review, leaving `selesai`, the same status
//! again) is refused. `ditolak` and `selesai` close a proposal: no more supports, and it leaves
//! the `USULAN` listing. A reason may be given with every change and is public.

use crate::store::{stored_as_code, Code};

/// A proposal's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Collected: open for support.
    Terkumpul,
    /// In review by the kelurahan.
    Diproses,
    /// Taken to the district's Musrenbang.
    PrioritasMusrenbang,
    /// Funded by the city budget.
    DidanaiApbd,
    /// Rejected (with a reason).
    Ditolak,
    /// Done.
    Selesai,
}

pub const ALL: [Status; 6] = [
    Status::Terkumpul,
    Status::Diproses,
    Status::PrioritasMusrenbang,
    Status::DidanaiApbd,
    Status::Ditolak,
    Status::Selesai,
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Terkumpul => "terkumpul",
            Status::Diproses => "diproses",
            Status::PrioritasMusrenbang => "prioritas_musrenbang",
            Status::DidanaiApbd => "didanai_apbd",
            Status::Ditolak => "ditolak",
            Status::Selesai => "selesai",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim().to_lowercase();
        ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Rejected or done: no more supports, not listed by `USULAN`.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Ditolak | Status::Selesai)
    }

    /// A swadaya campaign may be opened: rejected, or not (yet) funded by the budget.
    pub fn is_fundable(self) -> bool {
        !matches!(self, Status::DidanaiApbd | Status::Selesai)
    }

    /// Whether the workflow allows going from `self` to `to`.
    pub fn can_go_to(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Terkumpul, Diproses)
                | (Diproses, PrioritasMusrenbang | DidanaiApbd | Ditolak)
                | (PrioritasMusrenbang, DidanaiApbd | Ditolak)
                | (DidanaiApbd | Ditolak, Selesai)
        )
    }

    /// The reason is required for this status.
    pub fn needs_reason(self) -> bool {
        self == Status::Ditolak
    }

    /// The Fluent id of the status's label (`proposal-status-ditolak`).
    pub fn label_id(self) -> String {
        format!("proposal-status-{}", self.as_str().replace('_', "-"))
    }
}

impl Code for Status {
    const WHAT: &'static str = "proposal status";
    const ALL: &'static [Status] = &ALL;
    fn code(self) -> &'static str {
        self.as_str()
    }
}

/// What a proposal is about (`USUL`, step 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Physical works: drains, street lights.
    Fisik,
    /// Empowerment: training, activities.
    NonFisik,
}

impl Code for Kind {
    const WHAT: &'static str = "proposal kind";
    const ALL: &'static [Kind] = &[Kind::Fisik, Kind::NonFisik];
    fn code(self) -> &'static str {
        match self {
            Kind::Fisik => "fisik",
            Kind::NonFisik => "non_fisik",
        }
    }
}

/// A swadaya campaign's state: `open` takes donations until the target is `reached`; the
/// kelurahan may `close` it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    Open,
    Reached,
    Closed,
}

impl Code for CampaignStatus {
    const WHAT: &'static str = "campaign status";
    const ALL: &'static [CampaignStatus] = &[
        CampaignStatus::Open,
        CampaignStatus::Reached,
        CampaignStatus::Closed,
    ];
    fn code(self) -> &'static str {
        match self {
            CampaignStatus::Open => "open",
            CampaignStatus::Reached => "reached",
            CampaignStatus::Closed => "closed",
        }
    }
}

stored_as_code!(Status, Kind, CampaignStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow() {
        use Status::*;
        assert!(Terkumpul.can_go_to(Diproses));
        assert!(!Terkumpul.can_go_to(Ditolak), "reviewed first");
        assert!(Diproses.can_go_to(Ditolak));
        assert!(PrioritasMusrenbang.can_go_to(DidanaiApbd));
        assert!(DidanaiApbd.can_go_to(Selesai));
        assert!(Ditolak.can_go_to(Selesai));
        assert!(!Selesai.can_go_to(Diproses));
        assert!(!Diproses.can_go_to(Terkumpul));
        for s in ALL {
            assert!(!s.can_go_to(s), "{s:?} to itself");
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse(" DITOLAK "), Some(Ditolak));
        assert_eq!(Status::parse("funded"), None);
    }
}
