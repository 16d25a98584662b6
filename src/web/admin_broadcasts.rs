//! `GET`/`POST /admin/siaran`, `GET /admin/siaran/{id}`, `POST /admin/siaran/{id}/batal`: an
//! officer's broadcasts ([`crate::broadcast`], the same rules as `SIARAN` in chat). The officer
//! writes the text and picks the area (within their scope) and who; **Periksa** shows the
//! recipients by channel and what the text costs by SMS before anything is queued; **Kirim**
//! queues it, once (the form's one-time key: a double click or a reload queues nothing more). A
//! broadcast's page counts its messages waiting, sent, delivered, read and failed, refreshes
//! itself while some wait, and cancels what has not gone out.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, date, notice, officer_page, officer_page_refreshing};
use super::refusal;
use super::session::SignedIn;
use crate::broadcast::{self, own_actors, parse_rt, parse_rw, target_label, BroadcastError, Plan};
use crate::http::HttpState;
use crate::officer_login::{random_hex, Officer};
use crate::store::{BroadcastRecord, Role, Target};
use crate::text::gsm7::sms_segments;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

/// How many of the latest broadcasts the page lists.
const RECENT: i64 = 20;
/// How often a broadcast's page refreshes while messages wait, in seconds.
const REFRESH_S: u32 = 10;

#[derive(Deserialize, Default, Clone)]
pub struct ComposeForm {
    #[serde(default)]
    csrf: String,
    /// The form's one-time key.
    #[serde(default)]
    once: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    rw: String,
    #[serde(default)]
    rt: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    action: String,
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    cancelled: Option<i64>,
}

/// Whether this officer sees and may cancel a broadcast created by `created_by`.
fn may_see(officer: &Officer, created_by: &str) -> bool {
    broadcast::may_manage(&officer.scope, &officer.nik, created_by)
}

fn target_of(b: &BroadcastRecord) -> Target {
    Target {
        rw: b.target_rw.clone(),
        rt: b.target_rt.clone(),
        role: b.target_role.as_deref().and_then(Role::parse),
    }
}

/// The form's target, as the officer's scope allows.
fn target_of_form(officer: &Officer, f: &ComposeForm) -> Result<Target, BroadcastError> {
    let area = |s: &str, parse: fn(&str) -> Option<String>| {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        parse(s)
            .map(Some)
            .ok_or_else(|| BroadcastError::BadArea(s.chars().take(10).collect()))
    };
    let rw = area(&f.rw, parse_rw)?;
    let rt = area(&f.rt, parse_rt)?;
    let role = match f.role.trim() {
        "" => None,
        other => Some(Role::parse(other).ok_or(BroadcastError::BadRole(other.into()))?),
    };
    officer.scope.target(rw, rt, role)
}

/// What the preview found: who is reached, and the text's size.
struct Preview {
    plan: Plan,
    chars: usize,
    segments: usize,
}

