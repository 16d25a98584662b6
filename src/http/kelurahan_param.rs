//! `?kelurahan=<code>`: which kelurahan an admin route acts on (DESIGN §3). Without it, the
//! deployment's default kelurahan; an unknown code is 404. Every admin handler that touches a
//! tenant's rows takes a [`ForKelurahan`] and begins its unit of work with its id. A route that
//! can also answer for the whole deployment takes a [`KelurahanScope`] (`?kelurahan=all`).

use super::error::HttpError;
use super::HttpState;
use crate::store::{Kelurahan, KelurahanError, KelurahanId};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::Deserialize;

/// The kelurahan named by the request (or the default one).
#[derive(Clone, Debug)]
pub struct ForKelurahan(pub Kelurahan);

impl ForKelurahan {
    pub fn id(&self) -> KelurahanId {
        self.0.id
    }
}

#[derive(Deserialize)]
struct Param {
    kelurahan: Option<String>,
}

/// What `?kelurahan=` says, if anything.
fn param(parts: &Parts) -> Result<Option<String>, HttpError> {
    let Query(param) = Query::<Param>::try_from_uri(&parts.uri)
        .map_err(|e| HttpError::Malformed(e.to_string()))?;
    Ok(param
        .kelurahan
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty()))
}

/// The kelurahan of `code`, or the default one without a code.
async fn kelurahan(state: &HttpState, code: Option<String>) -> Result<Kelurahan, HttpError> {
    let db = &state.app.db;
    let found = match code.as_deref() {
        None => db.kelurahan(KelurahanId::DEFAULT).await?,
        Some(code) => db.kelurahan_by_code(code).await?,
    };
    found.ok_or_else(|| HttpError::UnknownKelurahan(code.unwrap_or_default()))
}

impl FromRequestParts<HttpState> for ForKelurahan {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ForKelurahan(kelurahan(state, param(parts)?).await?))
    }
}

/// `?kelurahan=all` (the whole deployment) or one kelurahan as [`ForKelurahan`] reads it, for the
/// routes that can answer for the deployment (`GET /api/stats`).
#[derive(Clone, Debug)]
pub enum KelurahanScope {
    All,
    One(Kelurahan),
}

/// The word of `?kelurahan=` that names the whole deployment.
pub const ALL: &str = "all";

impl FromRequestParts<HttpState> for KelurahanScope {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        match param(parts)? {
            Some(p) if p.eq_ignore_ascii_case(ALL) => Ok(KelurahanScope::All),
            code => Ok(KelurahanScope::One(kelurahan(state, code).await?)),
        }
    }
}

impl From<KelurahanError> for HttpError {
    fn from(e: KelurahanError) -> Self {
        match e {
            KelurahanError::Store(e) => HttpError::Store(e),
            KelurahanError::Unknown(code) => HttpError::UnknownKelurahan(code),
            e @ (KelurahanError::BadCode
            | KelurahanError::NoName
            | KelurahanError::BadNumber { .. }) => HttpError::Unprocessable(e.to_string()),
            e @ (KelurahanError::Exists(_) | KelurahanError::NumberTaken { .. }) => {
                HttpError::Conflict(e.to_string())
            }
        }
    }
}
