//! `GET /admin/data` and `GET /admin/data/ekspor/{file}`: the registry as the kelurahan keeps it:
//! completeness per RW and every data-quality finding ([`crate::registry::quality`]), the books to
//! download as CSV ([`crate::registry::books`]: Buku Induk, Buku Mutasi, the monthly report, the
//! findings; each download audited), and the form to upload a registry file
//! ([`super::admin_import`]). For the officers of the whole kelurahan
//! ([`crate::registry::kept_by`]).

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page};
use super::session::SignedIn;
use crate::calendar::jakarta_date;
use crate::http::HttpState;
use crate::officer_login::Officer;
use crate::registry::books::{write_book, Book};
use crate::registry::buku_mutasi::Month;
use crate::registry::quality::Completeness;
use crate::registry::{self, Finding, FindingKind, RegistryError};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

/// The most findings listed on the page (the CSV has them all).
const SHOWN_FINDINGS: usize = 200;

/// The Fluent id of a kind of finding.
fn kind_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::NikMismatch => "web-quality-nik-mismatch",
        FindingKind::HouseholdWithoutPhone => "web-quality-no-phone",
        FindingKind::Over100 => "web-quality-over-100",
        FindingKind::ChildOlderThanParent => "web-quality-child-older",
        FindingKind::HeadUnder16 => "web-quality-head-under-16",
        FindingKind::TwoHeads => "web-quality-two-heads",
        FindingKind::DuplicatePerson => "web-quality-duplicate",
        FindingKind::DoubleAid => "web-quality-double-aid",
        FindingKind::AidInTwoHouseholds => "web-quality-aid-two-households",
        FindingKind::AidDisagreesWithRegistry => "web-quality-aid-registry",
    }
}

/// `12.5%`.
fn pct(p: f64) -> String {
    format!("{p:.1}%")
}

/// The current month in Jakarta, `YYYY-MM`.
fn this_month(now: i64) -> String {
    jakarta_date(now).format("%Y-%m").to_string()
}

fn completeness_table(w: &Words, rows: &[Completeness]) -> Markup {
    html! {
        div.table { table.cards {
            thead { tr {
                th { (w.t("web-col-rw")) }
                th.num { (w.t("web-col-persons")) }
                th.num { (w.t("web-col-households")) }
                th.num { (w.t("web-quality-occupation")) }
                th.num { (w.t("web-quality-education")) }
                th.num { (w.t("web-col-phone")) }
                th.num { (w.t("web-col-verified")) }
            } }
            tbody { @for c in rows { tr {
                td { @if c.rw == "*" { strong { (w.t("web-quality-all")) } } @else { "RW " (c.rw) } }
                td.num data-label=(w.t("web-col-persons")) { (c.persons) }
                td.num data-label=(w.t("web-col-households")) { (c.households) }
                td.num data-label=(w.t("web-quality-occupation")) { (pct(c.occupation_pct)) }
                td.num data-label=(w.t("web-quality-education")) { (pct(c.education_pct)) }
                td.num data-label=(w.t("web-col-phone")) { (pct(c.phone_pct)) }
                td.num data-label=(w.t("web-col-verified")) { (pct(c.verified_pct)) }
            } } }
        } }
    }
}

fn findings_section(w: &Words, findings: &[Finding]) -> Markup {
    let mut counts: Vec<(FindingKind, usize)> = Vec::new();
    for f in findings {
        match counts.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((f.kind, 1)),
        }
    }
    html! {
        h2 { (w.ta("web-quality-findings", &[("count", findings.len().to_string())])) }
        @if findings.is_empty() {
            p { (w.t("web-quality-none")) }
        } @else {
            ul { @for (kind, n) in &counts { li { (w.t(kind_label(*kind))) ": " (n) } } }
            div.table { table.cards {
                thead { tr {
                    th { (w.t("web-col-kk")) }
                    th { (w.t("web-col-nik")) }
                    th { (w.t("web-col-kind")) }
                    th { (w.t("web-col-details")) }
                } }
                tbody { @for f in findings.iter().take(SHOWN_FINDINGS) { tr {
                    td data-label=(w.t("web-col-kk")) { (f.no_kk) }
                    td data-label=(w.t("web-col-nik")) { (f.nik_masked) }
                    td data-label=(w.t("web-col-kind")) { (w.t(kind_label(f.kind))) }
                    td data-label=(w.t("web-col-details")) { (f.detail) }
                } } }
            } }
            @if findings.len() > SHOWN_FINDINGS {
                p { (w.ta("web-quality-more", &[("count", (findings.len() - SHOWN_FINDINGS).to_string())])) }
            }
        }
    }
}

