//! Gerai Skill & Barter (`JASA`, DESIGN §4, issue 14): residents offer services to each other.
//! 1. A linked resident aged 16 or over offers a service: what, a price in rupiah or barter, when
//!    available; it is listed with their RT/RW as `J001` for [`OFFER_DAYS`] days, renewed by the
//!    provider (`PERPANJANG J001`) for as long again from that day.
//! 2. `CARI JASA <words>` finds open offers of the kelurahan with the market's search
//!    ([`crate::market::search`]), ranked the same way.
//! 3. A resident asks for an offer (`MINTA JASA J001`): a numbered request; the provider is told
//!    the asker's name and RT/RW and accepts or declines it (`TERIMA JASA 5`, `TOLAK JASA 5`).
//!    Not one's own household's offer; asking twice answers the open request.
//! 4. After the job the asker pays an accepted request through the ledger with the PIN
//!    ([`crate::ledger::service_payment`]: the social-fund share as for merchants), or either side
//!    records a barter (no money moves). Each request is paid or bartered once.

use crate::accounts::age::may_act;
use crate::error::StoreError;
use crate::ledger::service_payment::{
    check_resident_payment, pay_resident, ResidentPaid, ResidentPayment,
};
use crate::ledger::LedgerError;
use crate::market::search::{query_words, rank, search_text, Searchable};
use crate::parse::{free_text, FreeTextError};
use crate::store::{stored_as_code, Code, Person, Tx};
use rust_decimal::Decimal;
use serde::Serialize;

/// How long an offer is listed, and how long a renewal adds from its day.
pub const OFFER_DAYS: i64 = 60;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// The longest description of a service (one line of an SMS list).
pub const MAX_WHAT: usize = 60;
/// The longest "when available".
pub const MAX_AVAILABLE: usize = 40;
/// How many offers a search shows.
pub const SHOWN: usize = 5;

/// An offer's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    Open,
    Closed,
}

/// A request's state: asked, then accepted or declined by the provider; an accepted one is then
/// paid or bartered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    Asked,
    Accepted,
    Declined,
    Paid,
    Bartered,
}

impl Code for OfferStatus {
    const WHAT: &'static str = "service status";
    const ALL: &'static [OfferStatus] = &[OfferStatus::Open, OfferStatus::Closed];
    fn code(self) -> &'static str {
        match self {
            OfferStatus::Open => "open",
            OfferStatus::Closed => "closed",
        }
    }
}

impl Code for RequestStatus {
    const WHAT: &'static str = "service request status";
    const ALL: &'static [RequestStatus] = &[
        RequestStatus::Asked,
        RequestStatus::Accepted,
        RequestStatus::Declined,
        RequestStatus::Paid,
        RequestStatus::Bartered,
    ];
    fn code(self) -> &'static str {
        match self {
            RequestStatus::Asked => "asked",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Declined => "declined",
            RequestStatus::Paid => "paid",
            RequestStatus::Bartered => "bartered",
        }
    }
}

stored_as_code!(OfferStatus, RequestStatus);

/// An offer as stored, with its provider's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Offer {
    pub number: i64,
    #[serde(skip)]
    pub nik: String,
    pub provider: String,
    pub what: String,
    /// Rupiah; `None`: barter.
    pub price: Option<i64>,
    pub available: String,
    pub rt: String,
    pub rw: String,
    #[serde(skip)]
    pub search_text: String,
    pub status: OfferStatus,
    pub expires_at: i64,
    pub created_at: i64,
}

impl Offer {
    /// `J001`.
    pub fn code(&self) -> String {
        offer_code(self.number)
    }

    pub fn is_listed(&self, now: i64) -> bool {
        self.status == OfferStatus::Open && self.expires_at > now
    }
}

impl Searchable for Offer {
    fn name(&self) -> &str {
        &self.what
    }
    fn search_text(&self) -> &str {
        &self.search_text
    }
    fn code(&self) -> String {
        format!("{:09}", self.number)
    }
}

