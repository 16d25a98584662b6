//! A deployment of one kelurahan keeps working from the environment alone: at `serve` start the
//! numbers of `WHATSAPP_PHONE_NUMBER_ID` and `TWILIO_FROM` become the default kelurahan's when no
//! kelurahan has them yet, and `GOTONG_KELURAHAN_CODE` / `GOTONG_KELURAHAN_NAME` name it.

use super::numbers::normalize_number;
use crate::config::Config;
use crate::message::Channel;
use crate::store::{Db, KelurahanError, KelurahanId};

/// The numbers the environment configures for sending, as `kelurahan_numbers` holds them. A
/// Twilio Messaging Service (`MG…`) is not a number anyone writes to: it is left out.
pub fn configured_numbers(config: &Config) -> Vec<(Channel, String)> {
    let mut numbers = Vec::new();
    if let Some(wa) = &config.whatsapp {
        if let Ok(id) = normalize_number(Channel::WhatsApp, &wa.phone_number_id) {
            numbers.push((Channel::WhatsApp, id));
        }
    }
    if let Some(tw) = &config.twilio {
        if let Ok(number) = normalize_number(Channel::Sms, &tw.from) {
            numbers.push((Channel::Sms, number));
        }
    }
    numbers
}

/// Registers the environment's numbers as the default kelurahan's (those no kelurahan has yet)
/// and names the default kelurahan from `GOTONG_KELURAHAN_CODE` / `GOTONG_KELURAHAN_NAME`.
pub async fn apply_environment(db: &Db, config: &Config, now: i64) -> Result<(), KelurahanError> {
    for (channel, number) in configured_numbers(config) {
        match db.kelurahan_of_number(channel, &number).await? {
            Some(owner) if owner != KelurahanId::DEFAULT => tracing::info!(
                %channel,
                number,
                kelurahan = %owner,
                "the configured number belongs to another kelurahan: left there"
            ),
            Some(_) => {}
            None => {
                let mut tx = db.begin(KelurahanId::DEFAULT).await?;
                tx.add_number(channel, &number).await?;
                tx.audit(
                    "serve",
                    "kelurahan.number",
                    &number,
                    None,
                    Some(&serde_json::json!({ "channel": channel, "number": number })),
                    now,
                )
                .await?;
                tx.commit().await?;
                tracing::info!(%channel, number, "the configured number is the default kelurahan's");
            }
        }
    }
    if config.kelurahan_code.is_none() && config.kelurahan_name.is_none() {
        return Ok(());
    }
    let Some(current) = db.kelurahan(KelurahanId::DEFAULT).await? else {
        return Ok(());
    };
    let code = config.kelurahan_code.as_deref().unwrap_or(&current.code);
    let name = config.kelurahan_name.as_deref().unwrap_or(&current.name);
    if code != current.code || name != current.name {
        db.name_default_kelurahan(code, name).await?;
        tracing::info!(code, name, "the default kelurahan is named");
    }
    Ok(())
}
