//! The kelurahan of the deployment (tenants, issue 18), merged into [`super::api::router`] (so
//! guarded). The answer of each is a kelurahan with its numbers:
//! `{"code", "name", "whatsapp_phone_number_ids": […], "sms_numbers": […]}`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `POST /api/kelurahan` | `{"code", "name", "whatsapp_phone_number_id"?, "sms_numbers"?}` → 201 the kelurahan; 422 a code that is not 10 digits, no name or a bad number; 409 a taken code or a number of another kelurahan |
//! | `GET /api/kelurahan` | → `[…]` every kelurahan, the default first |
//! | `POST /api/kelurahan/{code}/numbers` | `{"whatsapp_phone_number_id"?, "sms_numbers"?}` → the kelurahan with all its numbers; 404 unknown code, 422 / 409 as above |
//!
//! This server's number directory is loaded again at once; the other servers find the new
//! numbers when a message comes to one.

use super::api::body;
use super::error::HttpError;
use super::HttpState;
use crate::kelurahan::create::{self, KelurahanEntry, NewKelurahan, NewNumbers};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

const ACTOR: &str = "admin-api";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/kelurahan", get(list).post(add))
        .route("/kelurahan/{code}/numbers", post(add_numbers))
}

async fn add(
    State(state): State<HttpState>,
    raw: axum::body::Bytes,
) -> Result<(StatusCode, Json<KelurahanEntry>), HttpError> {
    let new: NewKelurahan = body(&raw)?;
    let entry = create::create(&state.app.db, ACTOR, &new, state.app.now()).await?;
    reload_numbers(&state).await;
    Ok((StatusCode::CREATED, Json(entry)))
}

async fn list(State(state): State<HttpState>) -> Result<Json<Vec<KelurahanEntry>>, HttpError> {
    Ok(Json(create::list(&state.app.db).await?))
}

async fn add_numbers(
    State(state): State<HttpState>,
    Path(code): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Json<KelurahanEntry>, HttpError> {
    let new: NewNumbers = body(&raw)?;
    if new.is_empty() {
        return Err(HttpError::Unprocessable(
            "name a number: \"whatsapp_phone_number_id\" or \"sms_numbers\"".into(),
        ));
    }
    let entry = create::add_numbers(&state.app.db, ACTOR, &code, &new, state.app.now()).await?;
    reload_numbers(&state).await;
    Ok(Json(entry))
}

/// The new numbers take effect on this server at once (the change is committed either way).
async fn reload_numbers(state: &HttpState) {
    if let Err(e) = state.app.numbers.reload().await {
        tracing::warn!(error = %e, "reloading the kelurahan numbers failed: they are loaded again later");
    }
}
