//! Transcript tests: a scripted conversation in, the exact replies out.
//!
//! ```text
//! # a comment
//! @channel whatsapp        (default sms)
//! @phone +6281234500001    (default +6281100000001)
//! > MENU                   (what the resident sends)
//! Menu Gotong. ...         (the replies expected, exactly; `---` between two replies)
//! @clock +31m              (move the fake clock: s, m, h, d)
//! @image media-1 a caption (a WhatsApp photo; @sticker, @location and @choice ID TITLE too)
//! @registry kelurahan.csv, @code NIK CODE, @link PHONE NIK PIN, @admin NIK SCOPE (set-up)
//! @pin-reset NIK           (the kelurahan resets that resident's PIN: `POST /api/pin-resets`)
//! @answer N TEXT           (the kelurahan answers ticket N: `POST /api/tickets/{n}/answer`)
//! @letter N STATUS [REASON] (letter request N moves: `POST /api/letters/{n}/status`)
//! @event YYYY-MM-DD HH:MM NEEDED RW|- TITLE… | PLACE… (the kelurahan posts an event, Jakarta
//!                          time: `POST /api/events`), @event cancel N, @attended N NIK
//!                          (`POST /api/events/{n}/cancel`, `…/attendance`)
//! @kelurahan 3577011002 Mojo (another kelurahan), @registry mojo.csv 3577011002 (its registry)
//! @to 3577011002           (the resident writes to that kelurahan's number; default: the
//!                          deployment's default kelurahan, `@to default`)
//! ```
//! Each reply is shown as [`transcript_text`] shows it. Every SMS reply must also be GSM-7 and at
//! most 3 segments. Set-up directives that name a person or household act in its kelurahan; the
//! others (`@item`, `@status`, `@campaign`, `@spend`, `@close`) in the kelurahan of the last `@to`.

use crate::app::App;
use crate::channels::android::inbound::AndroidWebhook;
use crate::channels::android::send::AndroidSender;
use crate::channels::android::sims::{Caps, SimPool};
use crate::channels::android::{device_number, signature};
use crate::channels::{RawWebhook, Sender, Webhook};
use crate::chat;
use crate::clock::FakeClock;
use crate::config::AndroidConfig;
use crate::engine::render::transcript_text;
use crate::inbox::handle_phone;
use crate::message::{Body, Channel, Content};
use crate::testing::fake_provider::FakeProvider;
use crate::testing::kelurahan;
use crate::text::gsm7::{is_gsm7, sms_segments, MAX_SMS_SEGMENTS};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The suite's transcripts (`tests/transcripts/*.txt`), sorted.
pub fn suite_files() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/transcripts exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no transcripts found");
    files
}

/// 2026-11-25 08:00 Asia/Jakarta: where every transcript's clock starts.
pub const START_MS: i64 = 1_795_568_400_000;

#[derive(Clone, Debug, PartialEq)]
enum Line {
    Channel(Channel),
    Phone(String),
    Clock(i64),
    /// `@to CODE`: the kelurahan whose number the resident writes to.
    To(String),
    Send(Content, String),
    /// Sets up the world: `@registry FILE.csv [CODE]` (into the kelurahan of that code),
    /// `@kelurahan CODE NAME…` (adds one), `@code NIK CODE`, `@link PHONE NIK PIN`,
    /// `@merchant NIK NAME…` (registers a merchant), `@stimulus YYYY-MM-DD` (credits that day,
    /// every kelurahan). `@admin NIK SCOPE` (`kelurahan`, `RW03`, `RW03/RT001`; the person must
    /// be linked), `@topup NO_KK AMOUNT`, `@deposit NO_KK AMOUNT` (cash into the household's
    /// purse, money that may travel), and what the kelurahan does through the admin API:
    /// `@status N STATUS [REASON…]`, `@change N approve|reject [REASON…]` (a reported change
    /// decided), `@arrived NIK YYYY-MM-DD` (the registry records their arrival day), `@campaign N TARGET`, `@spend N AMOUNT MEMO…`, `@close N`,
    /// `@item OWNER_NIK|- CUSTODIAN_NIK NAME…`, `@jobs` (the market's scheduled work and the
    /// events' reminders at the fake clock's time), `@event …`, `@attended N NIK`.
    Setup(String, Vec<String>),
}

