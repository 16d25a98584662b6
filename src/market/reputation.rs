//! Trust in the market (issue 14): buyers rate what they bought, and the kelurahan's complaints
//! count against a merchant.
//! 1. The buyer of a paid order rates it 1–5 once (`NILAI <order> <1-5>`).
//! 2. A merchant's average shows in `CARI` once [`RATINGS_SHOWN`] orders are rated.
//! 3. A merchant with at least `GOTONG_VERIFIED_MERCHANT_ORDERS` paid orders and no open
//!    complaint (an `ADUAN` naming its code that the kelurahan has not closed) is
//!    "terverifikasi" in `CARI`.

use crate::error::StoreError;
use crate::market::status::OrderStatus;
use crate::store::Tx;

/// How many ratings a merchant needs before its average is shown.
pub const RATINGS_SHOWN: i64 = 5;

/// What the market knows of a merchant's trade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reputation {
    pub paid_orders: i64,
    pub ratings: i64,
    pub stars: i64,
    pub open_complaints: i64,
}

impl Reputation {
    /// The average rating in tenths (`42`: 4.2), once [`RATINGS_SHOWN`] orders are rated.
    pub fn average_tenths(&self) -> Option<i64> {
        (self.ratings >= RATINGS_SHOWN).then(|| (self.stars * 10 + self.ratings / 2) / self.ratings)
    }

    /// Enough paid orders (`min_orders`) and no open complaint.
    pub fn verified(&self, min_orders: i64) -> bool {
        self.paid_orders >= min_orders && self.open_complaints == 0
    }
}

/// Why an order cannot be rated.
#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    #[error("a rating is 1 to 5")]
    Stars,
    #[error("no paid order of this number for this buyer")]
    UnknownOrder,
    #[error("this order was already rated {stars}")]
    AlreadyRated { stars: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The buyer `buyer_nik` rates their paid order `order` with `stars`; answers the merchant's
/// name.
pub async fn rate(
    tx: &mut Tx,
    buyer_nik: &str,
    order: i64,
    stars: i64,
    now: i64,
) -> Result<String, RatingError> {
    if !(1..=5).contains(&stars) {
        return Err(RatingError::Stars);
    }
    let found = tx
        .order(order)
        .await?
        .filter(|o| o.buyer_nik == buyer_nik && o.status == OrderStatus::Paid)
        .ok_or(RatingError::UnknownOrder)?;
    if let Some(stars) = tx.rating_of(order).await? {
        return Err(RatingError::AlreadyRated { stars });
    }
    let listing = tx
        .listing(&found.listing, now)
        .await?
        .ok_or(RatingError::UnknownOrder)?;
    tx.insert_rating(order, &listing.merchant, buyer_nik, stars, now)
        .await?;
    Ok(listing.merchant_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_shows_from_five_ratings_rounded_to_a_tenth() {
        let r = |ratings, stars| Reputation {
            ratings,
            stars,
            ..Default::default()
        };
        assert_eq!(r(4, 20).average_tenths(), None);
        assert_eq!(r(5, 21).average_tenths(), Some(42));
        assert_eq!(r(6, 25).average_tenths(), Some(42), "4.1666 -> 4.2");
        assert_eq!(r(7, 29).average_tenths(), Some(41), "4.142 -> 4.1");
    }

    #[test]
    fn verified_needs_orders_and_no_open_complaint() {
        let r = |paid_orders, open_complaints| Reputation {
            paid_orders,
            open_complaints,
            ..Default::default()
        };
        assert!(r(10, 0).verified(10));
        assert!(!r(9, 0).verified(10));
        assert!(!r(25, 1).verified(10));
    }
}
