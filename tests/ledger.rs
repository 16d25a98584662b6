//! The ledger on both backends: the stimulus, payments, redemptions, and its invariants under
//! random concurrent interleavings.

use gotong::backend_tests;
use gotong::i18n::Texts;
use gotong::ledger::accounts::{social_fund, wallet};
use gotong::ledger::payment::{pay, redeem, PaymentRequest};
use gotong::ledger::service_payment::{pay_resident, ResidentPayment};
use gotong::ledger::stimulus::{run_stimulus, RunFor};
use gotong::ledger::transfer::{apply_transfers, NewTransfer};
use gotong::ledger::LedgerError;
use gotong::store::{AccountKind, Db, LedgerAudit, Leg, SeedPerson};
use gotong::testing::kelurahan::{
    household, merchant, nik_for, payer_household, person, shop_household, top_up,
};
use gotong::testing::transcript::START_MS;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rust_decimal::Decimal;
use std::sync::Arc;

fn date(s: &str) -> chrono::NaiveDate {
    gotong::calendar::parse_date(s).unwrap()
}

fn quiet(_: u64, _: u64) {}

/// The shipped texts, for the credit notices.
fn texts() -> Arc<Texts> {
    Arc::new(Texts::load_shipped().expect("the shipped locales load"))
}

async fn assert_invariants(db: &Db) {
    assert_eq!(db.ledger_audit().await.unwrap(), LedgerAudit::default());
}

fn req<'a>(payer: &'a str, code: &'a str, amount: i64, key: &'a str) -> PaymentRequest<'a> {
    PaymentRequest {
        payer_nik: payer,
        merchant_code: code,
        amount,
        key,
        social_fund_percent: Decimal::from(5),
        minor_limit: 50_000,
        now: START_MS,
    }
}

async fn pay_once(
    db: &Db,
    r: &PaymentRequest<'_>,
) -> Result<gotong::ledger::payment::Payment, LedgerError> {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await?;
    let p = pay(&mut tx, r).await;
    match p {
        Ok(p) => {
            tx.commit().await?;
            Ok(p)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Household 1: head, wife, child (born 2020), a member died on the day before, a member moved
/// out, a NON_PERMANEN member, a baby born after the date. Household 2: one person.
async fn seed_counting(db: &Db) -> (String, String) {
    let kk1 = "3201010101000001".to_string();
    let kk2 = "3201010101000002".to_string();
    let mut died = person(
        &kk1,
        &nik_for("1940-01-01", false, 4),
        "Kakek",
        "1940-01-01",
        "ORANG TUA",
    );
    died.died_on = Some("2026-11-24".into());
    let mut died_later = person(
        &kk1,
        &nik_for("1941-01-01", true, 5),
        "Nenek",
        "1941-01-01",
        "ORANG TUA",
    );
    died_later.died_on = Some("2026-11-26".into());
    let mut moved = person(
        &kk1,
        &nik_for("2000-01-01", false, 6),
        "Adik",
        "2000-01-01",
        "FAMILI LAIN",
    );
    moved.moved_out_on = Some("2026-11-01".into());
    let mut lodger = person(
        &kk1,
        &nik_for("1999-01-01", false, 7),
        "Kos",
        "1999-01-01",
        "LAINNYA",
    );
    lodger.residence = "NON_PERMANEN".into();
    let baby = person(
        &kk1,
        &nik_for("2026-11-26", true, 8),
        "Bayi",
        "2026-11-26",
        "ANAK",
    );
    let born_today = person(
        &kk1,
        &nik_for("2026-11-25", false, 9),
        "Bayi2",
        "2026-11-25",
        "ANAK",
    );
    household(
        db,
        &kk1,
        &[
            person(
                &kk1,
                &nik_for("1980-05-05", false, 1),
                "Budi",
                "1980-05-05",
                "KEPALA KELUARGA",
            ),
            person(
                &kk1,
                &nik_for("1982-06-06", true, 2),
                "Sri",
                "1982-06-06",
                "ISTRI",
            ),
            person(
                &kk1,
                &nik_for("2020-07-07", false, 3),
                "Anak",
                "2020-07-07",
                "ANAK",
            ),
            died,
            died_later,
            moved,
            lodger,
            baby,
            born_today,
        ],
    )
    .await
    .unwrap();
    household(
        db,
        &kk2,
        &[person(
            &kk2,
            &nik_for("1970-01-01", true, 10),
            "Ani",
            "1970-01-01",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    (kk1, kk2)
}

async fn stimulus_counts_living_permanent_members_once(db: &Db) {
    let (kk1, kk2) = seed_counting(db).await;
    let texts = texts();
    let t = run_stimulus(
        db,
        &texts,
        RunFor::Every,
        date("2026-11-25"),
        1000,
        || START_MS,
        &quiet,
    )
    .await
    .unwrap();
    // kk1: Budi, Sri, Anak, Nenek (dies later), Bayi2 (born that day) = 5; kk2: 1.
    assert_eq!((t.households, t.persons, t.amount), (2, 6, 6_000));
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk1).await.unwrap(),
        5_000
    );
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk2).await.unwrap(),
        1_000
    );
    assert_eq!(
        db.balance_of(AccountKind::Treasury, "").await.unwrap(),
        -6_000
    );
    // A re-run credits nothing and says so; the date's totals stay.
    let again = run_stimulus(
        db,
        &texts,
        RunFor::Every,
        date("2026-11-25"),
        1000,
        || START_MS,
        &quiet,
    )
    .await
    .unwrap();
    assert_eq!((again.households, again.persons, again.amount), (0, 0, 0));
    let (totals, finished) = db
        .stimulus_run(gotong::store::KelurahanId::DEFAULT, "2026-11-25")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (totals.households, totals.amount, finished),
        (2, 6_000, true)
    );
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk1).await.unwrap(),
        5_000
    );
    // The next day counts again (Bayi is born on the 26th; Nenek died on the 26th).
    let next = run_stimulus(
        db,
        &texts,
        RunFor::Every,
        date("2026-11-26"),
        1000,
        || START_MS,
        &quiet,
    )
    .await
    .unwrap();
    assert_eq!(next.persons, 6);
    assert_eq!(
        db.transfers_with_prefix("stimulus:2026-11-25:")
            .await
            .unwrap(),
        2
    );
    assert_invariants(db).await;
}

