//! Admin API for broadcasts (DESIGN §3): admins, broadcasts, their figures and cancelling. The
//! rules are [`crate::broadcast`]'s, the same as `SIARAN` in chat; the API acts for the whole
//! kelurahan named by `?kelurahan=` (or, with `"all": true`, every kelurahan of the deployment:
//! the bearer token is the deployment's) and is audited as `admin-api`.

use super::api_registry::ACTOR;
use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::broadcast::{self, parse_rt, parse_rw, BroadcastError, Created, Plan, Scope};
use crate::channels::android::sims::Drain;
use crate::parse::nik::{mask_nik, parse_nik};
use crate::store::{BroadcastCounts, KelurahanId, Role};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/admins", post(create_admin))
        .route("/broadcasts", post(create_broadcast))
        .route("/broadcasts/{id}", get(broadcast_counts))
        .route("/broadcasts/{id}/cancel", post(cancel_broadcast))
}

impl From<BroadcastError> for HttpError {
    fn from(e: BroadcastError) -> Self {
        match e {
            BroadcastError::Store(e) => HttpError::Store(e),
            BroadcastError::NotFound => HttpError::NotFound,
            BroadcastError::Finished | BroadcastError::AlreadyCancelled => {
                HttpError::Conflict(e.to_string())
            }
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

#[derive(Deserialize)]
pub struct AdminBody {
    pub nik: String,
    pub scope: String,
}

#[derive(Serialize)]
pub struct AdminView {
    pub nik_masked: String,
    pub scope: String,
}

/// `POST /api/admins {"nik", "scope"}`: `scope` is `kecamatan` (every kelurahan of the
/// kecamatan of `?kelurahan=`), `kelurahan`, `RW03` or `RW03/RT001`; the person must be a linked
/// resident of that kelurahan. Granting again replaces the scope.
async fn create_admin(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Json(body): Json<AdminBody>,
) -> Result<(StatusCode, Json<AdminView>), HttpError> {
    let nik =
        parse_nik(&body.nik).map_err(|e| HttpError::Unprocessable(format!("invalid NIK: {e}")))?;
    let scope = Scope::parse(&body.scope)?;
    let app = &state.app;
    let mut tx = app.db.begin(kelurahan.id()).await?;
    broadcast::grant_admin(&mut tx, nik.as_str(), &scope, ACTOR, app.now()).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(AdminView {
            nik_masked: mask_nik(nik.as_str()),
            scope: scope.label(),
        }),
    ))
}

#[derive(Deserialize)]
pub struct BroadcastBody {
    pub text: String,
    #[serde(default)]
    pub rw: Option<String>,
    #[serde(default)]
    pub rt: Option<String>,
    /// `merchant` or `unverified` (households that have not verified their data).
    #[serde(default)]
    pub role: Option<String>,
    /// To every kelurahan of the deployment (one broadcast each, from each one's number).
    #[serde(default)]
    pub all: bool,
}

/// One kelurahan's broadcast of a `"all": true` request.
#[derive(Serialize)]
pub struct KelurahanBroadcast {
    pub kelurahan: String,
    pub name: String,
    /// `null` where nobody is reached (nothing queued there).
    pub id: Option<i64>,
    pub recipients: i64,
    pub whatsapp: i64,
    pub sms: i64,
    pub unreachable: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_drain: Option<Drain>,
}

/// One queued broadcast, and how long its SMS take to go out through the gateway phones.
#[derive(Serialize)]
pub struct CreatedView {
    #[serde(flatten)]
    pub created: Created,
    /// With `SMS_PROVIDER=android` and SMS recipients: `{"messages", "sims", "per_minute",
    /// "per_day", "seconds", "days"}` (the SIMs' caps: [`Drain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_drain: Option<Drain>,
}

/// What `POST /api/broadcasts` answers: one broadcast, or with `"all": true` each kelurahan's.
#[derive(Serialize)]
#[serde(untagged)]
pub enum BroadcastAnswer {
    One(CreatedView),
    All {
        recipients: i64,
        broadcasts: Vec<KelurahanBroadcast>,
    },
}

/// `POST /api/broadcasts {"text", "rw"?, "rt"?, "role"?}` → `{"id", "recipients", "whatsapp",
/// "sms", "unreachable", "sms_drain"?}`; with `"all": true` (and no RW or RT: those are inside one kelurahan)
/// → `{"recipients", "broadcasts": [{"kelurahan", "name", "id", "recipients", …}]}`, one per
/// kelurahan of the deployment, all queued or none. 422 (nothing queued) for an empty or
/// unsendable text or no recipients.
async fn create_broadcast(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Json(body): Json<BroadcastBody>,
) -> Result<(StatusCode, Json<BroadcastAnswer>), HttpError> {
    let area = |v: Option<String>, parse: fn(&str) -> Option<String>| {
        v.filter(|s| !s.trim().is_empty())
            .map(|s| parse(&s).ok_or(BroadcastError::BadArea(s.chars().take(10).collect())))
            .transpose()
    };
    let rw = area(body.rw, parse_rw)?;
    let rt = area(body.rt, parse_rt)?;
    let role = body
        .role
        .filter(|s| !s.trim().is_empty())
        .map(|s| Role::parse(&s).ok_or(BroadcastError::BadRole(s.chars().take(20).collect())))
        .transpose()?;
    let app = &state.app;
    if !body.all {
        let target = Scope::Kelurahan.target(rw, rt, role)?;
        let mut tx = app.db.begin(kelurahan.id()).await?;
        let created =
            broadcast::create(&mut tx, ACTOR, &target, &body.text, &app.config, app.now()).await?;
        tx.commit().await?;
        let sms_drain = sms_drain(&state, kelurahan.id(), &created.plan).await;
        let view = CreatedView { created, sms_drain };
        return Ok((StatusCode::CREATED, Json(BroadcastAnswer::One(view))));
    }
    let everywhere = app.db.kelurahan_list().await?;
    let destination = Scope::Kecamatan.destination(&everywhere, None, rw, rt, role)?;
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let made = broadcast::create_in(
        &mut tx,
        ACTOR,
        &destination.kelurahan,
        &destination.target,
        &body.text,
        &app.config,
        app.now(),
    )
    .await?;
    tx.commit().await?;
    let mut broadcasts: Vec<KelurahanBroadcast> = Vec::with_capacity(made.len());
    for (k, c) in made {
        let plan = c.map(|c| c.plan).unwrap_or_default();
        broadcasts.push(KelurahanBroadcast {
            sms_drain: sms_drain(&state, k.id, &plan).await,
            kelurahan: k.code,
            name: k.name,
            id: c.map(|c| c.id),
            recipients: plan.recipients,
            whatsapp: plan.whatsapp,
            sms: plan.sms,
            unreachable: plan.unreachable,
        });
    }
    Ok((
        StatusCode::CREATED,
        Json(BroadcastAnswer::All {
            recipients: broadcasts.iter().map(|b| b.recipients).sum(),
            broadcasts,
        }),
    ))
}

/// How long a broadcast's SMS take through `kelurahan`'s gateway phones (none without SMS).
async fn sms_drain(state: &HttpState, kelurahan: KelurahanId, plan: &Plan) -> Option<Drain> {
    if plan.sms == 0 {
        return None;
    }
    let app = &state.app;
    state
        .providers
        .sms_drain(&app.numbers, kelurahan, plan.sms, app.now())
        .await
}

/// `GET /api/broadcasts/{id}` → `{"recipients", "queued", "sent", "delivered", "read", "failed",
/// "cancelled"}` counted from its outbox rows (`sent` includes delivered and read, `delivered`
/// includes read).
async fn broadcast_counts(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(id): Path<i64>,
) -> Result<Json<BroadcastCounts>, HttpError> {
    let counts = state.app.db.broadcast_counts(kelurahan.id(), id).await?;
    counts.map(Json).ok_or(HttpError::NotFound)
}

#[derive(Serialize)]
pub struct CancelView {
    pub id: i64,
    pub cancelled: i64,
}

/// `POST /api/broadcasts/{id}/cancel`: what has not gone out is cancelled; 409 when the broadcast
/// has finished or was cancelled already.
async fn cancel_broadcast(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(id): Path<i64>,
) -> Result<Json<CancelView>, HttpError> {
    let app = &state.app;
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let cancelled = broadcast::cancel(&mut tx, id, ACTOR, |_| true, app.now()).await?;
    tx.commit().await?;
    Ok(Json(CancelView { id, cancelled }))
}
