//! `GET /admin/usulan` and `POST /admin/usulan/{n}/status`: the proposals within the officer's
//! scope, each with a form offering only the statuses the workflow allows next, and a public
//! reason (required to reject). [`crate::proposals::proposal::set_status`] holds the rules and
//! tells the proposer and the supporters, as for the admin API; a second submit of the same
//! change is refused by the workflow, so nothing happens twice.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page};
use super::public_proposals::{pager, status_label, table, Paging, PER_PAGE};
use super::refusal;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::officer_login::Officer;
use crate::proposals::proposal::{find, set_status};
use crate::proposals::status::ALL;
use crate::proposals::{parse_number, ProposalError, Status};
use crate::store::PublicProposal;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, Default)]
pub struct Listing {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// The status form of one proposal: the statuses it may go to next.
pub fn status_form(w: &Words, officer: &Officer, r: &PublicProposal) -> Markup {
    let from = r.proposal.status;
    let next: Vec<Status> = ALL.into_iter().filter(|s| from.can_go_to(*s)).collect();
    html! {
        @if !next.is_empty() {
            form.inline method="post" action={ "/admin/usulan/" (r.proposal.number) "/status" } {
                (csrf_field(officer))
                select name="status" aria-label=(w.t("web-status-new")) {
                    @for s in &next { option value=(s.as_str()) { (status_label(w, *s)) } }
                }
                input type="text" name="reason" placeholder=(w.t("web-reason")) aria-label=(w.t("web-reason"));
                button type="submit" { (w.t("web-status-save")) }
            }
        }
    }
}

async fn page_of(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    n: i64,
    message: Option<(String, bool)>,
) -> WebResult<Markup> {
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let (rows, total) = tx.public_proposals(PER_PAGE, (n - 1) * PER_PAGE).await?;
    tx.rollback().await?;
    let rows: Vec<PublicProposal> = rows
        .into_iter()
        .filter(|r| officer.scope.covers(&r.proposal.rw, &r.proposal.rt))
        .collect();
    let title = w.t("web-status-heading");
    Ok(officer_page(
        w,
        officer,
        &title,
        "/admin/usulan",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            @if rows.is_empty() {
                p { (w.t("web-proposals-none")) }
            } @else {
                (table(w, &rows, &|r| html! {
                    p { a href={ "/admin/usulan/" (r.proposal.number) } { (w.t("web-status-manage")) } }
                    (status_form(w, officer, r))
                }))
                (pager(w, "/admin/usulan", n, total))
            }
        },
    ))
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(q): Query<Listing>,
) -> WebResult<Markup> {
    let n = Paging { page: q.page }.number();
    let message = match q.saved.as_deref().and_then(parse_number) {
        Some(number) => {
            let mut tx = state.app.db.begin_read(signed.officer.kelurahan.id).await?;
            let found = find(&mut tx, number).await.ok();
            tx.rollback().await?;
            found.map(|p| {
                let text = w.ta(
                    "web-status-saved",
                    &[
                        ("number", number.to_string()),
                        ("status", status_label(&w, p.status)),
                    ],
                );
                (text, true)
            })
        }
        None => None,
    };
    page_of(&state, &w, &signed.officer, n, message).await
}

pub async fn set(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(n): Path<String>,
    Form(form): Form<StatusForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let number = parse_number(&n).ok_or(WebError::NotFound)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(officer.kelurahan.id).await?;
    let in_scope = match find(&mut tx, number).await {
        Ok(p) => officer.scope.covers(&p.rw, &p.rt),
        Err(ProposalError::Store(e)) => return Err(e.into()),
        Err(_) => false,
    };
    let result = if in_scope {
        set_status(
            &mut tx,
            Some(&state.app.texts),
            &officer.actor(),
            number,
            &form.status,
            &form.reason,
            now,
        )
        .await
        .map(|_| ())
    } else {
        Err(ProposalError::UnknownProposal)
    };
    let refusal = match result {
        Ok(()) => {
            tx.commit().await?;
            return Ok(Redirect::to(&format!("/admin/usulan?saved={number}")).into_response());
        }
        Err(e) => {
            let what = e.to_string();
            refusal::proposal_status(&w, number, e)?.ok_or(WebError::BadRequest(what))?
        }
    };
    tx.rollback().await?;
    let body = page_of(&state, &w, officer, 1, Some((refusal, false))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
