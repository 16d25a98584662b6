//! `GET /admin/surat` and `POST /admin/surat/{n}`: the residents' letter requests (`SURAT`)
//! still open, in the order to serve them ([`crate::letters`] rule 3); move one forward, or
//! refuse it with a reason ([`crate::letters::set_status`]: the resident is told by their
//! channel). Letters are signed and collected at the kelurahan office, so the queue is for
//! officers of the whole kelurahan ([`crate::letters::handled_by`]).

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, date, notice, officer_page};
use super::refusal;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::letters::{self, Priority, Queued, Status};
use crate::officer_login::Officer;
use crate::parse::nik::mask_nik;
use crate::store::Code;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    n: Option<i64>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LetterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// The Fluent id of a place in the queue, as officers read it.
fn priority_label(p: Priority) -> &'static str {
    match p {
        Priority::Verified => "web-letters-verified",
        Priority::Unverified => "web-letters-unverified",
        Priority::WaitsForChange => "web-letters-waits",
    }
}

/// The buttons of one request: each status it may move to (a refusal with its reason field).
fn moves(w: &Words, officer: &Officer, q: &Queued) -> Markup {
    let n = q.letter.number;
    let from = q.letter.status;
    html! {
        @for to in Status::ALL.iter().copied().filter(|to| from.may_move_to(*to) && *to != Status::Refused) {
            form.inline method="post" action={ "/admin/surat/" (n) } {
                (csrf_field(officer))
                button type="submit" name="status" value=(to.code()) { (w.t(to.label_id())) }
            }
        }
        @if from.may_move_to(Status::Refused) {
            form.inline method="post" action={ "/admin/surat/" (n) } {
                (csrf_field(officer))
                input type="text" name="reason" maxlength=(letters::MAX_REASON) aria-label=(w.t("web-col-reason")) placeholder=(w.t("web-col-reason"));
                button.secondary type="submit" name="status" value=(Status::Refused.code()) { (w.t(Status::Refused.label_id())) }
            }
        }
    }
}

fn queue(w: &Words, officer: &Officer, rows: &[Queued], message: Option<(String, bool)>) -> Markup {
    let title = w.t("web-letters-heading");
    officer_page(
        w,
        officer,
        &title,
        "/admin/surat",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            @if !letters::handled_by(&officer.scope) {
                p { (w.t("web-letters-kelurahan-only")) }
            } @else if rows.is_empty() {
                p { (w.t("web-letters-none")) }
            } @else {
                p { (w.t("web-letters-intro")) }
                div.table { table.cards {
                    thead { tr {
                        th.num { (w.t("web-col-number")) }
                        th { (w.t("web-col-date")) }
                        th { (w.t("web-col-letter")) }
                        th { (w.t("web-col-for")) }
                        th { (w.t("web-col-status")) }
                        th { (w.t("web-col-decide")) }
                    } }
                    tbody { @for q in rows { tr id={ "l-" (q.letter.number) } {
                        td.num { "#" (q.letter.number) }
                        td data-label=(w.t("web-col-date")) { (date(q.letter.created_at)) }
                        td data-label=(w.t("web-col-letter")) {
                            strong { (q.letter.kind) } br; (q.letter.purpose)
                        }
                        td data-label=(w.t("web-col-for")) {
                            (q.letter.name) " (" (mask_nik(&q.letter.nik)) ")"
                        }
                        td data-label=(w.t("web-col-status")) {
                            (w.t(q.letter.status.label_id())) br;
                            small { (w.t(priority_label(q.priority))) }
                        }
                        td { (moves(w, officer, q)) }
                    } } }
                } }
            }
        },
    )
}

async fn open_letters(state: &HttpState, officer: &Officer) -> WebResult<Vec<Queued>> {
    if !letters::handled_by(&officer.scope) {
        return Ok(Vec::new());
    }
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let rows = tx.letter_queue(None).await?;
    tx.rollback().await?;
    Ok(rows)
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    let officer = &signed.officer;
    let rows = open_letters(&state, officer).await?;
    let message = match (done.n, done.to.as_deref().and_then(Status::from_code)) {
        (Some(n), Some(to)) => Some((
            w.ta(
                "web-letters-moved",
                &[("number", n.to_string()), ("status", w.t(to.label_id()))],
            ),
            true,
        )),
        _ => None,
    };
    Ok(queue(&w, officer, &rows, message))
}

pub async fn set(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(n): Path<i64>,
    Form(form): Form<LetterForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let to = Status::from_code(&form.status)
        .ok_or_else(|| WebError::BadRequest(format!("status {:?}", form.status)))?;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    let result = if letters::handled_by(&officer.scope) {
        letters::set_status(
            &mut tx,
            &app.texts,
            n,
            to,
            Some(&form.reason),
            &officer.actor(),
            now,
        )
        .await
    } else {
        Err(letters::LetterError::Unknown)
    };
    let refusal = match result {
        Ok(told) => {
            if let Some(told) = told {
                tx.enqueue(&told, now).await?;
            }
            tx.commit().await?;
            let to = to.code();
            return Ok(Redirect::to(&format!("/admin/surat?n={n}&to={to}")).into_response());
        }
        Err(e) => refusal::letter(&w, e)?,
    };
    tx.rollback().await?;
    let rows = open_letters(&state, officer).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        queue(
            &w,
            officer,
            &rows,
            Some((format!("#{n}: {refusal}"), false)),
        ),
    )
        .into_response())
}
