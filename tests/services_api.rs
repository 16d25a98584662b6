//! Gerai Skill & Barter as the kelurahan sees it: the offers listed and the requests with their
//! state (`/api/services`), the figures of `/api/stats`, and the money of a paid request in the
//! ledger: the payer's household down by the amount, the provider's family purse up by the
//! amount less the social-fund share, the social fund up by the share. Both backends.

mod common;

use common::officer::{fixture_csv, Officer};
use gotong::store::{AccountKind, Db, KelurahanId};

const AHMAD: &str = "+6281255500061";
const SITI: &str = "+6281255500062";

async fn balance(db: &Db, kind: AccountKind, owner: &str) -> i64 {
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    let b = tx
        .account_by_owner(kind, owner)
        .await
        .unwrap()
        .map(|a| a.balance)
        .unwrap_or(0);
    tx.rollback().await.unwrap();
    b
}

async fn a_paid_service_moves_money_once_and_counts(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let config = o.app.config.clone();
    gotong::testing::kelurahan::link(db, &config, SITI, "3201016008840002", "482915")
        .await
        .unwrap();
    gotong::testing::kelurahan::link(db, &config, AHMAD, "3201010101900006", "135790")
        .await
        .unwrap();
    gotong::testing::kelurahan::top_up(db, "3201010101230002", 100_000, "topup:test")
        .await
        .unwrap();
    for text in ["JASA", "Pijat urut", "1", "40000", "Sore hari"] {
        o.chat(SITI, text).await;
    }
    for text in ["JASA", "Ajar menjahit", "BARTER", "Minggu pagi"] {
        o.chat(SITI, text).await;
    }
    let asked = o.chat(AHMAD, "MINTA JASA J001").await;
    assert!(
        asked.starts_with("Permintaan #1 untuk J001 Pijat urut"),
        "{asked}"
    );
    o.chat(AHMAD, "MINTA JASA J002").await;
    o.chat(SITI, "TERIMA JASA 1").await;
    o.chat(SITI, "TOLAK JASA 2").await;
    let social_fund_before = balance(db, AccountKind::SocialFund, "").await;
    o.chat(AHMAD, "BAYAR JASA 1 40000").await;
    let paid = o.chat(AHMAD, "135790").await;
    assert!(
        paid.starts_with("Berhasil: Rp40.000 dibayar ke SITI AMINAH"),
        "{paid}"
    );
    let again = o.chat(AHMAD, "BAYAR JASA 1 40000").await;
    assert!(again.ends_with("Permintaan #1 sudah dibayar."), "{again}");

    assert_eq!(
        balance(db, AccountKind::Wallet, "3201010101230002").await,
        60_000
    );
    assert_eq!(
        balance(db, AccountKind::Purse, "3201010101230001").await,
        38_000
    );
    assert_eq!(
        balance(db, AccountKind::SocialFund, "").await - social_fund_before,
        2_000
    );

    let (status, offers) = o.call(reqwest::Method::GET, "/services", None).await;
    assert_eq!(status, 200, "{offers}");
    assert_eq!(offers[0]["code"], "J001");
    assert_eq!(offers[0]["provider"], "SITI AMINAH");
    assert_eq!(offers[0]["price"], 40000);
    assert_eq!(offers[1]["price"], serde_json::Value::Null, "barter");
    assert!(!offers.to_string().contains("3201016008840002"), "no NIK");
    let (_, requests) = o
        .call(reqwest::Method::GET, "/services/requests", None)
        .await;
    let states: Vec<(i64, &str)> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["number"].as_i64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [(2, "declined"), (1, "paid")]);
    assert_eq!(requests[1]["amount"], 40000);
    let (_, paid) = o
        .call(reqwest::Method::GET, "/services/requests?status=paid", None)
        .await;
    assert_eq!(paid.as_array().unwrap().len(), 1);
    let (status, _) = o
        .call(
            reqwest::Method::GET,
            "/services/requests?status=bogus",
            None,
        )
        .await;
    assert_eq!(status, 422);
    let (_, stats) = o.call(reqwest::Method::GET, "/stats", None).await;
    assert_eq!(stats["services"], 2);
    assert_eq!(stats["services_done"], 1);
    o.server.shutdown().await;
}

gotong::backend_tests!(a_paid_service_moves_money_once_and_counts);
