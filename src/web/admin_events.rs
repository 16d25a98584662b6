//! `GET`/`POST /admin/kegiatan`, `GET /admin/kegiatan/{n}`, `POST /admin/kegiatan/{n}/{hadir|batal}`:
//! the kelurahan's `KEGIATAN` ([`crate::events`]). Post an event (once: the form's one-time key,
//! a double click posts one), see who signed up, count someone present by the NIK on their KTP,
//! cancel it (those signed up are told). An RW or RT officer manages the events of their own RW
//! ([`crate::events::managed_by`]).

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page};
use super::refusal;
use super::session::SignedIn;
use crate::broadcast::{parse_rw, Scope};
use crate::calendar::{jakarta_local, parse_jakarta_time};
use crate::events::{self, Event, EventError, NewEvent, SignupStatus, Status};
use crate::http::HttpState;
use crate::officer_login::{random_hex, Officer};
use crate::parse::nik::{mask_nik, parse_nik};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    /// `YYYY-MM-DDTHH:MM` from a `datetime-local` field, or `YYYY-MM-DD HH:MM` typed.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    needed: String,
    #[serde(default)]
    rw: String,
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nik: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// `YYYY-MM-DD HH:MM` Asia/Jakarta of unix seconds `secs`.
fn local(secs: i64) -> String {
    jakarta_local(secs).format("%Y-%m-%d %H:%M").to_string()
}

/// Where an event is held: its RW, or the whole kelurahan.
fn area(w: &Words, rw: Option<&str>) -> String {
    rw.map_or_else(|| w.t("web-events-everyone"), |rw| format!("RW {rw}"))
}

fn list_page(
    w: &Words,
    officer: &Officer,
    now: i64,
    upcoming: &[Event],
    form: &EventForm,
    message: Option<(String, bool)>,
) -> Markup {
    let title = w.t("web-events-heading");
    officer_page(
        w,
        officer,
        &title,
        "/admin/kegiatan",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            @if upcoming.is_empty() {
                p { (w.t("web-events-none")) }
            } @else {
                div.table { table.cards {
                    thead { tr {
                        th.num { (w.t("web-col-number")) }
                        th { (w.t("web-col-event")) }
                        th { (w.t("web-col-when")) }
                        th { (w.t("web-col-rw")) }
                        th.num { (w.t("web-col-volunteers")) }
                    } }
                    tbody { @for e in upcoming { tr {
                        td.num { a href={ "/admin/kegiatan/" (e.number) } { "#" (e.number) } }
                        td data-label=(w.t("web-col-event")) {
                            a href={ "/admin/kegiatan/" (e.number) } { (e.title) } br; (e.place)
                        }
                        td data-label=(w.t("web-col-when")) {
                            (local(e.starts_at))
                            @if e.has_started(now) { br; small { (w.t("web-events-started")) } }
                        }
                        td data-label=(w.t("web-col-rw")) { (area(w, e.rw.as_deref())) }
                        td.num data-label=(w.t("web-col-volunteers")) { (e.signed) " / " (e.needed) }
                    } } }
                } }
            }
            h2 { (w.t("web-events-new")) }
            form method="post" action="/admin/kegiatan" {
                (csrf_field(officer))
                input type="hidden" name="once" value=(form.once);
                label { (w.t("web-events-title")) br;
                    input type="text" name="title" required maxlength=(events::MAX_TEXT) value=(form.title); }
                label { (w.t("web-events-place")) br;
                    input type="text" name="place" required maxlength=(events::MAX_TEXT) value=(form.place); }
                label { (w.t("web-events-starts")) br;
                    input type="datetime-local" name="starts_at" required value=(form.starts_at); }
                div.fields {
                    label { (w.t("web-events-needed")) br;
                        input type="text" inputmode="numeric" name="needed" required value=(form.needed); }
                    label { (w.t("web-col-rw")) br;
                        input type="text" name="rw" maxlength="4" value=(form.rw); }
                }
                p { small { (w.t("web-events-rw-help")) } }
                button type="submit" { (w.t("web-events-post")) }
            }
        },
    )
}

