//! Broadcasts over the admin API, through a real server sending to the fake provider: admins,
//! recipients by channel (text inside WhatsApp's 24-hour window, the template outside it, SMS),
//! opt-out, status counts, cancelling, every refusal; and the outbox claiming replies before
//! broadcast rows. Each test runs on SQLite and PostgreSQL.

mod common;

use common::{eventually, FakeProvider, Setup, TestServer, ACCOUNT_SID, ADMIN_TOKEN, TWILIO_FROM};
use gotong::message::{
    Body, Channel, Content, Delivery, Inbound, Outbound, Priority, StatusUpdate,
};
use gotong::outbox::Status as OutboxStatus;
use gotong::store::Db;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);
const HOUR: i64 = 3_600_000;

// The fixture's residents (tests/transcripts/fixtures/kelurahan.csv): RW03, RT001 and RT002.
const BUDI: (&str, &str) = ("3201011205800001", "+6281200000001"); // RT001
const SITI: (&str, &str) = ("3201016008840002", "+6281200000002"); // RT001
const ANDI: (&str, &str) = ("3201011503090003", "+6281200000003"); // RT001
const AHMAD: (&str, &str) = ("3201010101900006", "+6281200000006"); // RT002
const JOKO_NIK: &str = "3201011010000008"; // RT002, not linked

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = server
        .http
        .request(method, format!("{}/api{path}", server.base))
        .bearer_auth(ADMIN_TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    call(server, reqwest::Method::POST, path, Some(body)).await
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    call(server, reqwest::Method::GET, path, None).await
}

/// The registry imported; residents linked, each having last written at `wrote` on `channel`.
async fn residents(server: &TestServer, people: &[((&str, &str), Channel, i64)]) {
    let default = gotong::store::KelurahanId::DEFAULT;
    residents_in(server, (default, ""), "kelurahan.csv", people).await;
}

