//! SALDO, MUTASI and BAYAR through the engine on both backends, with residents, merchants and
//! credit set up by the test kit's builder (`testing::kelurahan`). Replies are asserted exactly.

use gotong::app::App;
use gotong::backend_tests;
use gotong::chat::say;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::engine::Engine;
use gotong::message::{Channel, Content};
use gotong::store::{AccountKind, Db};
use gotong::testing::kelurahan::{link, merchant, payer_household, shop_household, top_up};
use gotong::testing::transcript::{show, START_MS};
use std::sync::Arc;

const PAYER: &str = "+6281200000001";
const MINOR: &str = "+6281200000002";
const SELLER: &str = "+6281200000003";
const STRANGER: &str = "+6281200000009";
const PIN: &str = "482915";

struct World {
    app: App,
    clock: FakeClock,
    kk: String,
}

async fn world(db: &Db) -> World {
    let config = Config::for_database("sqlite::memory:");
    let engine = Engine::load_default(Arc::new(config.clone())).expect("flows load");
    let clock = FakeClock::new(START_MS);
    let app = App::new(
        config.clone(),
        db.clone(),
        engine.texts().clone(),
        Arc::new(engine),
    )
    .with_clock(Arc::new(clock.clone()));
    let kk = "3201010101000021";
    let (adult, minor) = payer_household(db, kk, 1).await.unwrap();
    let (owner, _) = shop_household(db, "3201010101000022", 3, START_MS)
        .await
        .unwrap();
    merchant(db, &minor, "Jajan Rina", START_MS).await.unwrap();
    link(db, &config, PAYER, &adult, PIN).await.unwrap();
    link(db, &config, MINOR, &minor, PIN).await.unwrap();
    link(db, &config, SELLER, &owner, PIN).await.unwrap();
    top_up(db, kk, 100_000, "topup:flows").await.unwrap();
    World {
        app,
        clock,
        kk: kk.to_string(),
    }
}

async fn send(w: &World, phone: &str, text: &str) -> String {
    let replies = say(
        &w.app,
        Channel::Sms,
        phone,
        Content::Text { text: text.into() },
    )
    .await
    .unwrap();
    show(&replies)
}

async fn balance_needs_a_linked_phone(db: &Db) {
    let w = world(db).await;
    assert_eq!(
        send(&w, STRANGER, "SALDO").await,
        "HP ini belum terdaftar. Ketik DAFTAR untuk mendaftar."
    );
    assert_eq!(
        send(&w, STRANGER, "MUTASI").await,
        "HP ini belum terdaftar. Ketik DAFTAR untuk mendaftar."
    );
    assert_eq!(
        send(&w, STRANGER, "BAYAR W001 5000").await,
        "HP ini belum terdaftar. Ketik DAFTAR untuk mendaftar."
    );
    assert_eq!(
        send(&w, PAYER, "saldo").await,
        "Saldo keluarga Anda: Rp100.000"
    );
}

async fn pay_guided_with_a_wrong_pin_then_statement(db: &Db) {
    let w = world(db).await;
    assert_eq!(
        send(&w, PAYER, "BAYAR").await,
        "Ketik kode pedagang (contoh: W001)."
    );
    assert_eq!(
        send(&w, PAYER, "W999").await,
        "Kode pedagang W999 tidak ada.\nKetik kode pedagang (contoh: W001)."
    );
    assert_eq!(
        send(&w, PAYER, "w001").await,
        "Berapa yang mau dibayar ke Warung Bu Sri? (contoh: 25000)"
    );
    assert_eq!(
        send(&w, PAYER, "1jt").await,
        "Saldo tidak cukup. Saldo Anda: Rp100.000\nBerapa yang mau dibayar ke Warung Bu Sri? (contoh: 25000)"
    );
    assert_eq!(
        send(&w, PAYER, "0").await,
        "Jumlah tidak boleh nol.\nBerapa yang mau dibayar ke Warung Bu Sri? (contoh: 25000)"
    );
    assert_eq!(
        send(&w, PAYER, "25rb").await,
        "Bayar Rp25.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp75.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    assert_eq!(
        send(&w, PAYER, "111111").await,
        "PIN salah, sisa 2 kali.\nBayar Rp25.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp75.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    w.clock.advance_ms(60_000);
    let receipt = send(&w, PAYER, PIN).await;
    assert!(
        receipt.starts_with("Berhasil: Budi membayar Rp25.000 ke Warung Bu Sri (W001). Saldo keluarga: Rp75.000. Ref #"),
        "{receipt}"
    );
    // The merchant was told at once, on its phone.
    let notices = db
        .take_outbox_for_phone(gotong::store::KelurahanId::DEFAULT, SELLER, w.app.now())
        .await
        .unwrap();
    let notice = show(&notices);
    assert!(
        notice.starts_with("W001: diterima Rp25.000 dari Budi (masuk Rp23.750, dana sosial Rp1.250). Saldo toko: Rp23.750. Ref #"),
        "{notice}"
    );
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &w.kk).await.unwrap(),
        75_000
    );
    // The same PIN again does nothing more (the flow is over).
    send(&w, PAYER, PIN).await;
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &w.kk).await.unwrap(),
        75_000
    );
    assert_eq!(
        send(&w, PAYER, "MUTASI").await,
        "Transaksi terakhir:\n25-11-2026 Warung Bu Sri (W001) -Rp25.000\n01-01-1970 Kas kelurahan +Rp100.000\nSaldo keluarga Anda: Rp75.000"
    );
}

