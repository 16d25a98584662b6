//! `SURAT`: one's household's last requests and their status, then a new request: which letter
//! (numbered), for which member (the `DATA` flow's member choice), for what purpose
//! ([`crate::letters`]).

use super::household::{linked_person, remember_household, say_member_choices, KK, MEMBER_NIK};
use super::{refused_text, Action, Contract, Ctx, Outcome};
use crate::error::StoreResult;
use crate::letters::{self, LetterError, NewLetter, Priority, Requested};
use async_trait::async_trait;

/// How many of the household's requests `SURAT` lists (newest first).
const LISTED: i64 = 3;
/// The kind chosen (session value).
const KIND: &str = "letter_kind";

/// The household's last requests, then the kinds to choose from.
pub struct Start;

#[async_trait]
impl Action for Start {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[super::household::MEMBERS, KK, "reporter"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        remember_household(ctx, &me).await?;
        let mine = ctx.tx.letters_of_household(&me.no_kk, LISTED).await?;
        if !mine.is_empty() {
            ctx.say("letter-list-header", &[]);
            for l in mine {
                let state = ctx.texts.render(&ctx.lang, l.status.label_id(), &[]);
                let state = match &l.reason {
                    Some(reason) => format!("{state} ({reason})"),
                    None => state,
                };
                ctx.say(
                    "letter-list-line",
                    &[
                        ("number", l.number.to_string()),
                        ("kind", l.kind),
                        ("name", l.name),
                        ("state", state),
                    ],
                );
            }
        }
        for (i, kind) in letters::kinds(&ctx.config.letter_kinds).iter().enumerate() {
            ctx.say(
                "letter-kind-choice",
                &[("number", (i + 1).to_string()), ("kind", kind.clone())],
            );
        }
        Ok(Outcome::Next)
    }
}

/// The kind's number; then the members to choose from.
pub struct Kind;

#[async_trait]
impl Action for Kind {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[super::household::MEMBERS],
            writes: &[KIND],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let all = letters::kinds(&ctx.config.letter_kinds);
        let index = ctx.input.as_deref().and_then(|n| n.parse::<usize>().ok());
        let Some(kind) = index
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| all.get(i))
        else {
            return Ok(Outcome::Reject(
                "letter-kind-unknown",
                vec![("max", all.len().to_string())],
            ));
        };
        ctx.set(KIND, kind.clone());
        say_member_choices(ctx).await?;
        Ok(Outcome::Next)
    }
}

/// The purpose: the request goes to the kelurahan's queue.
pub struct Submit;

#[async_trait]
impl Action for Submit {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[KK, MEMBER_NIK, KIND],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let (Some(kk), Some(nik), Some(kind)) = (
            ctx.value(KK).map(str::to_string),
            ctx.value(MEMBER_NIK).map(str::to_string),
            ctx.value(KIND).map(str::to_string),
        ) else {
            return Ok(ctx.missing(KIND));
        };
        let purpose = ctx.input.clone().unwrap_or_default();
        let new = NewLetter {
            no_kk: &kk,
            nik: &nik,
            phone: ctx.phone,
            kind: &kind,
            purpose: &purpose,
        };
        match letters::request(ctx.tx, &new, ctx.now).await {
            Ok(Requested::New { number, priority }) => {
                ctx.say(
                    "letter-requested",
                    &[("number", number.to_string()), ("kind", kind)],
                );
                match priority {
                    Priority::WaitsForChange => ctx.say("letter-waits-for-change", &[]),
                    Priority::Unverified => ctx.say("letter-verify-first", &[]),
                    Priority::Verified => {}
                }
                Ok(Outcome::Finish)
            }
            Ok(Requested::AlreadyOpen { number }) => {
                ctx.say(
                    "letter-already-open",
                    &[("number", number.to_string()), ("kind", kind)],
                );
                Ok(Outcome::Finish)
            }
            Err(LetterError::Store(e)) => Err(e),
            Err(LetterError::Text(e)) => Ok(refused_text(e)),
            Err(e) => {
                tracing::error!(error = %e, "a new letter request refused");
                ctx.say("engine-error", &[]);
                Ok(Outcome::Finish)
            }
        }
    }
}
