//! The officers' login pages ([`crate::officer_login`] holds the rules): the phone form, the code
//! form, logout. Before a session exists the forms are protected by a double-submit token: a
//! random `gotong_login` cookie (`HttpOnly`, `SameSite=Strict`) that the form repeats.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{notice, page, PUBLIC_NAV};
use super::refusal;
use super::session::{session_cookie, strict_cookie, SignedIn, COOKIE as SESSION_COOKIE};
use crate::http::HttpState;
use crate::officer_login::{logout as end_session, random_hex, request_code, verify_code};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use maud::{html, Markup};
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// The login forms' double-submit cookie.
const LOGIN_COOKIE: &str = "gotong_login";

#[derive(Deserialize, Default)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// The login cookie's value, or a new one (with the cookie to set).
fn login_token(jar: CookieJar, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(c) = jar.get(LOGIN_COOKIE) {
        let v = c.value().to_string();
        return (jar, v);
    }
    let token = random_hex(16);
    (
        jar.add(strict_cookie(LOGIN_COOKIE, token.clone(), headers)),
        token,
    )
}

/// The form repeats the login cookie.
fn check_login_token(jar: &CookieJar, given: &str) -> Result<(), WebError> {
    match jar.get(LOGIN_COOKIE) {
        Some(c)
            if !given.is_empty() && bool::from(c.value().as_bytes().ct_eq(given.as_bytes())) =>
        {
            Ok(())
        }
        _ => Err(WebError::Csrf),
    }
}

fn phone_page(w: &Words, token: &str, phone: &str, error: Option<String>) -> Markup {
    let title = w.t("web-login-heading");
    page(
        w,
        &title,
        &PUBLIC_NAV,
        "/admin/login",
        html! {
            h1 { (title) }
            p { (w.t("web-login-intro")) }
            form method="post" action="/admin/login" {
                input type="hidden" name="csrf" value=(token);
                label for="phone" { (w.t("web-login-phone")) }
                input #phone type="tel" name="phone" value=(phone) autocomplete="tel" required;
                @if let Some(e) = &error { span.field-error { (e) } }
                p { button type="submit" { (w.t("web-login-send")) } }
            }
        },
    )
}

fn code_page(w: &Words, token: &str, phone: &str, sent: bool, error: Option<String>) -> Markup {
    let title = w.t("web-login-heading");
    page(
        w,
        &title,
        &PUBLIC_NAV,
        "/admin/login",
        html! {
            h1 { (title) }
            @if sent { (notice(&w.t("web-login-sent"), true)) }
            form method="post" action="/admin/login/code" {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="phone" value=(phone);
                label for="code" { (w.t("web-login-code-label")) }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required;
                @if let Some(e) = &error { span.field-error { (e) } }
                p { button type="submit" { (w.t("web-login-enter")) } }
            }
        },
    )
}

/// `GET /admin/login`.
pub async fn phone_form(w: Words, jar: CookieJar, headers: HeaderMap) -> Response {
    let (jar, token) = login_token(jar, &headers);
    (jar, phone_page(&w, &token, "", None)).into_response()
}

/// `POST /admin/login`: sends the code (when the phone is an officer's) and asks for it.
pub async fn send_code(
    State(state): State<HttpState>,
    w: Words,
    jar: CookieJar,
    Form(form): Form<PhoneForm>,
) -> WebResult<Response> {
    check_login_token(&jar, &form.csrf)?;
    let token = form.csrf.clone();
    let key = state.app.config.secret_key_or_dev();
    match request_code(
        &state.app.db,
        &state.app.texts,
        &key,
        &form.phone,
        state.app.now(),
    )
    .await
    {
        Ok(phone) => Ok(code_page(&w, &token, &phone, true, None).into_response()),
        Err(e) => {
            let error = refusal::login(&w, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                phone_page(&w, &token, &form.phone, Some(error)),
            )
                .into_response())
        }
    }
}

/// `POST /admin/login/code`: a right code opens the session and goes to the dashboard.
pub async fn enter_code(
    State(state): State<HttpState>,
    w: Words,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    check_login_token(&jar, &form.csrf)?;
    let key = state.app.config.secret_key_or_dev();
    match verify_code(
        &state.app.db,
        &key,
        &form.phone,
        &form.code,
        state.app.now(),
    )
    .await
    {
        Ok(session) => {
            let jar = jar
                .remove(Cookie::build(LOGIN_COOKIE).path("/"))
                .add(session_cookie(session.token, &headers));
            Ok((jar, Redirect::to("/admin")).into_response())
        }
        Err(e) => {
            let error = refusal::login(&w, e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                code_page(&w, &form.csrf, &form.phone, false, Some(error)),
            )
                .into_response())
        }
    }
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<HttpState>,
    signed: SignedIn,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    end_session(&state.app.db, &signed.token, state.app.now()).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/admin/login")).into_response())
}
