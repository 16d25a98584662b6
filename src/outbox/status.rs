//! Where an outbox row stands. A row is `queued`, claimed (`sending`) under a lease, then
//! accepted by the provider (`sent`) or given up (`failed`); providers' reports move it on to
//! `delivered` and `read`. A broadcast's rows not yet claimed can be `cancelled`.
//!
//! Reports only move a row forward: the forward-only order is the row's `status_rank`, set
//! from [`crate::message::Delivery::rank`] beside the status (a late `sent` never overwrites
//! `delivered`; `failed` never follows `delivered` or `read`). Some statements keep a code
//! literal in their SQL on purpose: the partial indexes `outbox_leased`, `outbox_phone_queued`
//! and `outbox_phone_sending` are used only when the query names the same literal.

use crate::message::Delivery;
use crate::store::{stored_as_code, Code};

/// An outbox row's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Queued,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Cancelled,
}

impl Code for Status {
    const WHAT: &'static str = "outbox status";
    const ALL: &'static [Status] = &[
        Status::Queued,
        Status::Sending,
        Status::Sent,
        Status::Delivered,
        Status::Read,
        Status::Failed,
        Status::Cancelled,
    ];
    fn code(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

stored_as_code!(Status);

impl From<&Delivery> for Status {
    /// The status a provider's report puts a row in.
    fn from(d: &Delivery) -> Status {
        match d {
            Delivery::Queued => Status::Queued,
            Delivery::Sent => Status::Sent,
            Delivery::Delivered => Status::Delivered,
            Delivery::Read => Status::Read,
            Delivery::Failed => Status::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_its_code() {
        for d in [
            Delivery::Queued,
            Delivery::Sent,
            Delivery::Delivered,
            Delivery::Read,
            Delivery::Failed,
        ] {
            assert_eq!(Status::from(&d).code(), d.as_str());
        }
    }
}
