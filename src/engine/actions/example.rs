//! The example flow's actions (`CONTOH`): they prove the engine, not a domain rule.

use super::{Action, Ctx, Outcome};
use crate::error::StoreResult;
use crate::parse::nik::parse_nik;
use crate::text::money::format_rupiah;
use async_trait::async_trait;

/// Accepts a PIN without storing it and says only that it was received.
pub struct CheckPinLength;

#[async_trait]
impl Action for CheckPinLength {
    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(match &ctx.pin {
            Some(p) if p.len() == 6 => Outcome::Next,
            _ => Outcome::Reject("input-pin-invalid", vec![]),
        })
    }
}

/// Sums up what the example flow collected.
pub struct Summary;

#[async_trait]
impl Action for Summary {
    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let amount = ctx
            .values
            .get("amount")
            .and_then(|a| a.parse::<i64>().ok())
            .map(format_rupiah)
            .unwrap_or_default();
        let nik = ctx
            .values
            .get("nik")
            .and_then(|n| parse_nik(n).ok())
            .map(|n| n.masked())
            .unwrap_or_default();
        let photo = if ctx.values.contains_key("photo") {
            "1"
        } else {
            "0"
        };
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
