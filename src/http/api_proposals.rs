//! The admin routes of proposals and swadaya campaigns (issue 6), merged into
//! [`super::api::router`] (so guarded). Every change is audited as `admin-api`.
//!
//! | route | body → answer |
//! | --- | --- |
//! | `GET /api/proposals/{n}` | the proposal, its supports, public history, campaign and spends (proposer NIK masked) |
//! | `POST /api/proposals/{n}/status` | `{"status","reason"}` → `{"number","from","status","reason","notified"}`; 404 unknown proposal; 422 unknown status, `ditolak` without a reason, reason over 300 characters; 409 a transition the workflow does not allow (see `proposals::status`) |
//! | `POST /api/proposals/{n}/campaign` | `{"target"}` → 201 `{"number","target","status","collected"}`; 404 unknown; 409 a campaign exists or the proposal is funded/done; 422 target ≤ 0 |
//! | `POST /api/campaigns/{n}/spend` | `{"amount","memo"}` (header `Idempotency-Key` optional) → `{"number","amount","memo","balance","transfer"}`; 404 no such campaign; 422 above what it holds, bad memo |
//! | `POST /api/campaigns/{n}/close` | → `{"number","status":"closed"}`; 409 already closed |

use super::api::body;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::parse::nik::mask_nik;
use crate::proposals::campaign::{close, open_campaign, spend};
use crate::proposals::proposal::{find, set_status};
use crate::proposals::{parse_number, ProposalError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

const ACTOR: &str = "admin-api";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/proposals/{n}", get(show))
        .route("/proposals/{n}/status", post(status))
        .route("/proposals/{n}/campaign", post(campaign))
        .route("/campaigns/{n}/spend", post(campaign_spend))
        .route("/campaigns/{n}/close", post(campaign_close))
}

impl From<ProposalError> for HttpError {
    fn from(e: ProposalError) -> Self {
        match e {
            ProposalError::Store(s) => HttpError::Store(s),
            ProposalError::Ledger(l) => l.into(),
            ProposalError::UnknownProposal | ProposalError::NoCampaign => HttpError::NotFound,
            ProposalError::InvalidTransition { .. }
            | ProposalError::Closed { .. }
            | ProposalError::CampaignExists
            | ProposalError::CampaignClosed { .. }
            | ProposalError::NotFundable { .. }
            | ProposalError::AlreadySupported => HttpError::Conflict(e.to_string()),
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

fn number(n: &str) -> Result<i64, HttpError> {
    parse_number(n).ok_or(HttpError::NotFound)
}

async fn show(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let n = number(&n)?;
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let p = find(&mut tx, n).await?;
    let history = tx.proposal_history(n).await?;
    let campaign = tx.campaign(n).await?;
    let spends = tx.spends(n).await?;
    tx.rollback().await?;
    Ok(Json(json!({
        "number": p.number,
        "kind": p.kind,
        "title": p.title,
        "description": p.description,
        "photo": p.photo,
        "proposer": mask_nik(&p.proposer),
        "rt": p.rt,
        "rw": p.rw,
        "status": p.status,
        "supports": p.supports,
        "created_at": p.created_at,
        "history": history.iter().map(|h| json!({
            "from": h.from, "to": h.to, "reason": h.reason, "by": h.actor, "at": h.at,
        })).collect::<Vec<_>>(),
        "campaign": campaign.map(|c| json!({
            "target": c.target, "collected": c.collected, "balance": c.balance, "status": c.status,
        })),
        "spends": spends.iter().map(|s| json!({
            "amount": s.amount, "memo": s.memo, "at": s.at,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct NewStatus {
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn status(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<String>,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let n = number(&n)?;
    let req: NewStatus = body(&raw)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let reason = req.reason.unwrap_or_default();
    let change = set_status(
        &mut tx,
        Some(&state.app.texts),
        ACTOR,
        n,
        &req.status,
        &reason,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({
        "number": n,
        "from": change.from.as_str(),
        "status": change.proposal.status,
        "reason": reason.trim(),
        "notified": change.notified,
    })))
}

#[derive(Deserialize)]
struct NewCampaign {
    target: i64,
}

async fn campaign(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<String>,
    raw: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let n = number(&n)?;
    let req: NewCampaign = body(&raw)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let (_, c) = open_campaign(&mut tx, ACTOR, n, req.target, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "number": n,
            "target": c.target,
            "status": c.status,
            "collected": c.collected,
        })),
    ))
}

#[derive(Deserialize)]
struct NewSpend {
    amount: i64,
    memo: String,
}

async fn campaign_spend(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<String>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Result<Json<Value>, HttpError> {
    let n = number(&n)?;
    let req: NewSpend = body(&raw)?;
    let now = state.app.now();
    let key = crate::ledger::keys::campaign_spend(n, super::api::client_key(&headers), now);
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let (transfer, _, c) = spend(&mut tx, ACTOR, n, req.amount, &req.memo, &key, now).await?;
    tx.commit().await?;
    Ok(Json(json!({
        "number": n,
        "amount": req.amount,
        "memo": transfer.memo,
        "balance": c.balance,
        "transfer": transfer.id,
    })))
}

async fn campaign_close(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(n): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let n = number(&n)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let c = close(&mut tx, ACTOR, n, now).await?;
    tx.commit().await?;
    Ok(Json(json!({ "number": n, "status": c.status })))
}
