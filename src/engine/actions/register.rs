//! `DAFTAR`: link this phone to a person of the registry, then choose a PIN.
//!
//! An unknown NIK, a NIK without this phone in the registry, and a NIK already linked elsewhere
//! all get the same next question (the activation code), so nobody can find out which NIKs exist.
//! A NIK registered in another kelurahan is told so (where to register: issue 18), counted as a
//! failed attempt like a wrong code. Wrong codes are counted per NIK too
//! ([`crate::accounts::code_guesses`]), and a NIK linked to another phone is re-linked only by
//! [`crate::accounts::relink`] (the old phone told; `BUKAN` stops it).

use super::{Action, Contract, Ctx, Outcome};
use crate::accounts::activation_code::code_hash;
use crate::accounts::age::may_act;
use crate::accounts::code_guesses;
use crate::accounts::elsewhere::{nik_registered_elsewhere, phone_linked_elsewhere};
use crate::accounts::pin_hash::PinHasher;
use crate::accounts::relink;
use crate::accounts::throttle;
use crate::error::StoreResult;
use crate::parse::mask_phone;
use crate::parse::nik::mask_nik;
use crate::parse::pin::{is_trivial, parse_pin};
use async_trait::async_trait;

pub(super) const PIN_HASH: &str = "_pin_hash";
const CODE_ID: &str = "_code_id";

