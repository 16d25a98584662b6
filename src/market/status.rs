//! The states of the market's and the library's rows, stored by their code
//! (`migrations/*/0007_market.sql`), with the moves between them written once here:
//!
//! ```text
//! listing: open → closed                     item: available | withdrawn
//! order:   reserved → paid | expired | cancelled
//! loan:    requested → active → returned
//!                    ↘ declined
//! ```
//!
//! Only a reserved order moves (at most once: paid, expired or cancelled); a loan request is
//! accepted or declined, and an active loan returned. Nothing leaves `paid`, `returned` or
//! `declined`.

use crate::store::{stored_as_code, Code};

/// A listing's state: `open` is searchable and orderable; `TUTUP` closes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingStatus {
    Open,
    Closed,
}

impl Code for ListingStatus {
    const WHAT: &'static str = "listing status";
    const ALL: &'static [ListingStatus] = &[ListingStatus::Open, ListingStatus::Closed];
    fn code(self) -> &'static str {
        match self {
            ListingStatus::Open => "open",
            ListingStatus::Closed => "closed",
        }
    }
}

/// An order's state: `reserved` holds its quantity until it expires; then it is paid, expired
/// or cancelled, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Reserved,
    Paid,
    Expired,
    Cancelled,
}

impl OrderStatus {
    /// Whether an order may go from `self` to `to`: only a reserved one moves, and not to itself.
    pub fn can_go_to(self, to: OrderStatus) -> bool {
        self == OrderStatus::Reserved && to != OrderStatus::Reserved
    }
}

impl Code for OrderStatus {
    const WHAT: &'static str = "order status";
    const ALL: &'static [OrderStatus] = &[
        OrderStatus::Reserved,
        OrderStatus::Paid,
        OrderStatus::Expired,
        OrderStatus::Cancelled,
    ];
    fn code(self) -> &'static str {
        match self {
            OrderStatus::Reserved => "reserved",
            OrderStatus::Paid => "paid",
            OrderStatus::Expired => "expired",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

/// A library item's state: `available` may be asked for (even while lent: requests queue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemStatus {
    Available,
    Withdrawn,
}

impl Code for ItemStatus {
    const WHAT: &'static str = "item status";
    const ALL: &'static [ItemStatus] = &[ItemStatus::Available, ItemStatus::Withdrawn];
    fn code(self) -> &'static str {
        match self {
            ItemStatus::Available => "available",
            ItemStatus::Withdrawn => "withdrawn",
        }
    }
}

/// A loan's state: a `requested` row waits in the queue; the custodian makes it `active` or
/// `declined`; an active loan is `returned`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoanStatus {
    Requested,
    Declined,
    Active,
    Returned,
}

impl LoanStatus {
    /// Whether a loan may go from `self` to `to`.
    pub fn can_go_to(self, to: LoanStatus) -> bool {
        use LoanStatus::*;
        matches!(
            (self, to),
            (Requested, Active | Declined) | (Active, Returned)
        )
    }

    /// Still in the item's queue or lent: a request waiting, or the loan under way.
    pub fn is_open(self) -> bool {
        matches!(self, LoanStatus::Requested | LoanStatus::Active)
    }
}

impl Code for LoanStatus {
    const WHAT: &'static str = "loan status";
    const ALL: &'static [LoanStatus] = &[
        LoanStatus::Requested,
        LoanStatus::Declined,
        LoanStatus::Active,
        LoanStatus::Returned,
    ];
    fn code(self) -> &'static str {
        match self {
            LoanStatus::Requested => "requested",
            LoanStatus::Declined => "declined",
            LoanStatus::Active => "active",
            LoanStatus::Returned => "returned",
        }
    }
}

stored_as_code!(ListingStatus, OrderStatus, ItemStatus, LoanStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_reserved_order_moves() {
        use OrderStatus::*;
        for to in [Paid, Expired, Cancelled] {
            assert!(Reserved.can_go_to(to), "{to}");
            for from in [Paid, Expired, Cancelled] {
                assert!(!from.can_go_to(to), "{from} to {to}");
            }
        }
        assert!(!Reserved.can_go_to(Reserved));
    }

    #[test]
    fn loan_workflow() {
        use LoanStatus::*;
        assert!(Requested.can_go_to(Active));
        assert!(Requested.can_go_to(Declined));
        assert!(Active.can_go_to(Returned));
        assert!(!Requested.can_go_to(Returned), "lent first");
        assert!(!Returned.can_go_to(Active));
        assert!(!Declined.can_go_to(Active));
        assert!(!Active.can_go_to(Requested));
        for s in LoanStatus::ALL {
            assert!(!s.can_go_to(*s), "{s} to itself");
        }
    }

    #[test]
    fn codes_match_the_schema() {
        assert_eq!(
            OrderStatus::from_code("cancelled"),
            Some(OrderStatus::Cancelled)
        );
        assert_eq!(LoanStatus::Active.to_string(), "active");
        assert_eq!(ItemStatus::from_code("lent"), None);
        assert_eq!(ListingStatus::Closed.code(), "closed");
    }
}
