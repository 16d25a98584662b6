//! Reaching the other side through the bot (issue 17): after an order is paid, buyer and seller;
//! while a loan is out, borrower and custodian. `HUBUNGI <order number | item code> <text>` sends
//! the text to the other side with the writer's name and RT/RW; neither learns a phone number or
//! a NIK of the other.

use crate::error::StoreResult;
use crate::market::status::{LoanStatus, OrderStatus};
use crate::store::Tx;

/// The NIK of the other side of `reference` for the person `me`: the seller or buyer of paid
/// order `reference` (its number), or the borrower or custodian of item `reference` (its code)
/// while it is lent. `None` when `me` is not a side of it.
pub async fn counterpart(
    tx: &mut Tx,
    me: &str,
    reference: &str,
    now: i64,
) -> StoreResult<Option<String>> {
    let reference = reference.trim().trim_start_matches('#').to_uppercase();
    if let Ok(id) = reference.parse::<i64>() {
        let Some(order) = tx.order(id).await? else {
            return Ok(None);
        };
        if order.status != OrderStatus::Paid {
            return Ok(None);
        }
        let Some(listing) = tx.listing(&order.listing, now).await? else {
            return Ok(None);
        };
        return Ok(other_side(me, &order.buyer_nik, &listing.seller_nik));
    }
    let Some(item) = tx.item(&reference).await? else {
        return Ok(None);
    };
    let loans = tx.active_loans().await?;
    let Some(loan) = loans
        .iter()
        .find(|l| l.item == item.code && l.status == LoanStatus::Active)
    else {
        return Ok(None);
    };
    Ok(other_side(me, &loan.borrower_nik, &item.custodian_nik))
}

/// `b` to `a`, `a` to `b`, nobody else to anyone.
fn other_side(me: &str, a: &str, b: &str) -> Option<String> {
    if a == b {
        return None;
    }
    match me {
        _ if me == a => Some(b.to_string()),
        _ if me == b => Some(a.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::other_side;

    #[test]
    fn only_the_two_sides_reach_each_other() {
        assert_eq!(other_side("1", "1", "2").as_deref(), Some("2"));
        assert_eq!(other_side("2", "1", "2").as_deref(), Some("1"));
        assert_eq!(other_side("3", "1", "2"), None);
        assert_eq!(other_side("1", "1", "1"), None);
    }
}
