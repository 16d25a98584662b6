//! `?kelurahan=<code>`: which kelurahan an admin route acts on (DESIGN §3). Without it, the
//! deployment's default kelurahan; an unknown code is 404. Every admin handler that touches a
//! tenant's rows takes a [`ForKelurahan`] and begins its unit of work with its id.

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

impl FromRequestParts<HttpState> for ForKelurahan {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Self, Self::Rejection> {
        let Query(param) = Query::<Param>::try_from_uri(&parts.uri)
            .map_err(|e| HttpError::Malformed(e.to_string()))?;
        let db = &state.app.db;
        let found = match param.kelurahan.as_deref().map(str::trim) {
            None | Some("") => db.kelurahan(KelurahanId::DEFAULT).await?,
            Some(code) => db.kelurahan_by_code(code).await?,
        };
        found
            .map(ForKelurahan)
            .ok_or_else(|| HttpError::UnknownKelurahan(param.kelurahan.unwrap_or_default()))
    }
}

impl From<KelurahanError> for HttpError {
    fn from(e: KelurahanError) -> Self {
        match e {
            KelurahanError::Store(e) => HttpError::Store(e),
            e @ (KelurahanError::BadCode | KelurahanError::NoName) => {
                HttpError::Unprocessable(e.to_string())
            }
            e @ (KelurahanError::Exists(_) | KelurahanError::NumberTaken { .. }) => {
                HttpError::Conflict(e.to_string())
            }
        }
    }
}
