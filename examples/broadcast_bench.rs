//! Broadcast benchmark (not a test): `cargo run --release --example broadcast_bench [-- RECIPIENTS]`.
//!
//! On a fresh SQLite database in a temporary directory:
//! 1. seeds about 100,000 linked recipients: the synthetic kelurahan through the registry import,
//!    then links and contacts with two set-based statements (a third SMS, a third WhatsApp inside
//!    the 24-hour window, a third outside it: the template);
//! 2. times the creation of a broadcast to all of them (checks, one `INSERT … SELECT` per kind of
//!    message, audit) — the target is under 5 s;
//! 3. starts the server against a local fake provider (SMS_MPS=200, WHATSAPP_MPS=80) and for 10 s
//!    measures the SMS send rate (within 5% of the cap, never above it in any one-second window)
//!    while a resident talks to the bot over SMS, one signed Twilio webhook every 100 ms: the
//!    latency from the webhook to the reply reaching the provider, p50 / p99 / max.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use gotong::app::App;
use gotong::broadcast;
use gotong::channels::twilio;
use gotong::config::Config;
use gotong::engine::Engine;
use gotong::registry::{import_registry, synthetic_registry_csv, ImportOptions};
use gotong::server::{self, ServeOptions};
use gotong::store::Target;
use gotong::testing::TestDb;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SMS_MPS: u32 = 200;
const WHATSAPP_MPS: u32 = 80;
const DRAIN: Duration = Duration::from_secs(10);
const AUTH_TOKEN: &str = "bench-auth-token";
const PUBLIC_URL: &str = "https://gotong.example.id";
const TALKER: &str = "+6281999000001";

/// What the fake provider received: (when, channel is SMS, recipient).
#[derive(Default)]
struct Fake {
    requests: Mutex<Vec<(Instant, bool, String)>>,
    ids: AtomicU64,
}