/// The month field of an export form.
fn month_form(w: &Words, action: &str, label: &str, month: &str) -> Markup {
    html! {
        form.inline method="get" action=(action) {
            label { (w.t(label)) " "
                input type="month" name="month" required value=(month); }
            " "
            button type="submit" { (w.t("web-data-download")) }
        }
    }
}

/// The data page; `message` beside the upload form (a refused file).
pub async fn data_page(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    message: Option<(String, bool)>,
) -> WebResult<Markup> {
    let title = w.t("web-data-heading");
    if !registry::kept_by(&officer.scope) {
        return Ok(officer_page(
            w,
            officer,
            &title,
            "/admin/data",
            html! { h1 { (title) } p { (w.t("web-data-kelurahan-only")) } },
        ));
    }
    let db = &state.app.db;
    let now = state.app.now();
    let k = officer.kelurahan.id;
    let (completeness, findings) = db.quality_report(k, jakarta_date(now)).await?;
    let month = this_month(now);
    let limit = super::admin_import::MAX_UPLOAD_BYTES / (1024 * 1024);
    Ok(officer_page(
        w,
        officer,
        &title,
        "/admin/data",
        html! {
            h1 { (title) }
            h2 { (w.t("web-import-heading")) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            p { (w.ta("web-import-intro", &[("mb", limit.to_string())])) }
            form method="post" action="/admin/data/impor" enctype="multipart/form-data" {
                (csrf_field(officer))
                label { (w.t("web-import-file")) br;
                    input type="file" name="file" accept=".csv,.xlsx,text/csv" required; }
                button type="submit" { (w.t("web-import-check")) }
            }
            h2 { (w.t("web-data-exports")) }
            p { a href="/admin/data/ekspor/induk.csv" { (w.t("web-data-induk")) } }
            p { (month_form(w, "/admin/data/ekspor/mutasi.csv", "web-data-mutasi", &month)) }
            p { (month_form(w, "/admin/data/ekspor/bulanan.csv", "web-data-monthly", &month)) }
            p { a href="/admin/data/ekspor/temuan.csv" { (w.t("web-data-findings")) } }
            h2 { (w.t("web-quality-completeness")) }
            (completeness_table(w, &completeness))
            (findings_section(w, &findings))
        },
    ))
}

pub async fn show(State(state): State<HttpState>, w: Words, signed: SignedIn) -> WebResult<Markup> {
    data_page(&state, &w, &signed.officer, None).await
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// `GET /admin/data/ekspor/{induk|mutasi|bulanan|temuan}.csv[?month=YYYY-MM]`: audited.
pub async fn export(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(file): Path<String>,
    Query(q): Query<MonthQuery>,
) -> WebResult<Response> {
    let officer = &signed.officer;
    if !registry::kept_by(&officer.scope) {
        return Err(WebError::NotFound);
    }
    let month =
        || Month::parse(&q.month).ok_or_else(|| WebError::BadRequest(w.t("web-data-bad-month")));
    let book = match file.as_str() {
        "induk.csv" => Book::Induk,
        "mutasi.csv" => Book::Mutasi(month()?),
        "bulanan.csv" => Book::Monthly(month()?),
        "temuan.csv" => Book::Findings,
        _ => return Err(WebError::NotFound),
    };
    let app = &state.app;
    let now = app.now();
    let k = &officer.kelurahan;
    let out = write_book(&app.db, k.id, book, jakarta_date(now))
        .await
        .map_err(|e| match e {
            RegistryError::Store(s) => WebError::Store(s),
            other => WebError::BadRequest(other.to_string()),
        })?;
    let name = book.file_name(&k.code);
    let mut tx = app.db.begin(k.id).await?;
    let after = serde_json::json!({ "file": name, "bytes": out.len() });
    tx.audit(
        &officer.actor(),
        "registry.export",
        &name,
        None,
        Some(&after),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}