/// One exchange: what was sent and the expected reply text.
#[derive(Clone, Debug, PartialEq)]
struct Exchange {
    directive: Line,
    expected: Vec<String>,
    line: usize,
}

fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim().strip_prefix('+')?;
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    Some(n * ms)
}

fn parse(text: &str) -> Result<Vec<Exchange>, String> {
    let mut out: Vec<Exchange> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let directive = if let Some(input) =
            raw.strip_prefix("> ")
                .or(if raw == ">" { Some("") } else { None })
        {
            Some(Line::Send(
                Content::Text {
                    text: input.to_string(),
                },
                input.to_string(),
            ))
        } else if let Some(rest) = raw.strip_prefix('@') {
            let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
            Some(match word {
                "channel" => Line::Channel(
                    Channel::parse(arg.trim())
                        .ok_or(format!("line {line}: unknown channel {arg}"))?,
                ),
                "phone" => Line::Phone(arg.trim().to_string()),
                "to" => Line::To(arg.trim().to_string()),
                "clock" => Line::Clock(
                    parse_duration(arg).ok_or(format!("line {line}: bad duration {arg}"))?,
                ),
                "image" => {
                    let (id, caption) = arg.split_once(' ').unwrap_or((arg, ""));
                    let caption = (!caption.is_empty()).then(|| caption.to_string());
                    Line::Send(
                        Content::Image {
                            media_id: id.to_string(),
                            caption,
                        },
                        raw.to_string(),
                    )
                }
                "choice" => {
                    let (id, title) = arg.split_once(' ').unwrap_or((arg, arg));
                    Line::Send(
                        Content::Choice {
                            id: id.to_string(),
                            title: title.to_string(),
                        },
                        raw.to_string(),
                    )
                }
                "sticker" => Line::Send(
                    Content::Unsupported {
                        kind: "sticker".into(),
                    },
                    raw.to_string(),
                ),
                "location" => Line::Send(
                    Content::Location {
                        latitude: -6.2,
                        longitude: 106.8,
                        name: None,
                    },
                    raw.to_string(),
                ),
                "registry" | "kelurahan" | "code" | "link" | "merchant" | "stimulus" | "admin"
                | "topup" | "deposit" | "status" | "change" | "arrived" | "campaign" | "spend"
                | "close" | "item" | "jobs" | "pin-reset" | "answer" | "letter" | "event"
                | "attended" => Line::Setup(
                    word.to_string(),
                    arg.split_whitespace().map(String::from).collect(),
                ),
                other => return Err(format!("line {line}: unknown directive @{other}")),
            })
        } else if raw.starts_with('#') && out.is_empty() {
            None
        } else {
            match out.last_mut() {
                Some(ex) if matches!(ex.directive, Line::Send(..)) => {
                    ex.expected.push(raw.to_string());
                    None
                }
                _ if raw.trim().is_empty() || raw.starts_with('#') => None,
                _ => return Err(format!("line {line}: text before any `> message`")),
            }
        };
        if let Some(d) = directive {
            out.push(Exchange {
                directive: d,
                expected: Vec::new(),
                line,
            });
        }
    }
    for ex in &mut out {
        while ex.expected.last().is_some_and(|l| l.trim().is_empty()) {
            ex.expected.pop();
        }
    }
    Ok(out)
}

/// The replies as a transcript shows them.
pub fn show(replies: &[Body]) -> String {
    replies
        .iter()
        .map(transcript_text)
        .collect::<Vec<_>>()
        .join("\n---\n")
}