async fn concurrent_stimulus_runs_credit_once(db: &Db) {
    let households: Vec<(String, String, String)> = (0..2_500)
        .map(|i| (format!("32010199{i:08}"), "001".into(), "01".into()))
        .collect();
    let persons: Vec<SeedPerson> = households
        .iter()
        .enumerate()
        .flat_map(|(i, (kk, _, _))| {
            (0..2).map(move |j| {
                person(
                    kk,
                    &nik_for("1990-01-01", j == 1, (i * 2 + j) as u32),
                    "W",
                    "1990-01-01",
                    "ANAK",
                )
            })
        })
        .map(|mut p| {
            // NIK serials wrap at 10,000: make them unique with the household number.
            p.nik = format!("{}{}", &p.no_kk[8..], &p.nik[14..]);
            p
        })
        .collect();
    db.seed_registry(
        gotong::store::KelurahanId::DEFAULT,
        &households,
        &persons,
        0,
    )
    .await
    .unwrap();
    let texts = texts();
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let (db, texts) = (db.clone(), texts.clone());
            tokio::spawn(async move {
                run_stimulus(
                    &db,
                    &texts,
                    RunFor::Every,
                    date("2026-11-25"),
                    1000,
                    || START_MS,
                    &quiet,
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut total = 0;
    let mut households_credited = 0;
    for r in runs {
        let t = r.await.unwrap();
        total += t.amount;
        households_credited += t.households;
    }
    assert_eq!(households_credited, 2_500);
    assert_eq!(total, 5_000_000);
    assert_eq!(
        db.balance_of(AccountKind::Treasury, "").await.unwrap(),
        -5_000_000
    );
    assert_eq!(
        db.transfers_with_prefix("stimulus:2026-11-25:")
            .await
            .unwrap(),
        2_500
    );
    assert_invariants(db).await;
}

/// Payer household (adult, 17-year-old), merchant W001 in another household, W002 of the payer.
async fn seed_payments(db: &Db) -> (String, String, String) {
    let kk = "3201010101000011";
    // Rina is 17 on 2026-11-25.
    let (adult, minor) = payer_household(db, kk, 21).await.unwrap();
    let (_, w1) = shop_household(db, "3201010101000012", 23, START_MS)
        .await
        .unwrap();
    assert_eq!(w1.code, "W001");
    let w2 = merchant(db, &minor, "Jajan Rina", START_MS).await.unwrap();
    assert_eq!(w2.code, "W002");
    top_up(db, kk, 100_000, "topup:test").await.unwrap();
    (adult, minor, kk.to_string())
}

async fn payments_follow_the_rules(db: &Db) {
    let (adult, minor, kk) = seed_payments(db).await;
    let p = pay_once(db, &req(&adult, "w001", 25_000, "pay:1"))
        .await
        .unwrap();
    assert!(p.fresh);
    assert_eq!((p.split.merchant, p.split.social_fund), (23_750, 1_250));
    assert_eq!(p.household_balance, 75_000);
    assert_eq!(p.merchant.name, "Warung Bu Sri");
    // The same key again: the first result, nothing changes.
    let again = pay_once(db, &req(&adult, "W001", 25_000, "pay:1"))
        .await
        .unwrap();
    assert!(!again.fresh);
    assert_eq!(again.transfer.id, p.transfer.id);
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk).await.unwrap(),
        75_000
    );
    assert_eq!(
        db.balance_of(AccountKind::SocialFund, "").await.unwrap(),
        1_250
    );
    // Overdraft: refused with the balance.
    let e = pay_once(db, &req(&adult, "W001", 75_001, "pay:2"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::InsufficientFunds { balance: 75_000 }),
        "{e:?}"
    );
    // Amount 0 / negative.
    for a in [0, -5] {
        let e = pay_once(db, &req(&adult, "W001", a, "pay:3"))
            .await
            .unwrap_err();
        assert!(matches!(e, LedgerError::InvalidAmount), "{e:?}");
    }
    // 17-year-old: limited per payment.
    let e = pay_once(db, &req(&minor, "W001", 50_001, "pay:4"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::MinorLimit { limit: 50_000 }),
        "{e:?}"
    );
    pay_once(db, &req(&minor, "W001", 50_000, "pay:5"))
        .await
        .unwrap();
    // Unknown, closed, own merchant (own household).
    let e = pay_once(db, &req(&adult, "W999", 1_000, "pay:6"))
        .await
        .unwrap_err();
    assert!(matches!(e, LedgerError::UnknownMerchant), "{e:?}");
    let e = pay_once(db, &req(&adult, "W002", 1_000, "pay:7"))
        .await
        .unwrap_err();
    assert!(matches!(e, LedgerError::SelfPayment), "{e:?}");
    let e = pay_once(db, &req(&minor, "W002", 1_000, "pay:8"))
        .await
        .unwrap_err();
    assert!(matches!(e, LedgerError::SelfPayment), "{e:?}");
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.set_merchant_open("W001", false).await.unwrap();
    tx.commit().await.unwrap();
    let e = pay_once(db, &req(&adult, "W001", 1_000, "pay:9"))
        .await
        .unwrap_err();
    assert!(matches!(e, LedgerError::MerchantClosed), "{e:?}");
    // Redeem: up to the till's balance.
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let e = redeem(&mut tx, "test", "W001", 71_251, "r:1", START_MS)
        .await
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::InsufficientFunds { balance: 71_250 }),
        "{e:?}"
    );
    let (_, fresh, left) = redeem(&mut tx, "test", "W001", 71_250, "r:1", START_MS)
        .await
        .unwrap();
    assert!(fresh);
    assert_eq!(left, 0);
    tx.commit().await.unwrap();
    assert_invariants(db).await;
    let stats = db.ledger_stats(None).await.unwrap();
    assert_eq!((stats.payments, stats.payments_amount), (2, 75_000));
    assert_eq!(stats.social_fund_balance, 3_750);
}

