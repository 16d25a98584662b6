//! Admin API for the registry and accounts: activation codes, change requests, households,
//! locked PINs. Every change is written to the audit log as `admin-api`.

use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::accounts::age::age_now;
use crate::accounts::issue_code::{issue_activation_code, IssueCodeError, IssuedCode};
use crate::calendar::jakarta_date;
use crate::parse::mask_phone;
use crate::parse::nik::{mask_nik, parse_nik};
use crate::registry::aid::{AidOptions, AidReport};
use crate::registry::books::{write_book, Book};
use crate::registry::buku_mutasi::Month;
use crate::registry::change::{self, ChangeError, Kind, Status};
use crate::registry::import::{import_registry, ImportOptions};
use crate::registry::quality::{Completeness, Finding};
use crate::registry::report::ImportReport;
use crate::registry::{RegistryError, Residence, Shdk};
use crate::store::{ChangeRequest, Code};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// Who the audit log names for changes made through this API.
pub const ACTOR: &str = "admin-api";

pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/activation-codes", post(create_activation_code))
        .route("/change-requests", get(list_change_requests))
        .route(
            "/change-requests/{id}/approve",
            post(approve_change_request),
        )
        .route("/change-requests/{id}/reject", post(reject_change_request))
        .route("/households/{no_kk}", get(household))
        .route("/locked-pins", get(locked_pins))
        .route("/registry/import", post(import))
        .route("/registry/mutations", get(buku_mutasi))
        .route("/registry/monthly", get(monthly_report))
        .route("/registry/aid", post(import_aid))
        .route("/registry/induk", get(buku_induk))
        .route("/data-quality", get(data_quality))
        .route("/data-quality/completeness", get(completeness))
}

