//! `DATA`: the household as registered (NIK masked), verified with `1` or a change reported
//! with `2`. Members whose legacy NIK disagrees with their birth date are asked to confirm it.

use super::{Action, Contract, Ctx, Outcome};
use crate::accounts::age::age_now;
use crate::accounts::elsewhere::phone_linked_elsewhere;
use crate::calendar::jakarta_date;
use crate::error::StoreResult;
use crate::parse::mask_phone;
use crate::parse::nik::last4;
use crate::registry::change::{may_ask_tetap, Kind, NotYetTetap};
use crate::registry::Shdk;
use crate::store::{Code, NewChangeRequest, Person};
use async_trait::async_trait;

/// The NIKs of the members as listed, in order (session value).
pub(super) const MEMBERS: &str = "_members";
pub(super) const KK: &str = "_kk";
pub(super) const MEMBER_NIK: &str = "_member_nik";

/// The linked person of this phone, or a "register first" answer.
pub(super) async fn linked_person(ctx: &mut Ctx<'_>) -> StoreResult<Option<Person>> {
    settle_relinks(ctx).await?;
    let Some(link) = ctx.tx.link_of_phone(ctx.phone).await? else {
        say_not_linked(ctx).await?;
        return Ok(None);
    };
    let person = ctx.tx.person(&link.nik).await?;
    if person.is_none() {
        ctx.say("data-not-linked", &[]);
    }
    Ok(person)
}

/// A move of a NIK to or from this phone that has waited 24 hours without `BUKAN` is made now,
/// before the phone's link is looked up ([`crate::accounts::relink::settle_due`]).
pub(super) async fn settle_relinks(ctx: &mut Ctx<'_>) -> StoreResult<()> {
    let told = crate::accounts::relink::settle_due(ctx.tx, ctx.texts, ctx.phone, ctx.now).await?;
    for notice in told {
        // What this phone is told comes first in its own reply.
        match notice.body {
            crate::message::Body::Text { text } if notice.phone == ctx.phone => ctx.said.push(text),
            _ => ctx.notices.push(notice),
        }
    }
    Ok(())
}

/// This phone is linked to nobody of this kelurahan: "register first", or, when it is linked to
/// a resident of another kelurahan, "you are registered there: write to its number".
pub(super) async fn say_not_linked(ctx: &mut Ctx<'_>) -> StoreResult<()> {
    match phone_linked_elsewhere(ctx.tx, ctx.phone).await? {
        Some(there) => ctx.say("linked-elsewhere", &[("kelurahan", there.title())]),
        None => ctx.say("data-not-linked", &[]),
    }
    Ok(())
}

/// The Fluent id of an SHDK's label (`KEPALA KELUARGA` → `shdk-kepala-keluarga`).
pub fn shdk_label_id(shdk: Shdk) -> String {
    format!("shdk-{}", shdk.as_str().to_lowercase().replace(' ', "-"))
}

/// Shows the household; the next step asks whether it is correct.
pub struct Show;

#[async_trait]
impl Action for Show {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[MEMBERS, KK, "reporter"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(me) = linked_person(ctx).await? else {
            return Ok(Outcome::Finish);
        };
        let household = ctx.tx.household(&me.no_kk).await?;
        let members = remember_household(ctx, &me).await?;
        let (rt, rw) = household.map(|h| (h.rt, h.rw)).unwrap_or_default();
        ctx.say(
            "data-household",
            &[
                ("rt", rt),
                ("rw", rw),
                ("kk_last4", last4(&me.no_kk).to_string()),
            ],
        );
        // Not numbered: the menu that follows is the one numbered list of this message.
        for m in &members {
            let relation = ctx.texts.render(&ctx.lang, &shdk_label_id(m.shdk), &[]);
            ctx.say(
                "data-member",
                &[
                    ("name", m.name.clone()),
                    ("age", age_now(m, ctx.now).to_string()),
                    ("relation", relation),
                    ("nik_last4", last4(&m.nik).to_string()),
                ],
            );
        }
        Ok(Outcome::Next)
    }
}