async fn entries_are_insert_only(db: &Db) {
    let (_, _, kk) = seed_payments(db).await;
    let _ = kk;
    for sql in [
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transfers SET memo = 'x'",
        "DELETE FROM ledger_transfers",
        "UPDATE ledger_accounts SET balance = -1 WHERE kind = 'wallet'",
    ] {
        assert!(db.execute_admin(sql).await.is_err(), "{sql} must fail");
    }
    assert_invariants(db).await;
}

async fn one_server_holds_the_daily_job_lease(db: &Db) {
    let claim = |owner: &'static str, now: i64| {
        let db = db.clone();
        async move {
            let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
            let got = tx
                .claim_job("stimulus", owner, now + 1_000, now)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            got
        }
    };
    assert!(claim("a", 0).await);
    assert!(!claim("b", 10).await, "held by a");
    assert!(claim("a", 20).await, "a renews");
    assert!(claim("b", 2_000).await, "expired: b takes over");
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.release_job("stimulus", "b").await.unwrap();
    tx.commit().await.unwrap();
    assert!(claim("a", 2_001).await, "released");
}

// ---------------------------------------------------------------------------------------------
// Random concurrent interleavings

#[derive(Clone, Debug)]
enum Op {
    Pay {
        payer: usize,
        merchant: usize,
        amount: i64,
        key: u8,
    },
    Redeem {
        merchant: usize,
        amount: i64,
        key: u8,
    },
    Stimulus {
        day: u8,
    },
    /// A service paid to a resident of another household (`BAYAR JASA`).
    PayResident {
        payer: usize,
        payee: usize,
        amount: i64,
        key: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0..3usize, 0..2usize, 1..40_000i64, 0..12u8)
            .prop_map(|(payer, merchant, amount, key)| Op::Pay { payer, merchant, amount, key }),
        2 => (0..2usize, 1..40_000i64, 0..6u8).prop_map(|(merchant, amount, key)| Op::Redeem { merchant, amount, key }),
        1 => (0..3u8).prop_map(|day| Op::Stimulus { day }),
        2 => (0..3usize, 1..3usize, 1..3_000i64, 0..6u8).prop_map(|(payer, offset, amount, key)| {
            Op::PayResident { payer, payee: (payer + offset) % 3, amount, key }
        }),
    ]
}

