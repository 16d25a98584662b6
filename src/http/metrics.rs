//! `GET /metrics`: Prometheus text. Counters and histograms come from the recorder; the outbox
//! gauges (in all and per kelurahan) and the flow-step counters are read from the database at
//! each scrape, so they are right whichever server process did the work.

use super::HttpState;
use crate::telemetry;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

pub async fn render(State(state): State<HttpState>) -> impl IntoResponse {
    let db = &state.app.db;
    match db.outbox_stats(None).await {
        Ok(stats) => {
            metrics::gauge!(telemetry::OUTBOX_DEPTH).set(stats.depth as f64);
            let age_ms = stats
                .oldest_waiting_at
                .map_or(0, |at| (state.app.now() - at).max(0));
            metrics::gauge!(telemetry::OUTBOX_OLDEST_AGE).set(age_ms as f64 / 1000.0);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox figures unavailable"),
    }
    match kelurahan_backlog(db).await {
        Ok(rows) => {
            for (code, depth) in rows {
                metrics::gauge!(telemetry::KELURAHAN_OUTBOX_DEPTH, "kelurahan" => code)
                    .set(depth as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox figures per kelurahan unavailable"),
    }
    match db.flow_event_counts().await {
        Ok(rows) => {
            for (flow, step, event, count) in rows {
                metrics::counter!(
                    telemetry::FLOW_STEP_EVENTS,
                    "flow" => flow,
                    "step" => step,
                    "event" => event
                )
                .absolute(u64::try_from(count).unwrap_or(0));
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: flow figures unavailable"),
    }
    if let Some(pool) = &state.providers.sms_devices {
        for device in pool.health(state.app.now()) {
            let id = device.device_id.clone();
            metrics::gauge!(telemetry::SMS_DEVICE_ONLINE, "device" => id.clone())
                .set(if device.online { 1.0 } else { 0.0 });
            for sim in device.sims {
                let slot = sim
                    .sim
                    .map_or_else(|| "default".to_string(), |s| s.to_string());
                let labels = [("device", id.clone()), ("sim", slot)];
                metrics::gauge!(telemetry::SMS_SIM_SENT_TODAY, &labels)
                    .set(f64::from(sim.sent_today));
                metrics::gauge!(telemetry::SMS_SIM_USABLE, &labels).set(if sim.state == "ok" {
                    1.0
                } else {
                    0.0
                });
            }
        }
    }
    state.prometheus.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.prometheus.render(),
    )
}

/// Every kelurahan's code with its rows waiting (0 for none: a drained backlog reads 0, not the
/// last value seen).
async fn kelurahan_backlog(db: &crate::store::Db) -> crate::error::StoreResult<Vec<(String, i64)>> {
    let depth: std::collections::HashMap<_, _> =
        db.outbox_depth_by_kelurahan().await?.into_iter().collect();
    Ok(db
        .kelurahan_list()
        .await?
        .into_iter()
        .map(|k| (k.code, depth.get(&k.id).copied().unwrap_or(0)))
        .collect())
}
