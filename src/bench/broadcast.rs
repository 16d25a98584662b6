//! Scenario 4: a broadcast to `--recipients` recipients, then its SMS drain against the cap.
//!
//! 1. Seeds a synthetic kelurahan ([`crate::testing::kelurahan`]), links `--recipients` persons to phones and
//!    gives each a contact in batches: a third SMS, a third WhatsApp inside the 24-hour
//!    window (text), a third outside it (the template). Not measured.
//! 2. Times the creation of a broadcast to all of them ([`crate::broadcast::create`]: checks, one
//!    `INSERT … SELECT` per kind of message, audit) with no server running.
//! 3. Starts the server against the fake provider (`SMS_MPS=200`, `WHATSAPP_MPS=80`) and for
//!    `--drain-seconds` counts the broadcast's sends at the provider (SMS rate against the cap, the
//!    most SMS in any one-second window, the WhatsApp rate) while a resident talks to the bot over
//!    SMS: signed Twilio webhooks (`MENU`), each waiting for its reply as a resident does, at most
//!    one every 100 ms; latency is from the webhook sent to its reply reaching the provider.

use super::webhook_load::{accepted, bench_config, start_server, REPLY_TIMEOUT};
use super::{fresh_db, per_second, Backend, BenchArgs, Percentiles};
use crate::broadcast;
use crate::channels::twilio;
use crate::message::Channel;
use crate::store::{Db, Target};
use crate::testing::fake_provider::{Delivered, FakeProvider};
use crate::testing::kelurahan::{self, Linked};
use anyhow::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const SMS_MPS: u32 = 200;
const WHATSAPP_MPS: u32 = 80;
const AUTH_TOKEN: &str = "gotong-bench-auth-token";
const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
const TWILIO_FROM: &str = "+15005550006";
const PUBLIC_URL: &str = "https://gotong.example.id";
/// The resident talking over SMS during the drain (not a recipient).
const TALKER: &str = "+6281999000001";
/// One message from the talker every this long.
const TALK_EVERY: Duration = Duration::from_millis(100);
const TEXT: &str = "Kerja bakti membersihkan saluran air hari Minggu pukul 07.00. Bawa cangkul.";

/// What one broadcast run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BroadcastFigures {
    pub backend: Backend,
    pub recipients: i64,
    pub whatsapp_planned: i64,
    pub sms_planned: i64,
    /// Creating the broadcast (one unit of work).
    pub created: Duration,
    /// Broadcast SMS at the provider during the drain, and from the first to the last of them.
    pub sms: u64,
    pub sms_span: Duration,
    /// The most broadcast SMS in any one-second window.
    pub sms_max_window: u64,
    /// Broadcast WhatsApp messages at the provider during the drain.
    pub whatsapp: u64,
    pub drain: Duration,
    /// Talker messages answered, and their latency.
    pub talked: u64,
    pub talker: Percentiles,
    /// Failed or unanswered talker webhooks, extra replies, requests the provider refused.
    pub errors: u64,
}

impl BroadcastFigures {
    /// Broadcast SMS per second, between the first and the last.
    pub fn sms_rate(&self) -> f64 {
        per_second(self.sms.saturating_sub(1) as f64, self.sms_span)
    }
}

/// The fake provider's view: the talker's reply awaited, and every broadcast send as it came.
#[derive(Default)]
struct Seen {
    awaited: Mutex<Option<oneshot::Sender<Instant>>>,
    /// Replies to the talker that nobody awaited.
    extra_replies: AtomicU64,
    sends: Mutex<Vec<(Instant, Channel)>>,
}

