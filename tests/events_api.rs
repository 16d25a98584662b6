//! `KEGIATAN` as the kelurahan runs it through the admin API: posting events (each rule of a new
//! event a 422), the upcoming list with its counts, an event's sign-ups (NIK and phone masked),
//! attendance counted once, the day-before reminder sent once, cancellation told to those signed
//! up once, the audit trail and `/api/stats`.

mod common;

use common::officer::{fixture_csv, Officer};
use gotong::store::{Db, KelurahanId};
use serde_json::{json, Value};

/// `POST /api{path}` with `body`.
async fn post(o: &Officer, path: &str, body: Value) -> (u16, Value) {
    o.call(reqwest::Method::POST, path, Some(body)).await
}

/// What is queued for `phone` up to `at` (epoch ms), taken.
async fn queued(o: &Officer, phone: &str, at: i64) -> String {
    o.app
        .db
        .take_outbox_for_phone(KelurahanId::DEFAULT, phone, at)
        .await
        .unwrap()
        .iter()
        .map(|b| b.main_text().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn event(title: &str, place: &str, starts_at: &str, needed: i64) -> Value {
    json!({ "title": title, "place": place, "starts_at": starts_at, "needed": needed })
}

const BUDI: &str = "3201011205800001";
const JOKO: &str = "3201011010000008";
const AHMAD: &str = "3201010101900006";

async fn events_are_posted_signed_up_reminded_counted_and_cancelled(db: &Db) {
    let o = Officer::start(db).await;
    let (status, _) = o.import(fixture_csv(), false).await;
    assert_eq!(status, 200);
    let config = &o.app.config;
    let (budi, joko) = ("+6281255500051", "+6281255500052");
    gotong::testing::kelurahan::link(db, config, budi, BUDI, "482915")
        .await
        .unwrap();
    // JOKO lives here NON_PERMANEN: he may volunteer too.
    gotong::testing::kelurahan::link(db, config, joko, JOKO, "135790")
        .await
        .unwrap();
    let (status, item) = post(
        &o,
        "/items",
        json!({ "name": "Gerobak sampah", "owner_nik": null, "custodian_nik": AHMAD }),
    )
    .await;
    assert_eq!(status, 201, "{item}");

    // Each rule of a new event.
    let refused = [
        (event("ab", "Balai RW 03", "2030-06-01 07:00", 5), "title"),
        (
            event("Kerja bakti", "Balai \u{1F44D}", "2030-06-01 07:00", 5),
            "place",
        ),
        (
            event("Kerja bakti", "Balai RW 03", "2020-06-01 07:00", 5),
            "future",
        ),
        (
            event("Kerja bakti", "Balai RW 03", "2030-06-01", 5),
            "starts_at",
        ),
        (
            event("Kerja bakti", "Balai RW 03", "2030-06-01 07:00", 0),
            "needed",
        ),
        (
            event("Kerja bakti", "Balai RW 03", "2030-06-01 07:00", 501),
            "needed",
        ),
    ];
    for (body, what) in refused {
        let (status, answer) = post(&o, "/events", body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains(what), "{answer}");
    }
    let mut unknown_rw = event("Kerja bakti", "Balai RW 07", "2030-06-01 07:00", 5);
    unknown_rw["rw"] = json!("07");
    let mut unknown_item = event("Kerja bakti", "Balai RW 03", "2030-06-01 07:00", 5);
    unknown_item["item"] = json!("B999");
    let mut unknown_campaign = event("Kerja bakti", "Balai RW 03", "2030-06-01 07:00", 5);
    unknown_campaign["campaign"] = json!(5);
    for body in [unknown_rw, unknown_item, unknown_campaign] {
        let (status, answer) = post(&o, "/events", body.clone()).await;
        assert_eq!(status, 422, "{body}: {answer}");
    }

    let mut first = event("Kerja bakti saluran", "Balai RW 03", "2030-06-01 07:00", 5);
    first["rw"] = json!("3");
    first["item"] = item["code"].clone();
    let (status, posted) = post(&o, "/events", first).await;
    assert_eq!((status, posted), (201, json!({ "number": 1 })));
    let (status, posted) = post(
        &o,
        "/events",
        event("Donor darah", "Balai kelurahan", "2030-05-20 08:00", 2),
    )
    .await;
    assert_eq!((status, posted), (201, json!({ "number": 2 })));

    assert!(o
        .chat(budi, "IKUT 1")
        .await
        .starts_with("Terima kasih! Anda ikut #1"));
    assert!(o
        .chat(budi, "IKUT 1")
        .await
        .starts_with("Anda sudah terdaftar di #1"));
    assert!(o
        .chat(joko, "IKUT 1")
        .await
        .starts_with("Terima kasih! Anda ikut #1"));

    let (status, upcoming) = o.call(reqwest::Method::GET, "/events", None).await;
    assert_eq!(status, 200, "{upcoming}");
    let rows: Vec<(i64, i64, i64)> = upcoming
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["number"].as_i64().unwrap(),
                e["signed"].as_i64().unwrap(),
                e["needed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(2, 0, 2), (1, 2, 5)], "soonest first");
    assert_eq!(upcoming[1]["rw"], "03");
    assert_eq!(upcoming[1]["item"], item["code"]);
    assert_eq!(upcoming[1]["starts_local"], "2030-06-01 07:00");

    let (status, one) = o.call(reqwest::Method::GET, "/events/1", None).await;
    assert_eq!(status, 200, "{one}");
    let signups = one["signups"].as_array().unwrap();
    assert_eq!(signups.len(), 2);
    assert_eq!(signups[0]["name"], "BUDI SANTOSO");
    assert_eq!(signups[0]["nik_masked"], "************0001");
    assert_eq!(signups[0]["phone"], "+62***051");
    assert_eq!(signups[0]["status"], "signed");
    assert!(!one.to_string().contains(BUDI) && !one.to_string().contains(budi));
    assert_eq!(o.call(reqwest::Method::GET, "/events/9", None).await.0, 404);

    // Attendance: only those signed up, twice is once.
    for _ in 0..2 {
        let (status, counted) = post(&o, "/events/1/attendance", json!({ "nik": BUDI })).await;
        assert_eq!(status, 200, "{counted}");
        assert_eq!(counted["attended"], 1);
        assert_eq!(counted["nik_masked"], "************0001");
    }
    let (status, _) = post(&o, "/events/1/attendance", json!({ "nik": AHMAD })).await;
    assert_eq!(status, 422, "not signed up");
    let (status, _) = post(&o, "/events/1/attendance", json!({ "nik": "12345" })).await;
    assert_eq!(status, 422, "not a NIK");
    let (status, _) = post(&o, "/events/9/attendance", json!({ "nik": BUDI })).await;
    assert_eq!(status, 404);

    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(
        (
            stats["events_upcoming"].as_i64(),
            stats["volunteers_attended"].as_i64()
        ),
        (Some(2), Some(1))
    );

    // The reminder: not before 07:00 the day before, then once.
    let at = |s: &str| gotong::calendar::parse_jakarta_time(s).unwrap() * 1000;
    let texts = &o.app.texts;
    let early = gotong::events::jobs::run_due(db, texts, at("2030-05-31 06:59")).await;
    assert_eq!(early.unwrap(), 0);
    let due = at("2030-05-31 07:00");
    assert_eq!(
        gotong::events::jobs::run_due(db, texts, due).await.unwrap(),
        2
    );
    assert_eq!(
        gotong::events::jobs::run_due(db, texts, due + 60_000)
            .await
            .unwrap(),
        0
    );
    let reminded = queued(&o, joko, due).await;
    assert_eq!(
        reminded.matches("Pengingat: besok pukul 07:00").count(),
        1,
        "{reminded}"
    );
    let (_, one) = o.call(reqwest::Method::GET, "/events/1", None).await;
    assert!(one["reminded_at"].is_i64(), "{one}");

    // Cancelling tells those signed up, once.
    let (status, cancelled) = post(&o, "/events/1/cancel", json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["told"], 2);
    let (status, again) = post(&o, "/events/1/cancel", json!({})).await;
    assert_eq!((status, again["told"].clone()), (200, json!(0)));
    assert_eq!(post(&o, "/events/9/cancel", json!({})).await.0, 404);
    let told = o.chat(budi, "MENU").await;
    assert_eq!(told.matches("dibatalkan kelurahan").count(), 1, "{told}");
    assert!(o.chat(joko, "IKUT 1").await.contains("#1 dibatalkan"));
    let (status, _) = post(&o, "/events/1/attendance", json!({ "nik": JOKO })).await;
    assert_eq!(status, 409, "cancelled");
    let (_, upcoming) = o.call(reqwest::Method::GET, "/events", None).await;
    assert_eq!(upcoming.as_array().unwrap().len(), 1);

    for (action, n) in [
        ("event.post", 2),
        ("event.attended", 1),
        ("event.cancel", 1),
    ] {
        let entries = db.audit_entries(action).await.unwrap();
        assert_eq!(entries.len(), n, "{action}");
        assert!(entries.iter().all(|m| m.actor == "admin-api"));
    }
    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(
        (
            stats["events_upcoming"].as_i64(),
            stats["volunteers_attended"].as_i64()
        ),
        (Some(1), Some(1))
    );
    o.server.shutdown().await;
}

/// A full event refuses the next volunteer; one withdrawing frees the place.
async fn a_full_event_takes_a_volunteer_again_after_a_withdrawal(db: &Db) {
    let o = Officer::start(db).await;
    let (status, _) = o.import(fixture_csv(), false).await;
    assert_eq!(status, 200);
    let config = &o.app.config;
    let (budi, ahmad) = ("+6281255500061", "+6281255500062");
    gotong::testing::kelurahan::link(db, config, budi, BUDI, "482915")
        .await
        .unwrap();
    gotong::testing::kelurahan::link(db, config, ahmad, AHMAD, "135790")
        .await
        .unwrap();
    let (status, _) = post(
        &o,
        "/events",
        event("Ronda malam", "Pos ronda", "2030-06-01 21:00", 1),
    )
    .await;
    assert_eq!(status, 201);
    assert!(o.chat(budi, "IKUT 1").await.starts_with("Terima kasih!"));
    assert_eq!(
        o.chat(ahmad, "IKUT 1").await,
        "Maaf, relawan kegiatan #1 sudah cukup."
    );
    assert!(o
        .chat(budi, "MUNDUR 1")
        .await
        .starts_with("Anda tidak lagi ikut #1"));
    assert!(o.chat(ahmad, "IKUT 1").await.starts_with("Terima kasih!"));
    assert_eq!(
        o.chat(budi, "IKUT 1").await,
        "Maaf, relawan kegiatan #1 sudah cukup."
    );
    let (_, one) = o.call(reqwest::Method::GET, "/events/1", None).await;
    let states: Vec<&str> = one["signups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["cancelled", "signed"]);
    o.server.shutdown().await;
}

gotong::backend_tests!(
    events_are_posted_signed_up_reminded_counted_and_cancelled,
    a_full_event_takes_a_volunteer_again_after_a_withdrawal,
);
