//! Admin routes of `SURAT` letter requests ([`crate::letters`]), merged into
//! [`super::api::router`] (so guarded). Status changes are audited as `admin-api`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `GET /api/letters[?status=diajukan\|diproses\|siap_diambil\|ditolak\|selesai]` | `[{"number","name","kind","purpose","status","reason","priority","created_at","updated_at","nik_masked","phone"}]` (phone masked) in the order to serve them: `priority` `verified` (the household confirmed its data), then `unverified`, then `waits_for_change` (a change request is open); oldest first within each; without `status` those still open |
//! | `POST /api/letters/{n}/status` | `{"status","reason"?}` (`reason` required for `ditolak`, ≤ 200 characters) → `{"number","status"}`; the resident is told by their channel; the same status again changes nothing and tells nobody; 404 unknown; 409 not a forward move (`selesai` only once `siap_diambil`, `ditolak` only before); 422 unknown status or missing reason |

use super::api::body;
use super::api_registry::{status_of, StatusFilter, ACTOR};
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::letters::{self, LetterError, Status};
use crate::parse::mask_phone;
use crate::parse::nik::mask_nik;
use crate::store::Code;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/letters", get(list))
        .route("/letters/{n}/status", post(set_status))
}

impl From<LetterError> for HttpError {
    fn from(e: LetterError) -> Self {
        match e {
            LetterError::Store(s) => HttpError::Store(s),
            LetterError::Unknown => HttpError::NotFound,
            LetterError::Move { .. } => HttpError::Conflict(e.to_string()),
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

async fn list(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(filter): Query<StatusFilter>,
) -> Result<Json<Vec<Value>>, HttpError> {
    let status = filter.parsed::<Status>()?;
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let queue = tx.letter_queue(status).await?;
    tx.rollback().await?;
    Ok(Json(
        queue
            .into_iter()
            .map(|q| {
                let nik = mask_nik(&q.letter.nik);
                let phone = mask_phone(&q.letter.phone);
                let mut v = json!(q);
                v["nik_masked"] = json!(nik);
                v["phone"] = json!(phone);
                v
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
    reason: Option<String>,
}

async fn set_status(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: StatusBody = body(&raw)?;
    let to: Status = status_of(&req.status)?;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let told = letters::set_status(
        &mut tx,
        &app.texts,
        n,
        to,
        req.reason.as_deref(),
        ACTOR,
        now,
    )
    .await?;
    if let Some(told) = told {
        tx.enqueue(&told, now).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({ "number": n, "status": to.code() })))
}
