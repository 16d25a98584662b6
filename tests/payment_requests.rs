//! The payment-request rule (`ledger::payment_request`) on both backends: a request is paid at
//! most once however often it is settled, and a declined or foreign request is never paid.

use gotong::backend_tests;
use gotong::ledger::payment_request::{self, Payer, RequestError, Status, VALID_MS};
use gotong::store::{AccountKind, Db};
use gotong::testing::kelurahan::{household, nik_for, person, shop_household, top_up};
use gotong::testing::transcript::START_MS;
use rust_decimal::Decimal;

const PAYER: &str = "+6281200000001";
const OTHER: &str = "+6281200000002";
const KK: &str = "3201010101000031";

/// A payer household with Rp100.000 and merchant `W001` of another household.
async fn world(db: &Db) -> String {
    let adult = nik_for("1985-03-03", false, 1);
    household(
        db,
        KK,
        &[person(KK, &adult, "Budi", "1985-03-03", "KEPALA KELUARGA")],
    )
    .await
    .unwrap();
    shop_household(db, "3201010101000032", 3, START_MS)
        .await
        .unwrap();
    top_up(db, KK, 100_000, "topup:requests").await.unwrap();
    adult
}

fn payer<'a>(phone: &'a str, nik: &'a str, now: i64) -> Payer<'a> {
    Payer {
        phone,
        nik,
        social_fund_percent: Decimal::from(5),
        minor_limit: 50_000,
        now,
    }
}

async fn ask(db: &Db, amount: i64) -> i64 {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let id = payment_request::request(&mut tx, "W001", PAYER, amount, START_MS)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn settle(
    db: &Db,
    id: i64,
    phone: &str,
    nik: &str,
) -> Result<gotong::ledger::payment::Payment, RequestError> {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let settled = payment_request::settle(&mut tx, id, &payer(phone, nik, START_MS + 60_000)).await;
    tx.commit().await.unwrap();
    settled
}

async fn status(db: &Db, id: i64) -> Status {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let r = tx.payment_request_for(id, PAYER).await.unwrap().unwrap();
    tx.rollback().await.unwrap();
    r.status
}

async fn wallet(db: &Db) -> i64 {
    db.balance_of(AccountKind::Wallet, KK).await.unwrap()
}

async fn settled_once_under_a_repeated_call(db: &Db) {
    let nik = world(db).await;
    let id = ask(db, 20_000).await;
    assert_eq!(status(db, id).await, Status::Pending);
    let first = settle(db, id, PAYER, &nik).await.unwrap();
    assert!(first.fresh);
    assert_eq!(first.split.merchant + first.split.social_fund, 20_000);
    assert_eq!(status(db, id).await, Status::Paid);
    assert_eq!(wallet(db).await, 80_000);
    // The same settle again (a retried PIN step): the first payment, nothing more paid.
    let again = settle(db, id, PAYER, &nik).await.unwrap();
    assert!(!again.fresh);
    assert_eq!(again.transfer.id, first.transfer.id);
    assert_eq!(wallet(db).await, 80_000);
    // A paid request can neither be opened nor declined any more.
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let opened = payment_request::open(&mut tx, id, &payer(PAYER, &nik, START_MS)).await;
    assert!(
        matches!(opened, Err(RequestError::Unknown { .. })),
        "{opened:?}"
    );
    let declined = payment_request::decline(&mut tx, id, PAYER, START_MS)
        .await
        .unwrap();
    assert_eq!(declined, None);
    tx.commit().await.unwrap();
    assert_eq!(status(db, id).await, Status::Paid);
}

async fn declined_or_foreign_requests_are_refused(db: &Db) {
    let nik = world(db).await;
    // Declined: never paid afterwards.
    let declined = ask(db, 10_000).await;
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let was = payment_request::decline(&mut tx, declined, PAYER, START_MS)
        .await
        .unwrap()
        .expect("a pending request is declined");
    assert_eq!(was.amount, 10_000);
    tx.commit().await.unwrap();
    assert_eq!(status(db, declined).await, Status::Declined);
    let paid = settle(db, declined, PAYER, &nik).await;
    assert!(
        matches!(paid, Err(RequestError::Unknown { .. })),
        "{paid:?}"
    );
    // Sent to another phone: it does not exist for that phone.
    let foreign = ask(db, 10_000).await;
    let paid = settle(db, foreign, OTHER, &nik).await;
    assert!(
        matches!(paid, Err(RequestError::Unknown { .. })),
        "{paid:?}"
    );
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    assert_eq!(
        payment_request::decline(&mut tx, foreign, OTHER, START_MS)
            .await
            .unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert_eq!(status(db, foreign).await, Status::Pending);
    assert_eq!(wallet(db).await, 100_000);
}

async fn expired_requests_do_not_open(db: &Db) {
    let nik = world(db).await;
    let id = ask(db, 10_000).await;
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let last = payer(PAYER, &nik, START_MS + VALID_MS - 1);
    let opened = payment_request::open(&mut tx, id, &last).await.unwrap();
    assert_eq!((opened.request.amount, opened.balance), (10_000, 100_000));
    assert_eq!(opened.merchant.code, "W001");
    let late = payer(PAYER, &nik, START_MS + VALID_MS);
    let opened = payment_request::open(&mut tx, id, &late).await;
    assert!(
        matches!(opened, Err(RequestError::Expired { .. })),
        "{opened:?}"
    );
    tx.rollback().await.unwrap();
}

backend_tests!(
    settled_once_under_a_repeated_call,
    declined_or_foreign_requests_are_refused,
    expired_requests_do_not_open,
);