async fn fake_send(State(fake): State<Arc<Fake>>, uri: Uri, body: Bytes) -> impl IntoResponse {
    let at = Instant::now();
    let n = fake.ids.fetch_add(1, Ordering::Relaxed);
    let sms = uri.path().ends_with("/Messages.json");
    let to = if sms {
        serde_urlencoded::from_bytes::<HashMap<String, String>>(&body)
            .ok()
            .and_then(|f| f.get("To").cloned())
            .unwrap_or_default()
    } else {
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["to"].as_str().map(|s| format!("+{s}")))
            .unwrap_or_default()
    };
    fake.requests.lock().expect("lock").push((at, sms, to));
    if sms {
        (
            StatusCode::CREATED,
            format!(r#"{{"sid":"SM{n:032}","status":"queued"}}"#),
        )
    } else {
        (
            StatusCode::OK,
            format!(r#"{{"messages":[{{"id":"wamid.{n}"}}]}}"#),
        )
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let recipients: i64 = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 100_000,
    };
    let t = TestDb::sqlite().await;
    let db = t.db.clone();

    // 1. Seed.
    let start = Instant::now();
    let households = (recipients as f64 / 3.7).ceil() as usize + 200;
    let csv = synthetic_registry_csv(households, 1);
    let opts = ImportOptions {
        dry_run: false,
        actor: "bench".into(),
        subject: None,
        now_ms: 1_767_225_600_000,
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    };
    let report = import_registry(&db, csv.as_bytes(), &opts, &|_| {}).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let window = now - broadcast::WINDOW_MS;
    db.execute_admin(&format!(
        "INSERT INTO links (phone, nik, pin_hash, linked_at)
         SELECT '+62' || nik, nik, 'bench', {now} FROM persons ORDER BY nik LIMIT {recipients}"
    ))
    .await?;
    db.execute_admin(&format!(
        "INSERT INTO contacts (phone, channel, last_inbound_at)
         SELECT phone, CASE WHEN rowid % 3 = 0 THEN 'sms' ELSE 'whatsapp' END,
                CASE WHEN rowid % 3 = 1 THEN {now} - 3600000 ELSE {window} - 3600000 END
         FROM links"
    ))
    .await?;
    println!(
        "seeded {} persons in {} households, {recipients} linked recipients in {:.2?}",
        report.persons,
        report.households,
        start.elapsed()
    );

    // 2. Create.
    let fake = Arc::new(Fake::default());
    let router = axum::Router::new()
        .fallback(fake_send)
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let fake_base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let env: HashMap<&str, String> = [
        ("DATABASE_URL", t.url.clone()),
        ("GOTONG_PUBLIC_URL", PUBLIC_URL.into()),
        ("GOTONG_SECRET_KEY", "00".repeat(32)),
        ("WHATSAPP_APP_SECRET", "bench".into()),
        ("WHATSAPP_ACCESS_TOKEN", "bench".into()),
        ("WHATSAPP_PHONE_NUMBER_ID", "1065".into()),
        ("WHATSAPP_API_BASE", format!("{fake_base}/v21.0")),
        ("WHATSAPP_BROADCAST_TEMPLATE", "pengumuman".into()),
        ("WHATSAPP_MPS", WHATSAPP_MPS.to_string()),
        (
            "TWILIO_ACCOUNT_SID",
            "AC00000000000000000000000000000000".into(),
        ),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
        ("TWILIO_FROM", "+15005550006".into()),
        ("TWILIO_API_BASE", fake_base.clone()),
        ("SMS_MPS", SMS_MPS.to_string()),
    ]
    .into_iter()
    .collect();
    let config = Config::from_lookup(|k| env.get(k).cloned())?;
    let text = "Kerja bakti membersihkan saluran air hari Minggu pukul 07.00. Bawa cangkul.";
    let start = Instant::now();
    let mut tx = db.begin().await?;
    let created =
        broadcast::create(&mut tx, "bench", &Target::default(), text, &config, now).await?;
    tx.commit().await?;
    let took = start.elapsed();
    println!(
        "sqlite: broadcast to {} recipients ({} WhatsApp, {} SMS) created in {:.2?} (target < 5 s)",
        created.plan.recipients, created.plan.whatsapp, created.plan.sms, took
    );

    // 3. Drain at the cap while a resident talks to the bot.
    let engine = Arc::new(
        Engine::load_default(Arc::new(config.clone()))
            .map_err(|e| anyhow::anyhow!("flows: {e:?}"))?,
    );
    let app = App::new(config, db.clone(), engine);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = server::start(app, listener, ServeOptions::default()).await?;
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let drain_start = Instant::now();
    let mut sent_at: Vec<Instant> = Vec::new();
    let mut i = 0;
    while drain_start.elapsed() < DRAIN {
        let form = serde_urlencoded::to_string([
            ("MessageSid", format!("SMbench{i:026}")),
            ("SmsSid", format!("SMbench{i:026}")),
            ("AccountSid", "AC00000000000000000000000000000000".into()),
            ("From", TALKER.into()),
            ("To", "+15005550006".into()),
            ("Body", "MENU".into()),
            ("NumMedia", "0".into()),
        ])?;
        let params = twilio::inbound::form_params(form.as_bytes())
            .map_err(|e| anyhow::anyhow!("form: {e}"))?;
        let signature =
            twilio::signature::sign(AUTH_TOKEN, &format!("{PUBLIC_URL}/webhooks/sms"), &params);
        let at = Instant::now();
        let r = http
            .post(format!("{base}/webhooks/sms"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(form)
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "webhook answered {}", r.status());
        sent_at.push(at);
        i += 1;
        tokio::time::sleep_until((at + Duration::from_millis(100)).into()).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.shutdown().await;

    let requests = fake.requests.lock().expect("lock").clone();
    let sms: Vec<Instant> = requests
        .iter()
        .filter(|(at, sms, to)| *sms && to != TALKER && *at <= drain_start + DRAIN)
        .map(|(at, _, _)| *at)
        .collect();
    let whatsapp = requests
        .iter()
        .filter(|(at, sms, _)| !*sms && *at <= drain_start + DRAIN)
        .count();
    let (first, last) = (sms.first().copied(), sms.last().copied());
    if let (Some(first), Some(last)) = (first, last) {
        let span = (last - first).as_secs_f64();
        let rate = (sms.len() - 1) as f64 / span;
        let mut max_window = 0;
        let mut j = 0;
        for k in 0..sms.len() {
            while sms[k] - sms[j] >= Duration::from_secs(1) {
                j += 1;
            }
            max_window = max_window.max(k - j + 1);
        }
        println!(
            "sms drain: {} broadcast SMS in {span:.2} s = {rate:.1}/s at SMS_MPS={SMS_MPS} \
             ({:+.1}% of the cap); most in any 1 s window: {max_window}; \
             WhatsApp alongside: {whatsapp} at WHATSAPP_MPS={WHATSAPP_MPS}",
            sms.len(),
            (rate / f64::from(SMS_MPS) - 1.0) * 100.0
        );
    }
    let replies: Vec<Instant> = requests
        .iter()
        .filter(|(_, sms, to)| *sms && to == TALKER)
        .map(|(at, _, _)| *at)
        .collect();
    let mut latencies: Vec<Duration> = sent_at
        .iter()
        .filter_map(|s| replies.iter().find(|r| *r >= s).map(|r| *r - *s))
        .collect();
    latencies.sort();
    println!(
        "conversation on SMS during the drain: {} messages, {} replies; reply latency p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        sent_at.len(),
        replies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default()
    );
    let counts = db.broadcast_counts(created.id).await?.unwrap_or_default();
    println!(
        "broadcast {}: {} queued, {} sent after {:.0?}",
        created.id, counts.queued, counts.sent, DRAIN
    );
    t.drop_db().await;
    Ok(())
}
