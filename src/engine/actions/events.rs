//! `KEGIATAN` / `RELAWAN`: the upcoming events, the resident's RW first, numbered by event number,
//! in pages (`0` the next one, an event's number its details); `IKUT <n>` signs up, `MUNDUR <n>`
//! withdraws ([`crate::events`]).

use super::household::linked_person;
use super::{Action, Contract, Ctx, Outcome};
use crate::calendar::jakarta_local;
use crate::engine::render::{menu_body, page_of, Item};
use crate::error::StoreResult;
use crate::events::{self, Event, EventError, SignedUp};
use crate::message::Channel;
use async_trait::async_trait;
use chrono::Datelike;
use std::collections::BTreeMap;

/// The listing's page (session value).
const PAGE: &str = "_events_page";
/// The resident's NIK (session value).
const ME: &str = "_nik";
/// The event's number (the step of `IKUT` and `MUNDUR`).
const NUMBER: &str = "number";

fn label(ctx: &Ctx<'_>, id: &str, args: &[(&str, String)]) -> String {
    ctx.texts.render_with(&ctx.lang, id, &BTreeMap::new(), args)
}

/// `Sab 28-11 07:00` in the resident's language.
fn short_when(ctx: &Ctx<'_>, starts_at: i64) -> String {
    let local = jakarta_local(starts_at);
    let day = local.weekday().number_from_monday();
    let day = label(ctx, &format!("event-day-{day}"), &[]);
    format!("{day} {}", local.format("%d-%m %H:%M"))
}

/// The arguments every text about `e` may use.
fn event_args(ctx: &Ctx<'_>, e: &Event) -> Vec<(&'static str, String)> {
    let area = match &e.rw {
        Some(rw) => label(ctx, "events-area-rw", &[("rw", rw.clone())]),
        None => String::new(),
    };
    vec![
        ("number", e.number.to_string()),
        ("title", e.title.clone()),
        ("place", e.place.clone()),
        ("when", short_when(ctx, e.starts_at)),
        ("area", area),
        ("signed", e.signed.to_string()),
        ("needed", e.needed.to_string()),
    ]
}

/// Says page `page` of the upcoming events; answers whether more pages follow, or `None` when
/// there is nothing to list (or the phone is linked to nobody: said too).
async fn say_page(ctx: &mut Ctx<'_>, page: usize) -> StoreResult<Option<bool>> {
    let Some(me) = linked_person(ctx).await? else {
        return Ok(None);
    };
    let rw = ctx
        .tx
        .household(&me.no_kk)
        .await?
        .map(|h| h.rw)
        .unwrap_or_default();
    let upcoming = ctx
        .tx
        .upcoming_events(ctx.now.div_euclid(1000), &rw)
        .await?;
    if upcoming.is_empty() {
        ctx.say("events-none", &[]);
        return Ok(None);
    }
    let mine = ctx.tx.signed_event_numbers(&me.nik).await?;
    let items: Vec<Item> = upcoming
        .iter()
        .map(|e| {
            let id = if mine.contains(&e.number) {
                "events-row-signed"
            } else {
                "events-row"
            };
            Item {
                id: e.number.to_string(),
                label: label(ctx, id, &event_args(ctx, e)),
            }
        })
        .collect();
    let header = label(ctx, "events-header", &[]);
    // The page must fit with the step's prompt after it.
    let prompt = label(ctx, "events-more", &[]);
    let fit = format!("{header}\n{prompt}");
    let next = label(ctx, "engine-next-page", &[]);
    let shown = page_of(ctx.channel, &fit, &items, page, &next);
    // Numbered text on both channels: the event's number is what the resident types.
    let body = menu_body(Channel::Sms, &header, &shown, &next, "");
    ctx.said.push(body.main_text().to_string());
    Ok(Some(shown.has_more))
}

/// `KEGIATAN`: the first page.
pub struct List;

#[async_trait]
impl Action for List {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PAGE],
            branches: &["more"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        ctx.set(PAGE, "0");
        Ok(match say_page(ctx, 0).await? {
            Some(_) => Outcome::Branch("more"),
            None => Outcome::Finish,
        })
    }
}

/// After a page: `0` the next page (after the last, the first again), a number that event.
pub struct More;