impl Seen {
    fn record(&self, d: Delivered) {
        if d.to != TALKER {
            if let Ok(mut sends) = self.sends.lock() {
                sends.push((d.at, d.channel));
            }
            return;
        }
        match self.awaited.lock().ok().and_then(|mut a| a.take()) {
            Some(tx) => {
                let _ = tx.send(d.at);
            }
            None => {
                self.extra_replies.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn await_reply(&self) -> oneshot::Receiver<Instant> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut a) = self.awaited.lock() {
            *a = Some(tx);
        }
        rx
    }
}

/// Links `recipients` persons and gives each a contact (see the module doc).
async fn seed_recipients(db: &Db, recipients: usize, now: i64) -> anyhow::Result<()> {
    let started = Instant::now();
    let households = kelurahan::households_for(recipients) + 200;
    let report = kelurahan::synthetic(db, households, now).await?;
    let phones: Vec<String> =
        kelurahan::link_phones(db, Linked::Everyone, recipients, "bench", now)
            .await?
            .into_iter()
            .map(|digits| format!("+{digits}"))
            .collect();
    let inside = now - 3_600_000;
    let outside = now - broadcast::WINDOW_MS - 3_600_000;
    // A third each: SMS, WhatsApp inside the 24-hour window, WhatsApp outside it.
    kelurahan::contacts(db, &phones, |i| match (i + 1) % 3 {
        0 => (Channel::Sms, outside),
        1 => (Channel::WhatsApp, inside),
        _ => (Channel::WhatsApp, outside),
    })
    .await?;
    tracing::info!(
        persons = report.persons,
        households = report.households,
        recipients,
        seconds = started.elapsed().as_secs_f64(),
        "bench: recipients seeded"
    );
    Ok(())
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<BroadcastFigures> {
    let test_db = fresh_db(backend).await?;
    let db = test_db.db.clone();
    let now = chrono::Utc::now().timestamp_millis();
    seed_recipients(&db, args.recipients, now).await?;

    let seen = Arc::new(Seen::default());
    let on_delivered = seen.clone();
    let provider =
        FakeProvider::start_reporting(Arc::new(move |d: Delivered| on_delivered.record(d)))
            .await
            .context("starting the fake provider")?;
    let config = bench_config(
        &test_db.url,
        &provider.api_base(),
        &[
            ("GOTONG_PUBLIC_URL", PUBLIC_URL.into()),
            ("WHATSAPP_BROADCAST_TEMPLATE", "pengumuman".into()),
            ("WHATSAPP_MPS", WHATSAPP_MPS.to_string()),
            ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
            ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
            ("TWILIO_FROM", TWILIO_FROM.into()),
            ("TWILIO_API_BASE", provider.base.clone()),
            ("SMS_MPS", SMS_MPS.to_string()),
        ],
    )?;

    let started = Instant::now();
    let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
    let created =
        broadcast::create(&mut tx, "bench", &Target::default(), TEXT, &config, now).await?;
    tx.commit().await?;
    let creation = started.elapsed();
    tracing::info!(%backend, plan = ?created.plan, ?creation, "bench: broadcast created");

    let (running, _, http) = start_server(config, &db, 1).await?;
    let url = format!("http://{}/webhooks/sms", running.addr);
    let drain = Duration::from_secs(args.drain_seconds);
    let drain_start = Instant::now();
    let (mut latency, talk_errors) = talk(&http, &url, &seen, drain_start + drain).await?;
    running.shutdown().await;
    let counts = db
        .broadcast_counts(crate::store::KelurahanId::DEFAULT, created.id)
        .await?
        .unwrap_or_default();
    tracing::info!(%backend, queued = counts.queued, sent = counts.sent, "bench: after the drain");
    let refused = provider.refused();
    provider.stop().await;
    test_db.drop_db().await;

    let sends = seen.sends.lock().map(|s| s.clone()).unwrap_or_default();
    let during = |channel: Channel| {
        let mut at: Vec<Instant> = sends
            .iter()
            .filter(|(at, c)| *c == channel && *at <= drain_start + drain)
            .map(|(at, _)| *at)
            .collect();
        at.sort_unstable();
        at
    };
    let sms = during(Channel::Sms);
    Ok(BroadcastFigures {
        backend,
        recipients: created.plan.recipients,
        whatsapp_planned: created.plan.whatsapp,
        sms_planned: created.plan.sms,
        created: creation,
        sms: sms.len() as u64,
        sms_span: match (sms.first(), sms.last()) {
            (Some(first), Some(last)) => *last - *first,
            _ => Duration::ZERO,
        },
        sms_max_window: max_in_one_second(&sms),
        whatsapp: during(Channel::WhatsApp).len() as u64,
        drain,
        talked: latency.len() as u64,
        talker: Percentiles::of(&mut latency),
        errors: talk_errors + seen.extra_replies.load(Ordering::Relaxed) + refused,
    })
}

/// The talker: `MENU` over SMS until `until`, each waiting for its reply (as a resident does),
/// at most one every [`TALK_EVERY`]. Answers the latencies and the failures (webhooks refused,
/// replies missing).
async fn talk(
    http: &reqwest::Client,
    url: &str,
    seen: &Seen,
    until: Instant,
) -> anyhow::Result<(Vec<Duration>, u64)> {
    let signed_url = format!("{PUBLIC_URL}/webhooks/sms");
    let (mut latency, mut errors) = (Vec::new(), 0u64);
    let mut i = 0u64;
    while Instant::now() < until {
        let sid = format!("SMbench{i:026}");
        i += 1;
        let form = serde_urlencoded::to_string([
            ("MessageSid", sid.as_str()),
            ("SmsSid", sid.as_str()),
            ("AccountSid", ACCOUNT_SID),
            ("From", TALKER),
            ("To", TWILIO_FROM),
            ("Body", "MENU"),
            ("NumMedia", "0"),
        ])?;
        let params = twilio::inbound::form_params(form.as_bytes())
            .map_err(|e| anyhow::anyhow!("the talker's form: {e}"))?;
        let signature = twilio::signature::sign(AUTH_TOKEN, &signed_url, &params);
        let reply = seen.await_reply();
        let sent = Instant::now();
        let ok = accepted(
            http.post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header(twilio::signature::HEADER, signature)
                .body(form),
        )
        .await;
        match tokio::time::timeout(REPLY_TIMEOUT, reply).await {
            Ok(Ok(at)) if ok => latency.push(at.saturating_duration_since(sent)),
            _ => errors += 1,
        }
        tokio::time::sleep_until((sent + TALK_EVERY).into()).await;
    }
    Ok((latency, errors))
}

/// The most instants (sorted) within any one second.
fn max_in_one_second(sorted: &[Instant]) -> u64 {
    let mut most = 0;
    let mut from = 0;
    for (to, at) in sorted.iter().enumerate() {
        while *at - sorted[from] >= Duration::from_secs(1) {
            from += 1;
        }
        most = most.max(to - from + 1);
    }
    most as u64
}

/// The figures as a Markdown table.
pub fn table(rows: &[BroadcastFigures]) -> String {
    let mut out = String::from(
        "| backend | recipients (WhatsApp / SMS) | creation | SMS sent | SMS/s (cap) | most in 1 s | WhatsApp/s (cap) | talker msgs | talker p50 | p99 | max | errors |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows {
        let rate = f.sms_rate();
        out.push_str(&format!(
            "| {} | {} ({} / {}) | {:.2} s | {} | {:.1} ({SMS_MPS}, {:+.1}%) | {} | {:.1} ({WHATSAPP_MPS}) | {} | {} | {} |\n",
            f.backend,
            f.recipients,
            f.whatsapp_planned,
            f.sms_planned,
            f.created.as_secs_f64(),
            f.sms,
            rate,
            (rate / f64::from(SMS_MPS) - 1.0) * 100.0,
            f.sms_max_window,
            per_second(f.whatsapp as f64, f.drain),
            f.talked,
            f.talker.cells(),
            f.errors
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_in_one_second_slides() {
        let t = Instant::now();
        let at: Vec<Instant> = [0, 100, 900, 999, 1_000, 1_500, 1_950, 1_990]
            .iter()
            .map(|ms| t + Duration::from_millis(*ms))
            .collect();
        // 999, 1000, 1500, 1950, 1990; 0 … 999 and 900 … 1500 are only 4.
        assert_eq!(max_in_one_second(&at), 5);
        assert_eq!(max_in_one_second(&[]), 0);
    }
}
