//! `GET /admin/pin` and `POST /admin/pin`: `LUPA PIN` done at the office. The page lists the
//! phones whose PIN is locked now (masked); the officer, the resident and their KTP in front of
//! them, types the resident's NIK and resets the PIN ([`crate::accounts::pin_change::reset`]: the
//! old PIN is void and the phone told that its next PIN step sets a new one). Only for a resident
//! within the officer's scope.

use super::error::WebResult;
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page};
use super::refusal;
use super::session::SignedIn;
use crate::accounts::pin_change::{self, PinResetError};
use crate::http::HttpState;
use crate::officer_login::Officer;
use crate::parse::mask_phone;
use crate::parse::nik::parse_nik;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    nik: String,
}

async fn page_of(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    nik: &str,
    message: Option<(String, bool)>,
    field_error: Option<String>,
) -> WebResult<Markup> {
    let locked = state
        .app
        .db
        .locked_pins(officer.kelurahan.id, state.app.now())
        .await?;
    let title = w.t("web-pin-heading");
    Ok(officer_page(
        w,
        officer,
        &title,
        "/admin/pin",
        html! {
            h1 { (title) }
            @if let Some((text, ok)) = &message { (notice(text, *ok)) }
            p { (w.t("web-pin-intro")) }
            form method="post" action="/admin/pin" {
                (csrf_field(officer))
                label for="nik" { (w.t("web-pin-nik")) }
                input #nik type="text" name="nik" value=(nik) inputmode="numeric" maxlength="20" autocomplete="off" required;
                @if let Some(e) = &field_error { span.field-error { (e) } }
                p { button type="submit" { (w.t("web-pin-reset")) } }
            }
            h2 { (w.t("web-pin-locked")) }
            @if locked.is_empty() { p { (w.t("web-pin-none-locked")) } } @else {
                ul { @for (phone, until) in &locked {
                    li { (mask_phone(phone)) ": " (crate::calendar::jakarta_time(until / 1000)) }
                } }
            }
        },
    ))
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    // Only the NIK's last four digits come back in the address: nothing else is shown.
    let message = done
        .done
        .filter(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit()))
        .map(|d| (w.ta("web-pin-done", &[("nik", format!("...{d}"))]), true));
    page_of(&state, &w, &signed.officer, "", message, None).await
}

pub async fn reset(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Form(form): Form<ResetForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let refuse = |error: String| async {
        let body = page_of(&state, &w, officer, form.nik.trim(), None, Some(error)).await?;
        Ok::<_, super::error::WebError>((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
    };
    let Ok(nik) = parse_nik(&form.nik) else {
        return refuse(w.t("web-pin-bad-nik")).await;
    };
    let app = &state.app;
    let now = app.now();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    let result = if officer.scope.covers_person(&mut tx, nik.as_str()).await? {
        pin_change::reset(&mut tx, &app.texts, nik.as_str(), &officer.actor(), now).await
    } else {
        Err(PinResetError::NotLinked)
    };
    match result {
        Ok((told, _)) => {
            tx.enqueue(&told, now).await?;
            tx.commit().await?;
            let to = format!("/admin/pin?done={}", nik.last4());
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let text = refusal::pin_reset(&w, e)?;
            tx.rollback().await?;
            refuse(text).await
        }
    }
}
