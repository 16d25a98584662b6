//! `GET /admin/peta`: the problem map (the seed's "pemetaan masalah"). One tile per RW within
//! the officer's scope: the registry's indicators of who may need help (elderly living alone,
//! children under 5, persons with a disability, adults not working, households on aid,
//! households that have not checked their data) beside the data's completeness, and the RW's
//! proposals by kind, the most supported of those not funded yet first (community scoring). The
//! highest RW of each indicator is marked. Drawn as a grid of tiles; no boundaries are needed.
//! The figures are the dashboard's ([`super::figures`]: kept for a minute).

use super::error::WebResult;
use super::lang::Words;
use super::page::{officer_page, percent};
use super::public_proposals::status_label;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::proposals::Kind;
use crate::store::{PublicProposal, RwRow};
use axum::extract::State;
use maud::{html, Markup};

/// Proposals shown per RW, most supported first.
const TOP: usize = 3;
/// Proposals read for the map at most (a kelurahan has far fewer).
const PROPOSALS: i64 = 2_000;

/// An indicator: its text id and how it is read off a tile.
type Indicator = (&'static str, fn(&RwRow) -> i64);

const INDICATORS: [Indicator; 6] = [
    ("web-map-elderly-alone", |r| r.elderly_alone),
    ("web-map-children", |r| r.children),
    ("web-map-disabled", |r| r.disabled),
    ("web-map-unemployed", |r| r.unemployed),
    ("web-map-on-aid", |r| r.on_aid),
    ("web-map-unverified", |r| r.unverified()),
];

fn tile(w: &Words, r: &RwRow, highest: &[i64], proposals: &[&PublicProposal]) -> Markup {
    let by_kind = |k: Kind| proposals.iter().filter(|p| p.proposal.kind == k).count();
    let mut ranked: Vec<&&PublicProposal> = proposals
        .iter()
        .filter(|p| p.proposal.status.is_fundable())
        .collect();
    ranked.sort_by_key(|p| std::cmp::Reverse(p.proposal.supports));
    html! {
        section.tile {
            h2 { "RW " (r.rw) }
            p.small { (w.ta("web-map-size", &[
                ("households", r.households.to_string()),
                ("persons", r.persons.to_string()),
            ])) }
            dl {
                @for ((id, of), top) in INDICATORS.iter().zip(highest) {
                    @let n = of(r);
                    dt { (w.t(id)) }
                    @if n > 0 && n == *top { dd.top { (n) } } @else { dd { (n) } }
                }
                dt { (w.t("web-map-occupation-known")) }
                dd { (percent(r.occupation_known, r.persons)) }
                dt { (w.t("web-map-verified")) }
                dd { (percent(r.verified, r.households)) }
            }
            p.small { (w.ta("web-map-kinds", &[
                ("fisik", by_kind(Kind::Fisik).to_string()),
                ("nonfisik", by_kind(Kind::NonFisik).to_string()),
            ])) }
            @if ranked.is_empty() { p.small { (w.t("web-map-no-proposals")) } } @else {
                ol { @for p in ranked.iter().take(TOP) {
                    li {
                        a href={ "/admin/usulan/" (p.proposal.number) } { (p.proposal.title) }
                        " (" (status_label(w, p.proposal.status)) ", "
                        (w.ta("web-map-supports", &[("count", p.proposal.supports.to_string())])) ")"
                    }
                } }
            }
        }
    }
}

pub async fn show(State(state): State<HttpState>, w: Words, signed: SignedIn) -> WebResult<Markup> {
    let officer = &signed.officer;
    let app = &state.app;
    let kept = state.figures.get(app, officer.kelurahan.id).await?;
    let rows: Vec<&RwRow> = kept
        .rw
        .iter()
        .filter(|r| officer.scope.covers_rw(&r.rw))
        .collect();
    let mut tx = app.db.begin_read(officer.kelurahan.id).await?;
    let (proposals, _) = tx.public_proposals(PROPOSALS, 0).await?;
    tx.rollback().await?;
    let highest: Vec<i64> = INDICATORS
        .iter()
        .map(|(_, of)| rows.iter().map(|r| of(r)).max().unwrap_or(0))
        .collect();
    let title = w.t("web-map-heading");
    let body = html! {
        h1 { (title) }
        p { (w.t("web-map-intro")) }
        @if rows.is_empty() { p { (w.t("web-map-empty")) } } @else {
            div.tiles {
                @for r in rows.iter().copied() {
                    @let mine: Vec<&PublicProposal> =
                        proposals.iter().filter(|p| p.proposal.rw == r.rw).collect();
                    (tile(&w, r, &highest, &mine))
                }
            }
        }
    };
    Ok(officer_page(&w, officer, &title, "/admin/peta", body))
}
