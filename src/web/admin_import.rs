//! `POST /admin/data/impor`, `GET`/`POST /admin/data/impor/{key}`: a registry file (Gotong's CSV,
//! or a SIAK/OpenSID export as CSV or XLSX) uploaded by an officer of the whole kelurahan.
//! 1. The upload is checked at once by a dry run ([`crate::registry::import_registry`], nothing
//!    written) and kept with its report; a file that is no registry at all is refused beside the
//!    form, and nothing is kept.
//! 2. The report page shows what the import would do; the officer confirms that same file.
//! 3. The confirmed import, the upload marked imported and the form's one-time key commit in
//!    one unit of work ([`crate::registry::import::import_within`]): a double click or a
//!    reload imports once and shows the import's report.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page};
use super::session::SignedIn;
use crate::calendar::{jakarta_date, jakarta_time};
use crate::http::HttpState;
use crate::officer_login::{random_hex, Officer};
use crate::registry::import::{import_within, ImportOptions};
use crate::registry::{self, import_registry, ImportReport, RegistryError};
use crate::store::{NewUpload, Upload};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The largest file the web takes (a kelurahan's registry is far smaller; a city's goes
/// through `gotong import`).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// The most lines of each list shown on the report page.
const SHOWN_LINES: usize = 200;

/// How an import by this officer is run.
fn options(state: &HttpState, officer: &Officer, file_name: &str, dry_run: bool) -> ImportOptions {
    let now = state.app.now();
    ImportOptions {
        dry_run,
        actor: officer.actor(),
        subject: Some(format!("web upload {file_name}")),
        now_ms: now,
        today: jakarta_date(now),
        kelurahan: officer.kelurahan.id,
    }
}

/// A list of the report's lines: `(line, NIK or "", what)`, at most [`SHOWN_LINES`].
fn lines(w: &Words, heading: &str, rows: &[(u64, String, String)]) -> Markup {
    html! {
        @if !rows.is_empty() {
            h2 { (w.ta(heading, &[("count", rows.len().to_string())])) }
            div.table { table.cards {
                thead { tr {
                    th.num { (w.t("web-import-line")) }
                    th { (w.t("web-col-nik")) }
                    th { (w.t("web-col-details")) }
                } }
                tbody { @for (line, nik, what) in rows.iter().take(SHOWN_LINES) { tr {
                    td.num { (line) }
                    td data-label=(w.t("web-col-nik")) { (nik) }
                    td data-label=(w.t("web-col-details")) { (what) }
                } } }
            } }
            @if rows.len() > SHOWN_LINES {
                p { (w.ta("web-quality-more", &[("count", (rows.len() - SHOWN_LINES).to_string())])) }
            }
        }
    }
}

fn report_view(w: &Words, r: &ImportReport) -> Markup {
    let counts = w.ta(
        if r.dry_run {
            "web-import-would"
        } else {
            "web-import-did"
        },
        &[
            ("households", r.households.to_string()),
            ("persons", r.persons.to_string()),
            ("arrived", r.arrived.to_string()),
            ("unchanged", r.unchanged.to_string()),
            ("rejected", r.rejected.len().to_string()),
            ("warnings", r.warnings.len().to_string()),
        ],
    );
    let mutations: Vec<_> = r
        .mutations
        .iter()
        .map(|m| {
            let what = if m.detail.is_empty() {
                m.kind.to_string()
            } else {
                format!("{}: {}", m.kind, m.detail)
            };
            (m.line, m.nik_masked.clone(), what)
        })
        .collect();
    let issues = |list: &[registry::Issue]| -> Vec<_> {
        list.iter()
            .map(|i| (i.line, String::new(), i.reason.clone()))
            .collect()
    };
    html! {
        p.notice.ok[!r.dry_run] role="status" { (counts) }
        (lines(w, "web-import-mutations", &mutations))
        (lines(w, "web-import-rejected", &issues(&r.rejected)))
        (lines(w, "web-import-warnings", &issues(&r.warnings)))
    }
}

fn upload_page(w: &Words, officer: &Officer, up: &Upload, message: Option<&str>) -> Markup {
    let title = w.t("web-import-heading");
    let path = format!("/admin/data/impor/{}", up.key);
    let report = |json: &str| serde_json::from_str::<ImportReport>(json).ok();
    let done = up.import_report.as_deref().and_then(report);
    let dry = report(&up.dry_run_report);
    officer_page(
        w,
        officer,
        &title,
        &path,
        html! {
            h1 { (title) }
            @if let Some(text) = message { (notice(text, false)) }
            p {
                strong { (up.file_name) } br;
                (w.ta("web-import-uploaded", &[
                    ("time", jakarta_time(up.uploaded_at.div_euclid(1000))),
                    ("sha", up.sha256.chars().take(12).collect()),
                ]))
            }
            @match (&done, up.imported_at) {
                (Some(r), Some(at)) => {
                    p { (w.ta("web-import-done-at", &[("time", jakarta_time(at.div_euclid(1000)))])) }
                    (report_view(w, r))
                }
                _ => {
                    @if let Some(r) = &dry { (report_view(w, r)) }
                    form method="post" action=(path) {
                        (csrf_field(officer))
                        button type="submit" { (w.t("web-import-confirm")) }
                    }
                    p { small { (w.t("web-import-confirm-help")) } }
                }
            }
            p { a href="/admin/data" { (w.t("web-import-back")) } }
        },
    )
}

/// What an upload form sent: its CSRF token and its one file field `file`.
pub struct Uploaded {
    pub csrf: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Reads an upload form (`csrf`, `file`); other fields are ignored.
pub async fn read_upload(mut form: Multipart) -> WebResult<Uploaded> {
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.to_string());
    let mut up = Uploaded {
        csrf: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
    };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf") => up.csrf = field.text().await.map_err(bad)?,
            Some("file") => {
                up.file_name = field
                    .file_name()
                    .unwrap_or("registry.csv")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(120)
                    .collect();
                up.bytes = field.bytes().await.map_err(bad)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

/// A file refused before it is kept: the data page with the reason beside the form.
async fn refused(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    why: String,
) -> WebResult<Response> {
    let page = super::admin_data::data_page(state, w, officer, Some((why, false))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn upload(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    form: Multipart,
) -> WebResult<Response> {
    let form = read_upload(form).await?;
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    if !registry::kept_by(&officer.scope) {
        return Err(WebError::NotFound);
    }
    if form.bytes.is_empty() {
        return refused(&state, &w, officer, w.t("web-import-empty")).await;
    }
    let opts = options(&state, officer, &form.file_name, true);
    let report = match import_registry(&state.app.db, &form.bytes, &opts, &|_| {}).await {
        Ok(report) => report,
        Err(RegistryError::Store(s)) => return Err(s.into()),
        Err(e) => {
            let why = w.ta("web-import-not-registry", &[("reason", e.to_string())]);
            return refused(&state, &w, officer, why).await;
        }
    };
    let key = random_hex(16);
    let sha = format!("{:x}", Sha256::digest(&form.bytes));
    let dry = serde_json::to_string(&report).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(officer.kelurahan.id).await?;
    tx.insert_upload(
        &NewUpload {
            key: &key,
            file_name: &form.file_name,
            sha256: &sha,
            file: &form.bytes,
            dry_run_report: &dry,
            uploaded_by: &officer.actor(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/admin/data/impor/{key}")).into_response())
}

/// Upload `key`, if it is this kelurahan's and this officer keeps the registry.
async fn find(state: &HttpState, officer: &Officer, key: &str) -> WebResult<Upload> {
    if !registry::kept_by(&officer.scope) || key.len() > 64 {
        return Err(WebError::NotFound);
    }
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let up = tx.upload(key).await?;
    tx.rollback().await?;
    up.ok_or(WebError::NotFound)
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(key): Path<String>,
) -> WebResult<Markup> {
    let up = find(&state, &signed.officer, &key).await?;
    Ok(upload_page(&w, &signed.officer, &up, None))
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
}

pub async fn confirm(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(key): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let up = find(&state, officer, &key).await?;
    let shown = format!("/admin/data/impor/{key}");
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    if tx
        .take_form_key(&format!("import-{key}"), now)
        .await?
        .is_some()
    {
        tx.rollback().await?;
        return Ok(Redirect::to(&shown).into_response());
    }
    let opts = options(&state, officer, &up.file_name, false);
    match import_within(&mut tx, &officer.kelurahan, &up.file, &opts).await {
        Ok(report) => {
            let json =
                serde_json::to_string(&report).map_err(|e| WebError::BadRequest(e.to_string()))?;
            tx.finish_upload(&key, &json, &officer.actor(), now).await?;
            tx.finish_form(&format!("import-{key}"), &shown).await?;
            tx.commit().await?;
            Ok(Redirect::to(&shown).into_response())
        }
        Err(RegistryError::Store(s)) => {
            tx.rollback().await?;
            Err(s.into())
        }
        Err(e) => {
            tx.rollback().await?;
            let why = w.ta("web-import-not-registry", &[("reason", e.to_string())]);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                upload_page(&w, officer, &up, Some(&why)),
            )
                .into_response())
        }
    }
}
