//! `SALDO` and `MUTASI`: the household's balance (its wallet's stimulus credit, and its purse
//! when it holds money that may travel) and its last transfers; a merchant's also the shop's
//! till beside them (a shop's money is not the family's). Also the one place where ledger
//! refusals become residents' texts ([`refusal`]).

use super::household::linked_person;
use super::{Action, Contract, Ctx, Outcome};
use crate::calendar::{jakarta_date, JAKARTA_OFFSET_MS};
use crate::error::StoreResult;
use crate::ledger::funds::{funds, titled, Funds};
use crate::ledger::transfer::TransferKind;
use crate::ledger::LedgerError;
use crate::store::{Account, AccountKind, Merchant, Party, StatementLine};
use crate::text::money::format_rupiah;
use async_trait::async_trait;

/// Transfers shown by `MUTASI`.
pub const STATEMENT_LINES: i64 = 5;

/// The text (message id, arguments) of a ledger refusal; `None` for a store failure.
pub fn refusal(e: &LedgerError) -> Option<(&'static str, Vec<(&'static str, String)>)> {
    Some(match e {
        LedgerError::InsufficientFunds { balance } => (
            "pay-insufficient",
            vec![("balance", format_rupiah(*balance))],
        ),
        LedgerError::UnknownMerchant => ("pay-merchant-unknown", vec![]),
        LedgerError::MerchantClosed => ("pay-merchant-closed", vec![]),
        LedgerError::SelfPayment => ("pay-self", vec![]),
        LedgerError::MinorLimit { limit } => {
            ("pay-minor-limit", vec![("limit", format_rupiah(*limit))])
        }
        LedgerError::PayeeMinorLimit { limit } => (
            "pay-payee-minor-limit",
            vec![("limit", format_rupiah(*limit))],
        ),
        LedgerError::StimulusStaysHome { home, purse } => (
            "pay-stimulus-stays-home",
            vec![("home", home.clone()), ("purse", format_rupiah(*purse))],
        ),
        LedgerError::NotEligible => ("pay-not-eligible", vec![]),
        LedgerError::UnknownPerson => ("data-not-linked", vec![]),
        LedgerError::InvalidAmount
        | LedgerError::UnknownHousehold
        | LedgerError::InvalidMemo { .. }
        | LedgerError::InvalidName
        | LedgerError::AlreadyMerchant { .. }
        | LedgerError::Unbalanced => ("engine-error", vec![]),
        LedgerError::Store(_) => return None,
    })
}

/// `HH:MM` in Asia/Jakarta.
pub fn jakarta_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + JAKARTA_OFFSET_MS)
        .map(|d| d.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// `SALDO`: the household's balance; a merchant's also the shop's.
pub struct Balance;

#[async_trait]
impl Action for Balance {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let f = funds(ctx.tx, &me.no_kk).await?;
        say_balance(ctx, f).await?;
        if let Some((shop, till)) = shop_of(ctx, &me.nik).await? {
            say_shop_balance(ctx, &shop, till.balance);
        }
        Ok(Outcome::Finish)
    }
}

/// The merchant this person owns (of this kelurahan) and its till, if any.
async fn shop_of(ctx: &mut Ctx<'_>, nik: &str) -> StoreResult<Option<(Merchant, Account)>> {
    let Some(shop) = ctx.tx.merchant_of_person(nik).await? else {
        return Ok(None);
    };
    let till = ctx
        .tx
        .account_by_owner(AccountKind::Merchant, &shop.code)
        .await?;
    Ok(till.map(|t| (shop, t)))
}

fn say_shop_balance(ctx: &mut Ctx<'_>, shop: &Merchant, balance: i64) {
    ctx.say(
        "wallet-shop-balance",
        &[
            ("shop", shop.name.clone()),
            ("code", shop.code.clone()),
            ("balance", format_rupiah(balance)),
        ],
    );
}

/// The household's balance; with its parts when the purse holds something.
async fn say_balance(ctx: &mut Ctx<'_>, f: Funds) -> StoreResult<()> {
    if f.purse == 0 {
        ctx.say("wallet-balance", &[("balance", format_rupiah(f.total()))]);
        return Ok(());
    }
    let home = titled(&ctx.tx.kelurahan_name().await?);
    ctx.say(
        "wallet-balance-purse",
        &[
            ("balance", format_rupiah(f.total())),
            ("wallet", format_rupiah(f.wallet)),
            ("purse", format_rupiah(f.purse)),
            ("home", home),
        ],
    );
    Ok(())
}

/// `MUTASI`: the household's last transfers and balance; a merchant's then the shop's.
pub struct Statement;

#[async_trait]
impl Action for Statement {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let mut accounts = Vec::with_capacity(2);
        for kind in [AccountKind::Wallet, AccountKind::Purse] {
            if let Some(a) = ctx.tx.account_by_owner(kind, &me.no_kk).await? {
                accounts.push(a.id);
            }
        }
        let lines = ctx.tx.statement(&accounts, STATEMENT_LINES).await?;
        let shop = shop_of(ctx, &me.nik).await?;
        if lines.is_empty() && shop.is_none() {
            ctx.say("wallet-statement-empty", &[]);
            return Ok(Outcome::Finish);
        }
        if lines.is_empty() {
            ctx.say("wallet-statement-empty", &[]);
        } else {
            ctx.say("wallet-statement-header", &[]);
            say_lines(ctx, lines, false);
        }
        let f = funds(ctx.tx, &me.no_kk).await?;
        say_balance(ctx, f).await?;
        if let Some((shop, till)) = shop {
            let lines = ctx.tx.statement(&[till.id], STATEMENT_LINES).await?;
            ctx.say(
                "wallet-shop-statement-header",
                &[("shop", shop.name.clone()), ("code", shop.code.clone())],
            );
            if lines.is_empty() {
                ctx.say("wallet-statement-empty", &[]);
            }
            say_lines(ctx, lines, true);
            say_shop_balance(ctx, &shop, till.balance);
        }
        Ok(Outcome::Finish)
    }
}

/// Statement lines, one text each: the date (a stimulus's: the day it is for), the other party,
/// the signed amount. A shop's lines name a household that paid it as a buyer.
fn say_lines(ctx: &mut Ctx<'_>, lines: Vec<StatementLine>, shop: bool) {
    for line in lines {
        let party = match (&line.party, line.kind) {
            (Party::Treasury, TransferKind::Stimulus) => {
                ctx.texts.render(&ctx.lang, "party-stimulus", &[])
            }
            (Party::Treasury, TransferKind::Deposit) => {
                ctx.texts.render(&ctx.lang, "party-deposit", &[])
            }
            (Party::Treasury, _) => ctx.texts.render(&ctx.lang, "party-treasury", &[]),
            (Party::SocialFund, _) => ctx.texts.render(&ctx.lang, "party-social-fund", &[]),
            (Party::Merchant { code, name }, _) => format!("{name} ({code})"),
            (Party::Wallet { .. }, _) if shop => ctx.texts.render(&ctx.lang, "party-buyer", &[]),
            (Party::Wallet { .. }, _) => ctx.texts.render(&ctx.lang, "party-household", &[]),
            (Party::Campaign { number }, _) => format!("Swadaya #{number}"),
        };
        let sign = if line.amount > 0 { "+" } else { "" };
        let date = line
            .for_date
            .unwrap_or_else(|| jakarta_date(line.created_at));
        ctx.say(
            "wallet-statement-line",
            &[
                ("date", date.format("%d-%m-%Y").to_string()),
                ("party", party),
                ("amount", format!("{sign}{}", format_rupiah(line.amount))),
            ],
        );
    }
}
