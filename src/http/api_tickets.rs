//! Admin routes of `TANYA` / `ADUAN` tickets ([`crate::tickets`]), merged into
//! [`super::api::router`] (so guarded). Answers and closings are audited as `admin-api`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `GET /api/tickets[?status=open\|answered\|closed]` | `[{"number","kind","body","status","answer","created_at","phone"}]` (phone masked), oldest first; without `status` those not closed |
//! | `POST /api/tickets/{n}/answer` | `{"text"}` (≤ 400 characters) → `{"number","status":"answered"}`; the answer goes to the resident by their channel; 404 unknown; 409 closed, or this very answer sent already; 422 empty or too long |
//! | `POST /api/tickets/{n}/close` | → `{"number","status":"closed"}`; 404 unknown; 409 already closed |

use super::api::body;
use super::api_registry::{StatusFilter, ACTOR};
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::parse::mask_phone;
use crate::tickets::{self, Status, TicketError};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/tickets", get(list))
        .route("/tickets/{n}/answer", post(answer))
        .route("/tickets/{n}/close", post(close))
}

impl From<TicketError> for HttpError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::Store(s) => HttpError::Store(s),
            TicketError::Unknown => HttpError::NotFound,
            TicketError::Closed | TicketError::AlreadyAnswered => {
                HttpError::Conflict(e.to_string())
            }
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
    let found = tx.tickets(status).await?;
    tx.rollback().await?;
    Ok(Json(
        found
            .into_iter()
            .map(|t| {
                let phone = mask_phone(&t.phone);
                let mut v = json!(t);
                v["phone"] = json!(phone);
                v
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
struct AnswerBody {
    text: String,
}

async fn answer(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: AnswerBody = body(&raw)?;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let told = tickets::answer(&mut tx, &app.texts, n, &req.text, ACTOR, now).await?;
    tx.enqueue(&told, now).await?;
    tx.commit().await?;
    Ok(Json(json!({ "number": n, "status": "answered" })))
}

async fn close(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let app = &state.app;
    let mut tx = app.db.begin(kelurahan.id()).await?;
    tickets::close(&mut tx, n, ACTOR, app.now()).await?;
    tx.commit().await?;
    Ok(Json(json!({ "number": n, "status": "closed" })))
}
