//! `KEBAIKAN`: one's own kindness record; `KEBAIKAN PUBLIK` / `KEBAIKAN PRIBADI` show it in the
//! kelurahan's public recognition or hide it ([`crate::kindness`]).

use super::household::linked_person;
use super::{Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::kindness::record_of;
use async_trait::async_trait;

/// `KEBAIKAN`.
pub struct Show;

#[async_trait]
impl Action for Show {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let r = record_of(ctx.tx, &me.nik).await?;
        if r.total() == 0 {
            ctx.say("kindness-empty", &[("name", me.name)]);
        } else {
            ctx.say(
                "kindness-record",
                &[
                    ("name", me.name),
                    ("volunteered", r.volunteered.to_string()),
                    ("lent", r.lent.to_string()),
                    ("donated", r.donated.to_string()),
                    ("services", r.services.to_string()),
                ],
            );
        }
        let id = if ctx.tx.kindness_public(&me.nik).await? {
            "kindness-is-public"
        } else {
            "kindness-is-private"
        };
        ctx.say(id, &[]);
        Ok(Outcome::Finish)
    }
}

/// `KEBAIKAN PUBLIK` (true) / `KEBAIKAN PRIBADI` (false).
pub struct SetPublic(pub bool);

#[async_trait]
impl Action for SetPublic {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        ctx.tx.set_kindness_public(&me.nik, self.0, ctx.now).await?;
        ctx.say(
            if self.0 {
                "kindness-made-public"
            } else {
                "kindness-made-private"
            },
            &[],
        );
        Ok(Outcome::Finish)
    }
}
