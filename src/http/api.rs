//! The admin API (`/api/…`), behind [`super::admin_auth::require_admin`]. New routes go in
//! [`router`]; they are guarded automatically.

use super::admin_auth::require_admin;
use super::error::HttpError;
use super::kelurahan_param::KelurahanScope;
use super::HttpState;
use crate::kelurahan::stats::{deployment_kpis, kpis};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};

/// A JSON request body, or 400 saying what is wrong with it.
pub(super) fn body<T: serde::de::DeserializeOwned>(raw: &[u8]) -> Result<T, HttpError> {
    serde_json::from_slice(raw).map_err(|e| HttpError::Malformed(e.to_string()))
}

/// The client's `Idempotency-Key` header, if it sent one ([`crate::ledger::keys`] builds the key).
pub(super) fn client_key(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok())
}

pub fn router(state: HttpState) -> Router<HttpState> {
    Router::new()
        .route("/stats", get(stats))
        .merge(super::api_registry::routes())
        .merge(super::api_accounts::routes())
        .merge(super::api_tickets::routes())
        .merge(super::api_letters::routes())
        .merge(super::api_services::routes())
        .merge(super::api_events::routes())
        .merge(super::api_kindness::routes())
        .merge(super::api_ledger::routes())
        .merge(super::api_broadcasts::routes())
        .merge(super::api_proposals::routes())
        .merge(super::api_market::routes())
        .merge(super::api_kelurahan::routes())
        .merge(super::api_sms_devices::routes())
        .layer(middleware::from_fn_with_state(state, require_admin))
}

/// `GET /api/stats`: the operators' KPIs (DESIGN §3) of the kelurahan `?kelurahan=<code>` (the
/// default one without it), or with `?kelurahan=all` the deployment's totals and each
/// kelurahan's: `{"deployment": {…}, "kelurahan": [{"code", "name", …}]}`.
async fn stats(
    State(state): State<HttpState>,
    scope: KelurahanScope,
) -> Result<Response, HttpError> {
    let db = &state.app.db;
    let now = state.app.now();
    Ok(match scope {
        KelurahanScope::One(k) => Json(kpis(db, Some(k.id), now).await?).into_response(),
        KelurahanScope::All => Json(deployment_kpis(db, now).await?).into_response(),
    })
}
