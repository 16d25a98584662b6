//! `SIARAN [KEL 1002] [RW03] [RT001] <text>` and `BATAL SIARAN <id>`: the chat side of
//! [`crate::broadcast`]. The admin is looked up from the phone at every step (a revoked admin
//! stops at once); the text (with its optional area words) is the flow's `text` value, read
//! again when sending. A kecamatan admin's broadcast goes to every kelurahan of the kecamatan, or
//! to the one named by `KEL` and its code (10 digits, or the last 4).

use super::{Action, Contract, Ctx, Outcome};
use crate::broadcast::{
    self, admin_actor, admin_of_phone, explain, parse_rt, parse_rw, BroadcastError, Destination,
    Scope,
};
use crate::error::StoreResult;
use crate::store::Kelurahan;
use async_trait::async_trait;

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

/// What an admin typed: the leading `KEL <code>`, `RW03` / `RT001` words (in any order), then
/// the text.
#[derive(Debug, PartialEq)]
struct Words {
    kel: Option<String>,
    rw: Option<String>,
    rt: Option<String>,
    text: String,
}

/// A kelurahan code after `KEL`: 10 digits, or the last 4.
fn is_kelurahan_code(word: &str) -> bool {
    matches!(word.len(), 4 | 10) && word.chars().all(|c| c.is_ascii_digit())
}

fn split_area(input: &str) -> Result<Words, BroadcastError> {
    let mut rest = input.trim();
    let (mut kel, mut rw, mut rt) = (None, None, None);
    loop {
        let mut words = rest.split_whitespace();
        let word = words.next().unwrap_or("");
        let upper = word.to_uppercase();
        let is_area = |prefix: &str| {
            upper.len() > 2
                && upper.starts_with(prefix)
                && upper[2..].chars().all(|c| c.is_ascii_digit())
        };
        let bad = || BroadcastError::BadArea(word.chars().take(10).collect());
        if kel.is_none() && upper == "KEL" {
            let code = words.next().unwrap_or("");
            if !is_kelurahan_code(code) {
                return Ok(Words {
                    kel,
                    rw,
                    rt,
                    text: rest.to_string(),
                });
            }
            kel = Some(code.to_string());
            rest = rest[word.len()..].trim_start();
            rest = rest[code.len()..].trim_start();
            continue;
        }
        if rw.is_none() && is_area("RW") {
            rw = Some(parse_rw(word).ok_or_else(bad)?);
        } else if rt.is_none() && is_area("RT") {
            rt = Some(parse_rt(word).ok_or_else(bad)?);
        } else {
            return Ok(Words {
                kel,
                rw,
                rt,
                text: rest.to_string(),
            });
        }
        rest = rest[word.len()..].trim_start();
    }
}

/// Where what the admin typed goes, within their scope, the text, and the admin's kelurahan.
async fn destination_of(
    ctx: &mut Ctx<'_>,
    scope: &Scope,
    input: &str,
) -> Result<(Destination, String, Kelurahan), BroadcastError> {
    let home = ctx.tx.this_kelurahan().await?;
    let reachable = scope.kelurahan(ctx.tx, &home).await?;
    let w = split_area(input)?;
    let d = scope.destination(&reachable, w.kel.as_deref(), w.rw, w.rt, None)?;
    Ok((d, w.text, home))
}

/// First step of `SIARAN`: admins only; the prompt that follows says what a kecamatan admin may
/// add (`admin`: `kecamatan`, or `area` for the others).
pub struct Start;

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract {
            writes: &["admin"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(match admin(ctx).await? {
            Some((_, scope)) => {
                let kind = if scope == Scope::Kecamatan {
                    "kecamatan"
                } else {
                    "area"
                };
                ctx.set("admin", kind);
                Outcome::Next
            }
            None => Outcome::Finish,
        })
    }
}

/// First step of `BATAL SIARAN`: admins only.
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
        let planned = match destination_of(ctx, &scope, &input).await {
            Ok((d, text, home)) => {
                broadcast::plan_in(ctx.tx, &d.kelurahan, &d.target, &text, ctx.config, ctx.now)
                    .await
                    .map(|(_, plans)| {
                        let total = plans
                            .into_iter()
                            .fold(broadcast::Plan::default(), |sum, (_, p)| sum + p);
                        (d.label(&home), total)
                    })
            }
            Err(e) => Err(e),
        };
        let (area, plan) = match planned {
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
            ("area", area),
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
        let created = match destination_of(ctx, &scope, &input).await {
            Ok((d, text, _)) => {
                let actor = admin_actor(&nik);
                let (config, now) = (ctx.config, ctx.now);
                broadcast::create_in(ctx.tx, &actor, &d.kelurahan, &d.target, &text, config, now)
                    .await
            }
            Err(e) => Err(e),
        };
        let made: Vec<broadcast::Created> = match created {
            Ok(made) => made.into_iter().filter_map(|(_, c)| c).collect(),
            Err(e) => return refuse_and_finish(ctx, e),
        };
        let recipients: i64 = made.iter().map(|c| c.plan.recipients).sum();
        match made.as_slice() {
            [one] => ctx.say(
                "broadcast-queued",
                &[
                    ("id", one.id.to_string()),
                    ("recipients", recipients.to_string()),
                ],
            ),
            several => {
                let ids: Vec<String> = several.iter().map(|c| format!("#{}", c.id)).collect();
                ctx.say(
                    "broadcast-queued-many",
                    &[
                        ("ids", ids.join(", ")),
                        ("recipients", recipients.to_string()),
                        ("count", several.len().to_string()),
                    ],
                )
            }
        }
        Ok(Outcome::Finish)
    }
}

/// `BATAL SIARAN <id>`: a kecamatan admin cancels any broadcast of their kecamatan's kelurahan, a
/// kelurahan admin any of their kelurahan, others their own.
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
        let home = ctx.tx.this_kelurahan().await?;
        match broadcast::cancel_as_admin(ctx.tx, id, &nik, &scope, &home, ctx.now).await {
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

    fn words(input: &str) -> (Option<String>, Option<String>, Option<String>, String) {
        let w = split_area(input).unwrap();
        (w.kel, w.rw, w.rt, w.text)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn area_words_come_first_in_any_order() {
        assert_eq!(
            words("RW03 rt1 Kerja bakti Minggu"),
            (None, some("03"), some("001"), "Kerja bakti Minggu".into())
        );
        assert_eq!(
            words("Rapat RW03 besok"),
            (None, None, None, "Rapat RW03 besok".into())
        );
        assert_eq!(words("RW03"), (None, some("03"), None, "".into()));
        assert!(matches!(
            split_area("RW100 x"),
            Err(BroadcastError::BadArea(_))
        ));
        // Only the first RW counts as an area: a second one is text.
        assert_eq!(words("RW03 RW04 x").3, "RW04 x");
    }

    #[test]
    fn kel_and_a_code_name_a_kelurahan() {
        assert_eq!(
            words("KEL 1002 RW02 Posyandu besok"),
            (some("1002"), some("02"), None, "Posyandu besok".into())
        );
        assert_eq!(
            words("rw2 kel 3577011002 Posyandu"),
            (some("3577011002"), some("02"), None, "Posyandu".into())
        );
        // Without a code, KEL is text.
        assert_eq!(
            words("Kel 12 orang hadir"),
            (None, None, None, "Kel 12 orang hadir".into())
        );
    }
}
