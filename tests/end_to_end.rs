//! The whole path with the real engine: a signed webhook in, the conversation step, the reply
//! at the (fake) provider in the channel's own form.

mod common;

use common::{eventually, fixture, FakeProvider, Setup, TestServer};
use gotong::engine::Engine;
use gotong::store::Db;
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn server(db: &Db) -> TestServer {
    let provider = FakeProvider::start().await;
    let setup = Setup::default();
    let config = common::config(&setup, &provider);
    let engine = Engine::load_default(Arc::new(config)).expect("flows load");
    TestServer::start_conversing(db, setup, provider, Arc::new(engine)).await
}

fn whatsapp_text(id: &str, text: &str) -> Vec<u8> {
    String::from_utf8(fixture("whatsapp/text.json"))
        .unwrap()
        .replace(
            "\"body\": \"SALDO\"",
            &format!("\"body\": {}", serde_json::json!(text)),
        )
        .replace(
            "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAxAA==",
            id,
        )
        .into_bytes()
}

/// MENU on WhatsApp comes back as an interactive list; a tapped row starts that flow.
async fn whatsapp_menu_is_a_list_and_a_tap_answers_it(db: &Db) {
    let server = server(db).await;
    assert_eq!(
        server
            .whatsapp(&whatsapp_text("wamid.e2e1", "MENU"))
            .await
            .status(),
        200
    );
    eventually("the menu reply", WAIT, || async {
        server.provider.accepted().len() == 1
    })
    .await;
    let menu = server.provider.accepted()[0].json();
    assert_eq!(menu["to"], "6281234567001");
    assert_eq!(menu["type"], "interactive");
    assert_eq!(menu["interactive"]["type"], "list");
    let rows = menu["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    // The most used first: the search is on the first page (issue 17).
    assert!(rows.iter().any(|r| r["title"] == "Cari barang"), "{rows:?}");
    let search_row = rows.iter().find(|r| r["title"] == "Cari barang").unwrap();

    let tap = String::from_utf8(fixture("whatsapp/list_reply.json")).unwrap();
    let tap: serde_json::Value = serde_json::from_str(&tap).unwrap();
    let mut tap = tap;
    let msg = &mut tap["entry"][0]["changes"][0]["value"]["messages"][0];
    msg["from"] = "6281234567001".into();
    msg["id"] = "wamid.e2e2".into();
    msg["interactive"]["list_reply"]["id"] = search_row["id"].clone();
    let body = serde_json::to_vec(&tap).unwrap();
    assert_eq!(server.whatsapp(&body).await.status(), 200);
    eventually("the search question", WAIT, || async {
        server.provider.accepted().len() == 2
    })
    .await;
    let reply = server.provider.accepted()[1].json();
    assert_eq!(reply["type"], "text");
    assert_eq!(
        reply["text"]["body"],
        "Cari apa? (contoh: keripik, kue, jahit)"
    );
    server.shutdown().await;
}

/// On SMS the same menu is numbered text, GSM-7, as a Twilio form.
async fn sms_menu_is_numbered_text(db: &Db) {
    let server = server(db).await;
    let form = String::from_utf8(fixture("twilio/inbound_sms.form"))
        .unwrap()
        .replace("Body=Bayar+W001+Rp25.000", "Body=menu");
    assert_eq!(
        server
            .twilio("/webhooks/sms", form.as_bytes())
            .await
            .status(),
        200
    );
    eventually("the menu reply", WAIT, || async {
        server.provider.accepted().len() == 1
    })
    .await;
    let sent = &server.provider.accepted()[0];
    assert_eq!(sent.to(), "+6281234567101");
    let text = sent.text();
    assert!(
        text.starts_with("Menu Gotong. Balas dengan angka:\n1. "),
        "{text}"
    );
    assert!(gotong::text::gsm7::is_gsm7(&text));
    server.shutdown().await;
}

gotong::backend_tests!(
    whatsapp_menu_is_a_list_and_a_tap_answers_it,
    sms_menu_is_numbered_text
);