fn compose(
    w: &Words,
    officer: &Officer,
    form: &ComposeForm,
    preview: Option<&Preview>,
    refusal: Option<&str>,
    recent: &[BroadcastRecord],
) -> Markup {
    let title = w.t("web-bc-heading");
    let roles = [
        ("", "web-bc-role-all"),
        ("merchant", "web-bc-role-merchant"),
        ("unverified", "web-bc-role-unverified"),
    ];
    officer_page(
        w,
        officer,
        &title,
        "/admin/siaran",
        html! {
            h1 { (title) }
            p { (w.t("web-bc-intro")) }
            form method="post" action="/admin/siaran" {
                (csrf_field(officer))
                input type="hidden" name="once" value=(form.once);
                label for="text" { (w.t("web-bc-text")) }
                textarea #text name="text" rows="5" maxlength="1100" required { (form.text) }
                @if let Some(e) = refusal { span.field-error { (e) } }
                div.fields {
                    div {
                        label for="rw" { (w.t("web-bc-rw")) }
                        input #rw type="text" name="rw" value=(form.rw) inputmode="numeric" maxlength="4" size="4";
                    }
                    div {
                        label for="rt" { (w.t("web-bc-rt")) }
                        input #rt type="text" name="rt" value=(form.rt) inputmode="numeric" maxlength="4" size="4";
                    }
                    div {
                        label for="role" { (w.t("web-bc-role")) }
                        select #role name="role" {
                            @for (value, id) in roles {
                                option value=(value) selected[form.role == value] { (w.t(id)) }
                            }
                        }
                    }
                }
                @if let Some(p) = preview {
                    div.preview role="status" {
                        p { (w.ta("web-bc-plan", &[
                            ("recipients", p.plan.recipients.to_string()),
                            ("whatsapp", p.plan.whatsapp.to_string()),
                            ("sms", p.plan.sms.to_string()),
                        ])) }
                        p { (w.ta("web-bc-sms-size", &[
                            ("chars", p.chars.to_string()),
                            ("segments", p.segments.to_string()),
                        ])) }
                        @if p.plan.unreachable > 0 {
                            p { (w.ta("broadcast-unreachable", &[("count", p.plan.unreachable.to_string())])) }
                        }
                    }
                }
                p {
                    button.alt type="submit" name="action" value="preview" { (w.t("web-bc-preview")) }
                    " "
                    @if preview.is_some() {
                        button type="submit" name="action" value="send" { (w.t("web-bc-send")) }
                    }
                }
            }
            h2 { (w.t("web-bc-recent")) }
            @if recent.is_empty() { p { (w.t("web-bc-none")) } } @else {
                div.table { table.cards {
                    thead { tr {
                        th.num { (w.t("web-col-number")) }
                        th { (w.t("web-col-date")) }
                        th { (w.t("web-bc-target")) }
                        th.num { (w.t("web-bc-recipients")) }
                        th { (w.t("web-bc-text")) }
                    } }
                    tbody { @for b in recent { tr {
                        td.num { a href={ "/admin/siaran/" (b.id) } { "#" (b.id) } }
                        td data-label=(w.t("web-col-date")) { (date(b.created_at)) }
                        td data-label=(w.t("web-bc-target")) { (target_label(&target_of(b))) }
                        td.num data-label=(w.t("web-bc-recipients")) { (b.recipients) }
                        td data-label=(w.t("web-bc-text")) { (short(&b.text)) }
                    } } }
                } }
            }
        },
    )
}

/// The first 80 characters of a text, for a list.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    s
}

async fn recent(state: &HttpState, officer: &Officer) -> WebResult<Vec<BroadcastRecord>> {
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let [chat, web] = own_actors(&officer.nik);
    let mine = (!officer.scope.whole_kelurahan()).then_some((chat.as_str(), web.as_str()));
    let rows = tx.recent_broadcasts(mine, RECENT).await?;
    tx.rollback().await?;
    Ok(rows)
}

/// A form with a new one-time key.
fn blank() -> ComposeForm {
    ComposeForm {
        once: random_hex(16),
        ..Default::default()
    }
}

pub async fn show(State(state): State<HttpState>, w: Words, signed: SignedIn) -> WebResult<Markup> {
    let officer = &signed.officer;
    let rows = recent(&state, officer).await?;
    Ok(compose(&w, officer, &blank(), None, None, &rows))
}

