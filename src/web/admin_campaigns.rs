//! `GET /admin/usulan/{n}` and its swadaya forms: `POST /admin/usulan/{n}/galang` (open a
//! campaign with a target), `POST /admin/usulan/{n}/dana` (record how its money was used: an
//! amount and a memo, shown to everyone on the public page) and `POST /admin/usulan/{n}/tutup`
//! (no more donations). The rules are [`crate::proposals::campaign`]'s, as for the admin API; a
//! spend form carries a one-time key that becomes the ledger transfer's idempotency key, so a
//! double submit records one spend. Only for a proposal within the officer's scope.

use super::admin_proposals::status_form;
use super::error::{WebError, WebResult};
use super::lang::Words;
use super::page::{csrf_field, notice, officer_page, rupiah};
use super::public_proposals::{campaign_section, status_label};
use super::refusal;
use super::session::SignedIn;
use crate::http::HttpState;
use crate::ledger::keys;
use crate::officer_login::{random_hex, Officer};
use crate::parse::amount::parse_amount;
use crate::proposals::campaign::{close, open_campaign, spend, MAX_MEMO_CHARS};
use crate::proposals::proposal::find;
use crate::proposals::{parse_number, CampaignStatus, ProposalError};
use crate::store::{Proposal, PublicProposal, Tx};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
    /// The spend form's one-time key.
    #[serde(default)]
    once: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// What the officer typed, kept in the form after a refusal, and the refusal beside it.
#[derive(Default)]
struct Typed<'a> {
    target: &'a str,
    amount: &'a str,
    memo: &'a str,
    error: Option<(&'static str, String)>,
}

/// The proposal `number` if it is within the officer's scope, read in `tx`.
async fn in_scope(tx: &mut Tx, officer: &Officer, number: i64) -> WebResult<Proposal> {
    match find(tx, number).await {
        Ok(p) if officer.scope.covers(&p.rw, &p.rt) => Ok(p),
        Ok(_) | Err(ProposalError::UnknownProposal) => Err(WebError::NotFound),
        Err(ProposalError::Store(e)) => Err(e.into()),
        Err(e) => Err(WebError::BadRequest(e.to_string())),
    }
}

async fn page_of(
    state: &HttpState,
    w: &Words,
    officer: &Officer,
    number: i64,
    message: Option<(String, bool)>,
    typed: Typed<'_>,
) -> WebResult<Markup> {
    let mut tx = state.app.db.begin_read(officer.kelurahan.id).await?;
    let p = in_scope(&mut tx, officer, number).await?;
    let campaign = tx.campaign(number).await?;
    let gifts = tx.campaign_gift_days(number).await?;
    let spends = tx.spends(number).await?;
    tx.rollback().await?;
    let error = |field: &str| {
        typed
            .error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, e)| e.clone())
    };
    let title = w.ta(
        "web-proposal-heading",
        &[("number", p.number.to_string()), ("title", p.title.clone())],
    );
    let path = format!("/admin/usulan/{number}");
    let row = PublicProposal {
        proposal: p.clone(),
        reason: String::new(),
    };
    let body = html! {
        h1 { (title) }
        @if let Some((text, ok)) = &message { (notice(text, *ok)) }
        @if let Some(e) = error("") { (notice(&e, false)) }
        p.status { (status_label(w, p.status)) }
        p { (p.description) }
        (status_form(w, officer, &row))
        p { a href={ "/usulan/" (number) } { (w.t("web-campaign-public")) } }
        @match &campaign {
            None if p.status.is_fundable() => {
                h2 { (w.t("web-campaign-heading")) }
                p { (w.t("web-campaign-open-intro")) }
                form method="post" action={ (path) "/galang" } {
                    (csrf_field(officer))
                    label for="target" { (w.t("web-campaign-target")) }
                    input #target type="text" name="target" value=(typed.target) inputmode="numeric" maxlength="20" required;
                    @if let Some(e) = error("target") { span.field-error { (e) } }
                    p { button type="submit" { (w.t("web-campaign-open")) } }
                }
            }
            None => { p { (w.t("web-campaign-not-yet")) } }
            Some(c) => {
                (campaign_section(w, c, &gifts, &spends))
                h2 { (w.t("web-campaign-record")) }
                form method="post" action={ (path) "/dana" } {
                    (csrf_field(officer))
                    input type="hidden" name="once" value=(random_hex(16));
                    label for="amount" { (w.ta("web-campaign-amount", &[("balance", rupiah(c.balance))])) }
                    input #amount type="text" name="amount" value=(typed.amount) inputmode="numeric" maxlength="20" required;
                    @if let Some(e) = error("amount") { span.field-error { (e) } }
                    label for="memo" { (w.t("web-col-memo")) }
                    input #memo type="text" name="memo" value=(typed.memo) maxlength=(MAX_MEMO_CHARS) required;
                    @if let Some(e) = error("memo") { span.field-error { (e) } }
                    p { button type="submit" { (w.t("web-campaign-save-spend")) } }
                }
                @if c.status != CampaignStatus::Closed {
                    form method="post" action={ (path) "/tutup" } {
                        (csrf_field(officer))
                        button.secondary type="submit" { (w.t("web-campaign-close")) }
                    }
                }
            }
        }
    };
    Ok(officer_page(w, officer, &title, &path, body))
}

