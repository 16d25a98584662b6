//! What the web pages say when a domain rule refuses an officer's form: each domain error mapped
//! once to its text (`locales/*/web.ftl`), shown beside the form with 422. A store failure is no
//! refusal: it comes back as the error, for [`super::error`] to answer.

use super::lang::Words;
use super::page::rupiah;
use super::public_proposals::status_label;
use crate::accounts::pin_change::PinResetError;
use crate::broadcast::{explain, BroadcastError};
use crate::calendar::jakarta_local;
use crate::error::StoreError;
use crate::events::EventError;
use crate::kelurahan::boundaries::BoundaryError;
use crate::ledger::LedgerError;
use crate::letters::LetterError;
use crate::message::Channel;
use crate::officer_login::LoginError;
use crate::proposals::{ProposalError, Status};
use crate::registry::change::ChangeError;
use crate::store::Code;
use crate::tickets::TicketError;

/// `HH:MM` in Jakarta of epoch ms `ms`.
fn clock(ms: i64) -> String {
    jakarta_local(ms / 1000).format("%H:%M").to_string()
}

/// A refused login form.
pub fn login(w: &Words, e: LoginError) -> Result<String, StoreError> {
    Ok(match e {
        LoginError::BadPhone => w.t("web-login-bad-phone"),
        LoginError::BadCodeFormat => w.t("web-login-bad-code"),
        LoginError::WrongCode => w.t("web-login-wrong"),
        LoginError::Locked { until } => w.ta("web-login-locked", &[("time", clock(until))]),
        LoginError::Store(s) => return Err(s),
    })
}

/// A refused decision on change request `id`.
pub fn change(w: &Words, id: i64, e: ChangeError) -> Result<String, StoreError> {
    Ok(match e {
        ChangeError::Unknown => w.t("web-change-unknown"),
        ChangeError::AlreadyDecided { .. } => w.ta("web-change-already", &[("id", id.to_string())]),
        ChangeError::ReasonRequired => w.t("web-change-reason-required"),
        ChangeError::Store(s) => return Err(s),
    })
}

/// A refused status change of proposal `number`; `None` for an error no form can cause (it is
/// a bad request).
pub fn proposal_status(
    w: &Words,
    number: i64,
    e: ProposalError,
) -> Result<Option<String>, StoreError> {
    let label = |s: &str| Status::parse(s).map_or(s.to_string(), |s| status_label(w, s));
    Ok(Some(match e {
        ProposalError::UnknownProposal => w.t("web-status-unknown"),
        ProposalError::ReasonRequired => w.t("web-status-reason-required"),
        ProposalError::ReasonTooLong { max } => {
            w.ta("web-status-reason-long", &[("max", max.to_string())])
        }
        ProposalError::InvalidTransition { from, to } => w.ta(
            "web-status-invalid",
            &[
                ("number", number.to_string()),
                ("from", label(&from)),
                ("to", label(&to)),
            ],
        ),
        ProposalError::Store(s) => return Err(s),
        _ => return Ok(None),
    }))
}

/// A refused answer to, or closing of, ticket `n`.
pub fn ticket(w: &Words, n: i64, e: TicketError) -> Result<String, StoreError> {
    Ok(match e {
        TicketError::Unknown => w.t("web-tickets-unknown"),
        TicketError::Closed => w.ta("web-tickets-closed", &[("number", n.to_string())]),
        TicketError::AlreadyAnswered => w.t("web-tickets-already"),
        TicketError::Text(_) => w.t("web-tickets-bad-text"),
        TicketError::Store(s) => return Err(s),
    })
}

/// A refused move of a letter request.
pub fn letter(w: &Words, e: LetterError) -> Result<String, StoreError> {
    Ok(match e {
        LetterError::Unknown => w.t("web-letters-unknown"),
        LetterError::Move { from, to } => {
            let label = |code: &str| {
                crate::letters::Status::from_code(code)
                    .map_or(code.to_string(), |s| w.t(s.label_id()))
            };
            w.ta(
                "web-letters-bad-move",
                &[("from", label(from)), ("to", label(to))],
            )
        }
        LetterError::NoReason => w.t("web-letters-reason-required"),
        LetterError::Text(_) => w.ta(
            "web-letters-bad-reason",
            &[("max", crate::letters::MAX_REASON.to_string())],
        ),
        LetterError::Store(s) => return Err(s),
    })
}

