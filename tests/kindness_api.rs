//! The kindness record as the kelurahan sees it (`GET /api/kindness`): the top contributors of
//! each RW with what they did and whether they consented to being shown in public. Both
//! backends.

mod common;

use common::officer::{fixture_csv, Officer};
use gotong::store::Db;
use serde_json::json;

const BUDI: &str = "+6281255500081";
const AHMAD: &str = "+6281255500082";

async fn the_kelurahan_sees_its_top_contributors_per_rw(db: &Db) {
    let o = Officer::start(db).await;
    o.import(fixture_csv(), false).await;
    let config = o.app.config.clone();
    let link = gotong::testing::kelurahan::link;
    link(db, &config, BUDI, "3201011205800001", "482915")
        .await
        .unwrap();
    link(db, &config, AHMAD, "3201010101900006", "135790")
        .await
        .unwrap();
    for text in ["JASA", "Ajar mengaji", "BARTER", "Malam Jumat"] {
        o.chat(BUDI, text).await;
    }
    for n in 1..=2 {
        o.chat(AHMAD, "MINTA JASA J001").await;
        o.chat(BUDI, &format!("TERIMA JASA {n}")).await;
        let done = o.chat(AHMAD, &format!("BARTER JASA {n}")).await;
        assert!(
            done.ends_with("Terima kasih sudah bergotong royong."),
            "{done}"
        );
    }
    // Ahmad only asked: nothing of his is counted.
    let (status, top) = o.call(reqwest::Method::GET, "/kindness", None).await;
    assert_eq!(status, 200, "{top}");
    assert_eq!(
        top,
        json!({ "03": [{ "name": "BUDI SANTOSO", "total": 2, "volunteered": 0, "lent": 0,
                          "donated": 0, "services": 2, "public": false }] })
    );
    o.chat(BUDI, "KEBAIKAN PUBLIK").await;
    let (_, top) = o.call(reqwest::Method::GET, "/kindness?top=1", None).await;
    assert_eq!(top["03"][0]["public"], true);
    assert!(!top.to_string().contains("3201011205800001"), "no NIK");
    let (status, _) = o.call(reqwest::Method::GET, "/kindness?top=0", None).await;
    assert_eq!(status, 422);
    o.server.shutdown().await;
}

gotong::backend_tests!(the_kelurahan_sees_its_top_contributors_per_rw);