async fn run_case(db: &Db, case: usize, tasks: Vec<Vec<Op>>) {
    let tag = format!("{case:02}{:06}", rand::random::<u32>() % 1_000_000);
    // Three payer households of 1-3 members, two merchants in households of their own.
    let mut payers = Vec::new();
    for h in 0..3 {
        let kk = format!("3201{tag}{h:04}");
        let members: Vec<SeedPerson> = (0..=h)
            .map(|m| {
                let mut p = person(&kk, "", "Warga", "1980-01-01", "ANAK");
                p.nik = format!("{}{h:02}{m:02}", &kk[..12]);
                p
            })
            .collect();
        payers.push(members[0].nik.clone());
        household(db, &kk, &members).await.unwrap();
    }
    let mut codes = Vec::new();
    for m in 0..2 {
        let kk = format!("3202{tag}{m:04}");
        let mut p = person(&kk, "", "Pedagang", "1970-01-01", "KEPALA KELUARGA");
        p.nik = format!("{}{m:02}99", &kk[..12]);
        household(db, &kk, std::slice::from_ref(&p)).await.unwrap();
        codes.push(
            merchant(db, &p.nik, &format!("Toko {m}"), START_MS)
                .await
                .unwrap()
                .code,
        );
    }
    let texts = texts();
    let handles: Vec<_> = tasks
        .into_iter()
        .map(|ops| {
            let (db, payers, codes, tag) = (db.clone(), payers.clone(), codes.clone(), tag.clone());
            let texts = texts.clone();
            tokio::spawn(async move {
                let mut applied = Vec::new();
                for op in ops {
                    match op {
                        Op::Pay {
                            payer,
                            merchant,
                            amount,
                            key,
                        } => {
                            let key = format!("pay:{tag}:{key:02}");
                            match pay_once(
                                &db,
                                &req(&payers[payer], &codes[merchant], amount, &key),
                            )
                            .await
                            {
                                Ok(p) => applied.push((key, p.transfer.id)),
                                Err(LedgerError::InsufficientFunds { .. }) => {}
                                Err(e) => panic!("payment failed: {e:?}"),
                            }
                        }
                        Op::Redeem {
                            merchant,
                            amount,
                            key,
                        } => {
                            let key = format!("redeem:{tag}:{key:02}");
                            let mut tx =
                                db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
                            match redeem(&mut tx, "test", &codes[merchant], amount, &key, START_MS)
                                .await
                            {
                                Ok((t, _, _)) => {
                                    tx.commit().await.unwrap();
                                    applied.push((key, t.id));
                                }
                                Err(LedgerError::InsufficientFunds { .. }) => {
                                    tx.rollback().await.unwrap()
                                }
                                Err(e) => panic!("redeem failed: {e:?}"),
                            }
                        }
                        Op::PayResident {
                            payer,
                            payee,
                            amount,
                            key,
                        } => {
                            let key = format!("service:{tag}:{key:02}");
                            let mut tx =
                                db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
                            let from = tx.person(&payers[payer]).await.unwrap().unwrap();
                            let to = tx.person(&payers[payee]).await.unwrap().unwrap();
                            let req = ResidentPayment {
                                payer: &from,
                                payee: &to,
                                amount,
                                memo: "J001 Servis",
                                key: &key,
                                social_fund_percent: Decimal::from(5),
                                minor_limit: 50_000,
                                now: START_MS,
                            };
                            match pay_resident(&mut tx, &req).await {
                                Ok(p) => {
                                    tx.commit().await.unwrap();
                                    applied.push((key, p.transfer.id));
                                }
                                Err(LedgerError::InsufficientFunds { .. }) => {
                                    tx.rollback().await.unwrap()
                                }
                                Err(e) => panic!("service payment failed: {e:?}"),
                            }
                        }
                        Op::Stimulus { day } => {
                            let d = date(&format!("2030-01-{:02}", day + 1));
                            run_stimulus(&db, &texts, RunFor::Every, d, 1000, || START_MS, &quiet)
                                .await
                                .unwrap();
                        }
                    }
                    // After every step: sum zero, nothing negative, balances = entries.
                    let audit = db.ledger_audit().await.unwrap();
                    assert_eq!(audit, LedgerAudit::default());
                }
                applied
            })
        })
        .collect();
    let mut by_key: std::collections::HashMap<String, i64> = Default::default();
    for h in handles {
        for (key, id) in h.await.unwrap() {
            // Every application of a key answers the same transfer.
            let first = *by_key.entry(key.clone()).or_insert(id);
            assert_eq!(first, id, "{key}");
        }
    }
    for key in by_key.keys() {
        assert_eq!(db.transfers_with_prefix(key).await.unwrap(), 1, "{key}");
    }
    // Stimulus: each household at most once per date.
    for day in 1..=3 {
        for h in 0..3 {
            let n = db
                .transfers_with_prefix(&format!("stimulus:2030-01-{day:02}:3201{tag}{h:04}"))
                .await
                .unwrap();
            assert!(n <= 1);
        }
    }
    assert_invariants(db).await;
}

