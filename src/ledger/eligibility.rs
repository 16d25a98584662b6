//! Who may spend from a household's money, and how much (DESIGN §6). One rule for every money
//! action — a payment to a merchant (`BAYAR`, `TAGIHAN`, `PESAN`), a donation (`DONASI`) — so
//! the chat, the API and a job refuse the same things in the same order:
//!
//! 1. the amount is a positive whole number of rupiah;
//! 2. the payer is still a member and 16 or over ([`crate::accounts::age::may_act`]);
//! 3. a payer aged 16–17 pays at most the per-payment limit (`GOTONG_MINOR_PAYMENT_LIMIT`);
//! 4. what the household may spend where it spends holds the amount: wallet and purse at home,
//!    only the purse at another kelurahan's merchant ([`super::funds`]; checked again under lock
//!    by [`super::transfer`]).

use super::funds::{check_funds, Where};
use super::{LedgerError, LedgerResult};
use crate::accounts::age::{is_minor, may_act};
use crate::store::{Person, Tx};

/// Rules 1–3: may `payer` spend `amount` now? Needs no database.
pub fn eligibility(payer: &Person, amount: i64, minor_limit: i64, now: i64) -> LedgerResult<()> {
    if amount <= 0 {
        return Err(LedgerError::InvalidAmount);
    }
    if !may_act(payer, now) {
        return Err(LedgerError::NotEligible);
    }
    if is_minor(payer, now) && amount > minor_limit {
        return Err(LedgerError::MinorLimit { limit: minor_limit });
    }
    Ok(())
}

/// Rules 1–4 for a spend `at`: answers the household's balance (wallet and purse) before it.
pub async fn check_spend(
    tx: &mut Tx,
    payer: &Person,
    amount: i64,
    minor_limit: i64,
    now: i64,
    at: Where,
) -> LedgerResult<i64> {
    eligibility(payer, amount, minor_limit, now)?;
    Ok(check_funds(tx, &payer.no_kk, amount, at).await?.total())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Sex;
    use crate::registry::{Residence, Shdk};
    use chrono::NaiveDate;

    /// 2026-12-01 12:00 in Jakarta.
    const NOW: i64 = 1_796_101_200_000;

    fn person(born: &str) -> Person {
        Person {
            nik: "3174050101900001".into(),
            no_kk: "3174050101900000".into(),
            name: "Budi".into(),
            birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").unwrap(),
            sex: Sex::L,
            shdk: Shdk::Anak,
            residence: Residence::Tetap,
            phone: None,
            nik_mismatch: false,
            birth_confirmed_at: None,
            died_on: None,
            moved_out_on: None,
            arrived_on: None,
        }
    }

    #[test]
    fn ages_and_limits() {
        let adult = person("1990-01-01");
        let minor = person("2009-06-01"); // 17
        let child = person("2011-01-01"); // 15
        assert!(eligibility(&adult, 1_000_000, 50_000, NOW).is_ok());
        assert!(eligibility(&minor, 50_000, 50_000, NOW).is_ok());
        assert!(matches!(
            eligibility(&minor, 50_001, 50_000, NOW),
            Err(LedgerError::MinorLimit { limit: 50_000 })
        ));
        assert!(matches!(
            eligibility(&child, 1_000, 50_000, NOW),
            Err(LedgerError::NotEligible)
        ));
        assert!(matches!(
            eligibility(&adult, 0, 50_000, NOW),
            Err(LedgerError::InvalidAmount)
        ));
    }

    #[test]
    fn the_dead_do_not_spend() {
        let mut p = person("1950-01-01");
        p.died_on = NaiveDate::from_ymd_opt(2026, 11, 1);
        assert!(matches!(
            eligibility(&p, 1_000, 50_000, NOW),
            Err(LedgerError::NotEligible)
        ));
    }
}