pub async fn submit(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Form(form): Form<ComposeForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    if form.once.is_empty() || form.once.len() > 64 {
        return Err(WebError::BadRequest("form key".into()));
    }
    let app = &state.app;
    let now = app.now();
    let sending = match form.action.as_str() {
        "preview" => false,
        "send" => true,
        other => return Err(WebError::BadRequest(format!("action {other:?}"))),
    };
    let result = match target_of_form(officer, &form) {
        Err(e) => Err(e),
        Ok(target) if !sending => {
            let mut tx = app.db.begin_read(officer.kelurahan.id).await?;
            let planned = broadcast::plan(&mut tx, &target, &form.text, &app.config, now).await;
            tx.rollback().await?;
            planned.map(|(text, plan)| Preview {
                plan,
                chars: text.chars().count(),
                segments: sms_segments(&text),
            })
        }
        Ok(target) => {
            let mut tx = app.db.begin(officer.kelurahan.id).await?;
            if let Some(shown) = tx.take_form_key(&form.once, now).await? {
                tx.rollback().await?;
                return Ok(Redirect::to(&shown).into_response());
            }
            match broadcast::create(
                &mut tx,
                &officer.actor(),
                &target,
                &form.text,
                &app.config,
                now,
            )
            .await
            {
                Ok(created) => {
                    let to = format!("/admin/siaran/{}", created.id);
                    tx.finish_form(&form.once, &to).await?;
                    tx.commit().await?;
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e) => {
                    tx.rollback().await?;
                    Err(e)
                }
            }
        }
    };
    let rows = recent(&state, officer).await?;
    Ok(match result {
        Ok(preview) => compose(&w, officer, &form, Some(&preview), None, &rows).into_response(),
        Err(e) => {
            let text = refusal::broadcast(&w, e)?;
            let page = compose(&w, officer, &form, None, Some(&text), &rows);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
    })
}

/// The broadcast `id` if this officer may see it.
async fn visible(state: &HttpState, officer: &Officer, id: i64) -> WebResult<BroadcastRecord> {
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let b = tx.broadcast(id).await?;
    tx.rollback().await?;
    b.filter(|b| may_see(officer, &b.created_by))
        .ok_or(WebError::NotFound)
}

async fn one(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    id: i64,
    message: Option<(String, bool)>,
) -> WebResult<Markup> {
    let b = visible(state, officer, id).await?;
    let counts = state
        .app
        .db
        .broadcast_counts(officer.kelurahan.id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let title = w.ta("web-bc-one", &[("id", id.to_string())]);
    let waiting = counts.queued > 0;
    let rows = [
        ("web-bc-recipients", counts.recipients),
        ("web-bc-queued", counts.queued),
        ("web-bc-sent", counts.sent),
        ("web-bc-delivered", counts.delivered),
        ("web-bc-read", counts.read),
        ("web-bc-failed", counts.failed),
        ("web-bc-cancelled", counts.cancelled),
    ];
    let path = format!("/admin/siaran/{id}");
    let body = html! {
        h1 { (title) }
        @if let Some((text, ok)) = &message { (notice(text, *ok)) }
        p { (date(b.created_at)) ", " (target_label(&target_of(&b))) }
        blockquote { (b.text) }
        table.figures {
            tbody { @for (label, n) in rows { tr {
                th { (w.t(label)) }
                td.num { (n) }
            } } }
        }
        @if waiting {
            p { (w.ta("web-bc-refreshing", &[("seconds", REFRESH_S.to_string())])) }
            form method="post" action={ (path) "/batal" } {
                (csrf_field(officer))
                button.secondary type="submit" { (w.t("web-bc-cancel")) }
            }
        }
        p { a href="/admin/siaran" { (w.t("web-bc-back")) } }
    };
    let refresh = waiting.then_some(REFRESH_S);
    Ok(officer_page_refreshing(
        w, officer, &title, &path, refresh, body,
    ))
}

pub async fn show_one(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    let message = done.cancelled.map(|n| {
        let args = [("id", id.to_string()), ("count", n.to_string())];
        (w.ta("broadcast-cancelled", &args), true)
    });
    one(&state, &w, &signed.officer, id, message).await
}

pub async fn cancel(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    let may = |by: &str| may_see(officer, by);
    match broadcast::cancel(&mut tx, id, &officer.actor(), may, now).await {
        Ok(n) => {
            tx.commit().await?;
            let to = format!("/admin/siaran/{id}?cancelled={n}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(BroadcastError::NotFound) => {
            tx.rollback().await?;
            Err(WebError::NotFound)
        }
        Err(e) => {
            tx.rollback().await?;
            let text = refusal::broadcast(&w, e)?;
            let page = one(&state, &w, officer, id, Some((text, false))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
