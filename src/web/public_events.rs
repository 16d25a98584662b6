//! `GET /kegiatan`: the kelurahan's upcoming `KEGIATAN` for everyone: what, where, when, and how
//! many volunteers signed up of those needed; how to join by message (`IKUT <nomor>`). No one
//! who signed up is named.

use super::error::WebResult;
use super::lang::Words;
use super::page::{page, PUBLIC_NAV};
use crate::calendar::jakarta_local;
use crate::http::error::HttpError;
use crate::http::kelurahan_param::ForKelurahan;
use crate::http::HttpState;
use axum::extract::State;
use maud::{html, Markup};

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    kelurahan: Result<ForKelurahan, HttpError>,
) -> WebResult<Markup> {
    let k = kelurahan?.0;
    let now_s = state.app.now().div_euclid(1000);
    let mut tx = state.app.db.begin_read(k.id).await?;
    let mut upcoming = tx.upcoming_events(now_s, "").await?;
    tx.rollback().await?;
    upcoming.sort_by_key(|e| (e.starts_at, e.number));
    let title = w.t("web-public-events-heading");
    let body = html! {
        h1 { (title) }
        @if upcoming.is_empty() {
            p { (w.t("web-public-events-none")) }
        } @else {
            p { (w.t("web-public-events-join")) }
            ul.cards { @for e in &upcoming { li {
                strong { "#" (e.number) " " (e.title) } br;
                (jakarta_local(e.starts_at).format("%Y-%m-%d %H:%M")) " WIB · " (e.place)
                @if let Some(rw) = &e.rw { " · RW " (rw) }
                br;
                (w.ta("web-public-events-volunteers", &[
                    ("signed", e.signed.to_string()),
                    ("needed", e.needed.to_string()),
                ]))
            } } }
        }
    };
    Ok(page(&w, &title, &PUBLIC_NAV, "/kegiatan", body))
}
