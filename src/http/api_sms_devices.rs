//! `GET /api/sms-devices`: the SMS Gateway for Android phones and SIMs this server knows, with
//! their health: `{"caps": {"per_minute", "per_day"}, "devices": [{"device_id", "number",
//! "online", "last_event_at", "last_ping_at", "sims": [{"sim", "sent_today", "sent_last_minute",
//! "sent_total", "failed_total", "failures_in_a_row", "state"}]}]}` (times epoch ms). 404 when the
//! gateway is not configured.

use super::error::HttpError;
use super::HttpState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<HttpState> {
    Router::new().route("/sms-devices", get(list))
}

async fn list(State(state): State<HttpState>) -> Result<Json<serde_json::Value>, HttpError> {
    let pool = state
        .providers
        .sms_devices
        .as_ref()
        .ok_or(HttpError::NotFound)?;
    let caps = pool.caps();
    let devices: Vec<serde_json::Value> = pool
        .health(state.app.now())
        .into_iter()
        .map(|d| {
            let number = (!d.device_id.is_empty())
                .then(|| crate::channels::android::device_number(&d.device_id));
            let mut v = serde_json::to_value(&d).unwrap_or_default();
            v["number"] = serde_json::json!(number);
            v
        })
        .collect();
    Ok(Json(serde_json::json!({
        "caps": { "per_minute": caps.per_minute, "per_day": caps.per_day },
        "devices": devices,
    })))
}