/// A refused event form (post, cancel, attendance).
pub fn event(w: &Words, e: EventError) -> Result<String, StoreError> {
    let max = crate::events::MAX_TEXT.to_string();
    let min = crate::events::MIN_TEXT.to_string();
    let field = |what: &str| {
        w.t(if what == "place" {
            "web-events-place"
        } else {
            "web-events-title"
        })
    };
    Ok(match e {
        EventError::Text { what, .. } | EventError::TooShort { what } => w.ta(
            "web-events-bad-text",
            &[("field", field(what)), ("min", min), ("max", max)],
        ),
        EventError::NotGsm7 { what } => w.ta("web-events-not-gsm7", &[("field", field(what))]),
        EventError::InThePast => w.t("web-events-in-past"),
        EventError::Needed => w.ta(
            "web-events-bad-needed",
            &[("max", crate::events::MAX_NEEDED.to_string())],
        ),
        EventError::UnknownRw(rw) => w.ta("web-events-unknown-rw", &[("rw", rw)]),
        EventError::UnknownItem(_) | EventError::UnknownCampaign(_) | EventError::Unknown => {
            w.t("web-events-unknown")
        }
        EventError::Cancelled => w.t("web-events-cancelled"),
        EventError::Started => w.t("web-events-has-started"),
        EventError::AlreadyAttended => w.t("web-events-already"),
        // A resident's sign-up is refused so; no officer's form causes these.
        EventError::Full | EventError::NotResident => w.t("web-events-unknown"),
        EventError::NotSignedUp => w.t("web-events-not-signed"),
        EventError::Store(s) => return Err(s),
    })
}

/// A refused RW boundary file.
pub fn boundaries(w: &Words, e: BoundaryError) -> String {
    let n = |feature: usize| [("feature", feature.to_string())];
    match e {
        BoundaryError::NotGeoJson(why) => w.ta("web-map-b-not-geojson", &[("reason", why)]),
        BoundaryError::NotCollection => w.t("web-map-b-not-collection"),
        BoundaryError::Empty => w.t("web-map-b-empty"),
        BoundaryError::NotPolygon { feature } => w.ta("web-map-b-not-polygon", &n(feature)),
        BoundaryError::NoRw { feature } => w.ta("web-map-b-no-rw", &n(feature)),
        BoundaryError::BadPoint { feature } => w.ta("web-map-b-bad-point", &n(feature)),
        BoundaryError::TooManyPoints => w.ta(
            "web-map-b-too-many",
            &[("max", crate::kelurahan::boundaries::MAX_POINTS.to_string())],
        ),
    }
}

/// A refused PIN reset.
pub fn pin_reset(w: &Words, e: PinResetError) -> Result<String, StoreError> {
    Ok(match e {
        PinResetError::NotLinked => w.t("web-pin-not-linked"),
        PinResetError::Store(s) => return Err(s),
    })
}

/// A refused broadcast, or its cancelling: the chat's words ([`crate::broadcast::explain`]),
/// with characters an SMS cannot carry shown as themselves.
pub fn broadcast(w: &Words, e: BroadcastError) -> Result<String, StoreError> {
    let (before, last, args) = explain(e, Channel::WhatsApp)?;
    let mut lines: Vec<String> = before.iter().map(|(id, args)| w.ta(id, args)).collect();
    lines.push(w.ta(last, &args));
    Ok(lines.join(" "))
}

/// A refused campaign form (open, spend, close); `None` for an error no form can cause.
pub fn campaign(w: &Words, e: ProposalError) -> Result<Option<String>, StoreError> {
    Ok(Some(match e {
        ProposalError::UnknownProposal => w.t("web-status-unknown"),
        ProposalError::NoCampaign => w.t("web-campaign-none"),
        ProposalError::CampaignClosed { .. } => w.t("web-campaign-is-closed"),
        ProposalError::CampaignExists => w.t("web-campaign-exists"),
        ProposalError::NotFundable { status } => w.ta(
            "web-campaign-not-fundable",
            &[("status", status_label(w, status))],
        ),
        ProposalError::InvalidTarget => w.t("web-campaign-bad-target"),
        ProposalError::InvalidMemo { max } => {
            w.ta("web-campaign-bad-memo", &[("max", max.to_string())])
        }
        ProposalError::Ledger(LedgerError::InsufficientFunds { balance }) => {
            w.ta("web-campaign-too-much", &[("balance", rupiah(balance))])
        }
        ProposalError::Ledger(LedgerError::InvalidAmount) => w.t("web-campaign-bad-amount"),
        ProposalError::Ledger(LedgerError::Store(s)) | ProposalError::Store(s) => return Err(s),
        _ => return Ok(None),
    }))
}
