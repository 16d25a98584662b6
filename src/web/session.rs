//! The officer's session on the web pages: the `gotong_session` cookie (`HttpOnly`,
//! `SameSite=Strict`, `Secure` when the request came over HTTPS through a proxy that says so with
//! `X-Forwarded-Proto: https`), looked up at every request ([`crate::officer_login::session`]);
//! without a valid one an officer's page sends to the login page.

use super::error::WebError;
use crate::http::HttpState;
use crate::officer_login::{csrf_ok, session, Officer, SESSION_TTL_MS};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

/// The session cookie.
pub const COOKIE: &str = "gotong_session";

/// An officer signed in, with their session token.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub officer: Officer,
    pub token: String,
}

impl SignedIn {
    /// The form's CSRF token must be the session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), WebError> {
        if csrf_ok(&self.officer, given) {
            Ok(())
        } else {
            tracing::warn!("web form: CSRF token missing or wrong");
            Err(WebError::Csrf)
        }
    }
}

/// Whether the request reached us over HTTPS (a proxy's `X-Forwarded-Proto`).
pub fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A cookie of the officers' pages: `HttpOnly`, `SameSite=Strict`, `Secure` over HTTPS.
pub fn strict_cookie(name: &'static str, value: String, headers: &HeaderMap) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(over_https(headers))
        .build()
}

/// The session cookie for `token`, expiring with the session.
pub fn session_cookie(token: String, headers: &HeaderMap) -> Cookie<'static> {
    let mut c = strict_cookie(COOKIE, token, headers);
    c.set_max_age(cookie::time::Duration::milliseconds(SESSION_TTL_MS));
    c
}

impl FromRequestParts<HttpState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let to_login = || Redirect::to("/admin/login").into_response();
        let Some(token) = jar.get(COOKIE).map(|c| c.value().to_string()) else {
            return Err(to_login());
        };
        match session(&state.app.db, &token, state.app.now()).await {
            Ok(Some(officer)) => Ok(SignedIn { officer, token }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}
