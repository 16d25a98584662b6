//! Replies leaving through the outbox to a fake provider over real HTTP on 127.0.0.1: request
//! shapes, retries, permanent failures, the rate cap, per-phone order, and recovery after a crash.
//! Each test runs on SQLite and PostgreSQL.

mod common;

use async_trait::async_trait;
use base64::Engine;
use common::*;
use gotong::channels::{SendError, Sender};
use gotong::clock::SystemClock;
use gotong::message::{Body, Channel, Inbound, Outbound, Priority};
use gotong::outbox::Status as OutboxStatus;
use gotong::outbox::{OutboxWake, OutboxWorker};
use gotong::shutdown::stop_signal;
use gotong::store::Db;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

async fn queue(db: &Db, channel: Channel, messages: &[(&str, &str)]) {
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    for (phone, text) in messages {
        tx.enqueue(
            &Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel,
                phone: phone.to_string(),
                body: Body::text(*text),
                priority: Priority::Reply,
            },
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn whatsapp_reply_is_one_graph_api_request(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let r = server.whatsapp(&fixture("whatsapp/text.json")).await;
    assert_eq!(r.status(), 200);
    eventually("the reply", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 1
    })
    .await;
    let requests = server.provider.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.path, format!("/v21.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(
        req.authorization.as_deref(),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        req.json(),
        serde_json::json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "6281234567001",
            "type": "text",
            "text": { "preview_url": false, "body": "echo: SALDO" }
        })
    );
    let row = &server.db.outbox_records("+6281234567001").await.unwrap()[0];
    assert_eq!(row.status, OutboxStatus::Sent);
    assert_eq!(row.provider_id, req.provider_id);
    server.shutdown().await;
}

