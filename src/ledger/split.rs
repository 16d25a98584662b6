//! A payment's split between the merchant and the social fund (`GOTONG_SOCIAL_FUND_PERCENT`).
//!
//! Rounding rule: the social fund's share is `amount × percent / 100` computed exactly in decimal
//! and rounded **down** to whole rupiah; the merchant gets the rest. So the two legs always sum
//! exactly to the amount: rounding never creates or destroys a rupiah, and the payer is never
//! charged more than the price. (Rp10 at 5% gives the fund Rp0 and the merchant Rp10.)

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub merchant: i64,
    pub social_fund: i64,
}

/// Splits `amount` (whole rupiah, ≥ 0) with `percent` (0–100) to the social fund.
pub fn split(amount: i64, percent: Decimal) -> Split {
    let percent = percent.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let share = Decimal::from(amount.max(0))
        .checked_mul(percent)
        .map(|v| (v / Decimal::ONE_HUNDRED).floor())
        .and_then(|v| v.to_i64())
        .unwrap_or(0)
        .clamp(0, amount.max(0));
    Split {
        merchant: amount - share,
        social_fund: share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        let five = Decimal::from(5);
        assert_eq!(
            split(25_000, five),
            Split {
                merchant: 23_750,
                social_fund: 1_250
            }
        );
        assert_eq!(
            split(10, five),
            Split {
                merchant: 10,
                social_fund: 0
            }
        );
        assert_eq!(
            split(39, five),
            Split {
                merchant: 38,
                social_fund: 1
            }
        );
        assert_eq!(
            split(1_000, Decimal::new(25, 1)),
            Split {
                merchant: 975,
                social_fund: 25
            }
        );
        assert_eq!(
            split(1_000, Decimal::ZERO),
            Split {
                merchant: 1_000,
                social_fund: 0
            }
        );
        assert_eq!(
            split(1_000, Decimal::from(100)),
            Split {
                merchant: 0,
                social_fund: 1_000
            }
        );
    }

    proptest! {
        #[test]
        fn never_creates_or_loses_a_rupiah(amount in 0i64..=1_000_000_000_000, tenths in 0u32..=1000) {
            let percent = Decimal::new(i64::from(tenths), 1);
            let s = split(amount, percent);
            prop_assert_eq!(s.merchant + s.social_fund, amount);
            prop_assert!(s.merchant >= 0 && s.social_fund >= 0);
            // The share is the exact share rounded down: within one rupiah below it.
            let exact = Decimal::from(amount) * percent / Decimal::ONE_HUNDRED;
            prop_assert!(Decimal::from(s.social_fund) <= exact);
            prop_assert!(exact - Decimal::from(s.social_fund) < Decimal::ONE);
        }
    }
}
