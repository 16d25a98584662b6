//! `SIARAN [RW03] [RT001] <text>` and `BATAL SIARAN <id>`: the chat side of [`crate::broadcast`].
//! The admin is looked up from the phone at every step (a revoked admin stops at once); the text
//! (with its optional area words) is the flow's `text` value, read again when sending.

use super::{Action, Contract, Ctx, Outcome};
use crate::broadcast::{
    self, admin_actor, admin_of_phone, code_points, describe_chars, parse_rt, parse_rw,
    BroadcastError, Scope,
};
use crate::error::StoreResult;
use crate::message::Channel;
use crate::store::Target;
use async_trait::async_trait;

type Args = Vec<(&'static str, String)>;
/// A message id with its arguments.
type Said = (&'static str, Args);
/// Lines to say first, then the last one (a `Reject`'s message).
type Explained = (Vec<Said>, &'static str, Args);

/// What to tell the admin about a refusal.
fn explain(e: BroadcastError, channel: Channel) -> StoreResult<Explained> {
    let one = |id: &'static str, args: Args| Ok((Vec::new(), id, args));
    match e {
        BroadcastError::Store(e) => Err(e),
        BroadcastError::EmptyText => one("broadcast-empty", vec![]),
        BroadcastError::NotAdmin => one("broadcast-admins-only", vec![]),
        BroadcastError::OutOfScope(scope) => one("broadcast-out-of-scope", vec![("scope", scope)]),
        BroadcastError::RtNeedsRw => one("broadcast-rt-needs-rw", vec![]),
        BroadcastError::BadArea(area) => one("broadcast-bad-area", vec![("area", area)]),
        BroadcastError::NoRecipients => one("broadcast-no-recipients", vec![]),
        BroadcastError::TooLong { chars, cut } => one(
            "broadcast-too-long",
            vec![("length", chars.to_string()), ("cut", cut.to_string())],
        ),
        BroadcastError::Sms(p) => {
            let shown = match channel {
                Channel::Sms => code_points(&p.non_gsm7),
                Channel::WhatsApp => describe_chars(&p.non_gsm7),
            };
            let too_long = ("broadcast-sms-too-long", vec![("cut", p.cut.to_string())]);
            let not_gsm7 = ("broadcast-not-gsm7", vec![("chars", shown)]);
            match (p.cut > 0, !p.non_gsm7.is_empty()) {
                (true, true) => Ok((vec![too_long], not_gsm7.0, not_gsm7.1)),
                (true, false) => Ok((vec![], too_long.0, too_long.1)),
                _ => Ok((vec![], not_gsm7.0, not_gsm7.1)),
            }
        }
        BroadcastError::NotFound => one("broadcast-not-found", vec![]),
        BroadcastError::Finished => one("broadcast-finished", vec![]),
        BroadcastError::AlreadyCancelled => one("broadcast-already-cancelled", vec![]),
        BroadcastError::BadScope(_) | BroadcastError::BadRole(_) | BroadcastError::NotLinked => {
            one("engine-error", vec![])
        }
    }
}

/// Says the refusal and finishes the flow.
fn refuse_and_finish(ctx: &mut Ctx<'_>, e: BroadcastError) -> StoreResult<Outcome> {
    let (before, id, args) = explain(e, ctx.channel)?;
    for (id, args) in before {
        ctx.say(id, &args);
    }
    ctx.say(id, &args);
    Ok(Outcome::Finish)
}

/// The admin of this phone, or "for admins only" said.
async fn admin(ctx: &mut Ctx<'_>) -> StoreResult<Option<(String, Scope)>> {
    let admin = admin_of_phone(ctx.tx, ctx.phone).await?;
    if admin.is_none() {
        ctx.say("broadcast-admins-only", &[]);
    }
    Ok(admin)
}

/// Leading `RW03` / `RT001` words, then the text.
fn split_area(input: &str) -> Result<(Option<String>, Option<String>, String), BroadcastError> {
    let mut rest = input.trim();
    let (mut rw, mut rt) = (None, None);
    loop {
        let word = rest.split_whitespace().next().unwrap_or("");
        let upper = word.to_uppercase();
        let is_area = |prefix: &str| {
            upper.len() > 2
                && upper.starts_with(prefix)
                && upper[2..].chars().all(|c| c.is_ascii_digit())
        };
        let bad = || BroadcastError::BadArea(word.chars().take(10).collect());
        if rw.is_none() && is_area("RW") {
            rw = Some(parse_rw(word).ok_or_else(bad)?);
        } else if rt.is_none() && is_area("RT") {
            rt = Some(parse_rt(word).ok_or_else(bad)?);
        } else {
            return Ok((rw, rt, rest.to_string()));
        }
        rest = rest[word.len()..].trim_start();
    }
}

/// The target and text of what the admin typed, within their scope.
fn target_of(scope: &Scope, input: &str) -> Result<(Target, String), BroadcastError> {
    let (rw, rt, text) = split_area(input)?;
    Ok((scope.target(rw, rt, None)?, text))
}

/// First step of `SIARAN` and `BATAL SIARAN`: admins only.
pub struct CheckAdmin;

#[async_trait]
impl Action for CheckAdmin {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(match admin(ctx).await? {
            Some(_) => Outcome::Next,
            None => Outcome::Finish,
        })
    }
}

/// The text (with optional area): checked, then the reach is shown for confirmation.
pub struct Prepare;

#[async_trait]
impl Action for Prepare {
    fn contract(&self) -> Contract {
        Contract {
            writes: &["area", "recipients", "whatsapp", "sms"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some((_, scope)) = admin(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let input = ctx.input.clone().unwrap_or_default();
        let planned = match target_of(&scope, &input) {
            Ok((target, text)) => broadcast::plan(ctx.tx, &target, &text, ctx.config, ctx.now)
                .await
                .map(|(_, plan)| (target, plan)),
            Err(e) => Err(e),
        };
        let (target, plan) = match planned {
            Ok(p) => p,
            Err(BroadcastError::NoRecipients) => {
                return refuse_and_finish(ctx, BroadcastError::NoRecipients)
            }
            Err(e) => {
                let (before, id, args) = explain(e, ctx.channel)?;
                for (id, args) in before {
                    ctx.say(id, &args);
                }
                return Ok(Outcome::Reject(id, args));
            }
        };
        for (k, v) in [
            ("area", broadcast::target_label(&target)),
            ("recipients", plan.recipients.to_string()),
            ("whatsapp", plan.whatsapp.to_string()),
            ("sms", plan.sms.to_string()),
        ] {
            ctx.set(k, v);
        }
        if plan.unreachable > 0 {
            ctx.say(
                "broadcast-unreachable",
                &[("count", plan.unreachable.to_string())],
            );
        }
        Ok(Outcome::Next)
    }
}

/// Yes: queue it (checked again: the registry may have changed meanwhile). No: nothing sent.
pub struct Send;

#[async_trait]
impl Action for Send {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["text"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.input.as_deref() != Some("1") {
            ctx.say("broadcast-dropped", &[]);
            return Ok(Outcome::Finish);
        }
        let Some((nik, scope)) = admin(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let Some(input) = ctx.value("text").map(str::to_string) else {
            return Ok(ctx.missing("text"));
        };
        let created = match target_of(&scope, &input) {
            Ok((target, text)) => {
                broadcast::create(
                    ctx.tx,
                    &admin_actor(&nik),
                    &target,
                    &text,
                    ctx.config,
                    ctx.now,
                )
                .await
            }
            Err(e) => Err(e),
        };
        match created {
            Ok(c) => {
                ctx.say(
                    "broadcast-queued",
                    &[
                        ("id", c.id.to_string()),
                        ("recipients", c.plan.recipients.to_string()),
                    ],
                );
                Ok(Outcome::Finish)
            }
            Err(e) => refuse_and_finish(ctx, e),
        }
    }
}

/// `BATAL SIARAN <id>`: a kelurahan admin cancels any broadcast, others their own.
pub struct Cancel;

#[async_trait]
impl Action for Cancel {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some((nik, scope)) = admin(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let Some(id) = ctx.input.as_deref().and_then(|n| n.parse::<i64>().ok()) else {
            return refuse_and_finish(ctx, BroadcastError::NotFound);
        };
        let actor = admin_actor(&nik);
        let may = |created_by: &str| scope == Scope::Kelurahan || created_by == actor;
        match broadcast::cancel(ctx.tx, id, &actor, may, ctx.now).await {
            Ok(n) => {
                ctx.say(
                    "broadcast-cancelled",
                    &[("id", id.to_string()), ("count", n.to_string())],
                );
                Ok(Outcome::Finish)
            }
            Err(e) => refuse_and_finish(ctx, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_words_come_first_in_any_order() {
        let (rw, rt, text) = split_area("RW03 rt1 Kerja bakti Minggu").unwrap();
        assert_eq!(
            (rw.as_deref(), rt.as_deref(), text.as_str()),
            (Some("03"), Some("001"), "Kerja bakti Minggu")
        );
        let (rw, rt, text) = split_area("Rapat RW03 besok").unwrap();
        assert_eq!((rw, rt, text.as_str()), (None, None, "Rapat RW03 besok"));
        let (rw, _, text) = split_area("RW03").unwrap();
        assert_eq!((rw.as_deref(), text.as_str()), (Some("03"), ""));
        assert!(matches!(
            split_area("RW100 x"),
            Err(BroadcastError::BadArea(_))
        ));
        // Only the first RW counts as an area: a second one is text.
        let (_, _, text) = split_area("RW03 RW04 x").unwrap();
        assert_eq!(text, "RW04 x");
    }
}
