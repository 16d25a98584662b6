//! Admin routes of `KEGIATAN` events ([`crate::events`]), merged into [`super::api::router`] (so
//! guarded). Every change is audited as `admin-api`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `POST /api/events` | `{"title","place","starts_at":"YYYY-MM-DD HH:MM" (Asia/Jakarta),"needed","rw"?,"item"?,"campaign"?}` → 201 `{"number"}`; 422 a title or place not 3–60 GSM-7 characters, a time not in the future or not of that form, `needed` not 1–500, an unknown RW, item code or campaign (a proposal's number) |
//! | `GET /api/events` | the upcoming open events, soonest first: `[{"number","title","place","starts_at" (unix seconds),"starts_local","rw","needed","item","campaign","status","reminded_at","signed","attended",…}]` |
//! | `GET /api/events/{n}` | the event and its sign-ups `[{"name","nik_masked","phone" (masked),"status","attended_at","created_at"}]`; 404 unknown |
//! | `POST /api/events/{n}/cancel` | → `{"number","status":"cancelled","told"}`: those signed up are told; again: nothing changes, nobody is told; 404 unknown; 409 already started |
//! | `POST /api/events/{n}/attendance` | `{"nik"}` → `{"number","nik_masked","attended"}` (the event's count); twice is once; 404 unknown event; 409 cancelled; 422 not a NIK, or not signed up |

use super::api::body;
use super::api_registry::ACTOR;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::calendar::{jakarta_local, parse_jakarta_time};
use crate::events::{self, Event, EventError, NewEvent, Status};
use crate::parse::mask_phone;
use crate::parse::nik::{mask_nik, parse_nik};
use crate::store::Code;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{n}", get(show))
        .route("/events/{n}/cancel", post(cancel))
        .route("/events/{n}/attendance", post(attendance))
}

impl From<EventError> for HttpError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::Store(s) => HttpError::Store(s),
            EventError::Unknown => HttpError::NotFound,
            EventError::Cancelled
            | EventError::Started
            | EventError::Full
            | EventError::AlreadyAttended => HttpError::Conflict(e.to_string()),
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

/// An event as the officers read it: its fields, counts and local start time.
fn view(e: &Event) -> Value {
    let mut v = json!(e);
    v["starts_local"] = json!(jakarta_local(e.starts_at)
        .format("%Y-%m-%d %H:%M")
        .to_string());
    v
}

#[derive(Deserialize)]
struct NewEventBody {
    title: String,
    place: String,
    starts_at: String,
    needed: i64,
    rw: Option<String>,
    item: Option<String>,
    campaign: Option<i64>,
}

/// An optional text field, blank as absent.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn create(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    raw: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let req: NewEventBody = body(&raw)?;
    let starts_at = parse_jakarta_time(&req.starts_at).ok_or_else(|| {
        HttpError::Unprocessable(format!(
            "starts_at {:?} is not YYYY-MM-DD HH:MM (Asia/Jakarta)",
            req.starts_at
        ))
    })?;
    let new = NewEvent {
        title: &req.title,
        place: &req.place,
        starts_at,
        needed: req.needed,
        rw: given(&req.rw),
        item: given(&req.item),
        campaign: req.campaign,
    };
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let number = events::post(&mut tx, &new, ACTOR, now).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(json!({ "number": number }))))
}

async fn list(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Value>>, HttpError> {
    let now_s = state.app.now().div_euclid(1000);
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let mut upcoming = tx.upcoming_events(now_s, "").await?;
    tx.rollback().await?;
    upcoming.sort_by_key(|e| (e.starts_at, e.number));
    Ok(Json(upcoming.iter().map(view).collect()))
}

async fn show(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let event = tx.event(n).await?.ok_or(HttpError::NotFound)?;
    let signups = tx.event_signups(n).await?;
    tx.rollback().await?;
    let mut v = view(&event);
    v["signups"] = signups
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "nik_masked": mask_nik(&s.nik),
                "phone": mask_phone(&s.phone),
                "status": s.status.code(),
                "attended_at": s.attended_at,
                "created_at": s.created_at,
            })
        })
        .collect();
    Ok(Json(v))
}

async fn cancel(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
) -> Result<Json<Value>, HttpError> {
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let told = events::cancel(&mut tx, &app.texts, n, ACTOR, now).await?;
    for t in &told {
        tx.enqueue(t, now).await?;
    }
    tx.commit().await?;
    Ok(Json(json!({
        "number": n,
        "status": Status::Cancelled.code(),
        "told": told.len(),
    })))
}

#[derive(Deserialize)]
struct AttendanceBody {
    nik: String,
}

async fn attendance(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<i64>,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: AttendanceBody = body(&raw)?;
    let nik = parse_nik(&req.nik).map_err(|e| HttpError::Unprocessable(format!("nik: {e}")))?;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(kelurahan.id()).await?;
    events::attend(&mut tx, n, nik.as_str(), ACTOR, now).await?;
    let attended = tx.event(n).await?.map(|e| e.attended).unwrap_or_default();
    tx.commit().await?;
    Ok(Json(json!({
        "number": n,
        "nik_masked": nik.masked(),
        "attended": attended,
    })))
}