/// The code residents type for offer `number`: `J001`.
pub fn offer_code(number: i64) -> String {
    format!("J{number:03}")
}

/// The offer number of a code as typed (`J001`, `j1`); `None` if it is not one.
pub fn parse_offer_code(code: &str) -> Option<i64> {
    let code = code.trim();
    let digits = code.strip_prefix(['J', 'j'])?;
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A request as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceRequest {
    pub number: i64,
    pub service: i64,
    #[serde(skip)]
    pub asker_nik: String,
    pub asker: String,
    #[serde(skip)]
    pub asker_phone: String,
    pub status: RequestStatus,
    pub amount: Option<i64>,
    pub created_at: i64,
}

/// What a resident offers.
#[derive(Clone, Copy, Debug)]
pub struct NewOffer<'a> {
    pub what: &'a str,
    pub price: Option<i64>,
    pub available: &'a str,
}

/// Why an offer or request cannot be made or moved.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Text(#[from] FreeTextError),
    #[error("only residents aged 16 or over may offer or ask for services")]
    NotEligible,
    #[error("the price must be a positive whole number of rupiah")]
    InvalidPrice,
    #[error("no such service offer")]
    UnknownOffer,
    #[error("this offer is no longer listed")]
    NotListed,
    #[error("this offer is one's own household's")]
    OwnOffer,
    #[error("no such service request")]
    UnknownRequest,
    #[error("this request was already {status}")]
    Decided { status: &'static str },
    #[error("the provider has not accepted this request")]
    NotAccepted,
    #[error("this offer is a barter: no money is paid")]
    Barter,
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `provider` offers a service; answers the offer.
pub async fn offer(
    tx: &mut Tx,
    provider: &Person,
    new: &NewOffer<'_>,
    now: i64,
) -> Result<Offer, ServiceError> {
    if !may_act(provider, now) {
        return Err(ServiceError::NotEligible);
    }
    let what = free_text(new.what, MAX_WHAT)?;
    let available = free_text(new.available, MAX_AVAILABLE)?;
    if new
        .price
        .is_some_and(|p| p <= 0 || p > crate::parse::amount::MAX_AMOUNT)
    {
        return Err(ServiceError::InvalidPrice);
    }
    let (rt, rw) = tx
        .household(&provider.no_kk)
        .await?
        .map(|h| (h.rt, h.rw))
        .unwrap_or_default();
    let number = tx
        .insert_service(
            &provider.nik,
            &NewOffer {
                what,
                available,
                price: new.price,
            },
            (&rt, &rw),
            &search_text(what, &[]),
            now + OFFER_DAYS * DAY_MS,
            now,
        )
        .await?;
    tx.service(number).await?.ok_or(ServiceError::UnknownOffer)
}

/// The provider renews their offer `number` for [`OFFER_DAYS`] days from now; answers it.
pub async fn renew(
    tx: &mut Tx,
    provider_nik: &str,
    number: i64,
    now: i64,
) -> Result<Offer, ServiceError> {
    let offer = tx
        .service(number)
        .await?
        .filter(|o| o.nik == provider_nik && o.status == OfferStatus::Open)
        .ok_or(ServiceError::UnknownOffer)?;
    let expires_at = now + OFFER_DAYS * DAY_MS;
    tx.renew_service(offer.number, expires_at).await?;
    Ok(Offer {
        expires_at,
        ..offer
    })
}

/// The listed offers matching `query`, best first.
pub async fn search(tx: &mut Tx, query: &str, now: i64) -> Result<Vec<Offer>, ServiceError> {
    let words = query_words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let listed = tx.listed_services(now).await?;
    Ok(rank(listed, &words))
}

/// What [`ask`] did.
#[derive(Clone, Debug)]
pub struct Asked {
    pub request: i64,
    pub offer: Offer,
    /// False when the asker already had an open request for this offer (its number answered).
    pub fresh: bool,
}

/// `asker` (writing from `phone`) asks for offer `number`.
pub async fn ask(
    tx: &mut Tx,
    asker: &Person,
    phone: &str,
    number: i64,
    now: i64,
) -> Result<Asked, ServiceError> {
    if !may_act(asker, now) {
        return Err(ServiceError::NotEligible);
    }
    let offer = tx
        .service(number)
        .await?
        .ok_or(ServiceError::UnknownOffer)?;
    if !offer.is_listed(now) {
        return Err(ServiceError::NotListed);
    }
    let provider_kk = tx.person(&offer.nik).await?.map(|p| p.no_kk);
    if provider_kk.as_deref() == Some(asker.no_kk.as_str()) {
        return Err(ServiceError::OwnOffer);
    }
    if let Some(open) = tx.open_service_request(number, &asker.nik).await? {
        return Ok(Asked {
            request: open,
            offer,
            fresh: false,
        });
    }
    let request = tx
        .insert_service_request(number, &asker.nik, phone, now)
        .await?;
    Ok(Asked {
        request,
        offer,
        fresh: true,
    })
}

/// Request `number` and its offer, if the request is of this kelurahan.
pub async fn request_and_offer(
    tx: &mut Tx,
    number: i64,
) -> Result<(ServiceRequest, Offer), ServiceError> {
    let request = tx
        .service_request(number)
        .await?
        .ok_or(ServiceError::UnknownRequest)?;
    let offer = tx
        .service(request.service)
        .await?
        .ok_or(ServiceError::UnknownRequest)?;
    Ok((request, offer))
}

/// The provider `provider_nik` accepts or declines request `number`; answers it and its offer.
pub async fn decide(
    tx: &mut Tx,
    provider_nik: &str,
    number: i64,
    accept: bool,
    now: i64,
) -> Result<(ServiceRequest, Offer), ServiceError> {
    let (request, offer) = request_and_offer(tx, number).await?;
    if offer.nik != provider_nik {
        return Err(ServiceError::UnknownRequest);
    }
    if request.status != RequestStatus::Asked {
        return Err(ServiceError::Decided {
            status: request.status.code(),
        });
    }
    let to = if accept {
        RequestStatus::Accepted
    } else {
        RequestStatus::Declined
    };
    tx.set_service_request_status(number, to, None, now).await?;
    Ok((
        ServiceRequest {
            status: to,
            ..request
        },
        offer,
    ))
}

/// The asker or the provider (`who_nik`) records that accepted request `number` was done for a
/// barter; answers it and its offer.
pub async fn barter(
    tx: &mut Tx,
    who_nik: &str,
    number: i64,
    now: i64,
) -> Result<(ServiceRequest, Offer), ServiceError> {
    let (request, offer) = request_and_offer(tx, number).await?;
    if offer.nik != who_nik && request.asker_nik != who_nik {
        return Err(ServiceError::UnknownRequest);
    }
    settleable(&request)?;
    tx.set_service_request_status(number, RequestStatus::Bartered, None, now)
        .await?;
    Ok((
        ServiceRequest {
            status: RequestStatus::Bartered,
            ..request
        },
        offer,
    ))
}

/// An accepted request not yet paid or bartered.
fn settleable(request: &ServiceRequest) -> Result<(), ServiceError> {
    match request.status {
        RequestStatus::Accepted => Ok(()),
        RequestStatus::Asked => Err(ServiceError::NotAccepted),
        done => Err(ServiceError::Decided {
            status: done.code(),
        }),
    }
}

/// How a request is paid.
#[derive(Clone, Debug)]
pub struct Payment<'a> {
    pub payer: &'a Person,
    pub request: i64,
    pub amount: i64,
    pub social_fund_percent: Decimal,
    pub minor_limit: i64,
    pub now: i64,
}

