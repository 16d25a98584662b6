//! Scenario 1: inbound webhook → conversation step → reply.
//!
//! The real server ([`crate::server::start`]) runs on `127.0.0.1:0` with the real [`Engine`] and
//! WhatsApp configured against the [`FakeProvider`]. Each sender is one phone: it posts a signed
//! WhatsApp text webhook over HTTP (keep-alive), waits until the provider receives the reply for
//! its phone, then sends the next message. With `--channel android-sms` the phones write SMS
//! through SMS Gateway for Android instead: signed `sms:received` events on
//! `/webhooks/android-sms`, the replies sent through the fake gateway's send API from the gateway
//! phone each resident wrote to (per-SIM caps and `SMS_MPS` set high enough not to bound the run). The inputs cycle through cheap conversation steps
//! (menu, a choice, cancel, the language question and its answer), each answered by exactly one
//! message, so a missing or extra reply is an error.

use super::{fresh_db, Backend, BenchArgs, BenchChannel, Figures, Percentiles};
use crate::app::App;
use crate::channels::android;
use crate::channels::whatsapp::signature;
use crate::config::Config;
use crate::engine::Engine;
use crate::server::{self, ServeOptions};
use crate::testing::fake_provider::{Delivered, FakeProvider};
use anyhow::Context;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub(super) const APP_SECRET: &str = "gotong-bench-app-secret";
const PHONE_NUMBER_ID: &str = "106540352242922";

/// The WhatsApp `phone_number_id` of bench number `i` (0 is the default kelurahan's, the one
/// [`bench_config`] configures; the others belong to kelurahan added by [`add_numbers`]).
pub(super) fn phone_number_id(i: usize) -> String {
    if i == 0 {
        PHONE_NUMBER_ID.to_string()
    } else {
        format!("2065403522{i:05}")
    }
}

/// The signing key of the bench's gateway phones.
const ANDROID_SIGNING_KEY: &str = "gotong-bench-signing-key";

/// The gateway phone (its device id) of bench number `i`: phone 0 belongs to the default
/// kelurahan (an unregistered gateway phone does), the others to kelurahan added by
/// [`add_numbers`].
fn android_device(i: usize) -> String {
    format!("bench-gateway-{i}")
}

impl BenchChannel {
    /// Bench number `i` as a reply's [`Delivered::from`] names it: the WhatsApp
    /// `phone_number_id`, or the gateway phone's device id.
    pub(super) fn number(self, i: usize) -> String {
        match self {
            BenchChannel::Whatsapp => phone_number_id(i),
            BenchChannel::AndroidSms => android_device(i),
        }
    }

    fn webhook_path(self) -> &'static str {
        match self {
            BenchChannel::Whatsapp => "/webhooks/whatsapp",
            BenchChannel::AndroidSms => "/webhooks/android-sms",
        }
    }

    /// The settings that send this channel's replies to `provider` (none for WhatsApp, which
    /// [`bench_config`] always configures).
    fn settings(self, provider: &FakeProvider) -> Vec<(&'static str, String)> {
        match self {
            BenchChannel::Whatsapp => Vec::new(),
            BenchChannel::AndroidSms => vec![
                ("SMS_PROVIDER", "android".to_string()),
                (
                    "ANDROID_SMS_API_URL",
                    format!("{}/3rdparty/v1", provider.base),
                ),
                ("ANDROID_SMS_USERNAME", "sms".to_string()),
                ("ANDROID_SMS_PASSWORD", "gotong-bench-password".to_string()),
                ("ANDROID_SMS_SIGNING_KEY", ANDROID_SIGNING_KEY.to_string()),
                ("ANDROID_SMS_PER_SIM_PER_MINUTE", "100000000".to_string()),
                ("ANDROID_SMS_PER_SIM_PER_DAY", "1000000000".to_string()),
                ("SMS_MPS", "100000".to_string()),
            ],
        }
    }

    /// [`start_server`] on `db` with this channel's replies sent to `provider`; the URL is this
    /// channel's webhook.
    pub(super) async fn start_server(
        self,
        db: &crate::testing::TestDb,
        provider: &FakeProvider,
        senders: usize,
    ) -> anyhow::Result<(server::Running, String, reqwest::Client)> {
        let config = bench_config(&db.url, &provider.api_base(), &self.settings(provider))?;
        let (running, _, http) = start_server(config, &db.db, senders).await?;
        let url = self.webhook_url(&running.addr);
        Ok((running, url, http))
    }

    /// The URL of this channel's webhook on the server listening on `addr`.
    pub(super) fn webhook_url(self, addr: &std::net::SocketAddr) -> String {
        format!("http://{addr}{}", self.webhook_path())
    }

    /// Signs and posts one text from `phone` (digits, no '+') to bench number `number`, sent
    /// now; `id` is unique per message; true when it was accepted.
    pub(super) async fn post_text(
        self,
        http: &reqwest::Client,
        url: &str,
        number: &str,
        phone: &str,
        id: &str,
        text: &str,
    ) -> bool {
        let timestamp = unix_now();
        match self {
            BenchChannel::Whatsapp => {
                let body = text_payload_to(number, phone, &format!("wamid.{id}"), text, timestamp);
                post_whatsapp(http, url, body).await
            }
            BenchChannel::AndroidSms => {
                let body = android_received(number, phone, id, text, timestamp);
                post_android(http, url, body).await
            }
        }
    }
}

