//! `UBAH STATUS <n> <status> [reason]`: a kelurahan admin moves a proposal along its workflow
//! from chat, exactly as `POST /api/proposals/{n}/status` does (the same rule, the same notices
//! to the proposer and supporters, the same audit).

use super::{Action, Ctx, Outcome};
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
    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match admin_of_phone(ctx.tx, ctx.phone).await? {
            Some((nik, Scope::Kelurahan)) => {
                ctx.values
                    .insert("_admin".into(), format!("admin:{}", mask_nik(&nik)));
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
                ctx.values.insert(NUMBER.into(), n.to_string());
                ctx.values.insert("title".into(), p.title);
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
    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let n: i64 = ctx
            .values
            .get(NUMBER)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let status = ctx.values.get(STATUS).cloned().unwrap_or_default();
        let reason = ctx.input.clone().unwrap_or_default();
        let reason = if reason.trim() == "-" {
            String::new()
        } else {
            reason
        };
        let actor = ctx.values.get("_admin").cloned().unwrap_or_default();
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
