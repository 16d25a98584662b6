//! `KEGIATAN` / `RELAWAN` (DESIGN §4, issue 14): the Gerai Relawan & Aksi Sosial. The kelurahan
//! posts a kerja bakti or a social action; linked residents sign up, are reminded the day before,
//! and are counted when they come.
//! 1. An event has a title and a place (free text, 3 to 60 characters, GSM-7: they go out by
//!    SMS), starts in the future, wants 1 to 500 volunteers, and may be for one RW, use a goods
//!    library item and belong to a swadaya campaign: each checked to exist in this kelurahan.
//! 2. Any linked resident still registered may sign up (`NON_PERMANEN` too), once per event:
//!    signing up again answers "already". Not when the event is cancelled, has started or is
//!    full (checked in that order). Withdrawing frees the place; signing up again later takes one again.
//! 3. Cancelling tells everyone signed up, once: cancelling again changes nothing.
//! 4. Attendance is only for someone signed up, and counted once: the same NIK twice is once.
//! 5. The reminder (`crate::events::jobs`) goes once per event, from 07:00 Asia/Jakarta the day
//!    before, to those signed up at that moment; `reminded_at` commits with the notices.

pub mod jobs;

use crate::error::StoreError;
use crate::i18n::Texts;
use crate::message::Outbound;
use crate::parse::nik::mask_nik;
use crate::parse::{free_text, FreeTextError};
use crate::store::{stored_as_code, Code, Person, Tx};
use crate::text::gsm7::is_gsm7;
use serde::Serialize;

/// The shortest title or place.
pub const MIN_TEXT: usize = 3;
/// The longest title or place (one line of an SMS list).
pub const MAX_TEXT: usize = 60;
/// The most volunteers an event may ask for.
pub const MAX_NEEDED: i64 = 500;

/// Whether an event still takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Cancelled,
}

impl Code for Status {
    const WHAT: &'static str = "event status";
    const ALL: &'static [Status] = &[Status::Open, Status::Cancelled];
    fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Cancelled => "cancelled",
        }
    }
}

stored_as_code!(Status);

/// Whether a sign-up stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignupStatus {
    Signed,
    /// Withdrawn (`MUNDUR`).
    Cancelled,
}

impl Code for SignupStatus {
    const WHAT: &'static str = "event sign-up status";
    const ALL: &'static [SignupStatus] = &[SignupStatus::Signed, SignupStatus::Cancelled];
    fn code(self) -> &'static str {
        match self {
            SignupStatus::Signed => "signed",
            SignupStatus::Cancelled => "cancelled",
        }
    }
}

stored_as_code!(SignupStatus);

/// An event as stored, with its counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub number: i64,
    pub title: String,
    pub place: String,
    /// Unix seconds.
    pub starts_at: i64,
    /// `None`: the whole kelurahan.
    pub rw: Option<String>,
    pub needed: i64,
    /// The goods library item's code.
    pub item: Option<String>,
    /// The number of the proposal whose swadaya campaign it belongs to.
    pub campaign: Option<i64>,
    pub status: Status,
    pub reminded_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    /// Sign-ups standing now.
    pub signed: i64,
    /// Sign-ups counted present.
    pub attended: i64,
}

impl Event {
    /// Whether it has started at `now_ms`.
    pub fn has_started(&self, now_ms: i64) -> bool {
        self.starts_at.saturating_mul(1000) <= now_ms
    }

    pub fn is_full(&self) -> bool {
        self.signed >= self.needed
    }
}

/// One resident's sign-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Signup {
    pub event: i64,
    pub nik: String,
    pub name: String,
    pub phone: String,
    pub status: SignupStatus,
    pub attended_at: Option<i64>,
    pub created_at: i64,
}

