//! Many kelurahan on one deployment, the channels' side (issue 18): a message belongs to the
//! kelurahan whose number it was sent to (WhatsApp `metadata.phone_number_id`, Twilio `To`), and
//! its reply goes out from that number, over real HTTP to the fake provider. Each test runs on
//! SQLite and PostgreSQL.

mod common;

use common::*;
use gotong::engine::Engine;
use gotong::kelurahan::numbers::UNKNOWN_RELOAD_AFTER;
use gotong::message::{Body, Channel, Outbound, Priority};
use gotong::store::{Db, KelurahanError, KelurahanId, KelurahanNumber};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);

/// The second kelurahan's numbers, as `webhook-fixtures/*/…_second_number.*` write to them.
const B_WHATSAPP: &str = "207651463353033";
const B_SMS: &str = "+6281100000002";
const B_CODE: &str = "3577011002";

async fn kelurahan_b(db: &Db) -> KelurahanId {
    db.create_kelurahan(
        B_CODE,
        "Oro-oro Ombo",
        &[
            (Channel::WhatsApp, B_WHATSAPP.into()),
            (Channel::Sms, B_SMS.into()),
        ],
        0,
    )
    .await
    .expect("kelurahan B")
    .id
}

/// The request the fake provider got for `to` (digits on WhatsApp, E.164 on SMS).
fn request_to(server: &TestServer, to: &str) -> Recorded {
    server
        .provider
        .accepted()
        .into_iter()
        .find(|r| r.to() == to)
        .unwrap_or_else(|| panic!("no send to {to}"))
}

async fn replies(server: &TestServer, n: usize) {
    eventually(&format!("{n} replies"), WAIT, || async {
        server.provider.accepted().len() >= n
    })
    .await;
}

/// An SMS as Twilio posts it, from `from` to our number `to`.
fn sms(sid: &str, from: &str, to: &str, text: &str) -> Vec<u8> {
    serde_urlencoded::to_string([
        ("MessageSid", sid),
        ("AccountSid", ACCOUNT_SID),
        ("From", from),
        ("To", to),
        ("Body", text),
        ("NumMedia", "0"),
    ])
    .expect("a form")
    .into_bytes()
}

async fn a_whatsapp_reply_goes_out_from_the_number_written_to(db: &Db) {
    let b = kelurahan_b(db).await;
    let server = TestServer::start(db, Setup::default()).await;
    assert_eq!(
        server
            .whatsapp(&fixture("whatsapp/text.json"))
            .await
            .status(),
        200
    );
    assert_eq!(
        server
            .whatsapp(&fixture("whatsapp/text_second_number.json"))
            .await
            .status(),
        200
    );
    replies(&server, 2).await;
    assert_eq!(
        request_to(&server, "6281234567001").path,
        format!("/v21.0/{PHONE_NUMBER_ID}/messages")
    );
    let to_b = request_to(&server, "6281234567011");
    assert_eq!(to_b.path, format!("/v21.0/{B_WHATSAPP}/messages"));
    assert_eq!(
        to_b.authorization.as_deref(),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str()),
        "one access token for every number"
    );
    // Each message and its reply count for the kelurahan written to.
    let db = &server.db;
    assert_eq!(db.inbound_count(Some(b)).await.unwrap(), 1);
    assert_eq!(
        db.inbound_count(Some(KelurahanId::DEFAULT)).await.unwrap(),
        1
    );
    eventually("both sends recorded", WAIT, || async {
        db.outbox_stats(None).await.unwrap().sent == 2
    })
    .await;
    assert_eq!(db.outbox_stats(Some(b)).await.unwrap().sent, 1);
    server.shutdown().await;
}

async fn an_sms_reply_goes_out_from_the_number_written_to(db: &Db) {
    let b = kelurahan_b(db).await;
    let server = TestServer::start(db, Setup::default()).await;
    for file in [
        "twilio/inbound_sms.form",
        "twilio/inbound_sms_second_number.form",
    ] {
        assert_eq!(
            server
                .twilio("/webhooks/sms", &fixture(file))
                .await
                .status(),
            200,
            "{file}"
        );
    }
    replies(&server, 2).await;
    assert_eq!(
        request_to(&server, "+6281234567101").form()["From"],
        TWILIO_FROM
    );
    let to_b = request_to(&server, "+6281234567111").form();
    assert_eq!(to_b["From"], B_SMS);
    assert_eq!(to_b["Body"], "echo: SALDO");
    assert_eq!(server.db.inbound_count(Some(b)).await.unwrap(), 1);
    server.shutdown().await;
}

