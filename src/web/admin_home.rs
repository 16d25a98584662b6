//! `GET /admin`: the officer's dashboard: the kelurahan's figures, the last 30 days as charts
//! (verifications, stimulus issued and redeemed, payments, messages in and out and the sends
//! that failed, with each channel's totals), and the per-RW table within the officer's scope
//! (households, residents by age group, % verified, proposals, supports, payments from its
//! wallets over the same days, goods library loans out and overdue).

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
    let messages = &kept.messages;
    let received = by_day(now, messages.iter().map(|d| (d.day, d.received)));
    let sent = by_day(now, messages.iter().map(|d| (d.day, d.sent)));
    let failed = by_day(now, messages.iter().map(|d| (d.day, d.failed)));
    let mut channels: Vec<(&str, i64, i64, i64)> = Vec::new();
    for d in messages {
        match channels.iter_mut().find(|c| c.0 == d.channel) {
            Some(c) => (c.1, c.2, c.3) = (c.1 + d.received, c.2 + d.sent, c.3 + d.failed),
            None => channels.push((&d.channel, d.received, d.sent, d.failed)),
        }
    }
    let activity = |rw: &str| kept.activity.iter().find(|a| a.rw == rw);
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
            (bars(&w, "web-chart-received", now, &received, count))
            (bars(&w, "web-chart-sent", now, &sent, count))
            (bars(&w, "web-chart-failed", now, &failed, count))
        }
        h2 { (w.t("web-channels-heading")) }
        @if channels.is_empty() { p { (w.t("web-channels-none")) } } @else {
            div.table { table {
                thead { tr {
                    th { (w.t("web-col-channel")) }
                    th.num { (w.t("web-col-received")) }
                    th.num { (w.t("web-col-sent")) }
                    th.num { (w.t("web-col-failed")) }
                } }
                tbody { @for (channel, received, sent, failed) in &channels { tr {
                    td { (channel) }
                    td.num { (received) }
                    td.num { (sent) }
                    td.num { (failed) " (" (percent(*failed, sent + failed)) ")" }
                } } }
            } }
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
                th.num { (w.t("web-col-payments")) }
                th.num { (w.t("web-col-loans")) }
                th.num { (w.t("web-col-overdue")) }
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
                @let a = activity(&r.rw);
                td.num { (a.map_or(0, |a| a.payments)) }
                td.num { (a.map_or(0, |a| a.loans)) }
                td.num { (a.map_or(0, |a| a.overdue)) }
            } } }
        } }
    };
    Ok(officer_page(&w, officer, &title, "/admin", body))
}