async fn sms_reply_is_one_twilio_request_and_its_status_comes_back(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let r = server
        .twilio("/webhooks/sms", &fixture("twilio/inbound_sms.form"))
        .await;
    assert_eq!(r.status(), 200);
    eventually("the reply", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 1
    })
    .await;
    let requests = server.provider.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(
        req.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    assert_eq!(
        req.authorization.as_deref(),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        req.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let form = req.form();
    assert_eq!(form["To"], "+6281234567101");
    assert_eq!(form["From"], TWILIO_FROM);
    assert_eq!(form["Body"], "echo: Bayar W001 Rp25.000");
    assert_eq!(
        form["StatusCallback"],
        format!("{PUBLIC_URL}/webhooks/sms/status")
    );
    assert_eq!(form.len(), 4);

    // Twilio then reports delivery for the SID it gave.
    let sid = req.provider_id.clone().unwrap();
    let callback = serde_urlencoded::to_string([
        ("SmsSid", sid.as_str()),
        ("SmsStatus", "delivered"),
        ("MessageStatus", "delivered"),
        ("To", "+6281234567101"),
        ("MessageSid", sid.as_str()),
        ("AccountSid", ACCOUNT_SID),
        ("From", TWILIO_FROM),
        ("ApiVersion", "2010-04-01"),
    ])
    .unwrap();
    let r = server
        .twilio("/webhooks/sms/status", callback.as_bytes())
        .await;
    assert_eq!(r.status(), 200);
    let row = &server.db.outbox_records("+6281234567101").await.unwrap()[0];
    assert_eq!(row.status, OutboxStatus::Delivered);
    server.shutdown().await;
}

async fn provider_down_then_up_delivers_exactly_once(db: &Db) {
    let provider = FakeProvider::start().await;
    provider.script([
        Answer::Status(
            500,
            r#"{"error":{"message":"Service unavailable","code":2}}"#,
        ),
        Answer::Status(503, ""),
        Answer::Status(
            429,
            r#"{"error":{"message":"Too many calls","code":80007}}"#,
        ),
        Answer::Hang(Duration::from_secs(2)), // longer than the 500 ms send timeout
    ]);
    let server = TestServer::start_with(db, Setup::default(), provider).await;
    server.whatsapp(&fixture("whatsapp/text.json")).await;
    eventually("the reply, after the outage", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = server.provider.requests();
    assert_eq!(requests.len(), 5, "{requests:#?}");
    assert_eq!(server.provider.accepted().len(), 1);
    assert!(requests.iter().all(|r| r.text() == "echo: SALDO"));
    let row = &server.db.outbox_records("+6281234567001").await.unwrap()[0];
    assert_eq!((row.status, row.attempts), (OutboxStatus::Sent, 5));
    assert_eq!(row.provider_id, server.provider.accepted()[0].provider_id);
    server.shutdown().await;
}

async fn refused_message_is_failed_with_the_error_and_not_retried(db: &Db) {
    let provider = FakeProvider::start().await;
    provider.script([Answer::Status(
        400,
        r#"{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,"fbtrace_id":"AbC"}}"#,
    )]);
    let server = TestServer::start_with(db, Setup::default(), provider).await;
    server.whatsapp(&fixture("whatsapp/text.json")).await;
    eventually("the failure", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().failed == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await; // several backoffs long
    assert_eq!(server.provider.requests().len(), 1);
    let row = &server.db.outbox_records("+6281234567001").await.unwrap()[0];
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(row.attempts, 1);
    assert_eq!(
        row.error.as_deref(),
        Some("131030: (#131030) Recipient phone number not in allowed list")
    );
    server.shutdown().await;
}

async fn a_send_failing_every_time_is_given_up(db: &Db) {
    let provider = FakeProvider::start().await;
    provider.script((0..20).map(|_| Answer::Status(500, "")));
    let server = TestServer::start_with(db, Setup::default(), provider).await;
    server
        .twilio("/webhooks/sms", &fixture("twilio/inbound_sms.form"))
        .await;
    eventually("giving up", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().failed == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Setup: at most 5 attempts.
    assert_eq!(server.provider.requests().len(), 5);
    let row = &server.db.outbox_records("+6281234567101").await.unwrap()[0];
    assert_eq!(row.attempts, 5);
    assert!(
        row.error
            .as_deref()
            .is_some_and(|e| e.starts_with("gave up after 5 attempts: HTTP 500")),
        "{row:?}"
    );
    server.shutdown().await;
}

async fn the_rate_cap_is_never_exceeded(db: &Db) {
    let phones: Vec<String> = (0..10).map(|i| format!("+62812000001{i:02}")).collect();
    let rows: Vec<(&str, &str)> = phones.iter().map(|p| (p.as_str(), "pengumuman")).collect();
    queue(db, Channel::WhatsApp, &rows).await;
    let setup = Setup {
        whatsapp_mps: 5,
        ..Setup::default()
    };
    let server = TestServer::start(db, setup).await;
    eventually("all ten sent", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 10
    })
    .await;
    let times: Vec<Instant> = server.provider.requests().iter().map(|r| r.at).collect();
    assert_eq!(times.len(), 10);
    let span = times[9] - times[0];
    assert!(
        span >= Duration::from_millis(1700),
        "10 sends at 5/s took {span:?}"
    );
    // No second holds more than five: any six consecutive sends span at least ~a second.
    for w in times.windows(6) {
        assert!(
            w[5] - w[0] >= Duration::from_millis(950),
            "{:?}",
            w[5] - w[0]
        );
    }
    server.shutdown().await;
}

async fn one_phones_messages_go_out_one_at_a_time_in_order(db: &Db) {
    let provider = FakeProvider::start().await;
    provider.set_latency(Duration::from_millis(60));
    let mut rows = Vec::new();
    for n in 1..=4 {
        for phone in ["+6281200000201", "+6281200000202", "+6281200000203"] {
            rows.push((phone, ["satu", "dua", "tiga", "empat"][n - 1]));
        }
    }
    queue(db, Channel::Sms, &rows).await;
    let setup = Setup {
        sms_mps: 100,
        ..Setup::default()
    };
    let server = TestServer::start_with(db, setup, provider).await;
    eventually("all twelve sent", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 12
    })
    .await;
    assert!(
        server.provider.overlaps().is_empty(),
        "two sends in flight for one phone: {:?}",
        server.provider.overlaps()
    );
    let requests = server.provider.requests();
    for phone in ["+6281200000201", "+6281200000202", "+6281200000203"] {
        let texts: Vec<String> = requests
            .iter()
            .filter(|r| r.to() == phone)
            .map(|r| r.text())
            .collect();
        assert_eq!(texts, ["satu", "dua", "tiga", "empat"], "{phone}");
    }
    // Different phones did overlap: the channel is not sending one message at a time.
    let first_round: Vec<Instant> = requests.iter().take(3).map(|r| r.at).collect();
    assert!(first_round[2] - first_round[0] < Duration::from_millis(60));
    server.shutdown().await;
}

/// A sender whose provider never answers: it claims rows and then hangs, like a process that was
/// killed in the middle of sending.
struct Hanging;

#[async_trait]
impl Sender for Hanging {
    fn channel(&self) -> Channel {
        Channel::WhatsApp
    }
    async fn send(
        &self,
        _from: Option<&str>,
        _phone: &str,
        _body: &Body,
    ) -> Result<String, SendError> {
        std::future::pending().await
    }
}

async fn replies_queued_at_a_crash_are_sent_exactly_once_after_restart(db: &Db) {
    let leased: Vec<String> = (0..6).map(|i| format!("+6281200000{i:03}")).collect();
    let rows: Vec<(&str, &str)> = leased
        .iter()
        .map(|p| (p.as_str(), "sebelum crash"))
        .collect();
    queue(db, Channel::WhatsApp, &rows).await;

    // The first process claims every row (1.5 s leases) and dies before recording anything.
    let mut options = fast_options().outbox;
    options.lease_ms = 1_500;
    let dying = OutboxWorker {
        db: db.clone(),
        clock: Arc::new(SystemClock),
        sender: Arc::new(Hanging),
        numbers: Arc::new(gotong::kelurahan::NumberDirectory::new(
            db.clone(),
            &gotong::config::Config::for_database("sqlite::memory:"),
        )),
        options: options.clone(),
        mps: 100,
        wake: OutboxWake::default().for_channel(Channel::WhatsApp),
    };
    let (_trigger, stop) = stop_signal();
    let task = tokio::spawn(dying.run(stop));
    eventually("all rows claimed", WAIT, || async {
        let mut claimed = 0;
        for p in &leased {
            claimed += db
                .outbox_records(p)
                .await
                .unwrap()
                .iter()
                .filter(|r| r.status == OutboxStatus::Sending)
                .count();
        }
        claimed == leased.len()
    })
    .await;
    let killed_at = Instant::now();
    task.abort();
    let _ = task.await;

    // A message recorded but not yet handled when the process died: the sweep finds it.
    db.record_inbound(
        &Inbound {
            kelurahan: gotong::store::KelurahanId::DEFAULT,
            channel: Channel::WhatsApp,
            phone: Some("+6281200000999".into()),
            provider_id: "wamid.before-crash".into(),
            content: gotong::message::Content::Text {
                text: "MENU".into(),
            },
            sent_at: 0,
            to: None,
        },
        chrono::Utc::now().timestamp_millis(),
    )
    .await
    .unwrap();

    // The restarted server sends every row once the leases run out, and nothing twice.
    let mut setup = Setup::default();
    setup.options.outbox = options;
    let server = TestServer::start(db, setup).await;
    eventually("everything sent", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 7
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let requests = server.provider.requests();
    assert_eq!(requests.len(), 7, "{requests:#?}");
    let mut recipients: Vec<String> = requests.iter().map(|r| r.to()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 7);
    for r in requests.iter().filter(|r| r.text() == "sebelum crash") {
        assert!(
            r.at >= killed_at + Duration::from_millis(1_000),
            "a leased row went out {:?} after the crash, before its lease ended",
            r.at - killed_at
        );
    }
    assert!(requests.iter().any(|r| r.text() == "echo: MENU"));
    server.shutdown().await;
}

gotong::backend_tests!(
    whatsapp_reply_is_one_graph_api_request,
    sms_reply_is_one_twilio_request_and_its_status_comes_back,
    provider_down_then_up_delivers_exactly_once,
    refused_message_is_failed_with_the_error_and_not_retried,
    a_send_failing_every_time_is_given_up,
    the_rate_cap_is_never_exceeded,
    one_phones_messages_go_out_one_at_a_time_in_order,
    replies_queued_at_a_crash_are_sent_exactly_once_after_restart,
);