/// Adds kelurahan 2..=`count`, each with its own number on `channel` ([`BenchChannel::number`]).
pub(super) async fn add_numbers(
    db: &crate::store::Db,
    count: usize,
    channel: BenchChannel,
) -> anyhow::Result<()> {
    for i in 1..count {
        let number = match channel {
            BenchChannel::Whatsapp => (crate::message::Channel::WhatsApp, phone_number_id(i)),
            BenchChannel::AndroidSms => (
                crate::message::Channel::Sms,
                android::device_number(&android_device(i)),
            ),
        };
        db.create_kelurahan(
            &format!("357701{:04}", i + 1),
            &format!("Kelurahan {}", i + 1),
            &[number],
            0,
        )
        .await?;
    }
    Ok(())
}
/// A reply slower than this counts as lost (and ends that sender).
pub(super) const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// One conversation loop, one reply per input: the menu (a list), its first row (the NIK
/// question), cancel, the language question (buttons) and an answer (EN, then ID next round).
pub(super) const INPUTS: [&str; 10] = [
    "MENU", "1", "BATAL", "BAHASA", "2", "MENU", "1", "BATAL", "BAHASA", "1",
];

/// What every sender shares.
struct Shared {
    http: reqwest::Client,
    url: String,
    channel: BenchChannel,
    run_id: u32,
    /// Tickets handed out: one per message sent, warm-up first.
    tickets: AtomicU64,
    warmup: u64,
    /// Stop after this many measured messages (message-count mode).
    messages: Option<u64>,
    /// Stop after this long measuring (duration mode).
    seconds: Option<Duration>,
    /// When the first measured message was sent.
    measuring_since: OnceLock<Instant>,
}

impl Shared {
    /// Takes the next ticket: `None` when the run is over, else whether it is measured.
    fn next(&self) -> Option<bool> {
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        if ticket < self.warmup {
            return Some(false);
        }
        let since = *self.measuring_since.get_or_init(Instant::now);
        let over = match (self.seconds, self.messages) {
            (Some(d), _) => since.elapsed() >= d,
            (None, Some(n)) => ticket >= self.warmup + n,
            (None, None) => true,
        };
        (!over).then_some(true)
    }
}

/// What one sender saw.
#[derive(Default)]
struct SenderStats {
    measured: u64,
    last_reply: Option<Instant>,
    latency: Vec<Duration>,
    webhook: Vec<Duration>,
    errors: u64,
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<Figures> {
    let test_db = fresh_db(backend).await?;
    let db = test_db.db.clone();

    // One reply channel per phone, keyed as the provider sees the recipient (digits, no '+').
    let phones: Vec<String> = (0..args.senders)
        .map(|i| format!("628{:09}", 100_000_000 + i))
        .collect();
    // Phone i writes to number i % --numbers: its reply must come from that number.
    let numbers = args.numbers.max(1);
    let channel = args.channel;
    add_numbers(&db, numbers, channel).await?;
    let mut routes = HashMap::new();
    let mut inboxes = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel::<Instant>();
        routes.insert(phone.clone(), (tx, channel.number(i % numbers)));
        inboxes.push(rx);
    }
    let stray = Arc::new(AtomicU64::new(0));
    let stray_count = stray.clone();
    let provider = FakeProvider::start_reporting(Arc::new(move |d: Delivered| {
        match routes.get(d.to.trim_start_matches('+')) {
            Some((tx, from)) if *from == d.from && tx.send(d.at).is_ok() => {}
            _ => {
                stray_count.fetch_add(1, Ordering::Relaxed);
            }
        }
    }))
    .await
    .context("starting the fake provider")?;

