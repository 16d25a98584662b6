//! SMS Gateway for Android (issue 19) as the phone calls it and as it is called: signatures,
//! redeliveries, two residents with the same text, statuses, pings, the per-SIM caps and a
//! gateway that goes down and comes back. Each test runs on SQLite and PostgreSQL against a real
//! server on 127.0.0.1 whose SMS sender is the test kit's fake gateway.

mod common;

use common::*;
use gotong::channels::android::signature::sign;
use gotong::message::Channel;
use gotong::outbox::Status as OutboxStatus;
use gotong::store::Db;
use std::time::Duration;

const SETTLE: Duration = Duration::from_millis(600);
const WAIT: Duration = Duration::from_secs(10);
const DEVICE: &str = "ffffffffceb0b1db0000018e937c815b";

fn android() -> Setup {
    Setup {
        sms: false,
        android: Some(AndroidSetup::default()),
        ..Setup::default()
    }
}

/// `received.json` from another resident (its own event id), to `sim`.
fn received_from(phone: &str, event_id: &str, sim: u8, text: &str) -> Vec<u8> {
    serde_json::json!({
        "deviceId": DEVICE,
        "event": "sms:received",
        "id": event_id,
        "payload": {
            "messageId": "a1b2c3d4",
            "message": text,
            "phoneNumber": phone,
            "simNumber": sim,
            "receivedAt": "2024-06-22T15:46:11.000+07:00"
        },
        "webhookId": "LreFUt-Z3sSq0JufY9uWB"
    })
    .to_string()
    .into_bytes()
}

async fn assert_nothing_recorded(server: &TestServer) {
    tokio::time::sleep(SETTLE).await;
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 0);
    assert!(server.provider.requests().is_empty());
}

