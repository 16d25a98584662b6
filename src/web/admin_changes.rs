//! `GET /admin/perubahan` and `POST /admin/perubahan/{id}`: the change requests residents
//! reported (`DATA`), waiting for an officer, within the officer's scope; approve, or reject with
//! a reason ([`crate::registry::change::decide`] holds the rules, as for the admin API). A request
//! decided already is refused, so a double submit does nothing twice.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, date, notice, officer_page};
use super::refusal;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::officer_login::Officer;
use crate::parse::nik::{last4, mask_nik};
use crate::registry::change::{self, kind_label_id, Status};
use crate::store::ChangeRequest;
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
    id: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// The pending requests of the officer's kelurahan within their scope.
async fn pending(state: &HttpState, officer: &Officer) -> WebResult<Vec<ChangeRequest>> {
    let all = state
        .app
        .db
        .change_requests(officer.kelurahan.id, Some(Status::Pending))
        .await?;
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let mut mine = Vec::with_capacity(all.len());
    for r in all {
        if officer.scope.covers_household(&mut tx, &r.no_kk).await? {
            mine.push(r);
        }
    }
    tx.rollback().await?;
    Ok(mine)
}

/// The queue, with a `message` above it (done or refused) and, for a refusal, the request it
/// concerns.
fn queue(
    w: &Words,
    officer: &Officer,
    rows: &[ChangeRequest],
    message: Option<(String, bool)>,
) -> Markup {
    let title = w.t("web-changes-heading");
    officer_page(
        w,
        officer,
        &title,
        "/admin/perubahan",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            @if rows.is_empty() {
                p { (w.t("web-changes-none")) }
            } @else {
                div.table { table.cards {
                    thead { tr {
                        th.num { (w.t("web-col-number")) }
                        th { (w.t("web-col-date")) }
                        th { (w.t("web-col-kk")) }
                        th { (w.t("web-col-kind")) }
                        th { (w.t("web-col-details")) }
                        th { (w.t("web-col-decide")) }
                    } }
                    tbody { @for r in rows { tr id={ "cr-" (r.id) } {
                        td.num { "#" (r.id) }
                        td data-label=(w.t("web-col-date")) { (date(r.created_at)) }
                        td data-label=(w.t("web-col-kk")) { "..." (last4(&r.no_kk)) @if let Some(nik) = &r.nik { " " (mask_nik(nik)) } }
                        td data-label=(w.t("web-col-kind")) { (w.t(&kind_label_id(r.kind))) }
                        td data-label=(w.t("web-col-details")) { (r.details) }
                        td {
                            form.inline method="post" action={ "/admin/perubahan/" (r.id) } {
                                (csrf_field(officer))
                                button type="submit" name="decision" value="approve" { (w.t("web-approve")) }
                            }
                            form.inline method="post" action={ "/admin/perubahan/" (r.id) } {
                                (csrf_field(officer))
                                input type="text" name="reason" placeholder=(w.t("web-reason")) aria-label=(w.t("web-reason"));
                                button.secondary type="submit" name="decision" value="reject" { (w.t("web-reject")) }
                            }
                        }
                    } } }
                } }
            }
        },
    )
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    let officer = &signed.officer;
    let rows = pending(&state, officer).await?;
    let id = done.id.unwrap_or(0).to_string();
    let message = match done.done.as_deref() {
        Some("approved") => Some((w.ta("web-change-approved", &[("id", id)]), true)),
        Some("rejected") => Some((w.ta("web-change-rejected", &[("id", id)]), true)),
        _ => None,
    };
    Ok(queue(&w, officer, &rows, message))
}

pub async fn decide(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let status = match form.decision.as_str() {
        "approve" => Status::Approved,
        "reject" => Status::Rejected,
        other => return Err(WebError::BadRequest(format!("decision {other:?}"))),
    };
    let now = state.app.now();
    let mut tx = state.app.db.begin(officer.kelurahan.id).await?;
    let refused = match tx.change_request(id).await? {
        Some(r) if officer.scope.covers_household(&mut tx, &r.no_kk).await? => {
            match change::decide(
                &mut tx,
                Some(&state.app.texts),
                id,
                status,
                Some(&form.reason),
                &officer.actor(),
                now,
            )
            .await
            {
                Ok(_) => None,
                Err(e) => Some(refusal::change(&w, id, e)?),
            }
        }
        _ => Some(w.t("web-change-unknown")),
    };
    if let Some(text) = refused {
        tx.rollback().await?;
        let rows = pending(&state, officer).await?;
        let text = format!("#{id}: {text}");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            queue(&w, officer, &rows, Some((text, false))),
        )
            .into_response());
    }
    tx.commit().await?;
    let done = if status == Status::Approved {
        "approved"
    } else {
        "rejected"
    };
    Ok(Redirect::to(&format!("/admin/perubahan?done={done}&id={id}")).into_response())
}