    let (running, url, http) = channel
        .start_server(&test_db, &provider, args.senders)
        .await?;
    let shared = Arc::new(Shared {
        http,
        url,
        channel,
        run_id: rand::random(),
        tickets: AtomicU64::new(0),
        warmup: args.warmup,
        messages: Some(args.messages),
        seconds: args.seconds.map(Duration::from_secs),
        measuring_since: OnceLock::new(),
    });
    tracing::info!(
        %backend,
        ?channel,
        senders = args.senders,
        warmup = args.warmup,
        messages = args.messages,
        seconds = ?args.seconds,
        "bench: webhook → step → reply"
    );
    let tasks: Vec<_> = phones
        .into_iter()
        .zip(inboxes)
        .enumerate()
        .map(|(i, (phone, inbox))| {
            tokio::spawn(sender(
                shared.clone(),
                i,
                phone,
                channel.number(i % numbers),
                inbox,
            ))
        })
        .collect();
    let mut stats = SenderStats::default();
    for task in tasks {
        let s = task.await.context("a sender panicked")?;
        stats.measured += s.measured;
        stats.errors += s.errors;
        stats.last_reply = stats.last_reply.max(s.last_reply);
        stats.latency.extend(s.latency);
        stats.webhook.extend(s.webhook);
    }

    running.shutdown().await;
    let outbox = db.outbox_stats(None).await?;
    let inbound = db.inbound_count(None).await?;
    let accepted = provider.accepted_count();
    let refused = provider.refused();
    provider.stop().await;
    test_db.drop_db().await;
    let stray = stray.load(Ordering::Relaxed);
    tracing::info!(
        %backend,
        inbound,
        accepted,
        outbox_sent = outbox.sent,
        outbox_waiting = outbox.depth,
        "bench: done"
    );
    if stray + refused > 0 || outbox.depth > 0 {
        tracing::warn!(
            stray,
            refused,
            waiting = outbox.depth,
            "bench: replies to nobody, refused requests or replies left unsent"
        );
    }

    let elapsed = match (shared.measuring_since.get(), stats.last_reply) {
        (Some(since), Some(last)) => last.saturating_duration_since(*since),
        _ => Duration::ZERO,
    };
    Ok(Figures {
        backend,
        messages: stats.measured,
        elapsed,
        latency: Percentiles::of(&mut stats.latency),
        webhook: Percentiles::of(&mut stats.webhook),
        errors: stats.errors + stray + refused + outbox.depth.max(0) as u64,
    })
}

/// The real server (engine, dispatcher, outbox, production options but the daily jobs) on
/// 127.0.0.1:0 against `db`, its WhatsApp webhook URL, and a keep-alive client for `senders`
/// concurrent senders.
pub(super) async fn start_server(
    config: Config,
    db: &crate::store::Db,
    senders: usize,
) -> anyhow::Result<(server::Running, String, reqwest::Client)> {
    let engine = Engine::load_default(Arc::new(config.clone())).map_err(|problems| {
        anyhow::anyhow!("flows or locales are broken:\n{}", problems.join("\n"))
    })?;
    let app = App::new(config, db.clone(), engine.texts().clone(), Arc::new(engine));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding 127.0.0.1:0")?;
    // Without the daily jobs: a server started after the stimulus hour credits the day at once
    // (production catches up so), and with 100,000 linked residents that run (and its credit
    // notices) would share the database with what a scenario measures. The stimulus scenario
    // measures it on its own.
    let options = ServeOptions {
        daily_jobs: false,
        ..ServeOptions::default()
    };
    let running = server::start(app, listener, options).await?;
    let url = BenchChannel::Whatsapp.webhook_url(&running.addr);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(senders)
        .tcp_nodelay(true)
        .timeout(REPLY_TIMEOUT)
        .build()
        .context("building the HTTP client")?;
    Ok((running, url, http))
}

/// WhatsApp on the fake provider, a cap high enough not to bound the run, then `extra` settings
/// (which win).
pub(super) fn bench_config(
    database_url: &str,
    api_base: &str,
    extra: &[(&'static str, String)],
) -> anyhow::Result<Config> {
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.to_string()),
        ("GOTONG_SECRET_KEY", "00".repeat(32)),
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_string()),
        ("WHATSAPP_VERIFY_TOKEN", "gotong-bench-verify".to_string()),
        ("WHATSAPP_ACCESS_TOKEN", "gotong-bench-token".to_string()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID.to_string()),
        ("WHATSAPP_API_BASE", api_base.to_string()),
        ("WHATSAPP_MPS", "100000".to_string()),
    ]);
    env.extend(extra.iter().cloned());
    Config::from_lookup(|k| env.get(k).cloned()).context("bench configuration")
}

/// Signs and posts a WhatsApp webhook; true when it was accepted (see [`accepted`]).
pub(super) async fn post_whatsapp(http: &reqwest::Client, url: &str, body: Vec<u8>) -> bool {
    let sig = signature::sign(APP_SECRET, &body);
    accepted(
        http.post(url)
            .header("content-type", "application/json")
            .header(signature::HEADER, sig)
            .body(body),
    )
    .await
}

