//! The example flow's actions (`CONTOH`): they prove the engine, not a domain rule.

use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::parse::nik::parse_nik;
use crate::text::money::format_rupiah;
use async_trait::async_trait;

/// Accepts a PIN without storing it and says only that it was received.
pub struct CheckPinLength;

#[async_trait]
impl Action for CheckPinLength {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(match &ctx.pin {
            Some(p) if p.len() == 6 => Outcome::Next,
            _ => Outcome::Reject("input-pin-invalid", vec![]),
        })
    }
}

/// Sums up what the example flow collected. The menu's and the free text's answers are not in
/// the summary; they are logged, so every kind of input is seen reaching an action.
pub struct Summary;

#[async_trait]
impl Action for Summary {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["fruit", "count", "amount", "phone", "nik", "note", "photo"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let amount = ctx
            .value_i64("amount")
            .map(format_rupiah)
            .unwrap_or_default();
        let nik = ctx
            .value("nik")
            .and_then(|n| parse_nik(n).ok())
            .map(|n| n.masked())
            .unwrap_or_default();
        let photo = if ctx.value("photo").is_some() {
            "1"
        } else {
            "0"
        };
        tracing::debug!(
            fruit = ctx.value("fruit"),
            note_chars = ctx.value("note").map(|n| n.chars().count()),
            "example collected"
        );
        ctx.say(
            "example-summary",
            &[
                ("amount_text", amount),
                ("nik_masked", nik),
                ("has_photo", photo.to_string()),
            ],
        );
        Ok(Outcome::Finish)
    }
}
