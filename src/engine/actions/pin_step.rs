//! The PIN step of every money action (`BAYAR`, `TAGIHAN`, `PESAN`, `DONASI`). Its prompt names
//! the payer ([`PAYER_NAME`]), the payee, the amount and the balance after, and the PIN is the
//! yes (DESIGN §4): no Ya/Tidak step comes first. `BATAL` at that step is the no ([`said_no`]).
//! The PIN typed is checked ([`crate::accounts::pin_check`]: 3 wrong → 15 minutes locked), and a
//! wrong, locked or unlinked answer becomes the step's outcome with one set of texts.

use super::wallet::jakarta_time;
use super::{Ctx, Outcome};
use crate::accounts::pin_check::{check_pin, locked_until, PinCheck};
use crate::accounts::pin_hash::PinHasher;
use crate::error::StoreResult;

/// The payer's name, shown in the PIN step's prompt.
pub(super) const PAYER_NAME: &str = "payer_name";

/// Whether the resident answered the PIN step with its no (`BATAL`) rather than a PIN.
pub(super) fn said_no(ctx: &Ctx<'_>) -> bool {
    ctx.pin.is_none() && ctx.input.as_deref() == Some("0")
}

/// `Ok(None)` when the PIN is right; otherwise the outcome to return (asked again with the tries
/// left, or finished after saying the lock or that the phone is not linked).
pub(super) async fn pin_refusal(ctx: &mut Ctx<'_>) -> StoreResult<Option<Outcome>> {
    let pin = ctx.pin.clone().unwrap_or_default();
    let hasher = PinHasher::new(ctx.config.secret_key_or_dev());
    Ok(
        match check_pin(ctx.tx, &hasher, ctx.pins, ctx.phone, &pin, ctx.now).await? {
            PinCheck::Ok => None,
            PinCheck::NewPinSet => {
                ctx.say("pin-new-set", &[]);
                None
            }
            PinCheck::NewPinTrivial => Some(Outcome::Reject("register-pin-trivial", vec![])),
            PinCheck::NewPinIsOld => Some(Outcome::Reject("pin-new-not-old", vec![])),
            PinCheck::Wrong { tries_left } => Some(Outcome::Reject(
                "pay-pin-wrong",
                vec![("tries", tries_left.to_string())],
            )),
            PinCheck::Locked { until } => {
                ctx.say("pay-pin-locked", &[("until", jakarta_time(until))]);
                Some(Outcome::Finish)
            }
            PinCheck::NotLinked => {
                super::household::say_not_linked(ctx).await?;
                Some(Outcome::Finish)
            }
        },
    )
}

/// At the start of a money action: whether the PIN is locked, said at once with the time it
/// opens, so no question and no PIN prompt comes first.
pub(super) async fn said_locked(ctx: &mut Ctx<'_>) -> StoreResult<bool> {
    match locked_until(ctx.tx, ctx.phone, ctx.now).await? {
        Some(until) => {
            ctx.say("pay-pin-locked-now", &[("until", jakarta_time(until))]);
            Ok(true)
        }
        None => Ok(false),
    }
}
