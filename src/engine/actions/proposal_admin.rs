//! `UBAH STATUS <n> <status> [reason]`: a kelurahan admin moves a proposal along its workflow
//! from chat, exactly as `POST /api/proposals/{n}/status` does (the same rule, the same notices
//! to the proposer and supporters, the same audit).

use super::{Action, Contract, Ctx, Outcome};
use crate::broadcast::{admin_of_phone, Scope};
use crate::error::StoreResult;
use crate::parse::nik::mask_nik;
use crate::proposals::proposal::{find, set_status};
use crate::proposals::{parse_number, ProposalError};
use async_trait::async_trait;

const NUMBER: &str = "number";
const STATUS: &str = "status";

/// Only an admin for the whole kelurahan sets a proposal's status (the Musrenbang is the
/// kelurahan's); others are told so.
pub struct CheckAdmin;

#[async_trait]
impl Action for CheckAdmin {
    fn contract(&self) -> Contract {
        Contract {
            writes: &["_admin"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match admin_of_phone(ctx.tx, ctx.phone).await? {
            Some((nik, Scope::Kelurahan)) => {
                ctx.set("_admin", format!("admin:{}", mask_nik(&nik)));
                Ok(Outcome::Next)
            }
            _ => {
                ctx.say("proposal-status-admins-only", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}

/// The proposal's number: it must exist.
pub struct Number;

#[async_trait]
impl Action for Number {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[NUMBER, "title"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let raw = ctx.input.clone().unwrap_or_default();
        let Some(n) = parse_number(&raw) else {
            return Ok(Outcome::Reject(
                "proposal-number-invalid",
                vec![("typed", raw)],
            ));
        };
        match find(ctx.tx, n).await {
            Ok(p) => {
                ctx.set(NUMBER, n.to_string());
                ctx.set("title", p.title);
                Ok(Outcome::Next)
            }
            Err(ProposalError::Store(e)) => Err(e),
            Err(_) => Ok(Outcome::Reject("proposal-unknown", vec![])),
        }
    }
}

/// The reason (`-` for none), then the change itself.
pub struct Apply;

#[async_trait]
impl Action for Apply {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[NUMBER, STATUS, "_admin"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(n) = ctx.value_i64(NUMBER) else {
            return Ok(ctx.missing(NUMBER));
        };
        let Some(status) = ctx.value(STATUS).map(str::to_string) else {
            return Ok(ctx.missing(STATUS));
        };
        let reason = ctx.input.clone().unwrap_or_default();
        let reason = if reason.trim() == "-" {
            String::new()
        } else {
            reason
        };
        let actor = ctx.value("_admin").unwrap_or_default().to_string();
        match set_status(
            ctx.tx,
            Some(ctx.texts),
            &actor,
            n,
            &status,
            &reason,
            ctx.now,
        )
        .await
        {
            Ok(change) => {
                ctx.say(
                    "proposal-status-set",
                    &[
                        ("number", n.to_string()),
                        (
                            "status_label",
                            ctx.texts.render(
                                &ctx.lang,
                                &format!("proposal-status-{}", status.replace('_', "-")),
                                &[],
                            ),
                        ),
                        ("notified", change.notified.to_string()),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(ProposalError::ReasonRequired) => {
                Ok(Outcome::Reject("proposal-status-reason-required", vec![]))
            }
            Err(ProposalError::InvalidTransition { from, .. }) => {
                let from = ctx.texts.render(
                    &ctx.lang,
                    &format!("proposal-status-{}", from.replace('_', "-")),
                    &[],
                );
                ctx.say("proposal-status-invalid", &[("from", from)]);
                Ok(Outcome::Finish)
            }
            Err(ProposalError::Store(e)) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "status change refused");
                ctx.say("engine-error", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}
