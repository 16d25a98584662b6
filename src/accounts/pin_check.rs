//! Checking a linked resident's PIN before a PIN action (pay, donate…): 3 wrong tries lock PIN
//! actions for 15 minutes, and each wrong try says how many remain. After the kelurahan reset a
//! PIN ([`super::pin_change`]), the PIN typed at the next PIN step becomes the new one.

use super::pin_change::{reset_from, set_pin};
use super::pin_hash::PinHasher;
use super::pin_verdicts::PinVerdicts;
use crate::error::StoreResult;
use crate::parse::pin::parse_new_pin;
use crate::store::Tx;

pub const MAX_PIN_TRIES: i64 = 3;
pub const PIN_LOCK_MS: i64 = 15 * 60_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinCheck {
    Ok,
    Wrong {
        tries_left: i64,
    },
    /// Locked until this time (epoch ms).
    Locked {
        until: i64,
    },
    /// This phone is not linked to anyone.
    NotLinked,
    /// The PIN had been reset: the one typed is now the PIN (the action goes on).
    NewPinSet,
    /// The PIN had been reset, and the one typed is too easy to guess, or the old PIN: another
    /// is asked for.
    NewPinTrivial,
    NewPinIsOld,
}

/// Until when `phone`'s PIN actions are locked (3 wrong PINs), if they are now: a money action
/// says so at once, before asking anything (DESIGN §6).
pub async fn locked_until(tx: &mut Tx, phone: &str, now: i64) -> StoreResult<Option<i64>> {
    Ok(tx
        .link_of_phone(phone)
        .await?
        .and_then(|l| l.pin_locked_until)
        .filter(|u| *u > now))
}

/// Checks `pin` for `phone`'s link and records the result in the same unit of work. A verdict
/// worked out ahead for this PIN and the link's hash (`ahead`) spares the Argon2 verification.
pub async fn check_pin(
    tx: &mut Tx,
    hasher: &PinHasher,
    ahead: &PinVerdicts,
    phone: &str,
    pin: &str,
    now: i64,
) -> StoreResult<PinCheck> {
    let Some(link) = tx.link_of_phone(phone).await? else {
        return Ok(PinCheck::NotLinked);
    };
    if let Some(until) = link.pin_locked_until.filter(|u| *u > now) {
        return Ok(PinCheck::Locked { until });
    }
    if let Some(old) = reset_from(&link.pin_hash) {
        if hasher.verify(pin, old) {
            return Ok(PinCheck::NewPinIsOld);
        }
        let Ok(new) = parse_new_pin(pin) else {
            return Ok(PinCheck::NewPinTrivial);
        };
        set_pin(tx, phone, &hasher.hash(new.expose()), now).await?;
        return Ok(PinCheck::NewPinSet);
    }
    let matches = ahead
        .take(phone, &link.pin_hash, pin)
        .unwrap_or_else(|| hasher.verify(pin, &link.pin_hash));
    if matches {
        if link.pin_failures != 0 || link.pin_locked_until.is_some() {
            tx.set_pin_failures(phone, 0, None).await?;
        }
        return Ok(PinCheck::Ok);
    }
    // A lock that has run out starts a fresh count.
    let before = if link.pin_locked_until.is_some() {
        0
    } else {
        link.pin_failures
    };
    let failures = before + 1;
    if failures >= MAX_PIN_TRIES {
        let until = now + PIN_LOCK_MS;
        tx.set_pin_failures(phone, 0, Some(until)).await?;
        Ok(PinCheck::Locked { until })
    } else {
        tx.set_pin_failures(phone, failures, None).await?;
        Ok(PinCheck::Wrong {
            tries_left: MAX_PIN_TRIES - failures,
        })
    }
}