async fn pay_one_shot_refusals(db: &Db) {
    let w = world(db).await;
    // Own household's shop.
    assert_eq!(
        send(&w, PAYER, "BAYAR W002 5000").await,
        "Maaf, Anda tidak bisa membayar ke toko milik keluarga sendiri."
    );
    // 17 years old: limited per payment.
    assert_eq!(
        send(&w, MINOR, "BAYAR W001 60000").await,
        "Untuk umur 16-17 tahun, paling banyak Rp50.000 sekali bayar.\nBerapa yang mau dibayar ke Warung Bu Sri? (contoh: 25000)"
    );
    // BATAL instead of the PIN: nothing happens.
    assert_eq!(
        send(&w, PAYER, "BAYAR W001 5000").await,
        "Bayar Rp5.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp95.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    assert_eq!(send(&w, PAYER, "BATAL").await, "Pembayaran dibatalkan.");
    // Closed merchant.
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.set_merchant_open("W001", false).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        send(&w, PAYER, "BAYAR W001 5000").await,
        "Pedagang itu sedang tutup.\nKetik kode pedagang (contoh: W001)."
    );
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &w.kk).await.unwrap(),
        100_000
    );
}

async fn three_wrong_pins_lock_payments_for_15_minutes(db: &Db) {
    let w = world(db).await;
    send(&w, PAYER, "BAYAR W001 5000").await;
    assert_eq!(
        send(&w, PAYER, "111111").await,
        "PIN salah, sisa 2 kali.\nBayar Rp5.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp95.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    assert_eq!(
        send(&w, PAYER, "222222").await,
        "PIN salah, sisa 1 kali.\nBayar Rp5.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp95.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    // 08:00 Jakarta + 15 minutes.
    assert_eq!(
        send(&w, PAYER, "333333").await,
        "PIN salah 3 kali. Pembayaran dikunci sampai jam 08:15."
    );
    // While locked, BAYAR says so at once (no question, no PIN prompt); the PIN typed anyway
    // pays nothing and is not echoed.
    assert_eq!(
        send(&w, PAYER, "BAYAR W001 5000").await,
        "PIN Anda terkunci karena salah 3 kali. Bisa dipakai lagi mulai jam 08:15. Ketik MENU untuk pilihan lain."
    );
    let after = send(&w, PAYER, PIN).await;
    assert!(!after.contains(PIN), "{after}");
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &w.kk).await.unwrap(),
        100_000
    );
    // After the lock, the right PIN pays.
    w.clock.advance_ms(16 * 60_000);
    send(&w, PAYER, "BAYAR W001 5000").await;
    let receipt = send(&w, PAYER, PIN).await;
    assert!(receipt.starts_with("Berhasil:"), "{receipt}");
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &w.kk).await.unwrap(),
        95_000
    );
}

/// A PIN waiting at a PIN step is found before the unit of work that checks it (so it is verified
/// outside that unit's locks); the payment then goes through as usual, once.
async fn a_waiting_pin_is_found_before_its_step_runs(db: &Db) {
    let w = world(db).await;
    assert_eq!(
        send(&w, PAYER, "BAYAR W001 5000").await,
        "Bayar Rp5.000 dari Budi ke Warung Bu Sri (W001). Saldo sisa Rp95.000. Ketik PIN untuk setuju, BATAL untuk batal."
    );
    let pin = gotong::message::Inbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::Sms,
        phone: Some(PAYER.into()),
        provider_id: "SMpin1".into(),
        content: Content::Text { text: PIN.into() },
        sent_at: START_MS,
        to: None,
    };
    db.record_inbound(&pin, START_MS).await.unwrap();
    let waiting = db
        .pin_answers_waiting(&[PAYER.to_string(), STRANGER.to_string()])
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1, "only the linked phone in a conversation");
    assert_eq!(waiting[0].phone, PAYER);
    assert_eq!(waiting[0].content.input_text(), PIN);
    assert!(waiting[0].pin_hash.starts_with("$argon2id$"));
    assert_eq!(gotong::inbox::handle_phone(&w.app, PAYER).await.unwrap(), 1);
    // The receipt, then the balance (the chat helper shows the replies not shown yet).
    assert_eq!(
        send(&w, PAYER, "SALDO").await,
        "Berhasil: Budi membayar Rp5.000 ke Warung Bu Sri (W001). Saldo keluarga: Rp95.000. Ref #2\n---\nSaldo keluarga Anda: Rp95.000"
    );
}

backend_tests!(
    a_waiting_pin_is_found_before_its_step_runs,
    balance_needs_a_linked_phone,
    pay_guided_with_a_wrong_pin_then_statement,
    pay_one_shot_refusals,
    three_wrong_pins_lock_payments_for_15_minutes,
);