/// A registry file that cannot be imported is the client's fault; a database failure is not.
fn registry_error(e: RegistryError) -> HttpError {
    match e {
        RegistryError::Store(e) => HttpError::Store(e),
        other => HttpError::Unprocessable(other.to_string()),
    }
}

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /api/registry/import[?dry_run=true]` with a `text/csv` body (DESIGN §5).
async fn import(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<ImportReport>, HttpError> {
    let now = state.app.now();
    let opts = ImportOptions {
        dry_run: q.dry_run,
        actor: ACTOR.into(),
        subject: Some("POST /api/registry/import".into()),
        now_ms: now,
        today: jakarta_date(now),
        kelurahan: kelurahan.id(),
    };
    let report = import_registry(&state.app.db, &body, &opts, &|_| {})
        .await
        .map_err(registry_error)?;
    Ok(Json(report))
}

/// `POST /api/registry/aid[?dry_run=true]` with a `text/csv` body `nik,program,periode[,no_kk]`:
/// flags the persons of a DTKS/DTSEN or bansos list; unknown NIKs are rejected per line.
async fn import_aid(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<AidReport>, HttpError> {
    let opts = AidOptions {
        kelurahan: kelurahan.id(),
        dry_run: q.dry_run,
        actor: ACTOR.into(),
        now_ms: state.app.now(),
    };
    let report = crate::registry::aid::import_aid(&state.app.db, &body, &opts)
        .await
        .map_err(registry_error)?;
    Ok(Json(report))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    pub month: String,
}

/// Book `book` of the kelurahan as a CSV answer.
async fn book_csv(
    state: &HttpState,
    kelurahan: &ForKelurahan,
    book: Book,
) -> Result<impl axum::response::IntoResponse, HttpError> {
    let today = jakarta_date(state.app.now());
    let out = write_book(&state.app.db, kelurahan.id(), book, today)
        .await
        .map_err(registry_error)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        out,
    ))
}

fn month_of(q: &MonthQuery) -> Result<Month, HttpError> {
    Month::parse(&q.month).ok_or_else(|| HttpError::Unprocessable("month must be YYYY-MM".into()))
}

/// `GET /api/registry/mutations?month=YYYY-MM`: the Buku Mutasi of that month as CSV.
async fn buku_mutasi(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(q): Query<MonthQuery>,
) -> Result<impl axum::response::IntoResponse, HttpError> {
    book_csv(&state, &kelurahan, Book::Mutasi(month_of(&q)?)).await
}

/// `GET /api/registry/monthly?month=YYYY-MM`: the monthly report for the kecamatan as CSV.
async fn monthly_report(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(q): Query<MonthQuery>,
) -> Result<impl axum::response::IntoResponse, HttpError> {
    book_csv(&state, &kelurahan, Book::Monthly(month_of(&q)?)).await
}

/// `GET /api/registry/induk`: the Buku Induk Penduduk as CSV.
async fn buku_induk(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<impl axum::response::IntoResponse, HttpError> {
    book_csv(&state, &kelurahan, Book::Induk).await
}

/// `GET /api/data-quality`: legacy NIKs, households without a phone, members over 100, children
/// older than a parent, heads under 16, two heads, duplicates by name and birth date, double aid
/// recipients and aid flags on the dead or moved out.
async fn data_quality(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Finding>>, HttpError> {
    let today = jakarta_date(state.app.now());
    Ok(Json(
        state.app.db.data_quality(kelurahan.id(), today).await?,
    ))
}

/// `GET /api/data-quality/completeness`: per RW (then `"*"`, the whole kelurahan), the percent
/// of residents with an occupation, an education, a phone, and of households verified.
async fn completeness(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<Completeness>>, HttpError> {
    Ok(Json(state.app.db.completeness(kelurahan.id()).await?))
}

#[derive(Deserialize)]
pub struct NikBody {
    pub nik: String,
}

/// `POST /api/activation-codes {"nik"}` → a single-use 6-digit code valid 7 days.
async fn create_activation_code(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Json(body): Json<NikBody>,
) -> Result<(StatusCode, Json<IssuedCode>), HttpError> {
    let nik =
        parse_nik(&body.nik).map_err(|e| HttpError::Unprocessable(format!("invalid NIK: {e}")))?;
    let app = &state.app;
    let mut tx = app.db.begin(kelurahan.id()).await?;
    let issued = issue_activation_code(
        &mut tx,
        &app.config.secret_key_or_dev(),
        nik.as_str(),
        ACTOR,
        app.now(),
    )
    .await
    .map_err(|e| match e {
        IssueCodeError::Store(e) => HttpError::Store(e),
        other => HttpError::Unprocessable(other.to_string()),
    })?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// `?status=<code>` of a list route.
#[derive(Deserialize)]
pub struct StatusFilter {
    pub status: Option<String>,
}

impl StatusFilter {
    /// The status asked for (`None`: none asked); an unknown one is a 422 naming the known ones.
    pub fn parsed<T: Code>(&self) -> Result<Option<T>, HttpError> {
        self.status.as_deref().map(status_of).transpose()
    }
}

/// The status of code `code`; an unknown one is a 422 naming the known ones.
pub fn status_of<T: Code>(code: &str) -> Result<T, HttpError> {
    T::from_code(code).ok_or_else(|| {
        let known: Vec<&str> = T::ALL.iter().map(|s| s.code()).collect();
        HttpError::Unprocessable(format!(
            "unknown status {code:?} (one of {})",
            known.join(", ")
        ))
    })
}

/// A change request as the admin API shows it (the member's NIK masked).
#[derive(Serialize)]
pub struct ChangeRequestView {
    pub id: i64,
    pub no_kk: String,
    pub nik_masked: Option<String>,
    pub kind: Kind,
    pub details: String,
    pub status: Status,
    pub reason: Option<String>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl From<ChangeRequest> for ChangeRequestView {
    fn from(c: ChangeRequest) -> Self {
        ChangeRequestView {
            id: c.id,
            no_kk: c.no_kk,
            nik_masked: c.nik.as_deref().map(mask_nik),
            kind: c.kind,
            details: c.details,
            status: c.status,
            reason: c.reason,
            created_at: c.created_at,
            decided_at: c.decided_at,
        }
    }
}

/// `GET /api/change-requests[?status=pending]`; a status no request can have lists none.
async fn list_change_requests(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(filter): Query<StatusFilter>,
) -> Result<Json<Vec<ChangeRequestView>>, HttpError> {
    let status = match filter.status.as_deref().map(Status::from_code) {
        None => None,
        Some(Some(status)) => Some(status),
        Some(None) => return Ok(Json(Vec::new())),
    };
    let rows = state.app.db.change_requests(kelurahan.id(), status).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, Default)]
pub struct Decision {
    pub reason: Option<String>,
}

/// `POST /api/change-requests/{id}/approve`: a death or move-out ends the membership today;
/// births, moves in and corrections are recorded for the next registry import.
async fn approve_change_request(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(id): Path<i64>,
    body: Option<Json<Decision>>,
) -> Result<Json<ChangeRequestView>, HttpError> {
    let reason = body.and_then(|b| b.0.reason);
    decide(&state, &kelurahan, id, Status::Approved, reason).await
}

/// `POST /api/change-requests/{id}/reject {"reason"}`: a reason is required.
async fn reject_change_request(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(id): Path<i64>,
    body: Option<Json<Decision>>,
) -> Result<Json<ChangeRequestView>, HttpError> {
    let reason = body.and_then(|b| b.0.reason);
    decide(&state, &kelurahan, id, Status::Rejected, reason).await
}

async fn decide(
    state: &HttpState,
    kelurahan: &ForKelurahan,
    id: i64,
    status: Status,
    reason: Option<String>,
) -> Result<Json<ChangeRequestView>, HttpError> {
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let decided = change::decide(
        &mut tx,
        Some(&state.app.texts),
        id,
        status,
        reason.as_deref(),
        ACTOR,
        now,
    )
    .await
    .map_err(|e| match e {
        ChangeError::Unknown => HttpError::NotFound,
        e @ ChangeError::AlreadyDecided { .. } => HttpError::Conflict(e.to_string()),
        e @ ChangeError::ReasonRequired => HttpError::Unprocessable(e.to_string()),
        ChangeError::Store(s) => HttpError::Store(s),
    })?;
    tx.commit().await?;
    Ok(Json(decided.into()))
}

#[derive(Serialize)]
pub struct MemberView {
    pub nik_masked: String,
    pub name: String,
    pub age: Option<i32>,
    pub shdk: Shdk,
    pub residence: Residence,
    pub linked: bool,
    pub nik_mismatch: bool,
    pub current: bool,
}

#[derive(Serialize)]
pub struct HouseholdView {
    pub no_kk: String,
    pub rt: String,
    pub rw: String,
    pub verified_at: Option<i64>,
    pub members: Vec<MemberView>,
}

/// `GET /api/households/{no_kk}`
async fn household(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Path(no_kk): Path<String>,
) -> Result<Json<HouseholdView>, HttpError> {
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let h = tx.household(&no_kk).await?.ok_or(HttpError::NotFound)?;
    let mut members = Vec::new();
    for p in tx.household_members(&no_kk).await? {
        let linked = tx.phone_of_person(&p.nik).await?.is_some();
        members.push(MemberView {
            nik_masked: mask_nik(&p.nik),
            age: Some(age_now(&p, now)),
            current: p.is_current(),
            name: p.name,
            shdk: p.shdk,
            residence: p.residence,
            linked,
            nik_mismatch: p.nik_mismatch,
        });
    }
    tx.rollback().await?;
    Ok(Json(HouseholdView {
        no_kk: h.no_kk,
        rt: h.rt,
        rw: h.rw,
        verified_at: h.verified_at,
        members,
    }))
}

#[derive(Serialize)]
pub struct LockedPin {
    pub phone_masked: String,
    pub locked_until: i64,
}

/// `GET /api/locked-pins`: phones whose PIN actions are locked after 3 wrong PINs.
async fn locked_pins(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
) -> Result<Json<Vec<LockedPin>>, HttpError> {
    let rows = state
        .app
        .db
        .locked_pins(kelurahan.id(), state.app.now())
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(phone, until)| LockedPin {
                phone_masked: mask_phone(&phone),
                locked_until: until,
            })
            .collect(),
    ))
}