async fn random_concurrent_interleavings_keep_the_invariants(db: &Db) {
    let mut runner = TestRunner::default();
    let strategy = prop::collection::vec(prop::collection::vec(op(), 1..8), 2..5);
    for case in 0..6 {
        let tasks = strategy.new_tree(&mut runner).unwrap().current();
        run_case(db, case, tasks).await;
    }
}

/// The batch form of the one transfer path: a key already applied is skipped (its transfer
/// untouched), the others applied once; a batch that would take a wallet below zero writes
/// nothing; balances and the invariants hold either way.
async fn a_batch_of_transfers_applies_each_key_once(db: &Db) {
    let (_, _, kk) = seed_payments(db).await; // the wallet holds Rp100.000
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let w = wallet(&mut tx, &kk, 0).await.unwrap();
    let fund = social_fund(&mut tx).await.unwrap();
    let t = |key: &'static str, amount: i64| NewTransfer {
        key,
        kind: gotong::ledger::transfer::TransferKind::Topup,
        memo: "batch",
        legs: vec![
            Leg {
                account_id: w,
                amount: -amount,
            },
            Leg {
                account_id: fund,
                amount,
            },
        ],
        now: START_MS,
    };
    let first = apply_transfers(&mut tx, &[t("batch:a", 10_000)])
        .await
        .unwrap();
    assert!(first[0].is_some());
    let again = apply_transfers(
        &mut tx,
        &[
            t("batch:a", 99_000),
            t("batch:b", 20_000),
            t("batch:c", 30_000),
        ],
    )
    .await
    .unwrap();
    assert!(again[0].is_none(), "a key already applied is skipped");
    assert!(again[1].is_some() && again[2].is_some());
    tx.commit().await.unwrap();
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk).await.unwrap(),
        40_000
    );
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let refused = apply_transfers(&mut tx, &[t("batch:d", 30_000), t("batch:e", 20_000)]).await;
    assert!(
        matches!(
            refused,
            Err(LedgerError::InsufficientFunds { balance: 40_000 })
        ),
        "{refused:?}"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        db.balance_of(AccountKind::Wallet, &kk).await.unwrap(),
        40_000
    );
    assert_eq!(db.transfers_with_prefix("batch:").await.unwrap(), 3);
    assert_invariants(db).await;
}

backend_tests!(
    a_batch_of_transfers_applies_each_key_once,
    stimulus_counts_living_permanent_members_once,
    concurrent_stimulus_runs_credit_once,
    payments_follow_the_rules,
    entries_are_insert_only,
    one_server_holds_the_daily_job_lease,
    random_concurrent_interleavings_keep_the_invariants,
);
