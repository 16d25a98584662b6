//! Language and broadcast opt-out, kept per phone.

use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use async_trait::async_trait;

pub struct SetLanguage;

#[async_trait]
impl Action for SetLanguage {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let lang = ctx.input.clone().unwrap_or_else(|| "id".into());
        ctx.tx
            .set_language(ctx.phone, ctx.channel.as_str(), &lang)
            .await?;
        ctx.lang = lang;
        ctx.say("language-done", &[]);
        Ok(Outcome::Finish)
    }
}

pub struct OptOut;

#[async_trait]
impl Action for OptOut {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    /// The answer to "stop broadcasts?": yes stops them, no keeps them (asked once).
    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.input.as_deref() != Some("1") {
            ctx.say("optout-kept", &[]);
            return Ok(Outcome::Finish);
        }
        ctx.tx
            .set_opted_out(ctx.phone, ctx.channel.as_str(), true)
            .await?;
        ctx.say("optout-done", &[]);
        Ok(Outcome::Finish)
    }
}

pub struct OptIn;

#[async_trait]
impl Action for OptIn {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        ctx.tx
            .set_opted_out(ctx.phone, ctx.channel.as_str(), false)
            .await?;
        ctx.say("optin-done", &[]);
        Ok(Outcome::Finish)
    }
}

/// `NOTIF`: the daily stimulus credit notice, on or off (linked residents only).
pub struct CreditNotices;

#[async_trait]
impl Action for CreditNotices {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if super::household::linked_person(ctx).await?.is_none() {
            return Ok(Outcome::Finish);
        }
        let on = ctx.input.as_deref() == Some("on");
        ctx.tx
            .set_credit_notices(ctx.phone, ctx.channel.as_str(), on)
            .await?;
        ctx.say(if on { "notif-on" } else { "notif-off" }, &[]);
        Ok(Outcome::Finish)
    }
}
