//! `GET /usulan` and `GET /usulan/{n}`: the residents' proposals for everyone: status, the
//! public reason of its last change ("why it cannot be funded yet"), supports; one proposal's
//! status history and, for a swadaya campaign, its gifts totalled per day (no donor named) and
//! every spend with its memo and date. The proposer is never named.

use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{date, page, rupiah, PUBLIC_NAV};
use crate::http::error::HttpError;
use crate::http::kelurahan_param::ForKelurahan;
use crate::http::HttpState;
use crate::proposals::parse_number;
use crate::proposals::proposal::find;
use crate::proposals::ProposalError;
use crate::store::{date_of_day, Campaign, DayTotal, PublicProposal, Spend};
use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;

/// Proposals per page of the list.
pub const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Paging {
    #[serde(default)]
    pub page: Option<String>,
}

impl Paging {
    /// The page asked for, from 1; anything else is the first.
    pub fn number(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// The status label of a proposal in the visitor's language.
pub fn status_label(w: &Words, status: crate::proposals::Status) -> String {
    w.t(&status.label_id())
}

/// The table of proposals (public list and officers' queue share its columns); `extra` adds a
/// last column per row.
pub fn table(
    w: &Words,
    rows: &[PublicProposal],
    extra: &dyn Fn(&PublicProposal) -> Markup,
) -> Markup {
    html! {
        div.table { table.cards {
            thead { tr {
                th.num { (w.t("web-col-number")) }
                th { (w.t("web-col-title")) }
                th { (w.t("web-col-rw")) }
                th { (w.t("web-col-status")) }
                th.num { (w.t("web-col-supports")) }
                th { (w.t("web-col-reason")) }
                th {}
            } }
            tbody {
                @for r in rows {
                    tr {
                        td.num { "#" (r.proposal.number) }
                        td { a href={ "/usulan/" (r.proposal.number) } { (r.proposal.title) } }
                        td data-label=(w.t("web-col-rw")) { (r.proposal.rw) }
                        td.status data-label=(w.t("web-col-status")) { (status_label(w, r.proposal.status)) }
                        td.num data-label=(w.t("web-col-supports")) { (r.proposal.supports) }
                        @if r.reason.is_empty() { td {} } @else {
                            td data-label=(w.t("web-col-reason")) { (r.reason) }
                        }
                        td { (extra(r)) }
                    }
                }
            }
        } }
    }
}

/// Previous / next links of page `n` of `total` rows.
pub fn pager(w: &Words, path: &str, n: i64, total: i64) -> Markup {
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    html! {
        nav.pager {
            @if n > 1 { a href={ (path) "?page=" (n - 1) } { (w.t("web-page-prev")) } }
            @if n < pages { a href={ (path) "?page=" (n + 1) } { (w.t("web-page-next")) } }
        }
    }
}

pub async fn list(
    State(state): State<HttpState>,
    w: Words,
    kelurahan: Result<ForKelurahan, HttpError>,
    Query(paging): Query<Paging>,
) -> WebResult<Markup> {
    let k = kelurahan?.0;
    let n = paging.number();
    let mut tx = state.app.db.begin_read(k.id).await?;
    let (rows, total) = tx.public_proposals(PER_PAGE, (n - 1) * PER_PAGE).await?;
    tx.rollback().await?;
    let title = w.t("web-proposals-heading");
    let body = html! {
        h1 { (title) }
        @if rows.is_empty() {
            p { (w.t("web-proposals-none")) }
        } @else {
            (table(&w, &rows, &|_| html! {}))
            (pager(&w, "/usulan", n, total))
        }
    };
    Ok(page(&w, &title, &PUBLIC_NAV, "/usulan", body))
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    kelurahan: Result<ForKelurahan, HttpError>,
    Path(n): Path<String>,
) -> WebResult<Markup> {
    let k = kelurahan?.0;
    let number = parse_number(&n).ok_or(WebError::NotFound)?;
    let mut tx = state.app.db.begin_read(k.id).await?;
    let p = match find(&mut tx, number).await {
        Ok(p) => p,
        Err(ProposalError::UnknownProposal) => return Err(WebError::NotFound),
        Err(ProposalError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(WebError::BadRequest(e.to_string())),
    };
    let history = tx.proposal_history(number).await?;
    let campaign = tx.campaign(number).await?;
    let gifts = tx.campaign_gift_days(number).await?;
    let spends = tx.spends(number).await?;
    tx.rollback().await?;
    let title = w.ta(
        "web-proposal-heading",
        &[("number", p.number.to_string()), ("title", p.title.clone())],
    );
    let path = format!("/usulan/{}", p.number);
    let body = html! {
        h1 { (title) }
        p.status { (status_label(&w, p.status)) }
        p { (p.description) }
        p { (w.ta("web-proposal-facts", &[
            ("rw", p.rw.clone()), ("rt", p.rt.clone()),
            ("date", date(p.created_at)), ("supports", p.supports.to_string()),
        ])) }
        h2 { (w.t("web-proposal-history")) }
        div.table { table {
            thead { tr { th { (w.t("web-col-date")) } th { (w.t("web-col-change")) } th { (w.t("web-col-reason")) } } }
            tbody { @for h in &history { tr {
                td { (date(h.at)) }
                td { @match h.from {
                    None => { (w.t("web-proposal-submitted")) }
                    Some(from) => { (status_label(&w, from)) " > " (status_label(&w, h.to)) }
                } }
                td { (h.reason) }
            } } }
        } }
        @if let Some(c) = &campaign { (campaign_section(&w, c, &gifts, &spends)) }
    };
    Ok(page(&w, &title, &PUBLIC_NAV, &path, body))
}

/// A swadaya campaign's figures, its gifts per day (no donor named) and every spend with its
/// memo: the same on the public page and the officer's.
pub fn campaign_section(w: &Words, c: &Campaign, gifts: &[DayTotal], spends: &[Spend]) -> Markup {
    html! {
        h2 { (w.t("web-campaign-heading")) }
        p { (w.ta("web-campaign-figures", &[
            ("target", rupiah(c.target)), ("collected", rupiah(c.collected)), ("balance", rupiah(c.balance)),
        ])) }
        h2 { (w.t("web-campaign-gifts")) }
        @if gifts.is_empty() { p { (w.t("web-campaign-no-gifts")) } } @else {
            div.table { table {
                thead { tr { th { (w.t("web-col-date")) } th.num { (w.t("web-col-gifts")) } th.num { (w.t("web-col-amount")) } } }
                tbody { @for g in gifts { tr {
                    td { (date_of_day(g.day).format("%Y-%m-%d")) }
                    td.num { (g.count) }
                    td.num { (rupiah(g.amount)) }
                } } }
            } }
        }
        h2 { (w.t("web-campaign-spends")) }
        @if spends.is_empty() { p { (w.t("web-campaign-no-spends")) } } @else {
            div.table { table {
                thead { tr { th { (w.t("web-col-date")) } th.num { (w.t("web-col-amount")) } th { (w.t("web-col-memo")) } } }
                tbody { @for s in spends { tr {
                    td { (date(s.at)) }
                    td.num { (rupiah(s.amount)) }
                    td { (s.memo) }
                } } }
            } }
        }
    }
}