fn event_page(
    w: &Words,
    officer: &Officer,
    e: &Event,
    signups: &[events::Signup],
    now: i64,
    message: Option<(String, bool)>,
) -> Markup {
    let title = format!("#{} {}", e.number, e.title);
    let path = format!("/admin/kegiatan/{}", e.number);
    let open = e.status == Status::Open && !e.has_started(now);
    officer_page(
        w,
        officer,
        &title,
        &path,
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            p {
                (e.place) " · " (local(e.starts_at)) " · " (area(w, e.rw.as_deref()))
            }
            p {
                (w.ta("web-events-counts", &[
                    ("signed", e.signed.to_string()),
                    ("needed", e.needed.to_string()),
                    ("attended", e.attended.to_string()),
                ]))
            }
            @if e.status == Status::Cancelled { p.notice.error { (w.t("web-events-cancelled")) } }
            @if signups.is_empty() {
                p { (w.t("web-events-no-signups")) }
            } @else {
                div.table { table.cards {
                    thead { tr {
                        th { (w.t("web-col-name")) }
                        th { (w.t("web-col-nik")) }
                        th { (w.t("web-col-status")) }
                    } }
                    tbody { @for s in signups { tr {
                        td data-label=(w.t("web-col-name")) { (s.name) }
                        td data-label=(w.t("web-col-nik")) { (mask_nik(&s.nik)) }
                        td data-label=(w.t("web-col-status")) {
                            @if s.attended_at.is_some() { (w.t("web-events-present")) }
                            @else if s.status == SignupStatus::Cancelled { (w.t("web-events-withdrew")) }
                            @else { (w.t("web-events-signed")) }
                        }
                    } } }
                } }
            }
            @if e.status == Status::Open {
                h2 { (w.t("web-events-attendance")) }
                form method="post" action={ (path) "/hadir" } {
                    (csrf_field(officer))
                    label { (w.t("web-events-attendance-nik")) br;
                        input type="text" inputmode="numeric" name="nik" maxlength="16" required; }
                    button type="submit" { (w.t("web-events-mark")) }
                }
            }
            @if open {
                form method="post" action={ (path) "/batal" } {
                    (csrf_field(officer))
                    button.secondary type="submit" { (w.t("web-events-cancel")) }
                }
            }
            p { a href="/admin/kegiatan" { (w.t("web-events-back")) } }
        },
    )
}

/// How long an event stays in the officers' list after it started (to count who came).
const SHOWN_AFTER_START_S: i64 = 7 * 86_400;

/// The open events of this officer's area starting from a week ago, soonest first.
async fn upcoming(state: &HttpState, officer: &Officer) -> WebResult<Vec<Event>> {
    let since = state.app.now().div_euclid(1000) - SHOWN_AFTER_START_S;
    let mine = match &officer.scope {
        Scope::Rw { rw } | Scope::Rt { rw, .. } => rw.as_str(),
        Scope::Kecamatan | Scope::Kelurahan => "",
    };
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let mut rows = tx.upcoming_events(since, mine).await?;
    tx.rollback().await?;
    rows.retain(|e| events::managed_by(&officer.scope, e.rw.as_deref()));
    rows.sort_by_key(|e| (e.starts_at, e.number));
    Ok(rows)
}

/// A blank form with a new one-time key; an RW or RT officer's RW filled in.
fn blank(officer: &Officer) -> EventForm {
    let rw = match &officer.scope {
        Scope::Rw { rw } | Scope::Rt { rw, .. } => rw.clone(),
        Scope::Kecamatan | Scope::Kelurahan => String::new(),
    };
    EventForm {
        once: random_hex(16),
        needed: "10".into(),
        rw,
        ..Default::default()
    }
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    let officer = &signed.officer;
    let rows = upcoming(&state, officer).await?;
    let message = match done.done.as_deref() {
        Some("cancelled") => Some((w.t("web-events-cancelled-told"), true)),
        _ => None,
    };
    Ok(list_page(
        &w,
        officer,
        state.app.now(),
        &rows,
        &blank(officer),
        message,
    ))
}

/// Why the form's fields cannot make an event, before any rule of [`events::post`] is asked.
enum FormProblem {
    Time,
    Needed,
    NotYours,
}

