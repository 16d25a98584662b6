//! Admin routes of Gerai Skill & Barter ([`crate::services`]), merged into [`super::api::router`]
//! (so guarded): what the kelurahan sees of residents' services. Read-only: offers and requests
//! belong to the residents who made them.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /api/services` | the offers listed now: `[{"code","provider","what","price","available","rt","rw","expires_at","created_at","status","number"}]` (`price` null: barter), oldest first |
//! | `GET /api/services/requests[?status=asked\|accepted\|declined\|paid\|bartered]` | `[{"number","service","asker","status","amount","created_at"}]`, newest first |

use super::api_registry::StatusFilter;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::services::RequestStatus;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/services", get(offers))
        .route("/services/requests", get(requests))
}

async fn offers(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Value>>, HttpError> {
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let listed = tx.listed_services(state.app.now()).await?;
    tx.rollback().await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|o| {
                let code = o.code();
                let mut v = json!(o);
                v["code"] = json!(code);
                v
            })
            .collect(),
    ))
}

async fn requests(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(filter): Query<StatusFilter>,
) -> Result<Json<Vec<Value>>, HttpError> {
    let status = filter.parsed::<RequestStatus>()?;
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let found = tx.service_requests(status).await?;
    tx.rollback().await?;
    Ok(Json(found.into_iter().map(|r| json!(r)).collect()))
}