/// Request `number` as its asker `payer` may pay it: accepted, not a barter offer, and the
/// provider (current, of another household). Answers the request, its offer and its provider.
pub async fn payable(
    tx: &mut Tx,
    payer: &Person,
    number: i64,
) -> Result<(ServiceRequest, Offer, Person), ServiceError> {
    let (request, offer) = request_and_offer(tx, number).await?;
    if request.asker_nik != payer.nik {
        return Err(ServiceError::UnknownRequest);
    }
    settleable(&request)?;
    if offer.price.is_none() {
        return Err(ServiceError::Barter);
    }
    let provider = tx
        .person(&offer.nik)
        .await?
        .ok_or(ServiceError::UnknownOffer)?;
    Ok((request, offer, provider))
}

/// The payment of `p` as the ledger makes it: to the request's provider, under
/// `service:<number>` (one payment per request); with its offer and provider.
async fn resident_payment<'a>(
    tx: &mut Tx,
    p: &'a Payment<'a>,
) -> Result<(Offer, Person, String, String), ServiceError> {
    let (_, offer, provider) = payable(tx, p.payer, p.request).await?;
    let key = format!("service:{}", p.request);
    let memo = format!("{} {}", offer.code(), offer.what);
    Ok((offer, provider, key, memo))
}

fn ledger_request<'a>(
    p: &'a Payment<'a>,
    provider: &'a Person,
    key: &'a str,
    memo: &'a str,
) -> ResidentPayment<'a> {
    ResidentPayment {
        payer: p.payer,
        payee: provider,
        amount: p.amount,
        memo,
        key,
        social_fund_percent: p.social_fund_percent,
        minor_limit: p.minor_limit,
        now: p.now,
    }
}

