//! The market and the goods library below the conversation: the admin route `POST /api/items`,
//! `/api/stats`, and the scheduled work (expiry, reminders, overdue) with the fake clock, run
//! directly and under the lease. Both backends.

mod common;

use common::admin_post as post;

use common::{Setup, TestServer, ADMIN_TOKEN};
use gotong::app::App;
use gotong::backend_tests;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::engine::Engine;
use gotong::ledger::keys;
use gotong::market::jobs::{run_due, run_if_leased, JobReport};
use gotong::market::{self, MarketError, OrderStatus, Requested, Sale};
use gotong::store::Db;
use gotong::testing::kelurahan::{household, link, merchant, nik_for, person, top_up};
use gotong::testing::transcript::START_MS;
use serde_json::{json, Value};
use std::sync::Arc;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

struct World {
    seller: String,
    buyer: String,
    config: Config,
}

async fn world(db: &Db) -> World {
    let (kk1, kk2) = ("3201010101000041", "3201010101000042");
    let seller = nik_for("1980-01-01", false, 1);
    let buyer = nik_for("1985-02-02", true, 2);
    household(
        db,
        kk1,
        &[person(kk1, &seller, "Sri", "1980-01-01", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    household(
        db,
        kk2,
        &[person(kk2, &buyer, "Ani", "1985-02-02", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    let config = Config::for_database("sqlite://unused");
    link(db, &config, "+6281300000001", &seller, "123456")
        .await
        .unwrap();
    link(db, &config, "+6281300000002", &buyer, "654321")
        .await
        .unwrap();
    World {
        seller,
        buyer,
        config,
    }
}

async fn queued(db: &Db, phone: &str) -> Vec<String> {
    db.outbox_for_phone(phone)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, b)| b.main_text().to_string())
        .collect()
}

async fn items_api_and_stats(db: &Db) {
    let w = world(db).await;
    let s = TestServer::start(db, Setup::default()).await;
    let (status, item) = post(
        &s,
        "/api/items",
        json!({"name": "Tangga  lipat", "owner_nik": w.seller}),
    )
    .await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(
        (item["code"].as_str(), item["name"].as_str()),
        (Some("B001"), Some("Tangga lipat"))
    );
    assert!(
        !item.to_string().contains(&w.seller),
        "no full NIK in answers"
    );
    let (status, item) = post(
        &s,
        "/api/items",
        json!({"name": "Tenda 4x6", "owner_nik": null, "custodian_nik": w.buyer}),
    )
    .await;
    assert_eq!((status, item["code"].as_str()), (201, Some("B002")));
    assert!(item["owner"].is_null());
    let (status, _) = post(
        &s,
        "/api/items",
        json!({"name": "Tenda", "owner_nik": null}),
    )
    .await;
    assert_eq!(status, 422, "a community item needs a custodian");
    let (status, _) = post(
        &s,
        "/api/items",
        json!({"name": "Tenda", "owner_nik": "3201019999990001"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &s,
        "/api/items",
        json!({"name": "X", "owner_nik": w.seller}),
    )
    .await;
    assert_eq!(status, 422, "name too short");
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
    for key in ["listings", "orders", "loans_active", "loans_overdue"] {
        assert_eq!(stats[key], 0, "{key} in {stats}");
    }
    assert_eq!(stats["items"], 2);
    s.shutdown().await;
}

async fn expiry_reminders_and_overdue_run_once(db: &Db) {
    let w = world(db).await;
    let engine = Engine::load_default(Arc::new(w.config.clone())).unwrap();
    let texts = engine.texts();
    let m = merchant(db, &w.seller, "Warung Sri", START_MS)
        .await
        .unwrap();
    let buyer = {
        let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
        tx.person(&w.buyer).await.unwrap().unwrap()
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let sale = Sale {
        name: "Kue lapis",
        price: 5_000,
        stock: 3,
        category: "makanan",
        photo: None,
    };
    let code = market::sell(&mut tx, &m, &sale, START_MS).await.unwrap();
    let stock_refused = market::sell(
        &mut tx,
        &m,
        &Sale {
            stock: 1_000_000_000,
            ..sale.clone()
        },
        START_MS,
    )
    .await;
    assert!(matches!(stock_refused, Err(MarketError::InvalidStock)));
    let (_, order) = market::reserve(&mut tx, &buyer, "+6281300000002", &code, 2, START_MS)
        .await
        .unwrap();
    let more = market::reserve(&mut tx, &buyer, "+6281300000002", &code, 2, START_MS).await;
    assert!(
        matches!(more, Err(MarketError::NotEnoughStock { available: 1 })),
        "reserved quantity is held from others"
    );
    // A loan accepted today for 2 days.
    let (item, _, _) = market::add_item(&mut tx, "test", "Tenda", Some(&w.seller), None, START_MS)
        .await
        .unwrap();
    let (_, _, place) = market::request_loan(&mut tx, &buyer, "+6281300000002", &item, 2, START_MS)
        .await
        .unwrap();
    assert_eq!(place, Requested::Asked);
    let seller = tx.person(&w.seller).await.unwrap().unwrap();
    market::decide(&mut tx, &seller, &item, true, START_MS)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Not yet due.
    let r = run_due(db, texts, START_MS + HOUR).await.unwrap();
    assert_eq!(r, JobReport::default());
    // After 2 hours the order expires: the quantity is available again, once.
    let r = run_due(db, texts, START_MS + 2 * HOUR).await.unwrap();
    assert_eq!(r.orders_expired, 1);
    assert_eq!(
        run_due(db, texts, START_MS + 2 * HOUR)
            .await
            .unwrap()
            .orders_expired,
        0
    );
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let o = tx.order(order.id).await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::Expired);
    let l = tx
        .listing(&code, START_MS + 2 * HOUR)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((l.stock, l.available), (3, 3));
    tx.commit().await.unwrap();
    let buyer_msgs = queued(db, "+6281300000002").await;
    assert!(
        buyer_msgs
            .iter()
            .any(|t| t.contains("tidak dibayar dalam 2 jam")),
        "{buyer_msgs:?}"
    );

    // The day before, on the day, then overdue: each once, even when run twice.
    for (day, expect) in [(1, (1, 0)), (2, (1, 0)), (3, (0, 1))] {
        let now = START_MS + day * DAY;
        let r = run_due(db, texts, now).await.unwrap();
        assert_eq!((r.reminders, r.overdue), expect, "day {day}");
        let again = run_due(db, texts, now).await.unwrap();
        assert_eq!((again.reminders, again.overdue), (0, 0), "day {day} again");
    }
    let texts_out = queued(db, "+6281300000002").await;
    assert!(texts_out.iter().any(|t| t.contains("besok")));
    assert!(texts_out.iter().any(|t| t.contains("hari ini")));
    assert!(texts_out.iter().any(|t| t.contains("lewat batas")));
    let owner = queued(db, "+6281300000001").await;
    assert!(
        owner.iter().any(|t| t.contains("belum kembali")),
        "{owner:?}"
    );
    assert!(owner.iter().all(|t| !t.contains(&w.buyer)), "never the NIK");
    let audit = db.audit_entries("loan.overdue").await.unwrap();
    assert_eq!(audit.len(), 1);
    let today = gotong::calendar::jakarta_date(START_MS + 3 * DAY)
        .format("%Y-%m-%d")
        .to_string();
    let stats = db.market_stats(None, &today).await.unwrap();
    assert_eq!(
        (stats.listings, stats.loans_active, stats.loans_overdue),
        (1, 1, 1)
    );
}

async fn one_server_runs_the_jobs(db: &Db) {
    let w = world(db).await;
    let engine = Arc::new(Engine::load_default(Arc::new(w.config.clone())).unwrap());
    let clock = FakeClock::new(START_MS);
    let app = App::new(
        w.config.clone(),
        db.clone(),
        engine.texts().clone(),
        engine.clone(),
    )
    .with_clock(Arc::new(clock));
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    assert!(tx
        .claim_job("market", "other", START_MS + 60_000, START_MS)
        .await
        .unwrap());
    tx.commit().await.unwrap();
    let r = run_if_leased(&app, "me").await.unwrap();
    assert_eq!(r, None, "another server holds the lease");
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.release_job("market", "other").await.unwrap();
    tx.commit().await.unwrap();
    let r = run_if_leased(&app, "me").await.unwrap();
    assert_eq!(r, Some(JobReport::default()));
}

async fn library_refusals(db: &Db) {
    let w = world(db).await;
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let buyer = tx.person(&w.buyer).await.unwrap().unwrap();
    let seller = tx.person(&w.seller).await.unwrap().unwrap();
    let (item, _, _) = market::add_item(
        &mut tx,
        "test",
        "Bor listrik",
        Some(&w.seller),
        None,
        START_MS,
    )
    .await
    .unwrap();
    for days in [0, 30] {
        let r =
            market::request_loan(&mut tx, &buyer, "+6281300000002", &item, days, START_MS).await;
        assert!(matches!(r, Err(MarketError::InvalidDays)), "{days} days");
    }
    let own = market::request_loan(&mut tx, &seller, "+6281300000001", &item, 2, START_MS).await;
    assert!(matches!(own, Err(MarketError::OwnItem)));
    let back = market::give_back(&mut tx, &buyer, &item, START_MS).await;
    assert!(matches!(back, Err(MarketError::NotCustodian)));
    let back = market::give_back(&mut tx, &seller, &item, START_MS).await;
    assert!(matches!(back, Err(MarketError::NotLent)));
    tx.commit().await.unwrap();
}

async fn paying_an_order(db: &Db) {
    let w = world(db).await;
    top_up(db, "3201010101000042", 50_000, "test:top-up")
        .await
        .unwrap();
    let m = merchant(db, &w.seller, "Kios Sri", START_MS).await.unwrap();
    let engine = Engine::load_default(Arc::new(w.config.clone())).unwrap();
    let texts = engine.texts();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let buyer = tx.person(&w.buyer).await.unwrap().unwrap();
    let sale = Sale {
        name: "Kue lapis",
        price: 5_000,
        stock: 5,
        category: "makanan",
        photo: None,
    };
    let code = market::sell(&mut tx, &m, &sale, START_MS).await.unwrap();
    let (_, late) = market::reserve(&mut tx, &buyer, "+6281300000002", &code, 1, START_MS)
        .await
        .unwrap();
    let (_, order) = market::reserve(&mut tx, &buyer, "+6281300000002", &code, 2, START_MS)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Paid within the hold: the stock goes down, the seller is told; again under the same key
    // (the order's), nothing more is paid, taken or told.
    for (attempt, fresh) in [(1, true), (2, false)] {
        let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
        let paid = market::pay_order(&mut tx, texts, &w.config, order.id, START_MS + HOUR)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(paid.fresh, fresh, "attempt {attempt}");
        assert_eq!(paid.seller_notice.is_some(), fresh, "attempt {attempt}");
        assert_eq!(paid.order.status, OrderStatus::Paid);
        assert_eq!(
            paid.order.transfer_key.as_deref(),
            Some(keys::order(order.id).as_str())
        );
        assert_eq!(paid.payment.household_balance, 40_000, "paid once");
        assert_eq!(paid.payment.transfer.key, keys::order(order.id));
    }
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let l = tx.listing(&code, START_MS + HOUR).await.unwrap().unwrap();
    assert_eq!((l.stock, l.available), (3, 2), "2 taken, 1 still reserved");
    tx.commit().await.unwrap();

    // Past its hold an order is refused, even before the expiry job saw it.
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let refused = market::pay_order(&mut tx, texts, &w.config, late.id, START_MS + 2 * HOUR).await;
    assert!(
        matches!(refused, Err(MarketError::OrderTooLate)),
        "{refused:?}"
    );
    let o = tx.order(late.id).await.unwrap().unwrap();
    assert_eq!((o.status, o.transfer_key), (OrderStatus::Reserved, None));
    assert!(tx
        .transfer_by_key(&keys::order(late.id))
        .await
        .unwrap()
        .is_none());
    tx.commit().await.unwrap();
}

backend_tests!(
    items_api_and_stats,
    paying_an_order,
    expiry_reminders_and_overdue_run_once,
    one_server_runs_the_jobs,
    library_refusals,
);