/// Whether a transcript is plain SMS to the default kelurahan: no other channel, no `@to`, only
/// texts sent (what [`AndroidRoute`] can carry).
pub fn is_sms_only(text: &str) -> bool {
    parse(text).is_ok_and(|exchanges| {
        exchanges.iter().all(|ex| match &ex.directive {
            Line::Channel(c) => *c == Channel::Sms,
            Line::To(_) => false,
            Line::Send(content, _) => matches!(content, Content::Text { .. }),
            Line::Phone(_) | Line::Clock(_) | Line::Setup(..) => true,
        })
    })
}

/// SMS through SMS Gateway for Android, for [`run_on`]: each message goes in as a signed
/// `sms:received` event from the gateway phone [`AndroidRoute::DEVICE`] (verified and read by the
/// provider's [`AndroidWebhook`], given its kelurahan as the webhook intake does), and each reply
/// goes out through the provider's [`AndroidSender`] to a fake gateway; the transcript shows the
/// texts the gateway was asked to send.
pub struct AndroidRoute {
    webhook: AndroidWebhook,
    sender: AndroidSender,
    gateway: FakeProvider,
    events: AtomicU64,
}

impl AndroidRoute {
    /// The gateway phone the residents write to (not registered: the default kelurahan's).
    pub const DEVICE: &'static str = "transcript-gateway";
    const SIGNING_KEY: &'static str = "gotong-transcript-signing-key";

    /// The provider on `app` and `clock` (the transcript's), sending to a new fake gateway.
    pub async fn start(app: &App, clock: &FakeClock) -> AndroidRoute {
        let gateway = FakeProvider::start().await;
        let config = AndroidConfig {
            api_url: format!("{}/3rdparty/v1", gateway.base),
            username: "sms".into(),
            password: "gotong-transcript-password".into(),
            signing_key: Self::SIGNING_KEY.into(),
            per_sim_per_minute: u32::MAX,
            per_sim_per_day: u32::MAX,
        };
        let sims = Arc::new(SimPool::new(Caps {
            per_minute: config.per_sim_per_minute,
            per_day: config.per_sim_per_day,
        }));
        let clock: Arc<dyn crate::clock::Clock> = Arc::new(clock.clone());
        AndroidRoute {
            webhook: AndroidWebhook::new(&config.signing_key, clock.clone(), sims.clone()),
            sender: AndroidSender::new(
                reqwest::Client::new(),
                &config,
                sims,
                app.numbers.clone(),
                clock,
            ),
            gateway,
            events: AtomicU64::new(0),
        }
    }

    /// `text` from `phone`; the texts of the replies, as the gateway got them.
    async fn say(&self, app: &App, phone: &str, text: &str) -> Result<Vec<String>, String> {
        let now = app.now();
        let n = self.events.fetch_add(1, Ordering::SeqCst);
        let received_at = chrono::DateTime::from_timestamp_millis(now)
            .unwrap_or_default()
            .to_rfc3339();
        let body = serde_json::json!({
            "deviceId": Self::DEVICE,
            "event": "sms:received",
            "id": format!("transcript-{n}"),
            "payload": {
                "messageId": hex::encode(text.as_bytes()),
                "message": text,
                "phoneNumber": phone,
                "simNumber": 1,
                "receivedAt": received_at
            },
            "webhookId": "transcript"
        })
        .to_string()
        .into_bytes();
        let timestamp = (now / 1000).to_string();
        let mut headers = axum::http::HeaderMap::new();
        let sig = signature::sign(Self::SIGNING_KEY, &body, &timestamp);
        for (name, value) in [
            (signature::TIMESTAMP_HEADER, timestamp),
            (signature::SIGNATURE_HEADER, sig),
        ] {
            headers.insert(name, value.parse().map_err(|e| format!("{e}"))?);
        }
        let raw = RawWebhook {
            path_and_query: "/webhooks/android-sms",
            headers: &headers,
            body: &body,
        };
        self.webhook.verify(&raw).map_err(|e| e.to_string())?;
        let events = self.webhook.parse(&raw, now).map_err(|e| e.to_string())?;
        let [mut msg] = <[_; 1]>::try_from(events.messages)
            .map_err(|m| format!("the event gave {} messages, not one", m.len()))?;
        msg.kelurahan = app
            .numbers
            .owner_of_message(Channel::Sms, msg.to.as_deref())
            .await
            .ok_or("the gateway phone belongs to no kelurahan")?;
        let from = msg
            .to
            .clone()
            .unwrap_or_else(|| device_number(Self::DEVICE));
        let phone = msg.phone.clone().ok_or("the event has no phone")?;
        app.db
            .record_inbound(&msg, now)
            .await
            .map_err(|e| e.to_string())?;
        handle_phone(app, &phone).await.map_err(|e| e.to_string())?;
        let replies = app
            .db
            .take_outbox_for_phone(msg.kelurahan, &phone, app.now())
            .await
            .map_err(|e| e.to_string())?;
        let before = self.gateway.requests().len();
        for r in &replies {
            self.sender
                .send(Some(&from), &phone, r)
                .await
                .map_err(|e| format!("the gateway send failed: {e}"))?;
        }
        Ok(self.gateway.requests()[before..]
            .iter()
            .map(|r| r.text())
            .collect())
    }
}