/// Whether the asker may pay `p` now (the request, the balance, the ages), before the PIN:
/// answers the household's balance before it.
pub async fn check_payment(tx: &mut Tx, p: &Payment<'_>) -> Result<i64, ServiceError> {
    let (_, provider, key, memo) = resident_payment(tx, p).await?;
    Ok(check_resident_payment(tx, &ledger_request(p, &provider, &key, &memo)).await?)
}

/// The asker pays request `p.request`: one transfer under `service:<number>`, the request then
/// paid. Answers the transfer, the request's offer and its provider.
pub async fn pay(
    tx: &mut Tx,
    p: &Payment<'_>,
) -> Result<(ResidentPaid, Offer, Person), ServiceError> {
    let (offer, provider, key, memo) = resident_payment(tx, p).await?;
    let paid = pay_resident(tx, &ledger_request(p, &provider, &key, &memo)).await?;
    tx.set_service_request_status(
        p.request,
        RequestStatus::Paid,
        Some((p.amount, paid.transfer.id)),
        p.now,
    )
    .await?;
    Ok((paid, offer, provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_codes_are_j_and_a_number() {
        assert_eq!(offer_code(1), "J001");
        assert_eq!(offer_code(1234), "J1234");
        assert_eq!(parse_offer_code("j7"), Some(7));
        assert_eq!(parse_offer_code(" J001 "), Some(1));
        assert_eq!(parse_offer_code("J0"), None);
        assert_eq!(parse_offer_code("W001"), None);
        assert_eq!(parse_offer_code("J-1"), None);
    }

    fn request(status: RequestStatus) -> ServiceRequest {
        ServiceRequest {
            number: 1,
            service: 1,
            asker_nik: String::new(),
            asker: String::new(),
            asker_phone: String::new(),
            status,
            amount: None,
            created_at: 0,
        }
    }

    #[test]
    fn only_an_accepted_request_is_paid_or_bartered_once() {
        assert!(settleable(&request(RequestStatus::Accepted)).is_ok());
        assert!(matches!(
            settleable(&request(RequestStatus::Asked)),
            Err(ServiceError::NotAccepted)
        ));
        for done in [
            RequestStatus::Declined,
            RequestStatus::Paid,
            RequestStatus::Bartered,
        ] {
            assert!(matches!(
                settleable(&request(done)),
                Err(ServiceError::Decided { .. })
            ));
        }
    }
}