async fn a_wrong_missing_or_stale_signature_is_refused(db: &Db) {
    let server = TestServer::start(db, android()).await;
    let body = fixture("android-sms/received.json");
    let now = chrono::Utc::now().timestamp();
    let ts = now.to_string();
    let ok = sign(ANDROID_SIGNING_KEY, &body, &ts);

    let cases: Vec<(Option<String>, Option<String>)> = vec![
        (None, None),
        (Some(ts.clone()), None),
        (None, Some(ok.clone())),
        (Some(ts.clone()), Some(sign("not-the-key", &body, &ts))),
        (
            Some(ts.clone()),
            Some(sign(ANDROID_SIGNING_KEY, b"{}", &ts)),
        ),
        // The timestamp is part of what is signed.
        (Some((now + 1).to_string()), Some(ok.clone())),
        (Some(ts.clone()), Some("not hex".into())),
    ];
    for (t, s) in &cases {
        let r = server.post_android(&body, t.as_deref(), s.as_deref()).await;
        assert_eq!(r.status(), 401, "timestamp {t:?}, signature {s:?}");
    }
    // Correctly signed, but 6 minutes old or ahead: a replay.
    for skew in [-360, 360] {
        let stale = (now + skew).to_string();
        let sig = sign(ANDROID_SIGNING_KEY, &body, &stale);
        let r = server.post_android(&body, Some(&stale), Some(&sig)).await;
        assert_eq!(r.status(), 401, "skew {skew}");
    }
    assert_nothing_recorded(&server).await;

    // Signed but not JSON: 400, nothing stored.
    assert_eq!(server.android(b"{\"event\":").await.status(), 400);
    let r = server.post_android(&body, Some(&ts), Some(&ok)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    server.shutdown().await;
}

async fn a_resident_sms_is_answered_through_the_sim_it_came_to_once(db: &Db) {
    let server = TestServer::start(db, android()).await;
    let body = fixture("android-sms/received.json");
    // The app retries an event it thinks was lost: three at once, then once more later.
    let (a, b, c) = tokio::join!(
        server.android(&body),
        server.android(&body),
        server.android(&body)
    );
    assert_eq!(
        (
            a.status().as_u16(),
            b.status().as_u16(),
            c.status().as_u16()
        ),
        (200, 200, 200)
    );
    eventually("the reply", WAIT, || async {
        !server.provider.accepted().is_empty()
    })
    .await;
    assert_eq!(server.android(&body).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await; // longer than the recovery sweep
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    let sent = server.provider.accepted();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(r.path, "/3rdparty/v1/message");
    let basic = base64_basic(ANDROID_USERNAME, ANDROID_PASSWORD);
    assert_eq!(r.authorization.as_deref(), Some(basic.as_str()));
    assert_eq!(
        r.json(),
        serde_json::json!({
            "textMessage": { "text": "echo: SALDO" },
            "phoneNumbers": ["+6281234567201"],
            "simNumber": 1,
            "deviceId": DEVICE,
            "withDeliveryReport": true
        })
    );
    // The gateway's id is the outbox row's, for the status events.
    let rows = server.db.outbox_records("+6281234567201").await.unwrap();
    assert_eq!(rows[0].status, OutboxStatus::Sent);
    assert_eq!(rows[0].provider_id.as_deref(), Some("asgfake1"));
    server.shutdown().await;
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

async fn two_residents_with_the_same_text_and_message_id_are_both_answered(db: &Db) {
    let server = TestServer::start(db, android()).await;
    for f in ["received.json", "received_same_text.json"] {
        let r = server.android(&fixture(&format!("android-sms/{f}"))).await;
        assert_eq!(r.status(), 200);
    }
    eventually("both replies", WAIT, || async {
        server.provider.accepted().len() == 2
    })
    .await;
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 2);
    let mut to: Vec<(String, i64)> = server
        .provider
        .accepted()
        .iter()
        .map(|r| (r.to(), r.json()["simNumber"].as_i64().unwrap_or(0)))
        .collect();
    to.sort();
    // Each from the SIM the resident wrote to.
    assert_eq!(
        to,
        vec![("+6281234567201".into(), 1), ("+6281234567202".into(), 2)]
    );
    server.shutdown().await;
}

async fn status_events_move_the_outbox_row_forward_only(db: &Db) {
    sent_message(db, Channel::Sms, "+6281234567201", "PyDmBQZZXYmyxMwED8Fzy").await;
    let server = TestServer::start(db, android()).await;
    let row = || async { server.db.outbox_records("+6281234567201").await.unwrap()[0].clone() };
    for f in ["delivered", "sent"] {
        let r = server
            .android(&fixture(&format!("android-sms/{f}.json")))
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(row().await.status, OutboxStatus::Delivered);
    // A late failure report never takes back a delivery (issue 16).
    let r = server.android(&fixture("android-sms/failed.json")).await;
    assert_eq!(r.status(), 200);
    let after = row().await;
    assert_eq!(after.status, OutboxStatus::Delivered, "{after:?}");
    // Statuses are not messages: nothing recorded, nothing sent.
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 0);
    assert!(server.provider.requests().is_empty());
    server.shutdown().await;
}

async fn a_ping_shows_the_phone_healthy(db: &Db) {
    let server = TestServer::start(db, android()).await;
    let (status, before) = admin_get(&server, "/api/sms-devices").await;
    assert_eq!(status, 200);
    assert_eq!(before["devices"], serde_json::json!([]));
    assert_eq!(
        before["caps"],
        serde_json::json!({"per_minute": 20, "per_day": 400})
    );

    assert_eq!(
        server
            .android(&fixture("android-sms/ping.json"))
            .await
            .status(),
        200
    );
    let (_, after) = admin_get(&server, "/api/sms-devices").await;
    let device = &after["devices"][0];
    assert_eq!(device["device_id"], DEVICE);
    assert_eq!(device["number"], format!("android:{DEVICE}"));
    assert_eq!(device["online"], true);
    assert!(device["last_ping_at"].is_i64());
    let metrics = server
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "gotong_sms_device_online{{device=\"{DEVICE}\"}} 1"
        )),
        "{metrics}"
    );
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 0);
    server.shutdown().await;
}

/// The outbox rows of the residents written to by [`received_from`], with their tries.
async fn rows_of(server: &TestServer, phones: &[&str]) -> Vec<gotong::store::OutboxRecord> {
    let mut rows = Vec::new();
    for phone in phones {
        rows.extend(server.db.outbox_records(phone).await.unwrap());
    }
    rows
}