/// Runs a transcript against `app` (whose clock must be `clock`). Returns the transcript as it
/// actually went (for blessing) and the list of differences.
pub async fn run(
    app: &App,
    clock: &FakeClock,
    text: &str,
) -> Result<(String, Vec<String>), String> {
    run_on(app, clock, text, None).await
}

/// [`run`], the messages going through `android` when given (an [`is_sms_only`] transcript).
pub async fn run_on(
    app: &App,
    clock: &FakeClock,
    text: &str,
    android: Option<&AndroidRoute>,
) -> Result<(String, Vec<String>), String> {
    let exchanges = parse(text)?;
    let mut channel = Channel::Sms;
    let mut phone = "+6281100000001".to_string();
    let mut to = crate::store::KelurahanId::DEFAULT;
    let mut problems = Vec::new();
    let mut actual = String::new();
    // Keep the header comment.
    for l in text.lines().take_while(|l| l.starts_with('#')) {
        actual.push_str(l);
        actual.push('\n');
    }
    for ex in exchanges {
        match &ex.directive {
            Line::Channel(c) => {
                channel = *c;
                actual.push_str(&format!("@channel {c}\n"));
            }
            Line::Phone(p) => {
                phone = p.clone();
                actual.push_str(&format!("@phone {p}\n"));
            }
            Line::To(code) => {
                to = kelurahan_id(app, code)
                    .await
                    .map_err(|e| format!("line {}: @to: {e}", ex.line))?;
                actual.push_str(&format!("@to {code}\n"));
            }
            Line::Setup(what, args) => {
                setup(app, to, what, args)
                    .await
                    .map_err(|e| format!("line {}: @{what}: {e}", ex.line))?;
                actual.push_str(&format!("@{what} {}\n", args.join(" ")));
            }
            Line::Clock(ms) => {
                clock.advance_ms(*ms);
                let original = text.lines().nth(ex.line - 1).unwrap_or_default();
                actual.push_str(original);
                actual.push('\n');
            }
            Line::Send(content, shown) => {
                // Each reply as the transcript shows it, and the text an SMS would carry.
                let replies: Vec<(String, String)> = match (android, content) {
                    (None, _) => chat::say_to(app, to, channel, &phone, content.clone())
                        .await
                        .map_err(|e| format!("line {}: store error {e}", ex.line))?
                        .iter()
                        .map(|r| (transcript_text(r), r.main_text().to_string()))
                        .collect(),
                    (Some(route), Content::Text { text }) if channel == Channel::Sms => route
                        .say(app, &phone, text)
                        .await
                        .map_err(|e| format!("line {}: through the gateway: {e}", ex.line))?
                        .into_iter()
                        .map(|t| (t.clone(), t))
                        .collect(),
                    (Some(_), _) => {
                        return Err(format!("line {}: not an SMS text", ex.line));
                    }
                };
                let got = replies
                    .iter()
                    .map(|(shown, _)| shown.as_str())
                    .collect::<Vec<_>>()
                    .join("\n---\n");
                if shown.starts_with('@') {
                    actual.push_str(&format!("{shown}\n"));
                } else {
                    actual.push_str(&format!("> {shown}\n"));
                }
                actual.push_str(&got);
                actual.push_str("\n\n");
                let expected = ex.expected.join("\n");
                if got != expected {
                    problems.push(format!(
                        "line {}: after {shown:?}\n--- expected\n{expected}\n--- got\n{got}\n",
                        ex.line
                    ));
                }
                // DESIGN §6: a full NIK (or KK number) is never sent in a message.
                for (r, _) in &replies {
                    if has_sixteen_digits(r) {
                        problems.push(format!(
                            "line {}: a reply shows a 16-digit number (a full NIK or KK?)",
                            ex.line
                        ));
                    }
                }
                if channel == Channel::Sms {
                    for (_, t) in &replies {
                        if !is_gsm7(t) || sms_segments(t) > MAX_SMS_SEGMENTS {
                            problems.push(format!(
                                "line {}: SMS reply is not GSM-7 within {MAX_SMS_SEGMENTS} segments: {t:?}",
                                ex.line
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok((actual, problems))
}

/// Whether `text` holds 16 digits in a row.
fn has_sixteen_digits(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 16 {
            return true;
        }
    }
    false
}

/// Where `@registry` finds its files.
fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/fixtures")
}

/// The kelurahan of `code` (`default`: the deployment's default one).
async fn kelurahan_id(app: &App, code: &str) -> Result<crate::store::KelurahanId, String> {
    if code == "default" {
        return Ok(crate::store::KelurahanId::DEFAULT);
    }
    app.db
        .kelurahan_by_code(code)
        .await
        .map_err(|e| e.to_string())?
        .map(|k| k.id)
        .ok_or(format!("no kelurahan {code} (add it with @kelurahan)"))
}

/// The kelurahan where `nik` is registered (the default one if nowhere).
async fn kelurahan_of(app: &App, nik: &str) -> Result<crate::store::KelurahanId, String> {
    Ok(app
        .db
        .kelurahan_of_person(nik)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(crate::store::KelurahanId::DEFAULT))
}

/// Carries out a set-up directive through the same code the product uses; `to` is the
/// kelurahan of the last `@to`.
async fn setup(
    app: &App,
    to: crate::store::KelurahanId,
    what: &str,
    args: &[String],
) -> Result<(), String> {
    let now = app.now();
    let key = app.config.secret_key_or_dev();
    match (what, args) {
        ("registry", [file, code @ ..]) if code.len() <= 1 => {
            let input = std::fs::read(fixtures_dir().join(file)).map_err(|e| e.to_string())?;
            let into = match code.first() {
                Some(code) => kelurahan_id(app, code).await?,
                None => crate::store::KelurahanId::DEFAULT,
            };
            kelurahan::import_csv_in(&app.db, into, &input, "transcript", Some(file), now)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        ("kelurahan", [code, name @ ..]) if !name.is_empty() => {
            kelurahan::another_kelurahan(&app.db, code, &name.join(" "))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        ("deposit", [kk, amount]) => {
            let amount: i64 = amount.parse().map_err(|_| format!("bad amount {amount}"))?;
            kelurahan::deposit(&app.db, kk, amount, &format!("deposit:{kk}:{now}"), now)
                .await
                .map_err(|e| e.to_string())
        }
        ("code", [nik, code]) => {
            let mut tx = app
                .db
                .begin(kelurahan_of(app, nik).await?)
                .await
                .map_err(|e| e.to_string())?;
            crate::accounts::issue_code::issue_given_code(
                &mut tx,
                &key,
                nik,
                code,
                "transcript",
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("answer", [number, text @ ..]) if !text.is_empty() => {
            // What `POST /api/tickets/{n}/answer` does, in the kelurahan of the last `@to`.
            let number: i64 = number.parse().map_err(|_| format!("bad ticket {number}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            let told = crate::tickets::answer(
                &mut tx,
                &app.texts,
                number,
                &text.join(" "),
                "transcript",
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.enqueue(&told, now).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("letter", [number, status, reason @ ..]) => {
            // What `POST /api/letters/{n}/status` does, in the kelurahan of the last `@to`.
            use crate::store::Code;
            let number: i64 = number.parse().map_err(|_| format!("bad letter {number}"))?;
            let status = crate::letters::Status::from_code(status)
                .ok_or_else(|| format!("bad letter status {status}"))?;
            let reason = reason.join(" ");
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            let told = crate::letters::set_status(
                &mut tx,
                &app.texts,
                number,
                status,
                Some(&reason),
                "transcript",
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            if let Some(told) = told {
                tx.enqueue(&told, now).await.map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("pin-reset", [nik]) => {
            // What `POST /api/pin-resets` does: the old PIN void, the phone told.
            let mut tx = app
                .db
                .begin(kelurahan_of(app, nik).await?)
                .await
                .map_err(|e| e.to_string())?;
            let (told, _) =
                crate::accounts::pin_change::reset(&mut tx, &app.texts, nik, "transcript", now)
                    .await
                    .map_err(|e| e.to_string())?;
            tx.enqueue(&told, now).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("link", [phone, nik, pin]) => kelurahan::link_at(&app.db, key, phone, nik, pin, now)
            .await
            .map_err(|e| e.to_string()),
        ("merchant", [nik, name @ ..]) if !name.is_empty() => {
            kelurahan::merchant(&app.db, nik, &name.join(" "), now)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        ("stimulus", [date]) => {
            let date = crate::calendar::parse_date(date).ok_or("not a date")?;
            crate::ledger::stimulus::run_stimulus(
                &app.db,
                &app.texts,
                crate::ledger::stimulus::RunFor::Every,
                date,
                app.config.stimulus_per_day,
                || now,
                &|_, _| {},
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
        }
        ("admin", [nik, scope]) => {
            let scope = crate::broadcast::Scope::parse(scope).map_err(|e| e.to_string())?;
            let mut tx = app
                .db
                .begin(kelurahan_of(app, nik).await?)
                .await
                .map_err(|e| e.to_string())?;
            crate::broadcast::grant_admin(&mut tx, nik, &scope, "transcript", now)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("topup", [kk, amount]) => {
            let amount: i64 = amount.parse().map_err(|_| format!("bad amount {amount}"))?;
            kelurahan::top_up(&app.db, kk, amount, &format!("topup:{kk}:{now}"))
                .await
                .map_err(|e| e.to_string())
        }
        ("status", [n, status, reason @ ..]) => {
            let n: i64 = n.parse().map_err(|_| format!("bad number {n}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::proposals::proposal::set_status(
                &mut tx,
                Some(&app.texts),
                "transcript",
                n,
                status,
                &reason.join(" "),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("arrived", [nik, date]) => {
            // The registry records that `nik` came to their kelurahan on `date`.
            let mut tx = app
                .db
                .begin(kelurahan_of(app, nik).await?)
                .await
                .map_err(|e| e.to_string())?;
            tx.set_arrived_on(nik, date)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("change", [n, decision, reason @ ..]) => {
            use crate::registry::change::{self, Status};
            let n: i64 = n.parse().map_err(|_| format!("bad number {n}"))?;
            let status = match decision.as_str() {
                "approve" => Status::Approved,
                "reject" => Status::Rejected,
                other => return Err(format!("approve or reject, not {other}")),
            };
            let reason = reason.join(" ");
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            change::decide(
                &mut tx,
                Some(&app.texts),
                n,
                status,
                Some(&reason),
                "transcript",
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("campaign", [n, target]) => {
            let n: i64 = n.parse().map_err(|_| format!("bad number {n}"))?;
            let target: i64 = target.parse().map_err(|_| format!("bad target {target}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::proposals::campaign::open_campaign(&mut tx, "transcript", n, target, now)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("close", [n]) => {
            let n: i64 = n.parse().map_err(|_| format!("bad number {n}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::proposals::campaign::close(&mut tx, "transcript", n, now)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("spend", [n, amount, memo @ ..]) => {
            let n: i64 = n.parse().map_err(|_| format!("bad number {n}"))?;
            let amount: i64 = amount.parse().map_err(|_| format!("bad amount {amount}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::proposals::campaign::spend(
                &mut tx,
                "transcript",
                n,
                amount,
                &memo.join(" "),
                &format!("spend:{n}:{now}"),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("item", [owner, custodian, name @ ..]) if !name.is_empty() => {
            let owner = (owner != "-").then_some(owner.as_str());
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::market::add_item(
                &mut tx,
                "transcript",
                &name.join(" "),
                owner,
                Some(custodian),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("jobs", []) => {
            crate::market::jobs::run_due(&app.db, &app.texts, now)
                .await
                .map_err(|e| e.to_string())?;
            crate::events::jobs::run_due(&app.db, &app.texts, now)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        ("event", [cancel, n]) if cancel == "cancel" => {
            // What `POST /api/events/{n}/cancel` does, in the kelurahan of the last `@to`.
            let n: i64 = n.parse().map_err(|_| format!("bad event {n}"))?;
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            let told = crate::events::cancel(&mut tx, &app.texts, n, "transcript", now)
                .await
                .map_err(|e| e.to_string())?;
            for t in &told {
                tx.enqueue(t, now).await.map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("event", [date, time, needed, rw, rest @ ..]) => {
            // What `POST /api/events` does, in the kelurahan of the last `@to`.
            let starts_at = crate::calendar::parse_jakarta_time(&format!("{date} {time}"))
                .ok_or(format!("bad time {date} {time}"))?;
            let needed: i64 = needed.parse().map_err(|_| format!("bad needed {needed}"))?;
            let rest = rest.join(" ");
            let (title, place) = rest.split_once(" | ").ok_or("TITLE | PLACE")?;
            let new = crate::events::NewEvent {
                title,
                place,
                starts_at,
                needed,
                rw: (rw != "-").then_some(rw.as_str()),
                item: None,
                campaign: None,
            };
            let mut tx = app.db.begin(to).await.map_err(|e| e.to_string())?;
            crate::events::post(&mut tx, &new, "transcript", now)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        ("attended", [n, nik]) => {
            // What `POST /api/events/{n}/attendance` does.
            let n: i64 = n.parse().map_err(|_| format!("bad event {n}"))?;
            let mut tx = app
                .db
                .begin(kelurahan_of(app, nik).await?)
                .await
                .map_err(|e| e.to_string())?;
            crate::events::attend(&mut tx, n, nik, "transcript", now)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
        _ => Err(format!("unexpected arguments {args:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_niks_are_spotted() {
        assert!(has_sixteen_digits("NIK 3201011205800001."));
        assert!(!has_sixteen_digits("NIK ****0001, HP +6281200000001"));
    }

    #[test]
    fn durations_and_directives_parse() {
        assert_eq!(parse_duration("+31m"), Some(31 * 60_000));
        assert_eq!(parse_duration("+2d"), Some(2 * 86_400_000));
        assert_eq!(parse_duration("31m"), None);
        let ex = parse("# t\n> MENU\nhalo\n\n@clock +1h\n> x\n").unwrap();
        assert_eq!(ex.len(), 3);
        assert_eq!(ex[0].expected, vec!["halo".to_string()]);
        assert!(parse("stray text\n").is_err());
        let ex = parse("@kelurahan 3577011002 Mojo\n@to 3577011002\n> SALDO\n").unwrap();
        assert_eq!(ex[1].directive, Line::To("3577011002".into()));
        assert!(parse("@bogus\n").is_err());
    }
}
