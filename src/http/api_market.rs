//! The market's admin routes, merged into [`super::api::router`] (so guarded).
//!
//! | route | body → answer |
//! | --- | --- |
//! | `POST /api/items` | `{"name", "owner_nik": "…" or null, "custodian_nik": "…"}` → 201 `{"code","name","owner","custodian"}` (NIKs masked); a community item (`owner_nik` null) needs `custodian_nik`, the resident (an RT/RW officer, the admin's custodian) who answers its requests; 404 unknown person, 422 bad name or no custodian |

use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use crate::market::{add_item, MarketError};
use crate::parse::nik::mask_nik;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new().route("/items", post(create_item))
}

impl From<MarketError> for HttpError {
    fn from(e: MarketError) -> Self {
        match e {
            MarketError::Store(s) => HttpError::Store(s),
            MarketError::Ledger(l) => l.into(),
            MarketError::UnknownPerson => HttpError::NotFound,
            other => HttpError::Unprocessable(other.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
    #[serde(default)]
    owner_nik: Option<String>,
    #[serde(default)]
    custodian_nik: Option<String>,
}

async fn create_item(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    raw: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), HttpError> {
    let req: NewItem = super::api::body(&raw)?;
    let now = state.app.now();
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let (code, name, keeper) = add_item(
        &mut tx,
        "admin-api",
        &req.name,
        req.owner_nik.as_deref(),
        req.custodian_nik.as_deref(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "code": code,
            "name": name,
            "owner": req.owner_nik.as_ref().map(|_| mask_nik(&keeper.nik)),
            "custodian": mask_nik(&keeper.nik),
        })),
    ))
}