/// Says so and finishes if this phone is blocked after too many failures.
async fn blocked(ctx: &mut Ctx<'_>) -> StoreResult<bool> {
    let (_, until) = ctx.tx.link_attempts(ctx.phone).await?;
    match until {
        Some(until) if until > ctx.now => {
            let minutes = ((until - ctx.now) + 59_999) / 60_000;
            ctx.say("register-blocked", &[("minutes", minutes.to_string())]);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Counts a failed link attempt of this phone; answers until when it is blocked, if it now is.
async fn count_failure(ctx: &mut Ctx<'_>) -> StoreResult<Option<i64>> {
    let (failures, _) = ctx.tx.link_attempts(ctx.phone).await?;
    let (failures, until) = throttle::after_failure(failures, ctx.now);
    ctx.tx
        .set_link_attempts(ctx.phone, failures, until, ctx.now)
        .await?;
    Ok(until)
}

fn nik_of(ctx: &Ctx<'_>) -> String {
    ctx.value("nik").unwrap_or_default().to_string()
}

/// Before anything: a phone already linked, or blocked, goes no further.
pub struct CheckPhone;

#[async_trait]
impl Action for CheckPhone {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if blocked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        super::household::settle_relinks(ctx).await?;
        if let Some(link) = ctx.tx.link_of_phone(ctx.phone).await? {
            let name = ctx
                .tx
                .person(&link.nik)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            ctx.say("register-already-linked", &[("name", name)]);
            return Ok(Outcome::Finish);
        }
        if let Some(there) = phone_linked_elsewhere(ctx.tx, ctx.phone).await? {
            ctx.say("linked-elsewhere", &[("kelurahan", there.title())]);
            return Ok(Outcome::Finish);
        }
        Ok(Outcome::Next)
    }
}

/// After the NIK: is this phone the registry's phone for that person?
pub struct CheckNik;

#[async_trait]
impl Action for CheckNik {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["nik"],
            writes: &["name"],
            branches: &["recorded", "needs_code"],
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if blocked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        let nik = nik_of(ctx);
        let person = ctx.tx.person(&nik).await?;
        if person.is_none() {
            if let Some(there) = nik_registered_elsewhere(ctx.tx, &nik).await? {
                count_failure(ctx).await?;
                ctx.say("register-nik-elsewhere", &[("kelurahan", there.title())]);
                return Ok(Outcome::Finish);
            }
        }
        let linked_elsewhere = ctx.tx.phone_of_person(&nik).await?.is_some();
        match person {
            Some(p)
                if p.phone.as_deref() == Some(ctx.phone) && p.is_current() && !linked_elsewhere =>
            {
                if !may_act(&p, ctx.now) {
                    ctx.say("register-too-young", &[]);
                    return Ok(Outcome::Finish);
                }
                ctx.set("name", p.name);
                Ok(Outcome::Branch("recorded"))
            }
            _ => Ok(Outcome::Branch("needs_code")),
        }
    }
}

/// The activation code issued by the kelurahan for this NIK.
pub struct CheckCode;

#[async_trait]
impl Action for CheckCode {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["nik"],
            writes: &[CODE_ID, "name"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        if blocked(ctx).await? {
            return Ok(Outcome::Finish);
        }
        let nik = nik_of(ctx);
        let code = ctx.pin.clone().unwrap_or_default();
        let hash = code_hash(&ctx.config.secret_key_or_dev(), &nik, &code);
        let usable = ctx.tx.usable_activation_code(&nik, &hash, ctx.now).await?;
        let person = ctx.tx.person(&nik).await?;
        let (Some(id), Some(person)) = (usable, person) else {
            let until = count_failure(ctx).await?;
            tracing::info!(phone = %mask_phone(ctx.phone), "activation code refused");
            if code_guesses::wrong_code(ctx.tx, &nik, ctx.now).await? {
                ctx.say("register-code-void", &[]);
                return Ok(Outcome::Finish);
            }
            if until.is_some() {
                blocked(ctx).await?;
                return Ok(Outcome::Finish);
            }
            return Ok(Outcome::Reject("register-code-wrong", vec![]));
        };
        if !may_act(&person, ctx.now) {
            ctx.say("register-too-young", &[]);
            return Ok(Outcome::Finish);
        }
        code_guesses::right_code(ctx.tx, &nik).await?;
        ctx.set(CODE_ID, id.to_string());
        ctx.set("name", person.name);
        Ok(Outcome::Next)
    }
}

/// The new PIN, first time: refused if trivial; kept only as its peppered hash until repeated.
pub struct ChoosePin;

#[async_trait]
impl Action for ChoosePin {
    fn contract(&self) -> Contract {
        Contract {
            writes: &[PIN_HASH],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(pin) = ctx.pin.as_deref().and_then(|p| parse_pin(p).ok()) else {
            return Ok(Outcome::Reject("input-pin-invalid", vec![]));
        };
        if is_trivial(&pin) {
            return Ok(Outcome::Reject("register-pin-trivial", vec![]));
        }
        let hash = PinHasher::new(ctx.config.secret_key_or_dev()).hash(pin.expose());
        ctx.set(PIN_HASH, hash);
        Ok(Outcome::Next)
    }
}

/// The new PIN typed again: the hash kept by [`ChoosePin`] when it matches; otherwise the mismatch
/// is said (the flow goes back to choosing). Shared by `DAFTAR` and `GANTI PIN`.
pub(super) fn repeated_pin(ctx: &mut Ctx<'_>) -> Option<String> {
    let hash = ctx.take(PIN_HASH).unwrap_or_default();
    let pin = ctx.pin.clone().unwrap_or_default();
    if PinHasher::new(ctx.config.secret_key_or_dev()).verify(&pin, &hash) {
        Some(hash)
    } else {
        ctx.say("register-pin-mismatch", &[]);
        None
    }
}

/// The new PIN, again: on a match the phone is linked.
pub struct ConfirmPin;

#[async_trait]
impl Action for ConfirmPin {
    fn contract(&self) -> Contract {
        Contract {
            reads: &[PIN_HASH, "nik", CODE_ID, "name"],
            branches: &["mismatch"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let Some(hash) = repeated_pin(ctx) else {
            return Ok(Outcome::Branch("mismatch"));
        };
        let nik = nik_of(ctx);
        if ctx.tx.person(&nik).await?.is_none() {
            ctx.say("engine-error", &[]);
            return Ok(Outcome::Finish);
        }
        if let Some(id) = ctx.value_i64(CODE_ID) {
            ctx.tx.use_activation_code(id, ctx.now).await?;
        }
        // A NIK linked to another phone is never taken over at once (DESIGN §6).
        if let Some(old) = ctx.tx.phone_of_person(&nik).await? {
            if old != ctx.phone {
                let told =
                    relink::request(ctx.tx, ctx.texts, &nik, &old, ctx.phone, &hash, ctx.now)
                        .await?;
                ctx.notices.extend(told);
                ctx.say(
                    "register-relink-wait",
                    &[("phone_masked", mask_phone(&old))],
                );
                return Ok(Outcome::Finish);
            }
        }
        ctx.tx.create_link(ctx.phone, &nik, &hash, ctx.now).await?;
        ctx.tx
            .set_link_attempts(ctx.phone, 0, None, ctx.now)
            .await?;
        let masked = mask_nik(&nik);
        let after = serde_json::json!({ "phone": mask_phone(ctx.phone), "nik": masked });
        ctx.tx
            .audit(
                &mask_phone(ctx.phone),
                "account.link",
                &masked,
                None,
                Some(&after),
                ctx.now,
            )
            .await?;
        ctx.say("register-done", &[]);
        Ok(Outcome::Finish)
    }
}

/// `BUKAN` from the phone a NIK is linked to: a pending move of that NIK to another phone stops.
pub struct Object;

#[async_trait]
impl Action for Object {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        match relink::object(ctx.tx, ctx.texts, ctx.phone, ctx.now).await? {
            Some(told) => {
                ctx.notices.extend(told);
                ctx.say("relink-objected", &[]);
            }
            None => ctx.say("relink-none", &[]),
        }
        Ok(Outcome::Finish)
    }
}
