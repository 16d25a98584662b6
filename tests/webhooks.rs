//! Webhooks as providers call them: signatures, every fixture, malformed and oversized bodies,
//! redeliveries, statuses, the handshake, and the operator routes. Each test runs on SQLite and
//! PostgreSQL against a real server on 127.0.0.1.

mod common;

use common::*;
use gotong::channels::twilio::inbound::{form_params, parse_message, parse_status};
use gotong::channels::whatsapp::inbound::parse_payload;
use gotong::channels::{twilio, whatsapp};
use gotong::message::{Body, Channel, Content, Delivery, Inbound, MediaKind, StatusUpdate};
use gotong::outbox::Status as OutboxStatus;
use gotong::store::Db;
use std::time::Duration;

const SETTLE: Duration = Duration::from_millis(400);
const WAIT: Duration = Duration::from_secs(10);

/// Nothing recorded, nothing queued, nothing sent.
async fn assert_untouched(server: &TestServer) {
    tokio::time::sleep(SETTLE).await;
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 0);
    let stats = server.db.outbox_stats(None).await.unwrap();
    assert_eq!((stats.depth, stats.sent, stats.failed), (0, 0, 0));
    assert!(server.provider.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Signatures

async fn whatsapp_signature_is_checked_before_anything(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let body = fixture("whatsapp/text.json");

    let missing = server.post_whatsapp(&body, None).await;
    assert_eq!(missing.status(), 401);
    let other_secret = whatsapp::signature::sign("not-the-app-secret", &body);
    let wrong = server.post_whatsapp(&body, Some(&other_secret)).await;
    assert_eq!(wrong.status(), 401);
    let of_other_body = whatsapp::signature::sign(APP_SECRET, b"{}");
    let replayed = server.post_whatsapp(&body, Some(&of_other_body)).await;
    assert_eq!(replayed.status(), 401);
    let garbage = server.post_whatsapp(&body, Some("sha256=xyz")).await;
    assert_eq!(garbage.status(), 401);
    assert_untouched(&server).await;

    let ok = server.whatsapp(&body).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    server.shutdown().await;
}

async fn twilio_signature_is_checked_on_both_routes(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let body = fixture("twilio/inbound_sms.form");
    assert_eq!(
        server
            .post_form("/webhooks/sms", &body, None)
            .await
            .status(),
        401
    );
    let other_token = twilio::signature::sign(
        "not-the-auth-token",
        &format!("{PUBLIC_URL}/webhooks/sms"),
        &form_params(&body).unwrap(),
    );
    assert_eq!(
        server
            .post_form("/webhooks/sms", &body, Some(&other_token))
            .await
            .status(),
        401
    );
    // Signed for another URL (the status route) is not signed for this one.
    let other_url = twilio_signature("/webhooks/sms/status", &body);
    assert_eq!(
        server
            .post_form("/webhooks/sms", &body, Some(&other_url))
            .await
            .status(),
        401
    );
    let status = fixture("twilio/status_delivered.form");
    assert_eq!(
        server
            .post_form("/webhooks/sms/status", &status, None)
            .await
            .status(),
        401
    );
    assert_untouched(&server).await;

    let ok = server.twilio("/webhooks/sms", &body).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    assert_eq!(
        ok.text().await.unwrap(),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
    );
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    server.shutdown().await;
}

/// The signatures printed in webhook-fixtures/README.md (computed with openssl / Python) are
/// right for the fixture files, so a human can replay them with curl.
#[test]
fn documented_signatures_match_the_fixtures() {
    let readme = String::from_utf8(fixture("README.md")).unwrap();
    let documented = |file: &str, header: &str| -> String {
        let prefix = format!("{file}: `{header}: ");
        let line = readme
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("README documents {file}"));
        line[prefix.len()..]
            .split('`')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    for file in ["whatsapp/text.json", "whatsapp/text_second_number.json"] {
        let wa = documented(file, "X-Hub-Signature-256");
        assert!(
            whatsapp::signature::verify(APP_SECRET, Some(&wa), &fixture(file)),
            "{file}"
        );
    }
    for (file, path) in [
        ("twilio/inbound_sms.form", "/webhooks/sms"),
        ("twilio/inbound_sms_second_number.form", "/webhooks/sms"),
        ("twilio/status_delivered.form", "/webhooks/sms/status"),
    ] {
        let sig = documented(file, "X-Twilio-Signature");
        let params = form_params(&fixture(file)).unwrap();
        assert!(
            twilio::signature::verify(
                AUTH_TOKEN,
                &format!("{PUBLIC_URL}{path}"),
                &params,
                Some(&sig)
            ),
            "{file}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Every fixture parses into what it means

fn wa_inbound(file: &str) -> Inbound {
    let mut events = parse_payload(&fixture(file), 0).unwrap();
    assert!(events.statuses.is_empty(), "{file}");
    assert_eq!(events.messages.len(), 1, "{file}");
    events.messages.remove(0)
}

fn wa_status(file: &str) -> StatusUpdate {
    let mut events = parse_payload(&fixture(file), 0).unwrap();
    assert!(events.messages.is_empty(), "{file}");
    assert_eq!(events.statuses.len(), 1, "{file}");
    events.statuses.remove(0)
}

#[test]
fn whatsapp_message_fixtures_parse() {
    let text = wa_inbound("whatsapp/text.json");
    assert_eq!(
        text,
        Inbound {
            kelurahan: gotong::store::KelurahanId::DEFAULT,
            channel: Channel::WhatsApp,
            phone: Some("+6281234567001".into()),
            provider_id: "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAxAA=="
                .into(),
            content: Content::Text {
                text: "SALDO".into()
            },
            sent_at: 1_764_238_453_000,
            to: Some(PHONE_NUMBER_ID.into()),
        }
    );
    let cases = [
        (
            "whatsapp/button_reply.json",
            "+6281234567002",
            Content::Choice {
                id: "1".into(),
                title: "Ya, benar".into(),
            },
        ),
        (
            "whatsapp/list_reply.json",
            "+6281234567003",
            Content::Choice {
                id: "menu.saldo".into(),
                title: "Cek saldo".into(),
            },
        ),
        (
            "whatsapp/image.json",
            "+6281234567004",
            Content::Image {
                media_id: "1479537139650973".into(),
                caption: Some("Keripik singkong 250g".into()),
            },
        ),
        (
            "whatsapp/location.json",
            "+6281234567005",
            Content::Location {
                latitude: -6.2297465,
                longitude: 106.8295264,
                name: Some("Balai Warga RW 03".into()),
            },
        ),
        (
            "whatsapp/sticker.json",
            "+6281234567006",
            Content::Unsupported {
                kind: "sticker".into(),
            },
        ),
        (
            "whatsapp/audio.json",
            "+6281234567007",
            Content::Media {
                media: MediaKind::Audio,
                media_id: "1003383421387256".into(),
                caption: None,
            },
        ),
        (
            "whatsapp/document.json",
            "+6281234567008",
            Content::Media {
                media: MediaKind::Document,
                media_id: "2153746284962201".into(),
                caption: Some("SALDO".into()),
            },
        ),
        (
            "whatsapp/video.json",
            "+6281234567009",
            Content::Media {
                media: MediaKind::Video,
                media_id: "1249683016273655".into(),
                caption: Some("MENU".into()),
            },
        ),
        (
            "whatsapp/unsupported.json",
            "+6281234567010",
            Content::Unsupported {
                kind: "unsupported".into(),
            },
        ),
    ];
    for (file, phone, content) in cases {
        let m = wa_inbound(file);
        assert_eq!(m.phone.as_deref(), Some(phone), "{file}");
        assert_eq!(m.content, content, "{file}");
        assert!(m.provider_id.starts_with("wamid."), "{file}");
        assert!(m.sent_at > 1_764_000_000_000, "{file}");
    }
    let username = wa_inbound("whatsapp/username_only.json");
    assert_eq!(username.phone.as_deref(), Some("ID.1410018717833190"));
    assert_eq!(
        username.content,
        Content::Text {
            text: "halo".into()
        }
    );
    let group = wa_inbound("whatsapp/group_text.json");
    assert_eq!(group.phone, None, "a group's message is answered to nobody");
    let other = wa_inbound("whatsapp/text_other_business.json");
    assert_eq!(other.to.as_deref(), Some("309871654320999"));
    let errors = parse_payload(&fixture("whatsapp/change_errors.json"), 0).unwrap();
    assert_eq!(errors, Default::default());
}

#[test]
fn whatsapp_status_fixtures_parse() {
    let id = "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABEYEjQxRjc3QkE1QzA3M0E5RDBBQgA=";
    for (file, status, at) in [
        (
            "whatsapp/status_sent.json",
            Delivery::Sent,
            1_764_238_461_000,
        ),
        (
            "whatsapp/status_delivered.json",
            Delivery::Delivered,
            1_764_238_462_000,
        ),
        (
            "whatsapp/status_read.json",
            Delivery::Read,
            1_764_238_475_000,
        ),
    ] {
        assert_eq!(
            wa_status(file),
            StatusUpdate {
                channel: Channel::WhatsApp,
                provider_id: id.into(),
                status,
                error: None,
                at,
                recipient: Some("+6281234567001".into()),
                unsubscribed: false,
            },
            "{file}"
        );
    }
    let failed = wa_status("whatsapp/status_failed.json");
    assert_eq!(failed.status, Delivery::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("131047: Re-engagement message")
    );
    assert!(!failed.unsubscribed);
    let stopped = wa_status("whatsapp/status_failed_stopped_marketing.json");
    assert!(stopped.unsubscribed);
    let to_user_id = wa_status("whatsapp/status_sent_user_id.json");
    assert_eq!(to_user_id.recipient.as_deref(), Some("ID.1410018717833190"));
}

#[test]
fn twilio_fixtures_parse() {
    let m = parse_message(
        &form_params(&fixture("twilio/inbound_sms.form")).unwrap(),
        7,
    )
    .unwrap();
    assert_eq!(
        m,
        Inbound {
            kelurahan: gotong::store::KelurahanId::DEFAULT,
            channel: Channel::Sms,
            phone: Some("+6281234567101".into()),
            provider_id: "SM7f4e0b0c1d2e3f405162738495a6b7c8".into(),
            content: Content::Text {
                text: "Bayar W001 Rp25.000".into()
            },
            sent_at: 7,
            to: Some(TWILIO_FROM.into()),
        }
    );
    let status = |file: &str| {
        parse_status(&form_params(&fixture(file)).unwrap(), 9)
            .unwrap()
            .unwrap()
    };
    let sid = "SM1a2b3c4d5e6f708192a3b4c5d6e7f809";
    for (file, delivery, error) in [
        ("twilio/status_sent.form", Delivery::Sent, None),
        ("twilio/status_delivered.form", Delivery::Delivered, None),
        (
            "twilio/status_undelivered.form",
            Delivery::Failed,
            Some("30003: undelivered"),
        ),
        (
            "twilio/status_failed.form",
            Delivery::Failed,
            Some("30008: failed"),
        ),
    ] {
        assert_eq!(
            status(file),
            StatusUpdate {
                channel: Channel::Sms,
                provider_id: sid.into(),
                status: delivery,
                error: error.map(String::from),
                at: 9,
                recipient: Some("+6281234567101".into()),
                unsubscribed: false,
            },
            "{file}"
        );
    }
    let stop = status("twilio/status_unsubscribed.form");
    assert_eq!(stop.status, Delivery::Failed);
    assert_eq!(stop.error.as_deref(), Some("21610: undelivered"));
    assert!(
        stop.unsubscribed,
        "21610: the resident sent STOP to the carrier"
    );
    // An MMS without `Body` is a picture message, recorded like any SMS.
    let mms = parse_message(
        &form_params(&fixture("twilio/inbound_mms_no_body.form")).unwrap(),
        7,
    )
    .unwrap();
    assert_eq!(mms.phone.as_deref(), Some("+6281234567121"));
    assert_eq!(mms.content, Content::Unsupported { kind: "mms".into() });
    // A picture with words is read by its words; nothing at all is an empty text.
    let captioned = parse_message(
        &form_params(b"MessageSid=MM1&From=%2B6281234567121&Body=SALDO&NumMedia=1").unwrap(),
        7,
    )
    .unwrap();
    assert_eq!(captioned.content.input_text(), "SALDO");
    let nothing = parse_message(
        &form_params(b"MessageSid=SM2&From=%2B6281234567121").unwrap(),
        7,
    )
    .unwrap();
    assert_eq!(nothing.content, Content::Text { text: "".into() });
}

/// Posted for real, every message fixture is recorded once and every sender with a phone gets
/// exactly one reply.
async fn every_message_fixture_is_recorded_and_answered(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let files = [
        "text",
        "button_reply",
        "list_reply",
        "image",
        "location",
        "sticker",
        "audio",
        "document",
        "video",
        "unsupported",
    ];
    for f in files {
        let r = server
            .whatsapp(&fixture(&format!("whatsapp/{f}.json")))
            .await;
        assert_eq!(r.status(), 200, "{f}");
    }
    let r = server
        .twilio("/webhooks/sms", &fixture("twilio/inbound_sms.form"))
        .await;
    assert_eq!(r.status(), 200);
    eventually("a reply to each sender", WAIT, || async {
        server.provider.accepted().len() == files.len() + 1
    })
    .await;
    assert_eq!(
        server.db.inbound_count(None).await.unwrap(),
        files.len() as i64 + 1
    );
    let mut replies: Vec<(String, String)> = server
        .provider
        .accepted()
        .iter()
        .map(|r| (r.to(), r.text()))
        .collect();
    replies.sort();
    assert_eq!(
        replies,
        vec![
            ("+6281234567101".into(), "echo: Bayar W001 Rp25.000".into()),
            ("6281234567001".into(), "echo: SALDO".into()),
            ("6281234567002".into(), "echo: 1".into()),
            ("6281234567003".into(), "echo: menu.saldo".into()),
            ("6281234567004".into(), "echo: Keripik singkong 250g".into()),
            ("6281234567005".into(), "echo: ".into()),
            ("6281234567006".into(), "echo: ".into()),
            ("6281234567007".into(), "echo: ".into()),
            ("6281234567008".into(), "echo: SALDO".into()),
            ("6281234567009".into(), "echo: MENU".into()),
            ("6281234567010".into(), "echo: ".into()),
        ]
    );
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Bad bodies

async fn signed_but_malformed_is_refused_and_nothing_stored(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    for body in [&b"{\"entry\": ["[..], b"[1, 2]", b"not json at all"] {
        assert_eq!(server.whatsapp(body).await.status(), 400);
    }
    let no_sid = b"From=%2B6281234567101&Body=SALDO";
    assert_eq!(server.twilio("/webhooks/sms", no_sid).await.status(), 400);
    let no_from = b"MessageSid=SM1&Body=SALDO";
    assert_eq!(server.twilio("/webhooks/sms", no_from).await.status(), 400);
    let no_status = b"MessageSid=SM1&To=%2B6281234567101";
    assert_eq!(
        server
            .twilio("/webhooks/sms/status", no_status)
            .await
            .status(),
        400
    );
    assert_untouched(&server).await;
    server.shutdown().await;
}

/// Through the router itself: over a socket, a client still writing a refused body may see a
/// broken pipe before it reads the 413.
async fn bodies_over_4_mib_are_refused(db: &Db) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let provider = FakeProvider::start().await;
    let router = router_for(db, &Setup::default(), &provider);
    let post = |path: &str, body: Vec<u8>| {
        let signature = if path == "/webhooks/whatsapp" {
            (
                "x-hub-signature-256",
                whatsapp::signature::sign(APP_SECRET, &body),
            )
        } else {
            ("x-twilio-signature", "unchecked".to_string())
        };
        axum::http::Request::post(path)
            .header(signature.0, signature.1)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let over = vec![b' '; 4 * 1024 * 1024 + 1];
    for path in [
        "/webhooks/whatsapp",
        "/webhooks/sms",
        "/webhooks/sms/status",
    ] {
        let r = router
            .clone()
            .oneshot(post(path, over.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "{path}");
    }
    // Without a Content-Length the limit holds too.
    let stream = futures::stream::iter(
        over.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let chunked = axum::http::Request::post("/webhooks/whatsapp")
        .header("x-hub-signature-256", "sha256=00")
        .body(axum::body::Body::from_stream(stream))
        .unwrap();
    assert_eq!(router.clone().oneshot(chunked).await.unwrap().status(), 413);
    // Just under the limit is read (and, being blank, refused as malformed).
    let under = vec![b' '; 4 * 1024 * 1024];
    let r = router
        .oneshot(post("/webhooks/whatsapp", under))
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = r.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("malformed"));
    assert_eq!(db.inbound_count(None).await.unwrap(), 0);
}

// ---------------------------------------------------------------------------------------------
// Redeliveries, senders without a phone, statuses

async fn a_webhook_delivered_three_times_is_answered_once(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let body = fixture("whatsapp/text.json");
    let (a, b, c) = tokio::join!(
        server.whatsapp(&body),
        server.whatsapp(&body),
        server.whatsapp(&body)
    );
    assert_eq!(
        (
            a.status().as_u16(),
            b.status().as_u16(),
            c.status().as_u16()
        ),
        (200, 200, 200)
    );
    // And once more after the reply went out.
    eventually("the reply", WAIT, || async {
        !server.provider.accepted().is_empty()
    })
    .await;
    assert_eq!(server.whatsapp(&body).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await; // longer than the recovery sweep
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    assert_eq!(server.provider.requests().len(), 1);
    assert_eq!(
        server.db.outbox_for_phone("+6281234567001").await.unwrap(),
        vec![(OutboxStatus::Sent, Body::text("echo: SALDO"))]
    );
    server.shutdown().await;
}

/// Posts a WhatsApp fixture, signed, and checks it is accepted.
async fn whatsapp_ok(server: &TestServer, file: &str) {
    let r = server.whatsapp(&fixture(file)).await;
    assert_eq!(r.status(), 200, "{file}");
}

/// Waits for the one reply sent so far and returns it.
async fn the_reply(server: &TestServer) -> Recorded {
    eventually("the reply", WAIT, || async {
        server.provider.accepted().len() == 1
    })
    .await;
    server.provider.accepted()[0].clone()
}

/// A WhatsApp user with a username (no phone shown) is answered at the user id Meta gives, as
/// `recipient`; the status of that reply names the id and moves its row.
async fn a_username_only_sender_is_answered_at_their_user_id(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    whatsapp_ok(&server, "whatsapp/username_only.json").await;
    let reply = the_reply(&server).await;
    let json = reply.json();
    assert_eq!(json["recipient"], "ID.1410018717833190");
    assert!(json.get("to").is_none(), "{json}");
    assert_eq!(reply.text(), "echo: halo");
    let status = String::from_utf8(fixture("whatsapp/status_sent_user_id.json"))
        .unwrap()
        .replace(
            "wamid.HBgSSUQuMTQxMDAxODcxNzgzMzE5MBUCABEYEjQxRjc3QkE1QzA3M0E5RDBBRAA=",
            reply.provider_id.as_deref().unwrap(),
        )
        .replace("\"sent\"", "\"delivered\"");
    assert_eq!(server.whatsapp(status.as_bytes()).await.status(), 200);
    eventually("the delivery recorded", WAIT, || async {
        server
            .db
            .outbox_records("ID.1410018717833190")
            .await
            .unwrap()[0]
            .status
            == OutboxStatus::Delivered
    })
    .await;
    server.shutdown().await;
}

/// A message in a WhatsApp group is recorded and never answered, privately or otherwise.
async fn a_group_message_is_recorded_and_never_answered(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    whatsapp_ok(&server, "whatsapp/group_text.json").await;
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    assert!(server
        .db
        .phones_with_pending_inbound(10)
        .await
        .unwrap()
        .is_empty());
    tokio::time::sleep(Duration::from_millis(1500)).await; // longer than the recovery sweep
    let stats = server.db.outbox_stats(None).await.unwrap();
    assert_eq!((stats.depth, stats.sent), (0, 0));
    assert!(server.provider.requests().is_empty());
    server.shutdown().await;
}

/// Meta calls one app's webhook for every number it serves: a message to a number that is not
/// ours is recorded and not answered from ours; a message to ours still is.
async fn a_message_to_a_number_that_is_not_ours_is_not_answered(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    whatsapp_ok(&server, "whatsapp/text_other_business.json").await;
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    assert_eq!(
        server
            .whatsapp(&fixture("whatsapp/text.json"))
            .await
            .status(),
        200
    );
    the_reply(&server).await;
    tokio::time::sleep(SETTLE).await;
    let sent = server.provider.requests();
    assert_eq!(sent.len(), 1, "only the message to our number is answered");
    assert_eq!(sent[0].to(), "6281234567001");
    assert_eq!(sent[0].path, format!("/v21.0/{PHONE_NUMBER_ID}/messages"));
    server.shutdown().await;
}

/// A Twilio MMS without `Body` (two pictures) is recorded (a 400 would lose it: Twilio does not
/// retry one) and answered like any message.
async fn a_twilio_mms_without_body_is_recorded_and_answered(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let r = server
        .twilio("/webhooks/sms", &fixture("twilio/inbound_mms_no_body.form"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(server.db.inbound_count(None).await.unwrap(), 1);
    assert_eq!(the_reply(&server).await.to(), "+6281234567121");
    server.shutdown().await;
}

/// Twilio's 21610 (the resident sent STOP to the carrier) opts the phone out of broadcasts, and
/// Meta's 131050 (they stopped marketing messages) likewise; other failures do not.
async fn a_carrier_stop_opts_the_recipient_out_of_broadcasts(db: &Db) {
    sent_message(
        db,
        Channel::Sms,
        "+6281234567131",
        "SM9e8d7c6b5a4f30211f0e9d8c7b6a5f43",
    )
    .await;
    sent_message(
        db,
        Channel::WhatsApp,
        "+6281234567001",
        "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABEYEjQxRjc3QkE1QzA3M0E5RDBBQwA=",
    )
    .await;
    sent_message(
        db,
        Channel::Sms,
        "+6281234567101",
        "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    )
    .await;
    let opted_out = |phone: &'static str| {
        let db = db.clone();
        async move {
            let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
            let c = tx.contact(phone).await.unwrap();
            tx.rollback().await.unwrap();
            c.opted_out
        }
    };
    let server = TestServer::start(db, Setup::default()).await;
    for (route, file) in [
        ("/webhooks/sms/status", "twilio/status_unsubscribed.form"),
        ("/webhooks/sms/status", "twilio/status_failed.form"),
    ] {
        assert_eq!(server.twilio(route, &fixture(file)).await.status(), 200);
    }
    whatsapp_ok(&server, "whatsapp/status_failed_stopped_marketing.json").await;
    assert!(opted_out("+6281234567131").await, "21610");
    assert!(opted_out("+6281234567001").await, "131050");
    assert!(!opted_out("+6281234567101").await, "30008 is no opt-out");
    let rows = server.db.outbox_records("+6281234567131").await.unwrap();
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert_eq!(rows[0].error.as_deref(), Some("21610: undelivered"));
    server.shutdown().await;
}

async fn statuses_out_of_order_keep_the_final_state(db: &Db) {
    let wa_id = "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABEYEjQxRjc3QkE1QzA3M0E5RDBBQgA=";
    sent_message(db, Channel::WhatsApp, "+6281234567001", wa_id).await;
    sent_message(
        db,
        Channel::Sms,
        "+6281234567101",
        "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    )
    .await;
    let server = TestServer::start(db, Setup::default()).await;
    let status_of = |phone: &'static str| {
        let db = server.db.clone();
        async move { db.outbox_records(phone).await.unwrap()[0].clone() }
    };

    for f in ["status_delivered", "status_sent"] {
        let r = server
            .whatsapp(&fixture(&format!("whatsapp/{f}.json")))
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        status_of("+6281234567001").await.status,
        OutboxStatus::Delivered
    );
    server.whatsapp(&fixture("whatsapp/status_read.json")).await;
    assert_eq!(status_of("+6281234567001").await.status, OutboxStatus::Read);

    for f in ["status_delivered", "status_sent"] {
        let r = server
            .twilio(
                "/webhooks/sms/status",
                &fixture(&format!("twilio/{f}.form")),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        status_of("+6281234567101").await.status,
        OutboxStatus::Delivered
    );
    server.shutdown().await;
}

async fn a_failed_delivery_keeps_the_providers_error(db: &Db) {
    sent_message(
        db,
        Channel::Sms,
        "+6281234567101",
        "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    )
    .await;
    let logs = gotong::testing::logs::global().expect("the test binary's only subscriber");
    let server = TestServer::start(db, Setup::default()).await;
    let r = server
        .twilio(
            "/webhooks/sms/status",
            &fixture("twilio/status_undelivered.form"),
        )
        .await;
    assert_eq!(r.status(), 200);
    let row = server.db.outbox_records("+6281234567101").await.unwrap()[0].clone();
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(row.error.as_deref(), Some("30003: undelivered"));
    // The operator reads it as a warning, with the message's id and no phone.
    let warned = logs.lines_with("30003: undelivered");
    assert!(
        warned
            .iter()
            .any(|l| l.contains("WARN") && l.contains("SM1a2b3c4d5e6f708192a3b4c5d6e7f809")),
        "{warned:?}"
    );
    assert!(
        warned.iter().all(|l| !l.contains("6281234567101")),
        "{warned:?}"
    );
    server.shutdown().await;
}

async fn a_status_for_an_unknown_message_is_ignored(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    whatsapp_ok(&server, "whatsapp/status_failed.json").await;
    let r = server
        .twilio("/webhooks/sms/status", &fixture("twilio/status_sent.form"))
        .await;
    assert_eq!(r.status(), 200);
    assert_untouched(&server).await;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Handshake, unconfigured channels, operator routes

async fn whatsapp_handshake_answers_the_challenge_only_for_our_token(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let get = |query: String| {
        let url = format!("{}/webhooks/whatsapp?{query}", server.base);
        let http = server.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    let ok = get(format!(
        "hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    ))
    .await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let wrong = get("hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1".into()).await;
    assert_eq!(wrong.status(), 403);
    let mode = get(format!(
        "hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"
    ))
    .await;
    assert_eq!(mode.status(), 403);
    assert_eq!(get(String::new()).await.status(), 403);
    server.shutdown().await;
}

async fn unconfigured_channels_answer_404(db: &Db) {
    let setup = Setup {
        whatsapp: false,
        sms: false,
        ..Setup::default()
    };
    let server = TestServer::start(db, setup).await;
    let body = fixture("whatsapp/text.json");
    assert_eq!(server.whatsapp(&body).await.status(), 404);
    let challenge = server
        .http
        .get(format!(
            "{}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 404);
    let sms = fixture("twilio/inbound_sms.form");
    assert_eq!(server.twilio("/webhooks/sms", &sms).await.status(), 404);
    assert_eq!(
        server
            .twilio("/webhooks/sms/status", &fixture("twilio/status_sent.form"))
            .await
            .status(),
        404
    );
    assert_untouched(&server).await;
    server.shutdown().await;
}

async fn health_metrics_and_admin_stats(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let get = |path: &str, token: Option<&str>| {
        let mut req = server.http.get(format!("{}{path}", server.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.unwrap() }
    };
    assert_eq!(get("/healthz", None).await.status(), 200);

    server.whatsapp(&fixture("whatsapp/text.json")).await;
    eventually("the reply", WAIT, || async {
        server.db.outbox_stats(None).await.unwrap().sent == 1
    })
    .await;
    let mut tx = server
        .db
        .begin(gotong::store::KelurahanId::DEFAULT)
        .await
        .unwrap();
    tx.count_flow_event("pay", "amount", "entered")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let metrics = get("/metrics", None).await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    for needle in [
        "gotong_inbound_messages_total{channel=\"whatsapp\",kelurahan=\"0000000000\"}",
        "gotong_outbound_messages_total{channel=\"whatsapp\",kelurahan=\"0000000000\",status=\"sent\"}",
        "gotong_outbox_depth 0",
        "gotong_kelurahan_outbox_depth{kelurahan=\"0000000000\"} 0",
        "gotong_outbox_oldest_age_seconds 0",
        "gotong_flow_step_events_total{flow=\"pay\",step=\"amount\",event=\"entered\"} 1",
        "gotong_webhook_duration_seconds_bucket{channel=\"whatsapp\"",
        "gotong_handling_duration_seconds_bucket",
    ] {
        assert!(text.contains(needle), "/metrics lacks {needle}:\n{text}");
    }

    assert_eq!(get("/api/stats", None).await.status(), 401);
    assert_eq!(get("/api/stats", Some("guess")).await.status(), 401);
    let stats = get("/api/stats", Some(ADMIN_TOKEN)).await;
    assert_eq!(stats.status(), 200);
    let json: serde_json::Value = stats.json().await.unwrap();
    assert_eq!(json["messages_in"], 1);
    assert_eq!(json["messages_out"], 1);
    assert_eq!(json["payments"], 0);
    assert_eq!(json["social_fund_balance"], 0);
    server.shutdown().await;
}

async fn admin_api_is_absent_without_a_token(db: &Db) {
    let setup = Setup {
        admin: false,
        ..Setup::default()
    };
    let server = TestServer::start(db, setup).await;
    let r = server
        .http
        .get(format!("{}/api/stats", server.base))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    server.shutdown().await;
}

gotong::backend_tests!(
    whatsapp_signature_is_checked_before_anything,
    twilio_signature_is_checked_on_both_routes,
    every_message_fixture_is_recorded_and_answered,
    signed_but_malformed_is_refused_and_nothing_stored,
    bodies_over_4_mib_are_refused,
    a_webhook_delivered_three_times_is_answered_once,
    a_username_only_sender_is_answered_at_their_user_id,
    a_group_message_is_recorded_and_never_answered,
    a_message_to_a_number_that_is_not_ours_is_not_answered,
    a_twilio_mms_without_body_is_recorded_and_answered,
    a_carrier_stop_opts_the_recipient_out_of_broadcasts,
    statuses_out_of_order_keep_the_final_state,
    a_failed_delivery_keeps_the_providers_error,
    a_status_for_an_unknown_message_is_ignored,
    whatsapp_handshake_answers_the_challenge_only_for_our_token,
    unconfigured_channels_answer_404,
    health_metrics_and_admin_stats,
    admin_api_is_absent_without_a_token,
);