async fn a_sim_at_its_cap_sends_no_more_and_another_sim_carries_on(db: &Db) {
    // Retries give up after 5 tries (the test kit's); a message waiting for a SIM is not tried.
    let server = TestServer::start(
        db,
        Setup {
            sms: false,
            android: Some(AndroidSetup {
                per_minute: 1,
                per_day: 400,
            }),
            ..Setup::default()
        },
    )
    .await;
    // Two residents write to SIM 1, which may send one SMS a minute.
    for (phone, id) in [("081234567201", "e-201"), ("081234567203", "e-203")] {
        let r = server.android(&received_from(phone, id, 1, "SALDO")).await;
        assert_eq!(r.status(), 200);
    }
    eventually("the first reply", WAIT, || async {
        server.provider.accepted().len() == 1
    })
    .await;
    // Longer than five quick retries would take: the second reply waits, untried, not failed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.provider.accepted().len(), 1, "SIM 1 is at its cap");
    assert_eq!(
        server.provider.requests().len(),
        1,
        "nothing more was tried"
    );
    let stats = server.db.outbox_stats(None).await.unwrap();
    assert_eq!((stats.sent, stats.failed, stats.depth), (1, 0, 1));
    let waiting = rows_of(&server, &["+6281234567201", "+6281234567203"])
        .await
        .into_iter()
        .find(|r| r.status == OutboxStatus::Queued)
        .expect("the waiting reply");
    assert_eq!(waiting.attempts, 0, "waiting for a SIM counts no try");
    assert!(
        waiting.error.as_deref().is_some_and(|e| e.contains("cap")),
        "{waiting:?}"
    );
    let (_, devices) = admin_get(&server, "/api/sms-devices").await;
    assert_eq!(devices["devices"][0]["sims"][0]["state"], "minute_cap");

    // A third resident writes to SIM 2: now that SIM is known, it carries one reply.
    let r = server
        .android(&fixture("android-sms/received_same_text.json"))
        .await;
    assert_eq!(r.status(), 200);
    eventually("a second reply, from SIM 2", WAIT, || async {
        server.provider.accepted().len() == 2
    })
    .await;
    tokio::time::sleep(SETTLE).await;
    let sims: Vec<i64> = server
        .provider
        .accepted()
        .iter()
        .map(|r| r.json()["simNumber"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(sims, vec![1, 2], "one SMS a minute per SIM, never more");
    // The third reply waits for a SIM; it is not lost.
    let stats = server.db.outbox_stats(None).await.unwrap();
    assert_eq!((stats.sent, stats.failed, stats.depth), (2, 0, 1));
    server.shutdown().await;
}

async fn all_phones_down_then_back_loses_nothing(db: &Db) {
    // Retries give up after 5 tries (the test kit's): a phone that is down is waited for.
    let server = TestServer::start(db, android()).await;
    server
        .provider
        .set_failing(Some(Answer::Status(503, r#"{"message":"device offline"}"#)));
    let phones = ["+6281234567201", "+6281234567202"];
    for (phone, id) in [("081234567201", "e-1"), ("081234567202", "e-2")] {
        let r = server.android(&received_from(phone, id, 1, "SALDO")).await;
        assert_eq!(r.status(), 200);
    }
    eventually("the SIM rested after its failures", WAIT, || async {
        let (_, devices) = admin_get(&server, "/api/sms-devices").await;
        devices["devices"][0]["sims"][0]["state"] == "resting"
    })
    .await;
    // Well past five quick retries: the phone is tried now and then, nothing is given up.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert!(server.provider.accepted().is_empty());
    assert!(
        server.provider.requests().len() >= 4,
        "the phone is still tried"
    );
    let stats = server.db.outbox_stats(None).await.unwrap();
    assert_eq!((stats.failed, stats.depth), (0, 2), "nothing lost");
    for row in rows_of(&server, &phones).await {
        assert!(
            row.attempts < 5,
            "waiting for a phone counts no try: {row:?}"
        );
        assert!(
            row.error.as_deref().is_some_and(|e| e.contains("down")),
            "{row:?}"
        );
    }

    server.provider.set_failing(None);
    eventually("the backlog drains", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 2
    })
    .await;
    let mut to: Vec<String> = server.provider.accepted().iter().map(|r| r.to()).collect();
    to.sort();
    assert_eq!(to, phones);
    let (_, devices) = admin_get(&server, "/api/sms-devices").await;
    assert_eq!(devices["devices"][0]["sims"][0]["failures_in_a_row"], 0);
    assert_eq!(devices["devices"][0]["sims"][0]["state"], "ok");
    server.shutdown().await;
}

/// A kelurahan with no gateway phone of its own (its SMS number is not a phone of the gateway)
/// sends through the default kelurahan's phone.
async fn a_kelurahan_without_its_own_phone_sends_through_the_defaults(db: &Db) {
    let b = kelurahan_b(db, "+6281100000002").await;
    let server = TestServer::start(db, android()).await;
    // The default kelurahan's phone makes itself known.
    assert_eq!(
        server
            .android(&fixture("android-sms/ping.json"))
            .await
            .status(),
        200
    );
    let mut tx = db.begin(b).await.unwrap();
    tx.enqueue(
        &gotong::message::Outbound {
            kelurahan: b,
            channel: Channel::Sms,
            phone: "+6281234567301".into(),
            body: gotong::message::Body::text("Pengumuman kelurahan B"),
            priority: gotong::message::Priority::Notice,
        },
        1,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sent_one_through_the_phone(&server, b, "the default kelurahan's gateway phone").await;
    server.shutdown().await;
}

/// Waits for one message of kelurahan `b` sent, and checks it went through [`DEVICE`].
async fn sent_one_through_the_phone(server: &TestServer, b: gotong::store::KelurahanId, why: &str) {
    eventually("one message sent", WAIT, || async {
        server.db.outbox_stats(Some(b)).await.unwrap().sent == 1
    })
    .await;
    assert_eq!(
        server.provider.accepted()[0].json()["deviceId"],
        DEVICE,
        "{why}"
    );
}

/// A second kelurahan whose SMS number is `sms_number`.
async fn kelurahan_b(db: &Db, sms_number: &str) -> gotong::store::KelurahanId {
    db.create_kelurahan(
        "3577011002",
        "Oro-oro Ombo",
        &[(Channel::Sms, sms_number.to_string())],
        0,
    )
    .await
    .expect("kelurahan B")
    .id
}

async fn a_gateway_phone_of_another_kelurahan_takes_its_messages_there(db: &Db) {
    let b = kelurahan_b(db, &format!("android:{DEVICE}")).await;
    let server = TestServer::start(db, android()).await;
    assert_eq!(
        server
            .android(&fixture("android-sms/received.json"))
            .await
            .status(),
        200
    );
    assert_eq!(server.db.inbound_count(Some(b)).await.unwrap(), 1);
    sent_one_through_the_phone(&server, b, "kelurahan B's gateway phone").await;
    server.shutdown().await;
}

/// The signature `webhook-fixtures/README.md` shows (computed there with Python's hmac).
#[test]
fn the_documented_signature_matches_the_fixture() {
    assert_eq!(
        sign(
            ANDROID_SIGNING_KEY,
            &fixture("android-sms/received.json"),
            "1719046000"
        ),
        "fefa7f0d0a2cb427d2e6322e1cb21dc585436ee220175786dc7943a3dfc312bb"
    );
    let readme = String::from_utf8(fixture("README.md")).unwrap();
    assert!(readme.contains("fefa7f0d0a2cb427d2e6322e1cb21dc585436ee220175786dc7943a3dfc312bb"));
}

gotong::backend_tests!(
    a_wrong_missing_or_stale_signature_is_refused,
    a_resident_sms_is_answered_through_the_sim_it_came_to_once,
    two_residents_with_the_same_text_and_message_id_are_both_answered,
    status_events_move_the_outbox_row_forward_only,
    a_ping_shows_the_phone_healthy,
    a_sim_at_its_cap_sends_no_more_and_another_sim_carries_on,
    all_phones_down_then_back_loses_nothing,
    a_kelurahan_without_its_own_phone_sends_through_the_defaults,
    a_gateway_phone_of_another_kelurahan_takes_its_messages_there,
);