pub async fn show(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path(n): Path<String>,
    Query(done): Query<Done>,
) -> WebResult<Markup> {
    let number = parse_number(&n).ok_or(WebError::NotFound)?;
    let message = match done.done.as_deref() {
        Some(what @ ("opened" | "spent" | "closed")) => {
            Some((w.t(&format!("web-campaign-{what}")), true))
        }
        _ => None,
    };
    page_of(
        &state,
        &w,
        &signed.officer,
        number,
        message,
        Typed::default(),
    )
    .await
}

/// The field a refusal is shown beside; `""` for one about the campaign itself, shown on top.
fn field_of(e: &ProposalError) -> &'static str {
    match e {
        ProposalError::InvalidTarget => "target",
        ProposalError::InvalidMemo { .. } => "memo",
        ProposalError::Ledger(_) => "amount",
        _ => "",
    }
}

/// Which form a campaign action came from.
#[derive(Clone, Copy)]
enum Act {
    Open,
    Spend,
    Close,
}

async fn act(
    state: HttpState,
    w: Words,
    signed: SignedIn,
    n: String,
    form: CampaignForm,
    what: Act,
) -> WebResult<Response> {
    signed.check_csrf(&form.csrf)?;
    let officer = &signed.officer;
    let number = parse_number(&n).ok_or(WebError::NotFound)?;
    let typed = |error: Option<(&'static str, String)>| Typed {
        target: form.target.trim(),
        amount: form.amount.trim(),
        memo: form.memo.trim(),
        error,
    };
    let refuse = |field: &'static str, text: String| async {
        let page = page_of(
            &state,
            &w,
            officer,
            number,
            None,
            typed(Some((field, text))),
        )
        .await?;
        Ok::<_, WebError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let amount_of = |s: &str| parse_amount(s).ok();
    let app = &state.app;
    let now = app.now();
    let actor = officer.actor();
    let mut tx = app.db.begin(officer.kelurahan.id).await?;
    if let Err(e) = in_scope(&mut tx, officer, number).await {
        tx.rollback().await?;
        return Err(e);
    }
    let (result, done) = match what {
        Act::Open => {
            let Some(target) = amount_of(&form.target) else {
                tx.rollback().await?;
                return refuse("target", w.t("web-campaign-bad-target")).await;
            };
            let r = open_campaign(&mut tx, &actor, number, target, now).await;
            (r.map(|_| ()), "opened")
        }
        Act::Spend => {
            if form.once.is_empty() || form.once.len() > 64 {
                return Err(WebError::BadRequest("form key".into()));
            }
            let Some(amount) = amount_of(&form.amount) else {
                tx.rollback().await?;
                return refuse("amount", w.t("web-campaign-bad-amount")).await;
            };
            let key = keys::campaign_spend(number, Some(&form.once), now);
            let r = spend(&mut tx, &actor, number, amount, &form.memo, &key, now).await;
            (r.map(|_| ()), "spent")
        }
        Act::Close => {
            let r = close(&mut tx, &actor, number, now).await;
            (r.map(|_| ()), "closed")
        }
    };
    match result {
        Ok(()) => {
            tx.commit().await?;
            let to = format!("/admin/usulan/{number}?done={done}");
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            tx.rollback().await?;
            let field = field_of(&e);
            let what = e.to_string();
            let text = refusal::campaign(&w, e)?.ok_or(WebError::BadRequest(what))?;
            refuse(field, text).await
        }
    }
}

/// `POST /admin/usulan/{n}/{galang|dana|tutup}`.
pub async fn submit(
    State(state): State<HttpState>,
    w: Words,
    signed: SignedIn,
    Path((n, form_name)): Path<(String, String)>,
    Form(form): Form<CampaignForm>,
) -> WebResult<Response> {
    let what = match form_name.as_str() {
        "galang" => Act::Open,
        "dana" => Act::Spend,
        "tutup" => Act::Close,
        _ => return Err(WebError::NotFound),
    };
    act(state, w, signed, n, form, what).await
}
