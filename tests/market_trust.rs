//! Trust in the market as residents see it in `CARI`: a merchant with 10 paid orders
//! (`GOTONG_VERIFIED_MERCHANT_ORDERS`) is "terverifikasi" until a complaint naming its code
//! (`ADUAN W001 …`) is open, and again once the kelurahan closes it. Both backends.

mod common;

use common::officer::{fixture_csv, Officer};
use gotong::store::Db;

const BUDI: &str = "+6281255500071";
const AHMAD: &str = "+6281255500072";

async fn a_merchant_is_verified_by_paid_orders_until_a_complaint(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let config = o.app.config.clone();
    assert_eq!(config.verified_merchant_orders, 10);
    let k = gotong::testing::kelurahan::link;
    k(db, &config, BUDI, "3201011205800001", "482915")
        .await
        .unwrap();
    k(db, &config, AHMAD, "3201010101900006", "135790")
        .await
        .unwrap();
    gotong::testing::kelurahan::merchant(db, "3201011205800001", "Warung Budi", o.app.now())
        .await
        .unwrap();
    gotong::testing::kelurahan::top_up(db, "3201010101230002", 100_000, "topup:trust")
        .await
        .unwrap();
    for text in ["JUAL", "Teh manis", "2000", "100", "2"] {
        o.chat(BUDI, text).await;
    }
    for n in 1..=10 {
        let shown = found(&o).await;
        assert!(
            !shown.contains("terverifikasi"),
            "after {} orders: {shown}",
            n - 1
        );
        o.chat(AHMAD, "PESAN L001 1").await;
        let paid = o.chat(AHMAD, "135790").await;
        assert!(paid.starts_with("Berhasil"), "{paid}");
    }
    let shown = found(&o).await;
    assert!(
        shown.contains("Warung Budi (terverifikasi), RW 03"),
        "{shown}"
    );
    let opened = o.chat(AHMAD, "ADUAN W001 teh yang saya terima basi").await;
    assert!(opened.contains("tiket #1"), "{opened}");
    let shown = found(&o).await;
    assert!(
        !shown.contains("terverifikasi"),
        "an open complaint: {shown}"
    );
    // A complaint that names no merchant counts against none.
    o.chat(AHMAD, "ADUAN lampu jalan mati").await;
    let (status, _) = o
        .call(reqwest::Method::POST, "/tickets/1/close", None)
        .await;
    assert_eq!(status, 200);
    let shown = found(&o).await;
    assert!(
        shown.contains("Warung Budi (terverifikasi)"),
        "closed: {shown}"
    );
    o.server.shutdown().await;
}

/// What `CARI teh` shows the buyer.
async fn found(o: &Officer) -> String {
    o.chat(AHMAD, "CARI teh").await
}

gotong::backend_tests!(a_merchant_is_verified_by_paid_orders_until_a_complaint);
