//! A household's money and where it may be spent (issue 18, DESIGN §6).
//!
//! A household has two accounts in its kelurahan's ledger: the **wallet** holds the stimulus
//! credit, which stays in the kelurahan ("stimulus tidak bisa dipindahkan ke wilayah lain"), and
//! the **purse** holds money that may travel (a cash deposit at the kelurahan office,
//! [`super::deposit`]). The rules, for every spend (`BAYAR`, `TAGIHAN`, `PESAN`, `DONASI`):
//!
//! 1. At [`Where::Home`] (a merchant of the household's own kelurahan, or its own kelurahan's
//!    campaign) the wallet pays first, then the purse.
//! 2. At [`Where::Away`] (a merchant of another kelurahan) only the purse pays; when it does not
//!    hold the amount the refusal is [`LedgerError::StimulusStaysHome`], which names the
//!    household's kelurahan, so the resident learns why and where the stimulus can be spent.
//! 3. Neither account goes below zero: the split is made on balances read now, and the one
//!    transfer path checks them again under lock ([`super::transfer`]).
//!
//! The unit of work acts for the household's kelurahan: its wallet and purse are found there.

use super::{LedgerError, LedgerResult};
use crate::error::StoreResult;
use crate::store::{AccountKind, Leg, Tx};

/// Where money is spent, seen from the household.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    /// At a merchant (or campaign) of the household's own kelurahan.
    Home,
    /// At a merchant of another kelurahan.
    Away,
}

/// What a household holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Funds {
    /// Stimulus credit: spent only at home.
    pub wallet: i64,
    /// Money that may travel.
    pub purse: i64,
}

/// How much of a spend each account pays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    pub wallet: i64,
    pub purse: i64,
}

impl Funds {
    /// Both accounts together: the household's balance.
    pub fn total(&self) -> i64 {
        self.wallet.saturating_add(self.purse)
    }

    /// What may be spent `at`.
    pub fn spendable(&self, at: Where) -> i64 {
        match at {
            Where::Home => self.total(),
            Where::Away => self.purse,
        }
    }

    /// Rules 1 and 2: the part of `amount` (> 0) each account pays `at`, or `None` when what
    /// may be spent there is not enough.
    pub fn take(&self, amount: i64, at: Where) -> Option<Taken> {
        if amount > self.spendable(at) {
            return None;
        }
        Some(match at {
            Where::Home => {
                let wallet = amount.min(self.wallet.max(0));
                Taken {
                    wallet,
                    purse: amount - wallet,
                }
            }
            Where::Away => Taken {
                wallet: 0,
                purse: amount,
            },
        })
    }
}

/// A kelurahan's name as a text says it: `Kelurahan Sukamaju` (a name that already says
/// "Kelurahan", like the default's before it is named, is kept as it is).
pub fn titled(name: &str) -> String {
    let name = name.trim();
    if name.to_lowercase().starts_with("kelurahan") {
        name.to_string()
    } else {
        format!("Kelurahan {name}")
    }
}

/// The household `no_kk`'s funds in this kelurahan's ledger (0 for an account not yet made).
pub async fn funds(tx: &mut Tx, no_kk: &str) -> StoreResult<Funds> {
    let balance = |a: Option<crate::store::Account>| a.map(|a| a.balance).unwrap_or(0);
    let wallet = balance(tx.account_by_owner(AccountKind::Wallet, no_kk).await?);
    let purse = balance(tx.account_by_owner(AccountKind::Purse, no_kk).await?);
    Ok(Funds { wallet, purse })
}

/// Rules 1–2 for a spend of `amount` by household `no_kk` `at`: answers its funds before the
/// spend, or the refusal (rule 2 names the household's kelurahan).
pub async fn check_funds(tx: &mut Tx, no_kk: &str, amount: i64, at: Where) -> LedgerResult<Funds> {
    let f = funds(tx, no_kk).await?;
    if f.take(amount, at).is_some() {
        return Ok(f);
    }
    Err(match at {
        Where::Home => LedgerError::InsufficientFunds { balance: f.total() },
        Where::Away => LedgerError::StimulusStaysHome {
            home: titled(&tx.kelurahan_name().await?),
            purse: f.purse,
        },
    })
}

/// The debit legs of a spend of `amount` by household `no_kk` `at` (rules 1–2): the wallet's
/// and the purse's parts, each account made if absent. Refused as [`check_funds`] refuses.
pub async fn debit_legs(
    tx: &mut Tx,
    no_kk: &str,
    amount: i64,
    at: Where,
    now: i64,
) -> LedgerResult<Vec<Leg>> {
    let f = check_funds(tx, no_kk, amount, at).await?;
    let taken = f.take(amount, at).ok_or(LedgerError::InsufficientFunds {
        balance: f.spendable(at),
    })?;
    let mut legs = Vec::with_capacity(2);
    for (kind, part) in [
        (AccountKind::Wallet, taken.wallet),
        (AccountKind::Purse, taken.purse),
    ] {
        if part > 0 {
            legs.push(Leg {
                account_id: tx.ensure_account(kind, no_kk, now).await?,
                amount: -part,
            });
        }
    }
    Ok(legs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_takes_the_wallet_first_then_the_purse() {
        let f = Funds {
            wallet: 3_000,
            purse: 10_000,
        };
        assert_eq!(
            f.take(2_000, Where::Home),
            Some(Taken {
                wallet: 2_000,
                purse: 0
            })
        );
        assert_eq!(
            f.take(5_000, Where::Home),
            Some(Taken {
                wallet: 3_000,
                purse: 2_000
            })
        );
        assert_eq!(
            f.take(13_000, Where::Home),
            Some(Taken {
                wallet: 3_000,
                purse: 10_000
            })
        );
        assert_eq!(f.take(13_001, Where::Home), None);
    }

    #[test]
    fn a_kelurahan_is_named_once() {
        assert_eq!(titled("Sukamaju"), "Kelurahan Sukamaju");
        assert_eq!(titled("Kelurahan"), "Kelurahan");
        assert_eq!(titled("kelurahan Mekar"), "kelurahan Mekar");
    }

    #[test]
    fn away_takes_only_the_purse() {
        let f = Funds {
            wallet: 50_000,
            purse: 10_000,
        };
        assert_eq!(
            f.take(10_000, Where::Away),
            Some(Taken {
                wallet: 0,
                purse: 10_000
            })
        );
        assert_eq!(f.take(10_001, Where::Away), None, "the stimulus stays home");
        assert_eq!(f.spendable(Where::Away), 10_000);
        assert_eq!(f.spendable(Where::Home), 60_000);
    }
}
