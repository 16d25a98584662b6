//! Admin routes of linking's safety rules (DESIGN §6, issue 17), merged into
//! [`super::api::router`] (so guarded). Changes are audited as `admin-api`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `GET /api/relinks` | pending re-links: `[{"id","nik_masked","old_phone","new_phone","requested_at","due"}]` (phones masked) |
//! | `POST /api/relinks/{id}/confirm` | → `{"id","status":"done"}`: the link moves to the new phone now, both phones told; 404 unknown; 409 no longer pending |
//! | `GET /api/officer-notices` | the officers' queue, newest first: `[{"id","kind","subject","created_at"}]` |
//! | `POST /api/pin-resets` | `{"nik"}` → `{"nik_masked","phone"}`: `LUPA PIN` done at the office; the old PIN is void, the phone told; its next PIN step sets a new one; 404 no phone linked; 422 malformed NIK |

use super::api_registry::NikBody;
use super::api_registry::ACTOR;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::accounts::pin_change::{self, PinResetError};
use crate::accounts::relink::{self, RelinkError};
use crate::parse::mask_phone;
use crate::parse::nik::{mask_nik, parse_nik};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/relinks", get(list_relinks))
        .route("/relinks/{id}/confirm", post(confirm_relink))
        .route("/officer-notices", get(officer_notices))
        .route("/pin-resets", post(reset_pin))
}

impl From<RelinkError> for HttpError {
    fn from(e: RelinkError) -> Self {
        match e {
            RelinkError::Store(s) => HttpError::Store(s),
            RelinkError::Unknown => HttpError::NotFound,
            RelinkError::NotPending => HttpError::Conflict(e.to_string()),
        }
    }
}

async fn list_relinks(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Value>>, HttpError> {
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let pending = tx.pending_relinks(None).await?;
    tx.rollback().await?;
    Ok(Json(
        pending
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "nik_masked": mask_nik(&r.nik),
                    "old_phone": mask_phone(&r.old_phone),
                    "new_phone": mask_phone(&r.new_phone),
                    "requested_at": r.requested_at,
                    "due": r.due(now),
                })
            })
            .collect(),
    ))
}

async fn confirm_relink(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(id): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let told = relink::confirm(&mut tx, &app.texts, id, ACTOR, now).await?;
    tx.enqueue_all(&told, now).await?;
    tx.commit().await?;
    Ok(Json(json!({ "id": id, "status": "done" })))
}

async fn officer_notices(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Value>>, HttpError> {
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let rows = tx.officer_notices().await?;
    tx.rollback().await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, kind, subject, created_at)| {
                json!({ "id": id, "kind": kind, "subject": subject, "created_at": created_at })
            })
            .collect(),
    ))
}

async fn reset_pin(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Json(body): Json<NikBody>,
) -> Result<Json<Value>, HttpError> {
    let nik =
        parse_nik(&body.nik).map_err(|e| HttpError::Unprocessable(format!("invalid NIK: {e}")))?;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let (told, phone) = pin_change::reset(&mut tx, &app.texts, nik.as_str(), ACTOR, now)
        .await
        .map_err(|e| match e {
            PinResetError::Store(s) => HttpError::Store(s),
            PinResetError::NotLinked => HttpError::NotFound,
        })?;
    tx.enqueue(&told, now).await?;
    tx.commit().await?;
    Ok(Json(json!({
        "nik_masked": mask_nik(nik.as_str()),
        "phone": mask_phone(&phone),
    })))
}