pub async fn create(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Form(form): Form<EventForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    if form.once.is_empty() || form.once.len() > 64 {
        return Err(WebError::BadRequest("form key".into()));
    }
    let app = &state.app;
    let now = app.now();
    let starts_at = parse_jakarta_time(&form.starts_at.replace('T', " "));
    let needed = form.needed.trim().parse::<i64>().ok();
    let rw = Some(form.rw.trim()).filter(|r| !r.is_empty());
    let own = rw.map(|r| parse_rw(r).unwrap_or_else(|| r.to_string()));
    let checked = match (starts_at, needed) {
        (None, _) => Err(FormProblem::Time),
        (_, None) => Err(FormProblem::Needed),
        _ if !events::managed_by(&officer.scope, own.as_deref()) => Err(FormProblem::NotYours),
        (Some(starts_at), Some(needed)) => Ok(NewEvent {
            title: &form.title,
            place: &form.place,
            starts_at,
            needed,
            rw,
            item: None,
            campaign: None,
        }),
    };
    let refusal = match checked {
        Err(FormProblem::Time) => w.t("web-events-bad-time"),
        Err(FormProblem::Needed) => refusal::event(&w, EventError::Needed)?,
        Err(FormProblem::NotYours) => w.t("web-events-not-yours"),
        Ok(new) => {
            let mut tx = app.db.begin(officer.kelurahan.id).await?;
            if let Some(shown) = tx.take_form_key(&form.once, now).await? {
                tx.rollback().await?;
                return Ok(Redirect::to(&shown).into_response());
            }
            match events::post(&mut tx, &new, &officer.actor(), now).await {
                Ok(number) => {
                    let to = format!("/admin/kegiatan/{number}");
                    tx.finish_form(&form.once, &to).await?;
                    tx.commit().await?;
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(e) => {
                    tx.rollback().await?;
                    refusal::event(&w, e)?
                }
            }
        }
    };
    let rows = upcoming(&state, officer).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        list_page(&w, officer, now, &rows, &form, Some((refusal, false))),
    )
        .into_response())
}

/// Event `n` with its sign-ups, if this officer manages it.
async fn managed(
    state: &HttpState,
    officer: &Officer,
    n: i64,
) -> WebResult<(Event, Vec<events::Signup>)> {
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let event = tx.event(n).await?;
    let signups = tx.event_signups(n).await?;
    tx.rollback().await?;
    match event {
        Some(e) if events::managed_by(&officer.scope, e.rw.as_deref()) => Ok((e, signups)),
        _ => Err(WebError::NotFound),
    }
}

#[derive(Deserialize, Default)]
pub struct Marked {
    #[serde(default)]
    hadir: Option<String>,
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(n): Path<i64>,
    Query(marked): Query<Marked>,
) -> WebResult<Markup> {
    let officer = &signed.officer;
    let (event, signups) = managed(&state, officer, n).await?;
    let message = marked.hadir.map(|masked| {
        (
            w.ta(
                "web-events-marked",
                &[("nik", masked.chars().take(20).collect())],
            ),
            true,
        )
    });
    Ok(event_page(
        &w,
        officer,
        &event,
        &signups,
        state.app.now(),
        message,
    ))
}

pub async fn act(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path((n, what)): Path<(i64, String)>,
    Form(form): Form<ActForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    let event = tx.event(n).await?;
    if !event.is_some_and(|e| events::managed_by(&officer.scope, e.rw.as_deref())) {
        tx.rollback().await?;
        return Err(WebError::NotFound);
    }
    let refusal = match what.as_str() {
        "batal" => match events::cancel(&mut tx, &app.texts, n, &officer.actor(), now).await {
            Ok(told) => {
                for t in &told {
                    tx.enqueue(t, now).await?;
                }
                tx.commit().await?;
                return Ok(Redirect::to("/admin/kegiatan?done=cancelled").into_response());
            }
            Err(e) => refusal::event(&w, e)?,
        },
        "hadir" => match parse_nik(&form.nik) {
            Err(_) => w.t("web-events-bad-nik"),
            Ok(nik) => {
                match events::attend(&mut tx, n, nik.as_str(), &officer.actor(), now).await {
                    Ok(_) => {
                        tx.commit().await?;
                        let to = format!("/admin/kegiatan/{n}?hadir={}", nik.masked());
                        return Ok(Redirect::to(&to).into_response());
                    }
                    Err(e) => refusal::event(&w, e)?,
                }
            }
        },
        other => {
            tx.rollback().await?;
            return Err(WebError::BadRequest(format!("action {other:?}")));
        }
    };
    tx.rollback().await?;
    let (event, signups) = managed(&state, officer, n).await?;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        event_page(&w, officer, &event, &signups, now, Some((refusal, false))),
    )
        .into_response())
}
