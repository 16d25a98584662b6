//! The ledger's admin routes over real HTTP, on both backends.

mod common;

use common::admin_post as post;

use common::{Setup, TestServer, ADMIN_TOKEN};
use gotong::backend_tests;
use gotong::store::Db;
use gotong::testing::kelurahan::{household, nik_for, person, top_up};
use serde_json::{json, Value};

async fn merchants_stimulus_redeem_and_stats(db: &Db) {
    let kk = "3201010101000031";
    let sri = nik_for("1975-04-04", true, 1);
    let kid = nik_for("2015-04-04", false, 2);
    household(
        db,
        kk,
        &[
            person(kk, &sri, "Sri", "1975-04-04", "KEPALA KELUARGA"),
            person(kk, &kid, "Anak", "2015-04-04", "ANAK"),
        ],
    )
    .await
    .unwrap();
    let s = TestServer::start(db, Setup::default()).await;
    let (status, m) = post(
        &s,
        "/api/merchants",
        json!({"nik": sri, "name": " Warung  Bu Sri "}),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["code"], "W001");
    assert_eq!(m["name"], "Warung Bu Sri");
    assert!(!m.to_string().contains(&sri), "no full NIK in answers");
    let (status, _) = post(&s, "/api/merchants", json!({"nik": sri, "name": "Lagi"})).await;
    assert_eq!(status, 409);
    let (status, _) = post(&s, "/api/merchants", json!({"nik": kid, "name": "Anak"})).await;
    assert_eq!(status, 422, "under 16");
    let (status, _) = post(
        &s,
        "/api/merchants",
        json!({"nik": "3201019999990001", "name": "X"}),
    )
    .await;
    assert_eq!(status, 404);

    let (status, run) = post(&s, "/api/stimulus/run", json!({"date": "2026-11-20"})).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        (
            run["households"].as_i64(),
            run["persons"].as_i64(),
            run["amount"].as_i64()
        ),
        (Some(1), Some(2), Some(2000))
    );
    let (_, again) = post(&s, "/api/stimulus/run", json!({"date": "2026-11-20"})).await;
    assert_eq!(again["amount"], 0);
    assert_eq!(again["date_total"]["amount"], 2000);
    let (status, _) = post(&s, "/api/stimulus/run", json!({"date": "25-11-2026"})).await;
    assert_eq!(status, 422);

    // A payment into W001's till, then cash-out.
    let buyer_kk = "3201010101000032";
    let buyer = nik_for("1980-01-01", false, 3);
    household(
        db,
        buyer_kk,
        &[person(
            buyer_kk,
            &buyer,
            "Budi",
            "1980-01-01",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    top_up(db, buyer_kk, 50_000, "topup:api").await.unwrap();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    gotong::ledger::payment::pay(
        &mut tx,
        &gotong::ledger::payment::PaymentRequest {
            payer_nik: &buyer,
            merchant_code: "W001",
            amount: 20_000,
            key: "pay:api",
            social_fund_percent: 5.into(),
            minor_limit: 50_000,
            now: gotong::testing::transcript::START_MS,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, r) = post(&s, "/api/merchants/W001/redeem", json!({"amount": 19_001})).await;
    assert_eq!(status, 422, "{r}");
    let (status, r) = post(&s, "/api/merchants/W001/redeem", json!({"amount": 10_000})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["balance"], 9_000);
    let (status, _) = post(&s, "/api/merchants/W999/redeem", json!({"amount": 1})).await;
    assert_eq!(status, 404);

    let stats: Value = s
        .http
        .get(format!("{}/api/stats", s.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["payments"], 1);
    assert_eq!(stats["payments_amount"], 20_000);
    assert_eq!(stats["social_fund_balance"], 1_000);
    assert!(stats["stimulus_issued"].as_i64().unwrap() >= 2_000);
    assert!(stats["velocity"].as_f64().unwrap() > 0.0);
    assert!(stats["share_redeemed"].as_f64().unwrap() > 0.0);
    s.shutdown().await;
}

backend_tests!(merchants_stimulus_redeem_and_stats);
