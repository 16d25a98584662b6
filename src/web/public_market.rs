//! `GET /pasar[?cari=kata]`: the local market's open listings for everyone (the seed wants UMKM
//! promoted): what, its price, how many are left, which merchant and RW, and how to order by
//! message (`PESAN <kode> <jumlah>`). Searched as `CARI` searches ([`crate::market::search`]).

use super::error::WebResult;
use super::lang::Words;
use super::page::{page, rupiah, PUBLIC_NAV};
use crate::http::error::HttpError;
use crate::http::kelurahan_param::ForKelurahan;
use crate::http::HttpState;
use crate::market::search::{query_words, rank};
use axum::extract::{Query, State};
use maud::{html, Markup};
use serde::Deserialize;

/// The most listings on the page.
const SHOWN: i64 = 60;

#[derive(Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    cari: String,
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    kelurahan: Result<ForKelurahan, HttpError>,
    Query(q): Query<Search>,
) -> WebResult<Markup> {
    let k = kelurahan?.0;
    let now = state.app.now();
    let query: String = q.cari.chars().take(60).collect();
    let words = query_words(&query);
    let mut tx = state.app.db.begin_read(k.id).await?;
    let listings = if words.is_empty() {
        tx.recent_listings(now, SHOWN).await?
    } else {
        rank(tx.search_listings(&words, now, SHOWN).await?, &words)
    };
    tx.rollback().await?;
    let title = w.t("web-market-heading");
    let body = html! {
        h1 { (title) }
        form.inline method="get" action="/pasar" {
            input type="search" name="cari" value=(query) maxlength="60" aria-label=(w.t("web-market-search"));
            " "
            button type="submit" { (w.t("web-market-search")) }
        }
        @if listings.is_empty() {
            p { (w.t(if words.is_empty() { "web-market-none" } else { "web-market-not-found" })) }
        } @else {
            p { (w.t("web-market-order")) }
            ul.cards { @for l in &listings { li {
                strong { (l.name) } " · " (rupiah(l.price)) br;
                @if l.available > 0 {
                    (w.ta("web-market-left", &[("count", l.available.to_string())]))
                } @else {
                    (w.t("web-market-sold-out"))
                }
                " · " (l.merchant_name)
                @if !l.rw.is_empty() { " (RW " (l.rw) ")" }
                br;
                code { "PESAN " (l.code) " 1" }
            } } }
        }
    };
    Ok(page(&w, &title, &PUBLIC_NAV, "/pasar", body))
}
