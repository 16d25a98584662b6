//! Before a batch of turns opens its unit of work: the messages answering a PIN step have their
//! PIN verified now, side by side on the blocking pool, and the verdicts are left for the turns
//! ([`crate::accounts::pin_verdicts`]). Argon2 inside the unit of work would hold the batch's
//! locks (SQLite's only writer) for tens of milliseconds per PIN.

use super::flow::InputKind;
use super::runner::Engine;
use crate::accounts::pin_hash::PinHasher;
use crate::parse::pin::parse_pin;
use crate::store::Db;

/// Verifies the PINs that the next messages of `phones` answer, if any. Only a head start: a
/// turn whose verdict is missing (a failure here, a message recorded since) verifies the PIN
/// itself.
pub(super) async fn verify_waiting_pins(engine: &Engine, db: &Db, phones: &[String]) {
    let expected = engine.pin_verdicts().take_expected(phones);
    if expected.is_empty() {
        return;
    }
    let waiting = match db.pin_answers_waiting(&expected).await {
        Ok(waiting) => waiting,
        Err(e) => {
            tracing::warn!(error = %e, "looking for PINs to verify ahead failed");
            return;
        }
    };
    let hasher = PinHasher::new(engine.config().secret_key_or_dev());
    let checks = waiting.into_iter().filter_map(|answer| {
        if engine.input_of(&answer.flow, &answer.step)? != InputKind::Pin {
            return None;
        }
        let pin = parse_pin(answer.content.input_text().trim()).ok()?;
        let hasher = hasher.clone();
        Some(tokio::task::spawn_blocking(move || {
            let matches = hasher.verify(pin.expose(), &answer.pin_hash);
            (answer.phone, answer.pin_hash, pin, matches)
        }))
    });
    for done in futures::future::join_all(checks).await {
        match done {
            Ok((phone, pin_hash, pin, matches)) => {
                engine
                    .pin_verdicts()
                    .remember(&phone, &pin_hash, pin.expose(), matches)
            }
            Err(e) => tracing::warn!(error = %e, "a PIN verification ahead failed"),
        }
    }
}
