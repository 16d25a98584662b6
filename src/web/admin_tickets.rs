//! `GET /admin/tanya` and `POST /admin/tanya/{n}`: the residents' questions and complaints
//! (`TANYA`, `ADUAN`) not closed yet, oldest first; answer one (the answer goes to the resident by
//! their channel, [`crate::tickets::answer`]) or close it. A ticket names a phone, not a place, so
//! the queue is for officers of the whole kelurahan; the phone is masked.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, date, notice, officer_page};
use super::refusal;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::officer_login::Officer;
use crate::parse::mask_phone;
use crate::tickets::{self, Ticket, TicketError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    n: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct TicketForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
}

fn queue(w: &Words, officer: &Officer, rows: &[Ticket], message: Option<(String, bool)>) -> Markup {
    let title = w.t("web-tickets-heading");
    officer_page(
        w,
        officer,
        &title,
        "/admin/tanya",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            @if !tickets::handled_by(&officer.scope) {
                p { (w.t("web-tickets-kelurahan-only")) }
            } @else if rows.is_empty() {
                p { (w.t("web-tickets-none")) }
            } @else {
                div.table { table.cards {
                    thead { tr {
                        th.num { (w.t("web-col-number")) }
                        th { (w.t("web-col-date")) }
                        th { (w.t("web-col-phone")) }
                        th { (w.t("web-col-details")) }
                        th { (w.t("web-col-answer")) }
                    } }
                    tbody { @for t in rows { tr id={ "t-" (t.number) } {
                        td.num { "#" (t.number) }
                        td data-label=(w.t("web-col-date")) { (date(t.created_at)) }
                        td data-label=(w.t("web-col-phone")) { (mask_phone(&t.phone)) }
                        td data-label=(w.t("web-col-details")) { (t.body) }
                        td {
                            @if let Some(a) = &t.answer { p { (w.t("web-tickets-answered")) ": " (a) } }
                            form.inline method="post" action={ "/admin/tanya/" (t.number) } {
                                (csrf_field(officer))
                                input type="text" name="text" maxlength="400" aria-label=(w.t("web-col-answer"));
                                button type="submit" name="action" value="answer" { (w.t("web-tickets-send")) }
                            }
                            form.inline method="post" action={ "/admin/tanya/" (t.number) } {
                                (csrf_field(officer))
                                button.secondary type="submit" name="action" value="close" { (w.t("web-tickets-close")) }
                            }
                        }
                    } } }
                } }
            }
        },
    )
}

async fn open_tickets(state: &HttpState, officer: &Officer) -> WebResult<Vec<Ticket>> {
    if !tickets::handled_by(&officer.scope) {
        return Ok(Vec::new());
    }
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let rows = tx.tickets(None).await?;
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
    let rows = open_tickets(&state, officer).await?;
    let n = done.n.unwrap_or(0).to_string();
    let message = match done.done.as_deref() {
        Some("answered") => Some((w.ta("web-tickets-sent", &[("number", n)]), true)),
        Some("closed") => Some((w.ta("web-tickets-closed", &[("number", n)]), true)),
        _ => None,
    };
    Ok(queue(&w, officer, &rows, message))
}

pub async fn act(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(n): Path<i64>,
    Form(form): Form<TicketForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    let result = if !tickets::handled_by(&officer.scope) {
        Err(TicketError::Unknown)
    } else {
        match form.action.as_str() {
            "answer" => {
                match tickets::answer(&mut tx, &app.texts, n, &form.text, &officer.actor(), now)
                    .await
                {
                    Ok(told) => tx
                        .enqueue(&told, now)
                        .await
                        .map(|_| "answered")
                        .map_err(Into::into),
                    Err(e) => Err(e),
                }
            }
            "close" => tickets::close(&mut tx, n, &officer.actor(), now)
                .await
                .map(|()| "closed"),
            other => return Err(WebError::BadRequest(format!("action {other:?}"))),
        }
    };
    let refusal = match result {
        Ok(done) => {
            tx.commit().await?;
            return Ok(Redirect::to(&format!("/admin/tanya?done={done}&n={n}")).into_response());
        }
        Err(e) => refusal::ticket(&w, n, e)?,
    };
    tx.rollback().await?;
    let rows = open_tickets(&state, officer).await?;
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