/// What the kelurahan posts (typed by an officer; checked by [`post`]).
#[derive(Clone, Copy, Debug)]
pub struct NewEvent<'a> {
    pub title: &'a str,
    pub place: &'a str,
    /// Unix seconds.
    pub starts_at: i64,
    pub needed: i64,
    pub rw: Option<&'a str>,
    pub item: Option<&'a str>,
    pub campaign: Option<i64>,
}

/// What [`sign_up`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedUp {
    New,
    /// Already signed up for it: nothing changed.
    Already,
}

/// What [`attend`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attended {
    New,
    /// Already counted: nothing changed.
    Already,
}

/// Why an event cannot be posted, or a sign-up made, withdrawn or counted.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("{what}: {source}")]
    Text {
        what: &'static str,
        source: FreeTextError,
    },
    #[error("{what} needs at least {MIN_TEXT} characters")]
    TooShort { what: &'static str },
    #[error("{what} has characters an SMS cannot carry")]
    NotGsm7 { what: &'static str },
    #[error("the event must start in the future")]
    InThePast,
    #[error("needed volunteers must be 1 to {MAX_NEEDED}")]
    Needed,
    #[error("no RW {0} in this kelurahan")]
    UnknownRw(String),
    #[error("no goods library item {0}")]
    UnknownItem(String),
    #[error("proposal {0} has no swadaya campaign")]
    UnknownCampaign(i64),
    #[error("no such event")]
    Unknown,
    #[error("the event is cancelled")]
    Cancelled,
    #[error("the event has already started")]
    Started,
    #[error("the event has all the volunteers it needs")]
    Full,
    #[error("not signed up for this event")]
    NotSignedUp,
    #[error("already counted present")]
    AlreadyAttended,
    #[error("not a current resident of this kelurahan")]
    NotResident,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether an officer of `scope` manages an event for `rw` (`None`: the whole kelurahan): the
/// kelurahan's officers every event, an RW or RT officer those of their own RW.
pub fn managed_by(scope: &crate::broadcast::Scope, rw: Option<&str>) -> bool {
    match rw {
        None => scope.whole_kelurahan(),
        Some(rw) => scope.covers_rw(rw),
    }
}

/// A title or place: free text of 3 to 60 characters that an SMS can carry.
pub fn event_text<'a>(what: &'static str, text: &'a str) -> Result<&'a str, EventError> {
    let text = free_text(text, MAX_TEXT).map_err(|source| EventError::Text { what, source })?;
    if text.chars().count() < MIN_TEXT {
        return Err(EventError::TooShort { what });
    }
    if !is_gsm7(text) {
        return Err(EventError::NotGsm7 { what });
    }
    Ok(text)
}

/// Checks and records a new event; answers its number. Audited.
pub async fn post(
    tx: &mut Tx,
    new: &NewEvent<'_>,
    actor: &str,
    now: i64,
) -> Result<i64, EventError> {
    let title = event_text("title", new.title)?;
    let place = event_text("place", new.place)?;
    if new.starts_at.saturating_mul(1000) <= now {
        return Err(EventError::InThePast);
    }
    if !(1..=MAX_NEEDED).contains(&new.needed) {
        return Err(EventError::Needed);
    }
    let rw = match new.rw {
        Some(typed) => {
            let rw = crate::broadcast::parse_rw(typed)
                .ok_or_else(|| EventError::UnknownRw(typed.to_string()))?;
            if !tx.rw_exists(&rw).await? {
                return Err(EventError::UnknownRw(rw));
            }
            Some(rw)
        }
        None => None,
    };
    let item = match new.item {
        Some(code) => {
            let code = code.trim().to_uppercase();
            if tx.item(&code).await?.is_none() {
                return Err(EventError::UnknownItem(code));
            }
            Some(code)
        }
        None => None,
    };
    if let Some(n) = new.campaign {
        if tx.campaign(n).await?.is_none() {
            return Err(EventError::UnknownCampaign(n));
        }
    }
    let checked = NewEvent {
        title,
        place,
        rw: rw.as_deref(),
        item: item.as_deref(),
        ..*new
    };
    let number = tx.insert_event(&checked, actor, now).await?;
    let after = serde_json::json!({
        "title": title,
        "place": place,
        "starts_at": new.starts_at,
        "needed": new.needed,
        "rw": rw,
        "item": item,
        "campaign": new.campaign,
    });
    tx.audit(
        actor,
        "event.post",
        &number.to_string(),
        None,
        Some(&after),
        now,
    )
    .await?;
    tracing::info!(number, "event posted");
    Ok(number)
}

/// The event `number`, or [`EventError::Unknown`].
async fn find(tx: &mut Tx, number: i64) -> Result<Event, EventError> {
    tx.event(number).await?.ok_or(EventError::Unknown)
}

/// Cancels event `number`: audited, and the notice to everyone signed up returned, to be queued
/// in the same unit of work. Cancelling a cancelled event changes nothing and tells nobody.
pub async fn cancel(
    tx: &mut Tx,
    texts: &Texts,
    number: i64,
    actor: &str,
    now: i64,
) -> Result<Vec<Outbound>, EventError> {
    let event = find(tx, number).await?;
    if event.status == Status::Cancelled {
        return Ok(Vec::new());
    }
    if event.has_started(now) {
        return Err(EventError::Started);
    }
    tx.set_event_status(number, Status::Cancelled).await?;
    let before = serde_json::json!({ "status": event.status.code() });
    let after = serde_json::json!({ "status": Status::Cancelled.code() });
    tx.audit(
        actor,
        "event.cancel",
        &number.to_string(),
        Some(&before),
        Some(&after),
        now,
    )
    .await?;
    let when = crate::calendar::jakarta_time(event.starts_at);
    let args = [
        ("number", number.to_string()),
        ("title", event.title.clone()),
        ("when", when),
    ];
    let mut told = Vec::new();
    for s in tx.event_signups(number).await? {
        if s.status == SignupStatus::Signed {
            told.push(
                crate::notices::notice(tx, texts, &s.phone, "event-notice-cancelled", &args)
                    .await?,
            );
        }
    }
    Ok(told)
}

/// Signs the resident `me` (writing from `phone`) up for event `number`.
pub async fn sign_up(
    tx: &mut Tx,
    number: i64,
    me: &Person,
    phone: &str,
    now: i64,
) -> Result<(Event, SignedUp), EventError> {
    if !me.is_current() {
        return Err(EventError::NotResident);
    }
    let event = find(tx, number).await?;
    if event.status == Status::Cancelled {
        return Err(EventError::Cancelled);
    }
    if event.has_started(now) {
        return Err(EventError::Started);
    }
    let mine = tx.event_signup(number, &me.nik).await?;
    if mine
        .as_ref()
        .is_some_and(|s| s.status == SignupStatus::Signed)
    {
        return Ok((event, SignedUp::Already));
    }
    if event.is_full() {
        return Err(EventError::Full);
    }
    tx.upsert_event_signup(number, &me.nik, phone, now).await?;
    tracing::info!(event = number, nik = %mask_nik(&me.nik), "event sign-up");
    let event = find(tx, number).await?;
    Ok((event, SignedUp::New))
}

/// Withdraws `nik`'s sign-up for event `number` (before it starts, and not once counted).
pub async fn withdraw(tx: &mut Tx, number: i64, nik: &str, now: i64) -> Result<Event, EventError> {
    let event = find(tx, number).await?;
    let Some(mine) = tx
        .event_signup(number, nik)
        .await?
        .filter(|s| s.status == SignupStatus::Signed)
    else {
        return Err(EventError::NotSignedUp);
    };
    if mine.attended_at.is_some() {
        return Err(EventError::AlreadyAttended);
    }
    if event.has_started(now) {
        return Err(EventError::Started);
    }
    tx.set_event_signup_status(number, nik, SignupStatus::Cancelled)
        .await?;
    tracing::info!(event = number, nik = %mask_nik(nik), "event sign-up withdrawn");
    Ok(event)
}

/// Counts `nik` present at event `number`: only someone signed up; twice is once. Audited once.
pub async fn attend(
    tx: &mut Tx,
    number: i64,
    nik: &str,
    actor: &str,
    now: i64,
) -> Result<Attended, EventError> {
    let event = find(tx, number).await?;
    if event.status == Status::Cancelled {
        return Err(EventError::Cancelled);
    }
    let Some(mine) = tx
        .event_signup(number, nik)
        .await?
        .filter(|s| s.status == SignupStatus::Signed)
    else {
        return Err(EventError::NotSignedUp);
    };
    if mine.attended_at.is_some() || !tx.mark_event_attended(number, nik, now).await? {
        return Ok(Attended::Already);
    }
    let after = serde_json::json!({ "nik": mask_nik(nik) });
    tx.audit(
        actor,
        "event.attended",
        &number.to_string(),
        None,
        Some(&after),
        now,
    )
    .await?;
    Ok(Attended::New)
}

/// When the reminder of an event starting at `starts_at` (unix seconds) is due: 07:00 Asia/Jakarta
/// the day before, in epoch milliseconds.
pub fn reminder_from_ms(starts_at: i64) -> i64 {
    let day = crate::calendar::jakarta_date(starts_at.saturating_mul(1000));
    // Jakarta midnight of that day is 17:00 UTC the day before; 07:00 the day before is 24 h
    // earlier than that plus 7 h: the naive midnight minus one day.
    let midnight_naive = day.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp());
    (midnight_naive.unwrap_or(starts_at) - 86_400) * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_places_are_short_gsm7_free_text() {
        assert_eq!(
            event_text("title", "  Kerja bakti  ").ok(),
            Some("Kerja bakti")
        );
        assert!(matches!(
            event_text("title", "ab"),
            Err(EventError::TooShort { what: "title" })
        ));
        assert!(matches!(
            event_text("place", "123456"),
            Err(EventError::Text {
                source: FreeTextError::Digits,
                ..
            })
        ));
        assert!(matches!(
            event_text("place", &"x".repeat(61)),
            Err(EventError::Text {
                source: FreeTextError::TooLong { .. },
                ..
            })
        ));
        assert!(matches!(
            event_text("title", "Kerja bakti \u{1F44D}"),
            Err(EventError::NotGsm7 { .. })
        ));
    }

    #[test]
    fn the_reminder_is_due_at_seven_the_day_before_in_jakarta() {
        // 2026-11-28 07:00 Jakarta = 2026-11-28 00:00 UTC.
        let starts = crate::calendar::parse_jakarta_time("2026-11-28 07:00").unwrap();
        let from = crate::calendar::parse_jakarta_time("2026-11-27 07:00").unwrap();
        assert_eq!(reminder_from_ms(starts), from * 1000);
        // Just after Jakarta midnight: still the day before is the 27th.
        let early = crate::calendar::parse_jakarta_time("2026-11-28 00:30").unwrap();
        assert_eq!(reminder_from_ms(early), from * 1000);
        // Late in the evening: the day before is still the 27th.
        let late = crate::calendar::parse_jakarta_time("2026-11-28 23:30").unwrap();
        assert_eq!(reminder_from_ms(late), from * 1000);
    }

    #[test]
    fn an_event_is_full_and_started_by_its_counts_and_time() {
        let e = Event {
            number: 1,
            title: "Kerja bakti".into(),
            place: "Balai RW".into(),
            starts_at: 1_000,
            rw: None,
            needed: 2,
            item: None,
            campaign: None,
            status: Status::Open,
            reminded_at: None,
            created_by: "t".into(),
            created_at: 0,
            signed: 2,
            attended: 0,
        };
        assert!(e.is_full());
        assert!(e.has_started(1_000_000));
        assert!(!e.has_started(999_999));
    }
}
