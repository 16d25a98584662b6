//! The proposals' admin routes over real HTTP, on both backends: the status workflow (reasons,
//! refused transitions, notices in the outbox respecting opt-out), campaigns, spends and stats.

mod common;

use common::admin_post as post;

use common::{Setup, TestServer, ADMIN_TOKEN};
use gotong::backend_tests;
use gotong::i18n::Texts;
use gotong::message::Priority;
use gotong::proposals::campaign::{donate, DonationRequest};
use gotong::proposals::proposal::{submit, support, Submission};
use gotong::store::Db;
use gotong::testing::kelurahan::{household, nik_for, person, top_up};
use gotong::testing::transcript::START_MS;
use serde_json::{json, Value};

async fn get(s: &TestServer, path: &str) -> (u16, Value) {
    let r = s
        .http
        .get(format!("{}{path}", s.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

const PROPOSER: &str = "+6281200000001";
const SUPPORTER: &str = "+6281200000002";
const OPTED_OUT: &str = "+6281200000003";

async fn workflow_campaign_spend_and_stats(db: &Db) {
    let kk = "3201010101000041";
    let a = nik_for("1980-01-01", false, 1);
    let b = nik_for("1982-02-02", true, 2);
    let c = nik_for("1960-03-03", false, 3);
    household(
        db,
        kk,
        &[
            person(kk, &a, "Budi", "1980-01-01", "KEPALA KELUARGA"),
            person(kk, &b, "Siti", "1982-02-02", "ISTRI"),
            person(kk, &c, "Kakek", "1960-03-03", "ORANG TUA"),
        ],
    )
    .await
    .unwrap();
    let config = gotong::config::Config::for_database("sqlite::memory:");
    for (phone, nik) in [(PROPOSER, &a), (SUPPORTER, &b), (OPTED_OUT, &c)] {
        gotong::testing::kelurahan::link(db, &config, phone, nik, "482915")
            .await
            .unwrap();
    }
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.set_opted_out(OPTED_OUT, "whatsapp", true).await.unwrap();
    let proposer = tx.person(&a).await.unwrap().unwrap();
    let p = submit(
        &mut tx,
        &proposer,
        &Submission {
            kind: gotong::proposals::Kind::Fisik,
            title: "Lampu jalan",
            description: "Gang gelap",
            photo: None,
        },
        START_MS,
    )
    .await
    .unwrap();
    for nik in [&a, &b, &c] {
        let voter = tx.person(nik).await.unwrap().unwrap();
        support(&mut tx, &voter, p.number, START_MS).await.unwrap();
    }
    tx.commit().await.unwrap();
    let n = p.number;

    let s = TestServer::start(db, Setup::default()).await;
    let path = format!("/api/proposals/{n}/status");
    // Refused: unknown status, skipping the review, rejection without a reason, unknown number.
    assert_eq!(post(&s, &path, json!({"status": "funded"})).await.0, 422);
    assert_eq!(
        post(&s, &path, json!({"status": "ditolak", "reason": "x"}))
            .await
            .0,
        409
    );
    assert_eq!(
        post(
            &s,
            "/api/proposals/999/status",
            json!({"status": "diproses"})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        post(
            &s,
            "/api/proposals/1a/status",
            json!({"status": "diproses"})
        )
        .await
        .0,
        404
    );
    let (st, ok) = post(&s, &path, json!({"status": "diproses"})).await;
    assert_eq!(st, 200, "{ok}");
    assert_eq!(
        ok["notified"], 2,
        "proposer and one supporter; the opted-out one is skipped"
    );
    assert_eq!(
        post(&s, &path, json!({"status": "diproses"})).await.0,
        409,
        "same again"
    );
    assert_eq!(
        post(&s, &path, json!({"status": "ditolak"})).await.0,
        422,
        "no reason"
    );
    assert_eq!(
        post(&s, &path, json!({"status": "ditolak", "reason": "  "}))
            .await
            .0,
        422
    );
    // A campaign is refused before the proposal exists or with a bad target.
    let camp = format!("/api/proposals/{n}/campaign");
    assert_eq!(post(&s, &camp, json!({"target": 0})).await.0, 422);
    assert_eq!(
        post(&s, "/api/proposals/999/campaign", json!({"target": 5}))
            .await
            .0,
        404
    );
    let (st, rej) = post(
        &s,
        &path,
        json!({"status": "ditolak", "reason": "Anggaran habis"}),
    )
    .await;
    assert_eq!(
        (st, rej["status"].as_str()),
        (200, Some("ditolak")),
        "{rej}"
    );

    // Notices: Priority::Notice, on the phone's channel; none for the opted-out phone.
    for phone in [PROPOSER, SUPPORTER] {
        let rows = db.outbox_for_phone(phone).await.unwrap();
        let texts: Vec<String> = rows
            .iter()
            .map(|(_, b)| b.main_text().to_string())
            .collect();
        assert_eq!(texts.len(), 2, "{phone}: {texts:?}");
        assert!(
            texts[1].contains("Ditolak") && texts[1].contains("Anggaran habis"),
            "{texts:?}"
        );
    }
    assert!(db.outbox_for_phone(OPTED_OUT).await.unwrap().is_empty());
    let _ = Priority::Notice;

    let (st, cmp) = post(&s, &camp, json!({"target": 30000})).await;
    assert_eq!(st, 201, "{cmp}");
    assert_eq!(
        post(&s, &camp, json!({"target": 30000})).await.0,
        409,
        "a second campaign"
    );
    // Spending more than was donated is refused.
    let spend = format!("/api/campaigns/{n}/spend");
    assert_eq!(
        post(&s, &spend, json!({"amount": 1000, "memo": "semen"}))
            .await
            .0,
        422
    );
    assert_eq!(
        post(
            &s,
            "/api/campaigns/999/spend",
            json!({"amount": 1, "memo": "x"})
        )
        .await
        .0,
        404
    );

    top_up(db, kk, 50_000, "topup:api").await.unwrap();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let texts = Texts::load_shipped().expect("locales");
    let d = donate(
        &mut tx,
        &texts,
        &DonationRequest {
            donor_nik: &b,
            number: n,
            amount: 30_000,
            key: "donate:test:1",
            minor_limit: 50_000,
            now: START_MS,
        },
    )
    .await
    .unwrap();
    assert!(d.reached && d.fresh);
    assert_eq!(d.notices.len(), 1, "the proposer is told");
    // The same key again changes nothing.
    let again = donate(
        &mut tx,
        &texts,
        &DonationRequest {
            donor_nik: &b,
            number: n,
            amount: 30_000,
            key: "donate:test:1",
            minor_limit: 50_000,
            now: START_MS + 1,
        },
    )
    .await
    .unwrap();
    assert!(!again.fresh && !again.reached);
    tx.commit().await.unwrap();

    let (st, sp) = post(
        &s,
        &spend,
        json!({"amount": 20000, "memo": "Lampu LED 4 buah"}),
    )
    .await;
    assert_eq!(st, 200, "{sp}");
    assert_eq!(sp["balance"], 10000);
    assert_eq!(
        post(&s, &spend, json!({"amount": 5000, "memo": ""}))
            .await
            .0,
        422
    );
    let (st, shown) = get(&s, &format!("/api/proposals/{n}")).await;
    assert_eq!(st, 200);
    assert_eq!(shown["campaign"]["collected"], 30000);
    assert_eq!(shown["campaign"]["status"], "reached");
    assert_eq!(shown["spends"][0]["memo"], "Lampu LED 4 buah");
    assert_eq!(shown["history"].as_array().map(Vec::len), Some(3));
    assert!(!shown.to_string().contains(&a), "no full NIK");
    let close = format!("/api/campaigns/{n}/close");
    assert_eq!(post(&s, &close, json!({})).await.0, 200);
    assert_eq!(post(&s, &close, json!({})).await.0, 409);
    let (_, done) = post(&s, &path, json!({"status": "selesai"})).await;
    assert_eq!(done["status"], "selesai");
    assert_eq!(
        post(&s, &path, json!({"status": "diproses"})).await.0,
        409,
        "done is final"
    );

    let (_, stats) = get(&s, "/api/stats").await;
    assert_eq!(stats["proposals"], 1);
    assert_eq!(stats["supports"], 3);
    assert_eq!(stats["campaigns_open"], 0);
    assert_eq!(stats["campaigns_collected"], 30000);
    let audit = db.ledger_audit().await.unwrap();
    assert_eq!((audit.balance_sum, audit.negative_accounts), (0, 0));
    assert!(!db
        .audit_entries("proposal.status")
        .await
        .unwrap()
        .is_empty());
    s.shutdown().await;
}

/// `USULAN` pages with `0` on SMS (each page within 3 segments) and WhatsApp, and wraps around.
async fn listing_pages_with_zero(db: &Db) {
    use gotong::app::App;
    use gotong::chat::say;
    use gotong::clock::FakeClock;
    use gotong::engine::Engine;
    use gotong::message::{Channel, Content};
    use gotong::testing::transcript::show;
    use gotong::text::gsm7::sms_segments;
    use std::sync::Arc;

    let kk = "3201010101000051";
    let a = nik_for("1980-01-01", false, 1);
    household(
        db,
        kk,
        &[person(kk, &a, "Budi", "1980-01-01", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let me = tx.person(&a).await.unwrap().unwrap();
    for i in 1..=30 {
        let title = format!("Perbaikan saluran air dan jalan lingkungan nomor {i}");
        submit(
            &mut tx,
            &me,
            &Submission {
                kind: gotong::proposals::Kind::Fisik,
                title: &title,
                description: "x",
                photo: None,
            },
            START_MS,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let config = gotong::config::Config::for_database("sqlite::memory:");
    let engine = Engine::load_default(Arc::new(config.clone())).unwrap();
    let app = App::new(config, db.clone(), engine.texts().clone(), Arc::new(engine))
        .with_clock(Arc::new(FakeClock::new(START_MS)));
    for channel in [Channel::Sms, Channel::WhatsApp] {
        let send = |text: &str| {
            say(
                &app,
                channel,
                "+6281299999999",
                Content::Text { text: text.into() },
            )
        };
        let first = show(&send("USULAN").await.unwrap());
        assert!(first.contains("0. Berikutnya"), "{first}");
        let mut seen = first.matches("Perbaikan").count();
        let mut pages = 1;
        let mut last = first.clone();
        while last.contains("0. Berikutnya") {
            let replies = send("0").await.unwrap();
            for r in &replies {
                if channel == Channel::Sms {
                    assert!(sms_segments(r.main_text()) <= 3, "{}", r.main_text());
                }
            }
            last = show(&replies);
            seen += last.matches("Perbaikan").count();
            pages += 1;
            assert!(pages < 20, "paging never ends");
        }
        assert_eq!(seen, 30, "every proposal on some page ({channel:?})");
        // `0` on the last page starts again; a number shows the status.
        let again = show(&send("0").await.unwrap());
        assert_eq!(again, first);
        let status = show(&send("30").await.unwrap());
        assert!(
            status.starts_with("Usulan #30 (Bangunan (fisik)"),
            "{status}"
        );
    }
}

backend_tests!(workflow_campaign_spend_and_stats, listing_pages_with_zero);