/// A kelurahan with a WhatsApp number of its own but no SMS number: its SMS go out from the
/// default kelurahan's number.
async fn a_kelurahan_without_a_number_on_a_channel_sends_from_the_defaults(db: &Db) {
    let c = db
        .create_kelurahan(
            "3577011003",
            "Penanggungan",
            &[(Channel::WhatsApp, "308762574464144".into())],
            0,
        )
        .await
        .unwrap()
        .id;
    let server = TestServer::start(db, Setup::default()).await;
    let mut tx = db.begin(c).await.unwrap();
    for (channel, phone) in [
        (Channel::WhatsApp, "+6281234567021"),
        (Channel::Sms, "+6281234567022"),
    ] {
        tx.enqueue(
            &Outbound {
                kelurahan: c,
                channel,
                phone: phone.into(),
                body: Body::text("Kerja bakti Minggu pagi"),
                priority: Priority::Notice,
            },
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // The senders find the rows at their next poll.
    replies(&server, 2).await;
    assert_eq!(
        request_to(&server, "6281234567021").path,
        "/v21.0/308762574464144/messages"
    );
    assert_eq!(
        request_to(&server, "+6281234567022").form()["From"],
        TWILIO_FROM
    );
    server.shutdown().await;
}

/// A deployment of one kelurahan needs no set-up: an SMS number nobody registered is the
/// default kelurahan's (each Twilio number names the webhook it calls). A WhatsApp number nobody
/// registered is not ours (`tests/webhooks.rs`).
async fn a_number_of_no_kelurahan_goes_to_the_default(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    server
        .twilio(
            "/webhooks/sms",
            &fixture("twilio/inbound_sms_second_number.form"),
        )
        .await;
    replies(&server, 1).await;
    assert_eq!(
        request_to(&server, "+6281234567111").form()["From"],
        TWILIO_FROM
    );
    assert_eq!(
        server
            .db
            .inbound_count(Some(KelurahanId::DEFAULT))
            .await
            .unwrap(),
        1
    );
    server.shutdown().await;
}

/// A kelurahan added after this server loaded its numbers (through another server, or the CLI)
/// is found when a message comes to its number.
async fn a_kelurahan_added_elsewhere_is_found(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let b = kelurahan_b(db).await;
    // The directory loads again for an unknown number at most this often.
    tokio::time::sleep(UNKNOWN_RELOAD_AFTER + Duration::from_millis(200)).await;
    server
        .twilio(
            "/webhooks/sms",
            &fixture("twilio/inbound_sms_second_number.form"),
        )
        .await;
    replies(&server, 1).await;
    assert_eq!(request_to(&server, "+6281234567111").form()["From"], B_SMS);
    assert_eq!(server.db.inbound_count(Some(b)).await.unwrap(), 1);
    server.shutdown().await;
}

fn has(numbers: &[KelurahanNumber], channel: Channel, number: &str, k: KelurahanId) -> bool {
    numbers
        .iter()
        .any(|n| n.channel == channel && n.number == number && n.kelurahan == k)
}

/// `WHATSAPP_PHONE_NUMBER_ID` and `TWILIO_FROM` become the default kelurahan's at start, unless
/// a kelurahan already has them; starting again changes nothing.
async fn the_configured_numbers_become_the_default_kelurahans(db: &Db) {
    let d = db
        .create_kelurahan(
            "3577011004",
            "Bareng",
            &[(Channel::Sms, TWILIO_FROM.into())],
            0,
        )
        .await
        .unwrap()
        .id;
    for _ in 0..2 {
        let server = TestServer::start(db, Setup::default()).await;
        server.shutdown().await;
        let numbers = db.kelurahan_numbers().await.unwrap();
        assert_eq!(numbers.len(), 2, "{numbers:?}");
        assert!(has(
            &numbers,
            Channel::WhatsApp,
            PHONE_NUMBER_ID,
            KelurahanId::DEFAULT
        ));
        assert!(
            has(&numbers, Channel::Sms, TWILIO_FROM, d),
            "left where it was"
        );
    }
    assert_eq!(db.audit_entries("kelurahan.number").await.unwrap().len(), 1);
}

async fn the_environment_names_the_default_kelurahan(db: &Db) {
    let config = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        gotong::config::Config::from_lookup(|k| {
            pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
        .unwrap()
    };
    let apply = |c| async move { gotong::kelurahan::setup::apply_environment(db, &c, 0).await };
    apply(config(&[
        ("GOTONG_KELURAHAN_CODE", "3573050001"),
        ("GOTONG_KELURAHAN_NAME", "Klojen"),
    ]))
    .await
    .unwrap();
    let default = db.kelurahan(KelurahanId::DEFAULT).await.unwrap().unwrap();
    assert_eq!(
        (default.code.as_str(), default.name.as_str()),
        ("3573050001", "Klojen")
    );
    // A name alone keeps the code.
    apply(config(&[("GOTONG_KELURAHAN_NAME", "Kelurahan Klojen")]))
        .await
        .unwrap();
    let default = db.kelurahan(KelurahanId::DEFAULT).await.unwrap().unwrap();
    assert_eq!(
        (default.code.as_str(), default.name.as_str()),
        ("3573050001", "Kelurahan Klojen")
    );
    // Another kelurahan's code is refused.
    kelurahan_b(db).await;
    let e = apply(config(&[("GOTONG_KELURAHAN_CODE", B_CODE)]))
        .await
        .unwrap_err();
    assert!(matches!(e, KelurahanError::Exists(_)), "{e}");
}

/// A phone in the middle of a conversation with kelurahan A that writes to kelurahan B's number
/// starts afresh with B: B answers as it answers a phone it never heard of.
async fn a_phone_writing_to_another_kelurahan_starts_afresh(db: &Db) {
    kelurahan_b(db).await;
    let provider = FakeProvider::start().await;
    let setup = Setup::default();
    let engine = Engine::load_default(Arc::new(common::config(&setup, &provider))).unwrap();
    let server = TestServer::start_conversing(db, setup, provider, Arc::new(engine)).await;
    let phone = "+6281234567031";
    let post = |sid: &str, from: &str, to: &str, text: &str| {
        let body = sms(sid, from, to, text);
        let server = &server;
        async move {
            assert_eq!(server.twilio("/webhooks/sms", &body).await.status(), 200);
        }
    };
    let reply_texts = |to: &str| -> Vec<(String, String)> {
        server
            .provider
            .accepted()
            .iter()
            .filter(|r| r.to() == to)
            .map(|r| (r.form()["From"].clone(), r.text()))
            .collect()
    };

    // With A (the default kelurahan's number): DAFTAR asks for the activation code.
    post("SMs1", phone, TWILIO_FROM, "DAFTAR 3201010101990099").await;
    replies(&server, 1).await;
    let asked = reply_texts(phone);
    assert!(asked[0].1.contains("kode aktivasi"), "{asked:?}");

    // The code, sent to B's number instead: B has no conversation with this phone.
    post("SMs2", phone, B_SMS, "246810").await;
    replies(&server, 2).await;
    // What B answers a phone that never wrote to anyone.
    let stranger = "+6281234567032";
    post("SMs3", stranger, B_SMS, "246810").await;
    replies(&server, 3).await;

    let to_phone = reply_texts(phone);
    let to_stranger = reply_texts(stranger);
    assert_eq!(to_phone[1].0, B_SMS, "B answers from its number");
    assert_eq!(to_phone[1].1, to_stranger[0].1, "afresh: {to_phone:?}");
    assert!(!to_phone[1].1.contains("Kode salah"), "{to_phone:?}");
    server.shutdown().await;
}

gotong::backend_tests!(
    a_whatsapp_reply_goes_out_from_the_number_written_to,
    an_sms_reply_goes_out_from_the_number_written_to,
    a_kelurahan_without_a_number_on_a_channel_sends_from_the_defaults,
    a_number_of_no_kelurahan_goes_to_the_default,
    a_kelurahan_added_elsewhere_is_found,
    the_configured_numbers_become_the_default_kelurahans,
    the_environment_names_the_default_kelurahan,
    a_phone_writing_to_another_kelurahan_starts_afresh,
);
