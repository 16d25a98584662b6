//! The ledger's admin routes (DESIGN §3), merged into [`super::api::router`] (so guarded).
//!
//! | route | body → answer |
//! | --- | --- |
//! | `POST /api/merchants` | `{"nik","name"}` → 201 `{"code","name","status","nik"}` (NIK masked); 404 unknown person, 409 already a merchant, 422 under 16 or bad name |
//! | `POST /api/merchants/{code}/redeem` | `{"amount"}` (header `Idempotency-Key` optional) → `{"code","amount","balance","transfer"}`; 422 above the balance |
//! | `POST /api/stimulus/run` | `{"date"}` (optional, default today in Jakarta) → `{"date","households","persons","amount"}` newly credited in the `?kelurahan=` one by this run, and `"date_total"` (that kelurahan's) |
//! | `POST /api/wallets/{no_kk}/deposit` | `{"amount","memo"?}` (header `Idempotency-Key` required: 400 without) → `{"no_kk","amount","transfer","fresh","wallet","purse","balance"}`: cash paid in at the office, treasury → the household's purse (money that may travel); 404 a household of another kelurahan or none, 422 a bad amount or memo |
//!
//! Every route acts on the kelurahan of `?kelurahan=<code>` (the default one without it): a
//! merchant, a household of another kelurahan is unknown here.

use super::api::body;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::calendar::{jakarta_date, parse_date};
use crate::ledger::deposit::deposit;
use crate::ledger::merchants::register_merchant;
use crate::ledger::payment::redeem;
use crate::ledger::stimulus::{check_date, run_stimulus, RunFor};
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
        .route("/wallets/{no_kk}/deposit", post(deposit_to_purse))
}

impl From<LedgerError> for HttpError {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Store(s) => HttpError::Store(s),
            LedgerError::UnknownPerson
            | LedgerError::UnknownMerchant
            | LedgerError::UnknownHousehold => HttpError::NotFound,
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
    check_date(date, state.app.now()).map_err(|e| HttpError::Unprocessable(e.to_string()))?;
    let clock = state.app.clock.clone();
    let t = run_stimulus(
        &state.app.db,
        &state.app.texts,
        RunFor::One(kelurahan.id()),
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
        .stimulus_run(kelurahan.id(), &day)
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

#[derive(Deserialize)]
struct Deposit {
    amount: i64,
    #[serde(default)]
    memo: String,
}

async fn deposit_to_purse(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(no_kk): Path<String>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let req: Deposit = body(&raw)?;
    let now = state.app.now();
    // Cash changed hands: a retried call must never deposit twice, so the key is required.
    let client_key = super::api::client_key(&headers)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| HttpError::Malformed("a deposit needs an Idempotency-Key header".into()))?;
    let key = crate::ledger::keys::deposit(no_kk.trim(), Some(client_key), now);
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let done = deposit(&mut tx, ACTOR, &no_kk, req.amount, &req.memo, &key, now).await?;
    tx.commit().await?;
    let amount: i64 = done
        .transfer
        .legs
        .iter()
        .filter(|l| l.amount > 0)
        .map(|l| l.amount)
        .sum();
    Ok(Json(json!({
        "no_kk": no_kk.trim(),
        "amount": amount,
        "transfer": done.transfer.id,
        "fresh": done.fresh,
        "wallet": done.funds.wallet,
        "purse": done.funds.purse,
        "balance": done.funds.total(),
    })))
}
