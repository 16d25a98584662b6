//! Admin route of the kindness record ([`crate::kindness`]), merged into [`super::api::router`]
//! (so guarded): the kelurahan's own view, with who consented to being shown in public.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /api/kindness[?top=10]` | `{"<rw>": [{"name","total","volunteered","lent","donated","services","public"}]}`: the top contributors of each RW (1 to 100, 10 without `top`), most first |

use super::error::HttpError;
use super::kelurahan_param::ForKelurahan;
use super::HttpState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<HttpState> {
    Router::new().route("/kindness", get(top))
}

#[derive(Deserialize)]
struct Top {
    top: Option<usize>,
}

async fn top(
    State(state): State<HttpState>,
    kelurahan: ForKelurahan,
    Query(q): Query<Top>,
) -> Result<Json<Value>, HttpError> {
    let per_rw = q.top.unwrap_or(10);
    if !(1..=100).contains(&per_rw) {
        return Err(HttpError::Unprocessable("top is 1 to 100".into()));
    }
    let mut tx = state.app.db.begin(kelurahan.id()).await?;
    let by_rw = crate::kindness::top_per_rw(&mut tx, per_rw).await?;
    tx.rollback().await?;
    Ok(Json(json!(by_rw)))
}
