//! `GET /admin/peta`: the problem map (the seed's "pemetaan masalah"). One tile per RW within
//! the officer's scope: the registry's indicators of who may need help (elderly living alone,
//! children under 5, persons with a disability, adults not working, households on aid,
//! households that have not checked their data) beside the data's completeness, and the RW's
//! proposals by kind, the most supported of those not funded yet first (community scoring). The
//! highest RW of each indicator is marked. Drawn as a grid of tiles; when the kelurahan uploaded
//! its RW boundaries (GeoJSON, `POST /admin/peta/batas`, officers of the whole kelurahan;
//! [`crate::kelurahan::boundaries`]), also as a map shaded by the indicator chosen
//! ([`super::map_svg`]). The figures are the dashboard's ([`super::figures`]: kept for a minute).

use super::admin_import::read_upload;
use super::error::{WebError, WebResult};
use super::lang::Words;
use super::map_svg;
use super::page::{csrf_field, notice, officer_page, percent};
use super::public_proposals::status_label;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::kelurahan::boundaries::{self, Boundaries};
use crate::officer_login::Officer;
use crate::proposals::Kind;
use crate::store::{PublicProposal, RwRow};
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

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

#[derive(Deserialize, Default)]
pub struct MapQuery {
    /// Which indicator shades the map (its place in [`INDICATORS`]).
    #[serde(default)]
    ukuran: usize,
    #[serde(default)]
    done: Option<String>,
}

/// The map from the kelurahan's boundaries, if it uploaded them: shaded by indicator `which`,
/// with a link to each other indicator.
fn drawn(w: &Words, b: &Boundaries, rows: &[&RwRow], which: usize) -> Markup {
    let (id, of) = INDICATORS[which];
    let values: Vec<(String, i64)> = rows.iter().map(|r| (r.rw.clone(), of(r))).collect();
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let unmapped: Vec<&str> = rows
        .iter()
        .filter(|r| !b.rw.contains_key(&r.rw))
        .map(|r| r.rw.as_str())
        .collect();
    html! {
        nav.indicators {
            @for (i, (label, _)) in INDICATORS.iter().enumerate() {
                @if i == which { strong { (w.t(label)) } } @else {
                    a href={ "/admin/peta?ukuran=" (i) } { (w.t(label)) }
                }
            }
        }
        (map_svg::map(b, &values, &w.t(id)))
        (map_svg::legend(max))
        @if !unmapped.is_empty() {
            p.small { (w.ta("web-map-unmapped", &[("rws", unmapped.join(", "))])) }
        }
    }
}

async fn map_page(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    which: usize,
    message: Option<(String, bool)>,
) -> WebResult<Markup> {
    let app = &state.app;
    let kept = state.figures.get(app, officer.kelurahan.id).await?;
    let rows: Vec<&RwRow> = kept
        .rw
        .iter()
        .filter(|r| officer.scope.covers_rw(&r.rw))
        .collect();
    let mut tx = app.db.begin_read(officer.kelurahan.id).await?;
    let (proposals, _) = tx.public_proposals(PROPOSALS, 0).await?;
    let boundaries = tx.rw_boundaries().await?;
    tx.rollback().await?;
    // A kept file was checked when uploaded; one that no longer reads is drawn as tiles.
    let boundaries = boundaries.and_then(|text| boundaries::parse(text.as_bytes()).ok());
    let highest: Vec<i64> = INDICATORS
        .iter()
        .map(|(_, of)| rows.iter().map(|r| of(r)).max().unwrap_or(0))
        .collect();
    let which = which.min(INDICATORS.len() - 1);
    let title = w.t("web-map-heading");
    let body = html! {
        h1 { (title) }
        @if let Some((text, ok)) = &message { (notice(text, *ok)) }
        p { (w.t("web-map-intro")) }
        @if rows.is_empty() { p { (w.t("web-map-empty")) } } @else {
            @if let Some(b) = &boundaries { (drawn(w, b, &rows, which)) }
            div.tiles {
                @for r in rows.iter().copied() {
                    @let mine: Vec<&PublicProposal> =
                        proposals.iter().filter(|p| p.proposal.rw == r.rw).collect();
                    (tile(w, r, &highest, &mine))
                }
            }
        }
        @if officer.scope.whole_kelurahan() {
            h2 { (w.t("web-map-boundaries")) }
            p.small { (w.t(if boundaries.is_some() { "web-map-boundaries-replace" } else { "web-map-boundaries-help" })) }
            form method="post" action="/admin/peta/batas" enctype="multipart/form-data" {
                (csrf_field(officer))
                input type="file" name="file" accept=".geojson,.json,application/geo+json" required aria-label=(w.t("web-map-boundaries"));
                " "
                button type="submit" { (w.t("web-map-boundaries-upload")) }
            }
        }
    };
    Ok(officer_page(w, officer, &title, "/admin/peta", body))
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Query(q): Query<MapQuery>,
) -> WebResult<Markup> {
    let message =
        (q.done.as_deref() == Some("batas")).then(|| (w.t("web-map-boundaries-saved"), true));
    map_page(&state, &w, &signed.officer, q.ukuran, message).await
}

/// `POST /admin/peta/batas`: the kelurahan's RW boundaries (GeoJSON), checked, kept, audited.
pub async fn upload_boundaries(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    form: Multipart,
) -> WebResult<Response> {
    let form = read_upload(form).await?;
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    if !officer.scope.whole_kelurahan() {
        return Err(WebError::NotFound);
    }
    let refusal = match boundaries::parse(&form.bytes) {
        Err(e) => w.ta(
            "web-map-boundaries-bad",
            &[("reason", super::refusal::boundaries(&w, e))],
        ),
        Ok(b) => {
            let known: Vec<String> = {
                let kept = state.figures.get(&state.app, officer.kelurahan.id).await?;
                kept.rw.iter().map(|r| r.rw.clone()).collect()
            };
            let strangers: Vec<&str> =
                b.rw.keys()
                    .filter(|rw| !known.contains(rw))
                    .map(String::as_str)
                    .collect();
            if !strangers.is_empty() && !known.is_empty() {
                w.ta(
                    "web-map-boundaries-unknown",
                    &[("rws", strangers.join(", "))],
                )
            } else {
                let now = state.app.now();
                let text = String::from_utf8_lossy(&form.bytes);
                let mut tx = state.app.db.begin(officer.kelurahan.id).await?;
                tx.set_rw_boundaries(&text, &officer.actor(), now).await?;
                let after = serde_json::json!({ "rws": b.rw.keys().collect::<Vec<_>>(), "bytes": form.bytes.len() });
                tx.audit(
                    &officer.actor(),
                    "map.boundaries",
                    &form.file_name,
                    None,
                    Some(&after),
                    now,
                )
                .await?;
                tx.commit().await?;
                return Ok(Redirect::to("/admin/peta?done=batas").into_response());
            }
        }
    };
    let page = map_page(&state, &w, officer, 0, Some((refusal, false))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