/// [`residents`] of the kelurahan `(id, code)` from the transcripts' fixture `file`.
async fn residents_in(
    server: &TestServer,
    (kelurahan, code): (gotong::store::KelurahanId, &str),
    file: &str,
    people: &[((&str, &str), Channel, i64)],
) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/fixtures");
    let csv = std::fs::read(format!("{dir}/{file}")).unwrap();
    let r = server
        .http
        .post(format!(
            "{}/api/registry/import?kelurahan={code}",
            server.base
        ))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let db = &server.db;
    for (i, ((nik, phone), channel, wrote)) in people.iter().enumerate() {
        let msg = Inbound {
            kelurahan,
            channel: *channel,
            phone: Some(phone.to_string()),
            provider_id: format!("test-{i}-{phone}"),
            content: Content::Text {
                text: "halo".into(),
            },
            sent_at: *wrote,
            to: None,
        };
        db.record_inbound(&msg, *wrote).await.unwrap();
        let mut tx = db.begin(kelurahan).await.unwrap();
        tx.create_link(phone, nik, "not-a-real-hash", *wrote)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn opt_out(db: &Db, phone: &str, channel: Channel) {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.set_opted_out(phone, channel.as_str(), true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The broadcast rows of a phone: (status, body).
async fn broadcast_rows(db: &Db, phone: &str, text: &str) -> Vec<(OutboxStatus, Body)> {
    db.outbox_for_phone(phone)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, b)| b.main_text() == text)
        .collect()
}

async fn a_broadcast_reaches_each_channel_and_counts_statuses(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let t = now();
    residents(
        &server,
        &[
            (BUDI, Channel::WhatsApp, t - HOUR), // inside the 24-hour window
            (SITI, Channel::WhatsApp, t - 30 * HOUR), // outside: the template
            (ANDI, Channel::Sms, t - HOUR),      // opted out below
            (AHMAD, Channel::Sms, t - 48 * HOUR),
        ],
    )
    .await;
    opt_out(db, ANDI.1, Channel::Sms).await;

    // Admins: the person must be linked; the scope must make sense.
    let (s, b) = post(
        &server,
        "/admins",
        json!({"nik": JOKO_NIK, "scope": "RW03"}),
    )
    .await;
    assert_eq!(s, 422, "not linked: {b}");
    let (s, b) = post(
        &server,
        "/admins",
        json!({"nik": BUDI.0, "scope": "RW3/RT"}),
    )
    .await;
    assert_eq!(s, 422, "bad scope: {b}");
    let (s, b) = post(&server, "/admins", json!({"nik": BUDI.0, "scope": "rw03"})).await;
    assert_eq!((s, b["scope"].as_str()), (201, Some("RW03")), "{b}");
    assert_eq!(b["nik_masked"], "************0001");
    let grants = db.audit_entries("admin.grant").await.unwrap();
    assert_eq!(grants.len(), 1);
    assert!(
        !format!("{grants:?}").contains(BUDI.0),
        "no full NIK audited"
    );

    let text = "Kerja bakti Minggu jam 7 di balai RW.";
    let (s, created) = post(&server, "/broadcasts", json!({ "text": text })).await;
    assert_eq!(s, 201, "{created}");
    assert!(
        created.get("sms_drain").is_none(),
        "Twilio has no SIM caps: {created}"
    );
    assert_eq!(
        (
            created["recipients"].clone(),
            created["whatsapp"].clone(),
            created["sms"].clone(),
            created["unreachable"].clone()
        ),
        (json!(3), json!(2), json!(1), json!(0)),
        "{created}"
    );
    let id = created["id"].as_i64().unwrap();

    // What each recipient is sent.
    let budi = broadcast_rows(db, BUDI.1, text).await;
    assert_eq!(budi.len(), 1);
    assert_eq!(budi[0].1, Body::text(text));
    let siti = broadcast_rows(db, SITI.1, text).await;
    assert_eq!(
        siti[0].1,
        Body::Template {
            name: "pengumuman".into(),
            language: "id".into(),
            params: vec![text.into()],
        }
    );
    assert!(
        broadcast_rows(db, ANDI.1, text).await.is_empty(),
        "opted out"
    );
    assert_eq!(broadcast_rows(db, AHMAD.1, text).await.len(), 1);

    // The senders deliver them; the provider got the template for SITI.
    eventually("three broadcast messages sent", WAIT, || async {
        get(&server, &format!("/broadcasts/{id}")).await.1["sent"] == 3
    })
    .await;
    let requests = server.provider.accepted();
    let template = requests
        .iter()
        .find(|r| r.to() == SITI.1.trim_start_matches('+'))
        .expect("SITI's request");
    assert_eq!(template.json()["type"], "template");
    assert_eq!(template.json()["template"]["name"], "pengumuman");
    assert_eq!(
        template.json()["template"]["components"][0]["parameters"][0]["text"],
        text
    );

    // Status callbacks move the counts: Twilio reports AHMAD's SMS delivered; WhatsApp BUDI's read.
    let sms = requests
        .iter()
        .find(|r| r.to() == AHMAD.1 && r.text() == text)
        .expect("AHMAD's SMS");
    let sid = sms.provider_id.clone().unwrap();
    let callback = serde_urlencoded::to_string([
        ("SmsSid", sid.as_str()),
        ("SmsStatus", "delivered"),
        ("MessageStatus", "delivered"),
        ("To", AHMAD.1),
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
    let wa = requests
        .iter()
        .find(|r| r.to() == BUDI.1.trim_start_matches('+') && r.text() == text)
        .expect("BUDI's message");
    db.apply_status(&StatusUpdate {
        channel: Channel::WhatsApp,
        provider_id: wa.provider_id.clone().unwrap(),
        status: Delivery::Read,
        error: None,
        at: now(),
        recipient: Some(BUDI.1.to_string()),
        unsubscribed: false,
    })
    .await
    .unwrap();
    let (s, counts) = get(&server, &format!("/broadcasts/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        counts,
        json!({"recipients": 3, "queued": 0, "sent": 3, "delivered": 2, "read": 1,
               "failed": 0, "cancelled": 0})
    );

    // Everything has gone out: nothing to cancel.
    let (s, b) = post(&server, &format!("/broadcasts/{id}/cancel"), json!({})).await;
    assert_eq!(s, 409, "{b}");

    // The audit log has who, target, text and count.
    let audit = db.audit_entries("broadcast.create").await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "admin-api");
    let after: Value = serde_json::from_str(audit[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["text"], text);
    assert_eq!(after["recipients"], 3);
    assert_eq!(
        after["target"],
        json!({"rw": null, "rt": null, "role": null})
    );
    server.shutdown().await;
}

async fn bad_broadcasts_are_refused_and_queue_nothing(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let t = now();
    residents(
        &server,
        &[(BUDI, Channel::WhatsApp, t), (AHMAD, Channel::Sms, t)],
    )
    .await;
    let refused = |body: Value| {
        let server = &server;
        async move {
            let (s, b) = post(server, "/broadcasts", body.clone()).await;
            assert_eq!(s, 422, "{body}: {b}");
            b["error"].as_str().unwrap_or_default().to_string()
        }
    };
    assert!(refused(json!({"text": ""})).await.contains("empty"));
    assert!(refused(json!({"text": "   "})).await.contains("empty"));
    assert!(refused(json!({"text": "x", "rt": "001"}))
        .await
        .contains("RW"));
    assert!(refused(json!({"text": "x", "rw": "RW100"}))
        .await
        .contains("RW"));
    assert!(refused(json!({"text": "x", "role": "lurah"}))
        .await
        .contains("role"));
    assert!(refused(json!({"text": "Rapat", "rw": "07"}))
        .await
        .contains("no recipients"));
    // The merchants table arrives with the ledger: until then no one is a merchant.
    assert!(refused(json!({"text": "Bazar", "role": "merchant"}))
        .await
        .contains("no recipients"));
    let long = "Kerja bakti di saluran air RW03. ".repeat(70);
    assert!(long.chars().count() > 2000);
    let e = refused(json!({ "text": long })).await;
    assert!(
        e.contains(&format!("cut {}", long.trim().chars().count() - 459)),
        "{e}"
    );
    let e = refused(json!({"text": "Banjir! Mengungsi ke balai RW \u{1F30A}\u{1F64F}"})).await;
    assert!(e.contains("U+1F30A") && e.contains("U+1F64F"), "{e}");
    assert_eq!(
        db.outbox_stats(None).await.unwrap().depth,
        0,
        "nothing queued"
    );
    assert!(db
        .audit_entries("broadcast.create")
        .await
        .unwrap()
        .is_empty());

    // The same texts are fine when no SMS recipient is targeted (RT001: BUDI on WhatsApp only).
    let (s, b) = post(
        &server,
        "/broadcasts",
        json!({"text": "Banjir! \u{1F30A}", "rw": "3", "rt": "1"}),
    )
    .await;
    assert_eq!((s, b["recipients"].clone()), (201, json!(1)), "{b}");
    // Households not yet verified: both.
    let (s, b) = post(
        &server,
        "/broadcasts",
        json!({"text": "Periksa data KK Anda: ketik DATA.", "role": "unverified"}),
    )
    .await;
    assert_eq!((s, b["recipients"].clone()), (201, json!(2)), "{b}");

    assert_eq!(get(&server, "/broadcasts/999").await.0, 404);
    assert_eq!(
        post(&server, "/broadcasts/999/cancel", json!({})).await.0,
        404
    );
    server.shutdown().await;
}

async fn cancelling_stops_what_has_not_gone_out(db: &Db) {
    // No channel configured: nothing is sent, every row stays queued.
    let setup = Setup {
        whatsapp: false,
        sms: false,
        ..Setup::default()
    };
    let server = TestServer::start_with(db, setup, FakeProvider::start().await).await;
    let t = now();
    residents(
        &server,
        &[
            (BUDI, Channel::WhatsApp, t),
            (SITI, Channel::WhatsApp, t - 30 * HOUR),
            (AHMAD, Channel::Sms, t),
        ],
    )
    .await;
    let (s, created) = post(&server, "/broadcasts", json!({"text": "Posyandu Selasa."})).await;
    assert_eq!(s, 201, "{created}");
    // WhatsApp is not configured, so neither is its template: SITI, outside the 24-hour window,
    // cannot be reached, and the answer says so.
    assert_eq!(
        (
            created["recipients"].clone(),
            created["unreachable"].clone()
        ),
        (json!(2), json!(1))
    );
    let id = created["id"].as_i64().unwrap();
    let (s, b) = post(&server, &format!("/broadcasts/{id}/cancel"), json!({})).await;
    assert_eq!((s, b["cancelled"].clone()), (200, json!(2)), "{b}");
    let (_, counts) = get(&server, &format!("/broadcasts/{id}")).await;
    assert_eq!(
        (counts["queued"].clone(), counts["cancelled"].clone()),
        (json!(0), json!(2))
    );
    let (s, b) = post(&server, &format!("/broadcasts/{id}/cancel"), json!({})).await;
    assert_eq!(s, 409, "cancelled already: {b}");
    assert_eq!(db.audit_entries("broadcast.cancel").await.unwrap().len(), 1);
    server.shutdown().await;
}

/// Replies are claimed before broadcast rows, even a reply to a phone whose broadcast row was
/// queued earlier; a phone still never has two rows in flight.
async fn replies_go_before_broadcasts(db: &Db) {
    let t = now();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    for i in 0..5 {
        tx.enqueue(
            &Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel: Channel::Sms,
                phone: format!("+62812000009{i:02}"),
                body: Body::text("siaran"),
                priority: Priority::Broadcast,
            },
            t,
        )
        .await
        .unwrap();
    }
    for phone in ["+6281200000999", "+6281200000900"] {
        tx.enqueue(
            &Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel: Channel::Sms,
                phone: phone.into(),
                body: Body::text("balasan"),
                priority: Priority::Reply,
            },
            t,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let first = db.claim_outbox(Channel::Sms, t, 2, 60_000).await.unwrap();
    let texts: Vec<(&str, &str)> = first
        .iter()
        .map(|r| (r.phone.as_str(), r.body.main_text()))
        .collect();
    assert_eq!(
        texts,
        vec![("+6281200000999", "balasan"), ("+6281200000900", "balasan")],
        "both replies first, the second though its phone has an older broadcast row"
    );
    // +6281200000900 has a reply in flight: its broadcast row waits; the other four go.
    let rest = db.claim_outbox(Channel::Sms, t, 10, 60_000).await.unwrap();
    let phones: Vec<&str> = rest.iter().map(|r| r.phone.as_str()).collect();
    assert_eq!(
        phones,
        vec![
            "+6281200000901",
            "+6281200000902",
            "+6281200000903",
            "+6281200000904"
        ]
    );
    db.outbox_sent(first[1].id, "p-1", t).await.unwrap();
    let last = db.claim_outbox(Channel::Sms, t, 10, 60_000).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].phone.as_str(), last[0].body.main_text()),
        ("+6281200000900", "siaran")
    );
}

const MOJO: [(&str, &str); 3] = [
    ("3577010403750001", "+6281300000001"),
    ("3577015009780002", "+6281300000002"),
    ("3577012111850003", "+6281300000003"),
];

async fn broadcasts_act_on_the_kelurahan_named_or_on_all(db: &Db) {
    let server = TestServer::start(db, Setup::default()).await;
    let t = now();
    residents(
        &server,
        &[(BUDI, Channel::Sms, t), (AHMAD, Channel::Sms, t)],
    )
    .await;
    let mojo = db
        .create_kelurahan("3577011002", "Mojo", &[], 0)
        .await
        .unwrap()
        .id;
    let people: Vec<_> = MOJO.iter().map(|p| (*p, Channel::Sms, t)).collect();
    residents_in(&server, (mojo, "3577011002"), "kelurahan_mojo.csv", &people).await;

    // A resident of Mojo is an admin of Mojo (here: of its kecamatan), not of the default one.
    let (s, b) = post(
        &server,
        "/admins",
        json!({"nik": MOJO[0].0, "scope": "kecamatan"}),
    )
    .await;
    assert_eq!(s, 422, "not a resident of the default kelurahan: {b}");
    let (s, b) = post(
        &server,
        "/admins?kelurahan=3577011002",
        json!({"nik": MOJO[0].0, "scope": "Kecamatan"}),
    )
    .await;
    assert_eq!((s, b["scope"].as_str()), (201, Some("kecamatan")), "{b}");

    let (s, one) = post(
        &server,
        "/broadcasts?kelurahan=3577011002",
        json!({"text": "Posyandu Sabtu."}),
    )
    .await;
    assert_eq!((s, one["recipients"].as_i64()), (201, Some(3)), "{one}");
    let id = one["id"].as_i64().unwrap();
    assert_eq!(get(&server, &format!("/broadcasts/{id}")).await.0, 404);
    let (s, counts) = get(&server, &format!("/broadcasts/{id}?kelurahan=3577011002")).await;
    assert_eq!((s, counts["recipients"].as_i64()), (200, Some(3)));
    let (s, _) = post(&server, &format!("/broadcasts/{id}/cancel"), json!({})).await;
    assert_eq!(s, 404, "not the default kelurahan's broadcast");
    let (s, _) = post(
        &server,
        "/broadcasts?kelurahan=9999999999",
        json!({"text": "x"}),
    )
    .await;
    assert_eq!(s, 404);

    let (s, b) = post(
        &server,
        "/broadcasts",
        json!({"text": "x", "rw": "03", "all": true}),
    )
    .await;
    assert_eq!(s, 422, "an RW is inside one kelurahan: {b}");
    let text = "Kerja bakti serentak Minggu pagi.";
    let (s, all) = post(&server, "/broadcasts", json!({"text": text, "all": true})).await;
    assert_eq!(s, 201, "{all}");
    assert_eq!(all["recipients"], 5);
    let each: Vec<(String, i64)> = all["broadcasts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["kelurahan"].as_str().unwrap().to_string(),
                b["recipients"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        each,
        vec![("0000000000".to_string(), 2), ("3577011002".to_string(), 3)]
    );
    let ids: Vec<i64> = all["broadcasts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        get(&server, &format!("/broadcasts/{}", ids[0])).await.1["recipients"],
        2
    );
    assert_eq!(
        get(
            &server,
            &format!("/broadcasts/{}?kelurahan=3577011002", ids[1])
        )
        .await
        .1["recipients"],
        3
    );
    assert_eq!(broadcast_rows(db, MOJO[2].1, text).await.len(), 1);
    assert_eq!(broadcast_rows(db, BUDI.1, text).await.len(), 1);
    server.shutdown().await;
}

/// Over SMS Gateway for Android the create answer says how long the SMS take to go out, given
/// the SIMs and their caps: four SMS through one SIM at one a minute, the last in 3 minutes.
async fn an_sms_broadcast_over_the_gateway_says_how_long_it_takes(db: &Db) {
    let setup = Setup {
        sms: false,
        android: Some(common::AndroidSetup {
            per_minute: 1,
            per_day: 400,
        }),
        ..Setup::default()
    };
    let server = TestServer::start(db, setup).await;
    let t = now();
    residents(
        &server,
        &[
            (BUDI, Channel::Sms, t - HOUR),
            (SITI, Channel::Sms, t - HOUR),
            (ANDI, Channel::Sms, t - HOUR),
            (AHMAD, Channel::WhatsApp, t - HOUR),
        ],
    )
    .await;
    let (s, b) = post(
        &server,
        "/broadcasts",
        json!({"text": "Kerja bakti Minggu pagi"}),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["sms"], 3, "{b}");
    assert_eq!(
        b["sms_drain"],
        json!({"messages": 3, "sims": 1, "per_minute": 1, "per_day": 400, "seconds": 120, "days": 1}),
        "{b}"
    );
    server.shutdown().await;
}

gotong::backend_tests!(
    an_sms_broadcast_over_the_gateway_says_how_long_it_takes,
    broadcasts_act_on_the_kelurahan_named_or_on_all,
    a_broadcast_reaches_each_channel_and_counts_statuses,
    bad_broadcasts_are_refused_and_queue_nothing,
    cancelling_stops_what_has_not_gone_out,
    replies_go_before_broadcasts,
);
