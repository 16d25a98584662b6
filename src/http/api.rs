//! The admin API (`/api/…`), behind [`super::admin_auth::require_admin`]. New routes go in
//! [`router`]; they are guarded automatically.

use super::admin_auth::require_admin;
use super::error::HttpError;
use super::HttpState;
use axum::extract::State;
use axum::routing::get;
use axum::{middleware, Json, Router};
use serde::Serialize;

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
        .merge(super::api_ledger::routes())
        .merge(super::api_broadcasts::routes())
        .merge(super::api_proposals::routes())
        .merge(super::api_market::routes())
        .layer(middleware::from_fn_with_state(state, require_admin))
}

/// `GET /api/stats`: the operators' KPIs (DESIGN §3). Add a field per KPI.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub households: i64,
    pub households_verified: i64,
    /// Persons still present (not dead, not moved out).
    pub persons: i64,
    pub linked_phones: i64,
    /// Messages received (redeliveries counted once).
    pub messages_in: i64,
    /// Messages the providers accepted (sent, delivered or read).
    pub messages_out: i64,
    /// `stimulus_issued`, `payments`, `payments_amount`, `social_fund_balance`,
    /// `redeemed_amount`, `velocity`, `share_redeemed`.
    #[serde(flatten)]
    pub ledger: crate::store::LedgerStats,
    /// `proposals`, `supports`, `campaigns_open`, `campaigns_collected`.
    #[serde(flatten)]
    pub proposals: crate::store::ProposalStats,
    /// `listings`, `orders`, `items`, `loans_active`, `loans_overdue`.
    #[serde(flatten)]
    pub market: crate::store::MarketStats,
}

async fn stats(State(state): State<HttpState>) -> Result<Json<Stats>, HttpError> {
    let db = &state.app.db;
    let registry = db.registry_stats_deployment().await?;
    Ok(Json(Stats {
        households: registry.households,
        households_verified: registry.households_verified,
        persons: registry.persons,
        linked_phones: registry.linked_phones,
        messages_in: db.inbound_count().await?,
        messages_out: db.outbox_stats().await?.sent,
        ledger: db.ledger_stats().await?,
        proposals: db.proposal_stats().await?,
        market: db
            .market_stats(
                &crate::calendar::jakarta_date(state.app.now())
                    .format("%Y-%m-%d")
                    .to_string(),
            )
            .await?,
    }))
}
