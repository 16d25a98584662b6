//! `GANTI PIN` (old PIN, new PIN twice) and `LUPA PIN` (the kelurahan is asked to reset it): the
//! rules are [`crate::accounts::pin_change`]; the new PIN is chosen with `DAFTAR`'s own step
//! (`register_choose_pin`: not too easy, kept only as its hash until repeated).

use super::household::linked_person;
use super::pin_step::{pin_refusal, said_locked};
use super::register::{repeated_pin, PIN_HASH};
use super::{Action, Contract, Ctx, Outcome};
use crate::accounts::pin_change::{request_reset, reset_from, set_pin};
use crate::error::StoreResult;
use async_trait::async_trait;

/// Whether this phone's PIN was reset by the kelurahan and no new one is set yet.
async fn was_reset(ctx: &mut Ctx<'_>) -> StoreResult<bool> {
    Ok(ctx
        .tx
        .link_of_phone(ctx.phone)
        .await?
        .is_some_and(|l| reset_from(&l.pin_hash).is_some()))
}

/// Entry of `GANTI PIN`: a linked phone whose PIN is not locked; after a reset there is no old
/// PIN to ask for.
pub struct ChangeStart;

#[async_trait]
impl Action for ChangeStart {
    fn contract(&self) -> Contract {
        Contract {
            branches: &["reset"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if linked_person(ctx).await?.is_none() || said_locked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        if was_reset(ctx).await? {
            return Ok(Outcome::Branch("reset"));
        }
        Ok(Outcome::Next)
    }
}

/// The old PIN, checked like any PIN (wrong tries counted, the lock said).
pub struct ChangeOld;

#[async_trait]
impl Action for ChangeOld {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(pin_refusal(ctx).await?.unwrap_or(Outcome::Next))
    }
}

/// The new PIN again: on a match it replaces the old one.
pub struct ChangeSave;

#[async_trait]
impl Action for ChangeSave {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PIN_HASH],
            branches: &["mismatch"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(hash) = repeated_pin(ctx) else {
            return Ok(Outcome::Branch("mismatch"));
        };
        set_pin(ctx.tx, ctx.phone, &hash, ctx.now).await?;
        ctx.say("pin-change-done", &[]);
        Ok(Outcome::Finish)
    }
}

/// `LUPA PIN`: the kelurahan's officers are asked to reset it (or it already is).
pub struct Forgot;

#[async_trait]
impl Action for Forgot {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        if was_reset(ctx).await? {
            ctx.say("pin-reset-pending", &[]);
        } else {
            request_reset(ctx.tx, ctx.phone, &me.nik, ctx.now).await?;
            ctx.say("pin-forgot-sent", &[]);
        }
        Ok(Outcome::Finish)
    }
}
