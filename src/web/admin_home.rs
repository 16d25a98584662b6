//! `GET /admin`: the officer's dashboard: the kelurahan's figures, the last 30 days as charts
//! (verifications, stimulus issued and redeemed, payments), and the per-RW table within the
//! officer's scope (households, residents by age group, % verified, proposals, supports).

use super::chart::{as_of, bars, by_day};
use super::error::WebResult;
use super::lang::Words;
use super::page::{officer_page, percent, rupiah};
use super::session::SignedIn;
use crate::http::HttpState;
use axum::extract::State;
use maud::{html, Markup};

fn count(n: i64) -> String {
    n.to_string()
}

pub async fn show(State(state): State<HttpState>, w: Words, signed: SignedIn) -> WebResult<Markup> {
    let officer = &signed.officer;
    let kept = state.figures.get(&state.app, officer.kelurahan.id).await?;
    let now = kept.computed_at;
    let days = &kept.ledger;
    let payments = by_day(now, days.iter().map(|d| (d.day, d.payments)));
    let stimulus = by_day(now, days.iter().map(|d| (d.day, d.stimulus)));
    let redeemed = by_day(now, days.iter().map(|d| (d.day, d.redeemed)));
    let verified = by_day(now, kept.verified.iter().map(|d| (d.day, d.count)));
    let rows: Vec<_> = kept
        .rw
        .iter()
        .filter(|r| officer.scope.covers_rw(&r.rw))
        .collect();
    let title = w.t("web-admin-nav-dashboard");
    let body = html! {
        h1 { (title) ": " (officer.kelurahan.title()) }
        p.who { (as_of(&w, now)) }
        section.charts {
            (bars(&w, "web-chart-verifications", now, &verified, count))
            (bars(&w, "web-chart-payments", now, &payments, count))
            (bars(&w, "web-chart-stimulus", now, &stimulus, rupiah))
            (bars(&w, "web-chart-redeemed", now, &redeemed, rupiah))
        }
        h2 { (w.t("web-rw-table")) }
        div.table { table {
            thead { tr {
                th { (w.t("web-col-rw")) }
                th.num { (w.t("web-col-households")) }
                th.num { (w.t("web-col-verified")) }
                th.num { (w.t("web-col-persons")) }
                th.num { (w.t("web-col-elderly")) }
                th.num { (w.t("web-col-children")) }
                th.num { (w.t("web-col-proposals")) }
                th.num { (w.t("web-col-supports")) }
            } }
            tbody { @for r in rows { tr {
                td { (r.rw) }
                td.num { (r.households) }
                td.num { (percent(r.verified, r.households)) }
                td.num { (r.persons) }
                td.num { (r.elderly) }
                td.num { (r.children) }
                td.num { (r.proposals) }
                td.num { (r.supports) }
            } } }
        } }
    };
    Ok(officer_page(&w, officer, &title, "/admin", body))
}