/// Signs and posts a gateway event as the phone does (`X-Signature` over the body and
/// `X-Timestamp`, now); true when it was accepted (see [`accepted`]).
pub(super) async fn post_android(http: &reqwest::Client, url: &str, body: Vec<u8>) -> bool {
    let timestamp = unix_now().to_string();
    let sig = android::signature::sign(ANDROID_SIGNING_KEY, &body, &timestamp);
    accepted(
        http.post(url)
            .header("content-type", "application/json")
            .header(android::signature::TIMESTAMP_HEADER, timestamp)
            .header(android::signature::SIGNATURE_HEADER, sig)
            .body(body),
    )
    .await
}

/// Now in Unix seconds.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A gateway `sms:received` event (`webhook-fixtures/android-sms/received.json`): `text` from
/// `phone` (digits) to SIM 1 of `device`, event id `id`. Its `messageId`, like the app's, is
/// derived from the content, so residents sending the same text share it.
pub(super) fn android_received(
    device: &str,
    phone: &str,
    id: &str,
    text: &str,
    timestamp: u64,
) -> Vec<u8> {
    let received_at = chrono::DateTime::from_timestamp(timestamp as i64, 0)
        .unwrap_or_default()
        .to_rfc3339();
    serde_json::json!({
        "deviceId": device,
        "event": "sms:received",
        "id": id,
        "payload": {
            "messageId": hex::encode(text.as_bytes()),
            "message": text,
            "phoneNumber": format!("+{phone}"),
            "simNumber": 1,
            "receivedAt": received_at
        },
        "webhookId": "bench-received"
    })
    .to_string()
    .into_bytes()
}

/// Sends a webhook; true when it was answered 2xx. Its (tiny) body is read so the connection goes
/// back to the pool; a refusal or a failure is logged.
pub(super) async fn accepted(request: reqwest::RequestBuilder) -> bool {
    match request.send().await {
        Ok(r) if r.status().is_success() => {
            let _ = r.bytes().await;
            true
        }
        Ok(r) => {
            tracing::warn!(status = %r.status(), "bench: webhook refused");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, "bench: webhook failed");
            false
        }
    }
}

/// A WhatsApp Cloud API webhook carrying one text message (`webhook-fixtures/whatsapp/text.json`).
pub(super) fn text_payload(phone: &str, wamid: &str, text: &str, timestamp: u64) -> Vec<u8> {
    text_payload_to(PHONE_NUMBER_ID, phone, wamid, text, timestamp)
}

/// [`text_payload`] sent to the business number `phone_number_id`.
pub(super) fn text_payload_to(
    phone_number_id: &str,
    phone: &str,
    wamid: &str,
    text: &str,
    timestamp: u64,
) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": "6282100000000",
                        "phone_number_id": phone_number_id
                    },
                    "contacts": [{ "profile": { "name": "Warga Bench" }, "wa_id": phone }],
                    "messages": [{
                        "from": phone,
                        "id": wamid,
                        "timestamp": timestamp.to_string(),
                        "type": "text",
                        "text": { "body": text }
                    }]
                },
                "field": "messages"
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

async fn sender(
    shared: Arc<Shared>,
    index: usize,
    phone: String,
    number: String,
    mut replies: mpsc::UnboundedReceiver<Instant>,
) -> SenderStats {
    let mut stats = SenderStats::default();
    let mut n: u64 = 0;
    while let Some(measured) = shared.next() {
        let id = format!("bench.{}.{index}.{n}", shared.run_id);
        let text = INPUTS[(n % INPUTS.len() as u64) as usize];
        n += 1;
        // A reply that came after the previous one was counted is one too many.
        while replies.try_recv().is_ok() {
            stats.errors += 1;
        }
        let sent = Instant::now();
        let posted = shared
            .channel
            .post_text(&shared.http, &shared.url, &number, &phone, &id, text)
            .await;
        if !posted {
            stats.errors += 1;
            continue;
        }
        let acked = Instant::now();
        match tokio::time::timeout(REPLY_TIMEOUT, replies.recv()).await {
            Ok(Some(at)) => {
                if measured {
                    stats.measured += 1;
                    stats.latency.push(at.saturating_duration_since(sent));
                    stats.webhook.push(acked - sent);
                    stats.last_reply = stats.last_reply.max(Some(at));
                }
            }
            Ok(None) | Err(_) => {
                tracing::warn!(
                    sender = index,
                    "bench: no reply within {REPLY_TIMEOUT:?}: this sender stops"
                );
                stats.errors += 1;
                break;
            }
        }
    }
    stats
}
