//! `GET /`: the kelurahan at a glance, for everyone: households verified, proposals and
//! supports, swadaya raised, payments at local merchants, the share of the stimulus merchants
//! redeemed, and the last 30 days as charts. Figures only, never a person; at most a minute old
//! ([`super::figures`]).

use super::chart::{as_of, bars, by_day};
use super::error::WebResult;
use super::lang::Words;
use super::page::{page, percent, rupiah, PUBLIC_NAV};
use crate::http::error::HttpError;
use crate::http::kelurahan_param::ForKelurahan;
use crate::http::HttpState;
use axum::extract::State;
use maud::{html, Markup};

fn count(n: i64) -> String {
    n.to_string()
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    kelurahan: Result<ForKelurahan, HttpError>,
) -> WebResult<Markup> {
    let k = kelurahan?.0;
    let kept = state.figures.get(&state.app, k.id).await?;
    let now = kept.computed_at;
    let figures = &kept.kpis;
    let days = &kept.ledger;
    let payments = by_day(now, days.iter().map(|d| (d.day, d.payments_amount)));
    let stimulus = by_day(now, days.iter().map(|d| (d.day, d.stimulus)));
    let redeemed = by_day(now, days.iter().map(|d| (d.day, d.redeemed)));
    let verified = by_day(now, kept.verified.iter().map(|d| (d.day, d.count)));
    let title = w.ta("web-home-heading", &[("name", k.title())]);
    let kpi = |value: String, label: &str| -> Markup {
        html! { div.kpi { b { (value) } span { (w.t(label)) } } }
    };
    let body = html! {
        h1 { (title) }
        section.kpis {
            div.kpi {
                b { (percent(figures.households_verified, figures.households)) }
                span { (w.t("web-kpi-verified")) ": "
                    (w.ta("web-kpi-verified-of", &[
                        ("done", figures.households_verified.to_string()),
                        ("all", figures.households.to_string()),
                    ])) }
            }
            (kpi(figures.persons.to_string(), "web-kpi-persons"))
            (kpi(figures.proposals.proposals.to_string(), "web-kpi-proposals"))
            (kpi(figures.proposals.supports.to_string(), "web-kpi-supports"))
            (kpi(rupiah(figures.proposals.campaigns_collected), "web-kpi-swadaya"))
            (kpi(format!("{} ({})", figures.ledger.payments, rupiah(figures.ledger.payments_amount)), "web-kpi-payments"))
            (kpi(format!("{}%", (figures.ledger.share_redeemed * 100.0).round()), "web-kpi-redeemed"))
        }
        p.who { (as_of(&w, now)) }
        section.charts {
            (bars(&w, "web-chart-payments", now, &payments, rupiah))
            (bars(&w, "web-chart-stimulus", now, &stimulus, rupiah))
            (bars(&w, "web-chart-redeemed", now, &redeemed, rupiah))
            (bars(&w, "web-chart-verifications", now, &verified, count))
        }
    };
    Ok(page(&w, &title, &PUBLIC_NAV, "/", body))
}