#[async_trait]
impl Action for More {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PAGE],
            writes: &[PAGE],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let n: i64 = ctx
            .input
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        if n == 0 {
            let page: usize = ctx.value(PAGE).and_then(|p| p.parse().ok()).unwrap_or(0);
            let said = ctx.said.len();
            let more = say_page(ctx, page).await?;
            ctx.said.truncate(said);
            let next = if more == Some(true) { page + 1 } else { 0 };
            if say_page(ctx, next).await?.is_none() {
                return Ok(Outcome::Finish);
            }
            ctx.set(PAGE, next.to_string());
            return Ok(Outcome::Branch("more"));
        }
        let Some(e) = ctx.tx.event(n).await? else {
            return Ok(Outcome::Reject(
                "event-unknown",
                vec![("number", n.to_string())],
            ));
        };
        let mut args = event_args(ctx, &e);
        args.push(("date", crate::calendar::jakarta_time(e.starts_at)));
        ctx.say("event-detail", &args);
        if let Some(code) = &e.item {
            let name = ctx.tx.item(code).await?.map(|i| i.name).unwrap_or_default();
            ctx.say(
                "event-detail-item",
                &[("code", code.clone()), ("name", name)],
            );
        }
        if let Some(p) = e.campaign {
            ctx.say("event-detail-campaign", &[("proposal", p.to_string())]);
        }
        Ok(Outcome::Branch("more"))
    }
}

/// `IKUT` / `MUNDUR`: the phone must be linked.
pub struct Me;

#[async_trait]
impl Action for Me {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[ME],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        ctx.set(ME, me.nik);
        Ok(Outcome::Next)
    }
}

/// The event's number typed, or the step asks again.
fn typed_number(ctx: &Ctx<'_>) -> Result<i64, Outcome> {
    ctx.input
        .as_deref()
        .and_then(|v| v.trim().trim_start_matches('#').parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| Outcome::Reject("event-number-invalid", vec![]))
}

/// A refusal of `IKUT` or `MUNDUR` for event `number`: what the resident is told. `None` for a
/// store failure; `Some(Reject)` when the step should ask again.
fn refusal(ctx: &mut Ctx<'_>, number: i64, e: EventError) -> Result<Outcome, EventError> {
    let n = [("number", number.to_string())];
    let id = match e {
        EventError::Unknown => {
            return Ok(Outcome::Reject("event-unknown", n.to_vec()));
        }
        EventError::Cancelled => "event-cancelled",
        EventError::Started => "event-started",
        EventError::Full => "event-full",
        EventError::NotSignedUp => "event-not-signed",
        EventError::AlreadyAttended => "event-already-attended",
        EventError::NotResident => "data-not-linked",
        other => return Err(other),
    };
    ctx.say(id, &n);
    Ok(Outcome::Finish)
}

/// `IKUT <n>`: sign up.
pub struct SignUp;

#[async_trait]
impl Action for SignUp {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME, NUMBER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = match typed_number(ctx) {
            Ok(n) => n,
            Err(o) => return Ok(o),
        };
        let Some(nik) = ctx.value(ME).map(str::to_string) else {
            return Ok(ctx.missing(ME));
        };
        let Some(me) = ctx.tx.person(&nik).await? else {
            ctx.say("data-not-linked", &[]);
            return Ok(Outcome::Finish);
        };
        let phone = ctx.phone.to_string();
        match events::sign_up(ctx.tx, number, &me, &phone, ctx.now).await {
            Ok((e, done)) => {
                let id = match done {
                    SignedUp::New => "event-signed",
                    SignedUp::Already => "event-already-signed",
                };
                let args = event_args(ctx, &e);
                ctx.say(id, &args);
                Ok(Outcome::Finish)
            }
            Err(e) => match refusal(ctx, number, e) {
                Ok(o) => Ok(o),
                Err(EventError::Store(s)) => Err(s),
                Err(other) => {
                    tracing::error!(error = %other, "an event sign-up refused");
                    ctx.say("engine-error", &[]);
                    Ok(Outcome::Finish)
                }
            },
        }
    }
}

/// `MUNDUR <n>`: withdraw.
pub struct Withdraw;

#[async_trait]
impl Action for Withdraw {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[ME, NUMBER],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let number = match typed_number(ctx) {
            Ok(n) => n,
            Err(o) => return Ok(o),
        };
        let Some(nik) = ctx.value(ME).map(str::to_string) else {
            return Ok(ctx.missing(ME));
        };
        match events::withdraw(ctx.tx, number, &nik, ctx.now).await {
            Ok(e) => {
                let args = event_args(ctx, &e);
                ctx.say("event-withdrawn", &args);
                Ok(Outcome::Finish)
            }
            Err(e) => match refusal(ctx, number, e) {
                Ok(o) => Ok(o),
                Err(EventError::Store(s)) => Err(s),
                Err(other) => {
                    tracing::error!(error = %other, "an event withdrawal refused");
                    ctx.say("engine-error", &[]);
                    Ok(Outcome::Finish)
                }
            },
        }
    }
}