/// The current members of `me`'s household, kept for the steps that follow (their NIKs in
/// order, the KK, `me` as the reporter).
pub(super) async fn remember_household(ctx: &mut Ctx<'_>, me: &Person) -> StoreResult<Vec<Person>> {
    let members: Vec<Person> = ctx
        .tx
        .household_members(&me.no_kk)
        .await?
        .into_iter()
        .filter(Person::is_current)
        .collect();
    let niks: Vec<&str> = members.iter().map(|m| m.nik.as_str()).collect();
    ctx.set(MEMBERS, niks.join(","));
    ctx.set(KK, me.no_kk.clone());
    ctx.set("reporter", me.nik.clone());
    Ok(members)
}

/// The household shown at the start of this flow; `None` (after saying so) if there is none.
fn shown_household(ctx: &mut Ctx<'_>) -> Option<String> {
    match ctx.value(KK).filter(|k| !k.is_empty()) {
        Some(kk) => Some(kk.to_string()),
        None => {
            ctx.say("data-not-linked", &[]);
            None
        }
    }
}

fn member_niks(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.value(MEMBERS)
        .map(|m| {
            m.split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Finds the next member whose birth date must be confirmed; sets their name and date for the
/// prompt. `None` when there is none left.
async fn next_unconfirmed(ctx: &mut Ctx<'_>) -> StoreResult<Option<()>> {
    for nik in member_niks(ctx) {
        if let Some(p) = ctx.tx.person(&nik).await? {
            if p.nik_mismatch && p.birth_confirmed_at.is_none() {
                ctx.set(MEMBER_NIK, nik);
                ctx.set("member_name", p.name);
                ctx.set("member_birth", p.birth_date.format("%Y-%m-%d").to_string());
                return Ok(Some(()));
            }
        }
    }
    Ok(None)
}

async fn verified(ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
    let Some(kk) = shown_household(ctx) else {
        return Ok(Outcome::Finish);
    };
    ctx.tx.mark_household_verified(&kk, ctx.now).await?;
    let after = serde_json::json!({ "verified_at": ctx.now });
    ctx.tx
        .audit(
            &mask_phone(ctx.phone),
            "household.verify",
            &format!("kk ****{}", last4(&kk)),
            None,
            Some(&after),
            ctx.now,
        )
        .await?;
    ctx.say("data-verified", &[]);
    Ok(Outcome::Finish)
}

/// `1` all correct (then confirm flagged birth dates) or `2` report a change.
pub struct Verify;

#[async_trait]
impl Action for Verify {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[MEMBERS, KK],
            writes: &[MEMBER_NIK, "member_name", "member_birth"],
            branches: &["change", "confirm_birth"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if ctx.input.as_deref() == Some("change") {
            return Ok(Outcome::Branch("change"));
        }
        if next_unconfirmed(ctx).await?.is_some() {
            return Ok(Outcome::Branch("confirm_birth"));
        }
        verified(ctx).await
    }
}

/// Yes: the birth date is right (kept, flag answered). No: reported as a correction.
pub struct ConfirmBirth;

#[async_trait]
impl Action for ConfirmBirth {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[KK, MEMBER_NIK, "reporter", "member_birth", MEMBERS],
            writes: &[MEMBER_NIK, "member_name", "member_birth"],
            branches: &["more"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(kk) = shown_household(ctx) else {
            return Ok(Outcome::Finish);
        };
        let nik = ctx.value(MEMBER_NIK).unwrap_or_default().to_string();
        if ctx.input.as_deref() == Some("1") {
            ctx.tx.confirm_birth_date(&nik, ctx.now).await?;
        } else {
            let reporter = ctx.value("reporter").unwrap_or_default().to_string();
            let details = format!(
                "tanggal lahir {} tidak benar",
                ctx.value("member_birth").unwrap_or_default()
            );
            let id = ctx
                .tx
                .insert_change_request(
                    &NewChangeRequest {
                        no_kk: &kk,
                        nik: Some(&nik),
                        kind: Kind::Correction,
                        details: &details,
                        reported_by: &reporter,
                    },
                    ctx.now,
                )
                .await?;
            ctx.tx.confirm_birth_date(&nik, ctx.now).await?;
            ctx.say("data-birth-reported", &[("id", id.to_string())]);
        }
        if next_unconfirmed(ctx).await?.is_some() {
            return Ok(Outcome::Branch("more"));
        }
        verified(ctx).await
    }
}

/// Which change: births and moves in need no member; a residence change is the reporter's own
/// (if they may ask: [`may_ask_tetap`]) and asks for the RT/RW letter; the others ask which member.
pub struct ChangeKind;

#[async_trait]
impl Action for ChangeKind {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[MEMBERS, "reporter"],
            writes: &[MEMBER_NIK],
            branches: &["details", "member", "letter"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match ctx.input.as_deref().and_then(Kind::from_code) {
            Some(Kind::Residence) => residence_asked(ctx).await,
            Some(kind) if !kind.concerns_member() => Ok(Outcome::Branch("details")),
            _ => {
                say_member_choices(ctx).await?;
                Ok(Outcome::Branch("member"))
            }
        }
    }
}

/// The members of the household shown, numbered for the `change_member` step that follows (the
/// one numbered list of its message).
pub(super) async fn say_member_choices(ctx: &mut Ctx<'_>) -> StoreResult<()> {
    for (i, nik) in member_niks(ctx).iter().enumerate() {
        let name = ctx.tx.person(nik).await?.map(|p| p.name);
        ctx.say(
            "data-member-choice",
            &[
                ("number", (i + 1).to_string()),
                ("name", name.unwrap_or_default()),
            ],
        );
    }
    Ok(())
}

/// The reporter asks to become `TETAP`: on to the letter's number, or refused with the reason
/// (and, under 6 months, the day they may ask).
async fn residence_asked(ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
    let reporter = ctx.value("reporter").unwrap_or_default().to_string();
    let Some(me) = ctx.tx.person(&reporter).await? else {
        ctx.say("data-not-linked", &[]);
        return Ok(Outcome::Finish);
    };
    match may_ask_tetap(&me, jakarta_date(ctx.now)) {
        Ok(()) => {
            ctx.set(MEMBER_NIK, reporter);
            Ok(Outcome::Branch("letter"))
        }
        Err(NotYetTetap::Already) => {
            ctx.say("data-residence-already", &[]);
            Ok(Outcome::Finish)
        }
        Err(NotYetTetap::ArrivalUnknown) => {
            ctx.say("data-residence-arrival-unknown", &[]);
            Ok(Outcome::Finish)
        }
        Err(NotYetTetap::TooSoon { from }) => {
            ctx.say(
                "data-residence-too-soon",
                &[("date", from.format("%d-%m-%Y").to_string())],
            );
            Ok(Outcome::Finish)
        }
    }
}

/// The member's number in the list shown.
pub struct ChangeMember;

#[async_trait]
impl Action for ChangeMember {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[MEMBERS],
            writes: &[MEMBER_NIK, "member_name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let niks = member_niks(ctx);
        let index = ctx
            .input
            .as_deref()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let Some(nik) = index.checked_sub(1).and_then(|i| niks.get(i)).cloned() else {
            return Ok(Outcome::Reject(
                "data-member-unknown",
                vec![("max", niks.len().to_string())],
            ));
        };
        let name = ctx
            .tx
            .person(&nik)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        ctx.set(MEMBER_NIK, nik);
        ctx.set("member_name", name);
        Ok(Outcome::Next)
    }
}

/// The details, then the request goes to the kelurahan.
pub struct SubmitChange;

#[async_trait]
impl Action for SubmitChange {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[KK, "reporter", "kind", MEMBER_NIK],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(kk) = shown_household(ctx) else {
            return Ok(Outcome::Finish);
        };
        let reporter = ctx.value("reporter").unwrap_or_default().to_string();
        let Some(kind) = ctx.value("kind").and_then(Kind::from_code) else {
            return Ok(ctx.missing("kind"));
        };
        let nik = ctx.value(MEMBER_NIK).map(str::to_string);
        let input = ctx.input.clone().unwrap_or_default();
        let details = match kind {
            Kind::Residence => format!("NON_PERMANEN -> TETAP, surat pengantar RT/RW no. {input}"),
            _ => input,
        };
        let id = ctx
            .tx
            .insert_change_request(
                &NewChangeRequest {
                    no_kk: &kk,
                    nik: nik.as_deref(),
                    kind,
                    details: &details,
                    reported_by: &reporter,
                },
                ctx.now,
            )
            .await?;
        ctx.say("data-change-sent", &[("id", id.to_string())]);
        Ok(Outcome::Finish)
    }
}
