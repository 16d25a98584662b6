//! The ledger's admin routes over real HTTP, on both backends.

mod common;

use common::admin_post as post;

use common::{Setup, TestServer, ADMIN_TOKEN};
use gotong::backend_tests;
use gotong::store::{AccountKind, Db};
use gotong::testing::kelurahan::{
    another_kelurahan, household, household_in, nik_for, person, top_up,
};
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
    // A day that has not come yet is refused, and says why.
    let (status, refused) = post(&s, "/api/stimulus/run", json!({"date": "2099-01-01"})).await;
    assert_eq!(status, 422);
    assert!(
        refused.to_string().contains("has not come yet"),
        "{refused}"
    );

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

/// `POST /api/wallets/{no_kk}/deposit` (with its required `Idempotency-Key`), and the ledger's
/// routes acting on the `?kelurahan=` one: its stimulus run, its households, its merchants.
async fn deposits_and_routes_per_kelurahan(db: &Db) {
    let here = "3201010101000051";
    let there = "3577010101000052";
    let budi = nik_for("1980-01-01", false, 51);
    let sari = nik_for("1982-02-02", true, 52);
    household(
        db,
        here,
        &[person(here, &budi, "Budi", "1980-01-01", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    let b = another_kelurahan(db, "3577011002", "Sukamaju")
        .await
        .unwrap();
    household_in(
        db,
        b,
        there,
        &[person(
            there,
            &sari,
            "Sari",
            "1982-02-02",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    let s = TestServer::start(db, Setup::default()).await;
    let deposit = |path: String, key: Option<&'static str>, body: Value| {
        let s = &s;
        async move {
            let mut r = s
                .http
                .post(format!("{}{path}", s.base))
                .bearer_auth(ADMIN_TOKEN)
                .json(&body);
            if let Some(k) = key {
                r = r.header("Idempotency-Key", k);
            }
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let url = |kk: &str, kel: &str| format!("/api/wallets/{kk}/deposit{kel}");
    let (status, _) = deposit(url(here, ""), None, json!({"amount": 10_000})).await;
    assert_eq!(status, 400, "a deposit needs its Idempotency-Key");
    let (status, r) = deposit(
        url(here, ""),
        Some("kas-1"),
        json!({"amount": 10_000, "memo": "setoran tunai"}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["purse"].as_i64(), r["fresh"].as_bool()),
        (Some(10_000), Some(true))
    );
    let (status, r) = deposit(url(here, ""), Some("kas-1"), json!({"amount": 10_000})).await;
    assert_eq!(
        (status, r["purse"].as_i64(), r["fresh"].as_bool()),
        (200, Some(10_000), Some(false))
    );
    for bad in [
        json!({"amount": 0}),
        json!({"amount": -5}),
        json!({"amount": 1, "memo": "x".repeat(121)}),
    ] {
        let (status, r) = deposit(url(here, ""), Some("kas-2"), bad).await;
        assert_eq!(status, 422, "{r}");
    }
    // Another kelurahan's household is unknown here, known there.
    let (status, _) = deposit(url(there, ""), Some("kas-3"), json!({"amount": 5_000})).await;
    assert_eq!(status, 404);
    let (status, r) = deposit(
        url(there, "?kelurahan=3577011002"),
        Some("kas-3"),
        json!({"amount": 5_000}),
    )
    .await;
    assert_eq!((status, r["purse"].as_i64()), (200, Some(5_000)), "{r}");
    assert_eq!(
        db.balance_in(b, AccountKind::Treasury, "").await.unwrap(),
        -5_000,
        "from Sukamaju's treasury"
    );
    // The stimulus run of one kelurahan.
    let (status, run) = post(
        &s,
        "/api/stimulus/run?kelurahan=3577011002",
        json!({"date": "2026-11-20"}),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        (
            run["households"].as_i64(),
            run["date_total"]["households"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        db.balance_of(AccountKind::Wallet, here).await.unwrap(),
        0,
        "not the default's"
    );
    let (_, run) = post(&s, "/api/stimulus/run", json!({"date": "2026-11-20"})).await;
    assert_eq!(
        (
            run["households"].as_i64(),
            run["date_total"]["households"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // A merchant of Sukamaju is redeemed there only.
    let (status, m) = post(
        &s,
        "/api/merchants?kelurahan=3577011002",
        json!({"nik": sari, "name": "Toko Sari"}),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let (status, _) = post(&s, "/api/merchants/W001/redeem", json!({"amount": 1})).await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &s,
        "/api/merchants/W001/redeem?kelurahan=3577011002",
        json!({"amount": 1}),
    )
    .await;
    assert_eq!(status, 422, "known there, its till is empty");
    let audits = db.ledger_audits().await.unwrap();
    assert!(audits.hold(), "{audits:?}");
    s.shutdown().await;
}

backend_tests!(
    merchants_stimulus_redeem_and_stats,
    deposits_and_routes_per_kelurahan
);

/// `gotong stimulus run --date` refuses a day that has not come yet, saying so, and credits nothing.
#[test]
fn the_cli_refuses_a_future_stimulus_date() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gotong"))
        .args(["stimulus", "run", "--date", "2099-01-01"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("2099-01-01 has not come yet"), "{stderr}");
}
