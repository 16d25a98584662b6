//! The web pages' errors, mapped once to a status and a page in the visitor's language: the
//! handler answers a [`WebError`], which leaves its status and text id on the response, and
//! [`render`] (a layer over every web route) turns that into the page.
//!
//! | error | status |
//! | --- | --- |
//! | unknown page, proposal or `?kelurahan=` | 404 |
//! | unreadable request | 400 |
//! | a form's CSRF token missing or wrong | 403 |
//! | store failure | 500 (logged) |
//!
//! A form a rule refuses (a rejection without a reason…) is not an error: its page is shown
//! again with the reason beside the field (422).

use super::lang::Words;
use super::page::{page, PUBLIC_NAV};
use crate::error::StoreError;
use crate::http::error::HttpError;
use crate::http::HttpState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type WebResult<T> = Result<T, WebError>;

impl From<HttpError> for WebError {
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::NotFound | HttpError::UnknownKelurahan(_) => WebError::NotFound,
            HttpError::Store(s) => WebError::Store(s),
            other => WebError::BadRequest(other.to_string()),
        }
    }
}

/// What [`render`] shows for an error: the text id.
#[derive(Clone, Copy, Debug)]
struct ErrorPage(&'static str);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, id) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "web-not-found"),
            WebError::BadRequest(_) => (StatusCode::BAD_REQUEST, "web-bad-request"),
            WebError::Csrf => (StatusCode::FORBIDDEN, "web-csrf"),
            WebError::Store(e) => {
                tracing::error!(error = %e, "web page: store failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "web-error")
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage(id));
        response
    }
}

/// The layer that renders a [`WebError`]'s page.
pub async fn render(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let words = match Words::from_request_parts(&mut parts, &state).await {
        Ok(w) => w,
        Err(never) => match never {},
    };
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(ErrorPage(id)) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let text = words.t(id);
    let body = page(&words, &text, &PUBLIC_NAV, "/", html! { h1 { (text) } });
    (response.status(), body).into_response()
}
