//! The ledger's admin routes (DESIGN §3), merged into [`super::api::router`] (so guarded).
//!
//! | route | body → answer |
//! | --- | --- |
//! | `POST /api/merchants` | `{"nik","name"}` → 201 `{"code","name","status","nik"}` (NIK masked); 404 unknown person, 409 already a merchant, 422 under 16 or bad name |
//! | `POST /api/merchants/{code}/redeem` | `{"amount"}` (header `Idempotency-Key` optional) → `{"code","amount","balance","transfer"}`; 422 above the balance |
//! | `POST /api/stimulus/run` | `{"date"}` (optional, default today in Jakarta) → `{"date","households","persons","amount"}` newly credited by this run, and `"date_total"` |

use super::api::body;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::calendar::{jakarta_date, parse_date};
use crate::ledger::merchants::register_merchant;
use crate::ledger::payment::redeem;
use crate::ledger::stimulus::run_stimulus;
use crate::ledger::LedgerError;
use crate::parse::nik::mask_nik;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

const ACTOR: &str = "admin-api";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/merchants", post(create_merchant))
        .route("/merchants/{code}/redeem", post(redeem_merchant))
        .route("/stimulus/run", post(stimulus_run))
}

impl From<LedgerError> for HttpError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Store(s) => HttpError::Store(s),
            LedgerError::UnknownPerson | LedgerError::UnknownMerchant => HttpError::NotFound,
            LedgerError::AlreadyMerchant { .. } => HttpError::Conflict(e.to_string()),
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct NewMerchant {
    nik: String,
    name: String,
}

async fn create_merchant(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    raw: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let req: NewMerchant = body(&raw)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let m = register_merchant(&mut tx, ACTOR, &req.nik, &req.name, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": m.code,
            "name": m.name,
            "status": if m.open { "open" } else { "closed" },
            "nik": mask_nik(&m.nik),
        })),
    ))
}

#[derive(Deserialize)]
struct Redeem {
    amount: i64,
}

async fn redeem_merchant(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(code): Path<String>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: Redeem = body(&raw)?;
    let now = state.app.now();
    let key = crate::ledger::keys::redeem(&code, super::api::client_key(&headers), now);
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let (transfer, _, balance) = redeem(&mut tx, ACTOR, &code, req.amount, &key, now).await?;
    tx.commit().await?;
    Ok(Json(json!({
        "code": code.to_uppercase(),
        "amount": req.amount,
        "balance": balance,
        "transfer": transfer.id,
    })))
}

#[derive(Deserialize, Default)]
struct StimulusRun {
    date: Option<String>,
}

async fn stimulus_run(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: StimulusRun = if raw.is_empty() {
        StimulusRun::default()
    } else {
        body(&raw)?
    };
    let date = match req.date {
        None => jakarta_date(state.app.now()),
        Some(d) => parse_date(&d)
            .ok_or_else(|| HttpError::Unprocessable(format!("not a date (YYYY-MM-DD): {d}")))?,
    };
    let clock = state.app.clock.clone();
    let t = run_stimulus(
        &state.app.db,
        &state.app.texts,
        date,
        state.app.config.stimulus_per_day,
        || clock.now_ms(),
        &|_, _| {},
    )
    .await?;
    let day = date.format("%Y-%m-%d").to_string();
    let total = state
        .app
        .db
        .stimulus_run(&day)
        .await?
        .map(|(t, _)| t)
        .unwrap_or_default();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    tx.audit(
        ACTOR,
        "stimulus.run",
        &day,
        None,
        Some(&json!(t)),
        state.app.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "date": day,
        "households": t.households,
        "persons": t.persons,
        "amount": t.amount,
        "date_total": total,
    })))
}
