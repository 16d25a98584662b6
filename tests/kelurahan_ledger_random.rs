//! The ledger's invariants over three kelurahan under random concurrent interleavings, on both
//! backends: stimulus runs (for one kelurahan or all), payments at the payer's own and at other
//! kelurahan's merchants, cash deposits, donations and redemptions. After every step, in each
//! kelurahan and over the deployment: balances equal the sum of their entries, each transfer's
//! entries sum to zero within each kelurahan, the accounts sum to zero, and no wallet, purse,
//! till or fund is below zero. Stimulus credit never pays another kelurahan's merchant; each key
//! applies once; each household is credited at most once per date.

use gotong::backend_tests;
use gotong::i18n::Texts;
use gotong::ledger::deposit::deposit;
use gotong::ledger::payment::{pay, redeem, PaymentRequest};
use gotong::ledger::stimulus::{run_stimulus, RunFor};
use gotong::ledger::LedgerError;
use gotong::proposals::campaign::{donate, open_campaign, DonationRequest};
use gotong::proposals::proposal::{submit, Submission};
use gotong::proposals::ProposalError;
use gotong::store::{AccountKind, Db, KelurahanId, SeedPerson};
use gotong::testing::kelurahan::{another_kelurahan, household_in, merchant, person};
use gotong::testing::transcript::START_MS;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Payments applied at the payer's own kelurahan's merchants and at others'.
static PAID_HOME: AtomicUsize = AtomicUsize::new(0);
static PAID_AWAY: AtomicUsize = AtomicUsize::new(0);

const KELURAHAN: usize = 3;
const PAYERS_EACH: usize = 2;
const PAYERS: usize = KELURAHAN * PAYERS_EACH;

#[derive(Clone, Debug)]
enum Op {
    /// `which` < 3: that kelurahan alone; 3: every kelurahan.
    Stimulus {
        day: u8,
        which: usize,
    },
    Pay {
        payer: usize,
        merchant: usize,
        amount: i64,
        key: u8,
    },
    Deposit {
        household: usize,
        amount: i64,
        key: u8,
    },
    Donate {
        donor: usize,
        amount: i64,
        key: u8,
    },
    Redeem {
        merchant: usize,
        amount: i64,
        key: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..3u8, 0..4usize).prop_map(|(day, which)| Op::Stimulus { day, which }),
        6 => (0..PAYERS, 0..KELURAHAN, 1..25_000i64, 0..12u8)
            .prop_map(|(payer, merchant, amount, key)| Op::Pay { payer, merchant, amount, key }),
        2 => (0..PAYERS, 1..30_000i64, 0..6u8)
            .prop_map(|(household, amount, key)| Op::Deposit { household, amount, key }),
        2 => (0..PAYERS, 1..10_000i64, 0..6u8)
            .prop_map(|(donor, amount, key)| Op::Donate { donor, amount, key }),
        1 => (0..KELURAHAN, 1..20_000i64, 0..6u8)
            .prop_map(|(merchant, amount, key)| Op::Redeem { merchant, amount, key }),
    ]
}

/// A payer household: its kelurahan, its KK and the NIK that pays.
#[derive(Clone, Debug)]
struct Payer {
    kelurahan: KelurahanId,
    kk: String,
    nik: String,
}

/// One kelurahan's merchant and campaign.
#[derive(Clone, Debug)]
struct Shop {
    kelurahan: KelurahanId,
    code: String,
    campaign: i64,
}

#[derive(Clone)]
struct World {
    tag: String,
    kelurahan: Vec<KelurahanId>,
    payers: Vec<Payer>,
    shops: Vec<Shop>,
    texts: Arc<Texts>,
}

async fn world(db: &Db, case: usize) -> World {
    let tag = format!("{case:02}{:06}", rand::random::<u32>() % 1_000_000);
    let mut kelurahan = vec![KelurahanId::DEFAULT];
    for k in 1..KELURAHAN {
        let code = format!("35{k}{}", &tag[..7]);
        kelurahan.push(
            another_kelurahan(db, &code, &format!("Kel {k}"))
                .await
                .unwrap(),
        );
    }
    let mut payers = Vec::new();
    let mut shops = Vec::new();
    for (k, &id) in kelurahan.iter().enumerate() {
        for h in 0..PAYERS_EACH {
            let kk = format!("3{k}01{tag}{h:04}");
            let members: Vec<SeedPerson> = (0..=h)
                .map(|m| {
                    let mut p = person(&kk, "", "Warga", "1980-01-01", "ANAK");
                    p.nik = format!("3{k}01{tag}{h:02}{m:02}");
                    p
                })
                .collect();
            household_in(db, id, &kk, &members).await.unwrap();
            // Some money that may travel from the start, so payments away happen.
            gotong::testing::kelurahan::deposit(db, &kk, 20_000, &format!("start:{kk}"), START_MS)
                .await
                .unwrap();
            payers.push(Payer {
                kelurahan: id,
                kk: kk.clone(),
                nik: members[0].nik.clone(),
            });
        }
        let kk = format!("3{k}02{tag}0000");
        let mut owner = person(&kk, "", "Pedagang", "1970-01-01", "KEPALA KELUARGA");
        owner.nik = format!("3{k}01{tag}9999");
        household_in(db, id, &kk, std::slice::from_ref(&owner))
            .await
            .unwrap();
        let code = merchant(db, &owner.nik, &format!("Toko {k}"), START_MS)
            .await
            .unwrap()
            .code;
        // A campaign of this kelurahan, proposed by its first payer, with a target far away.
        let mut tx = db.begin(id).await.unwrap();
        let proposer = tx
            .person(&payers[k * PAYERS_EACH].nik)
            .await
            .unwrap()
            .unwrap();
        let p = submit(
            &mut tx,
            &proposer,
            &Submission {
                kind: gotong::proposals::Kind::Fisik,
                title: "Saluran air",
                description: "Gotong royong",
                photo: None,
            },
            START_MS,
        )
        .await
        .unwrap();
        open_campaign(&mut tx, "test", p.number, 1_000_000_000, START_MS)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        shops.push(Shop {
            kelurahan: id,
            code,
            campaign: p.number,
        });
    }
    World {
        tag,
        kelurahan,
        payers,
        shops,
        texts: Arc::new(Texts::load_shipped().unwrap()),
    }
}

/// Every invariant, deployment-wide and in each kelurahan.
async fn assert_whole(db: &Db) {
    let audits = db.ledger_audits().await.unwrap();
    assert!(audits.hold(), "{audits:?}");
}

/// Runs one operation; answers the key and transfer of what it applied.
async fn apply(db: &Db, w: &World, op: Op) -> Option<(String, i64)> {
    match op {
        Op::Stimulus { day, which } => {
            let which = match w.kelurahan.get(which) {
                Some(k) => RunFor::One(*k),
                None => RunFor::Every,
            };
            let d = gotong::calendar::parse_date(&format!("2030-01-{:02}", day + 1)).unwrap();
            run_stimulus(db, &w.texts, which, d, 1000, || START_MS, &|_, _| {})
                .await
                .unwrap();
            None
        }
        Op::Pay {
            payer,
            merchant,
            amount,
            key,
        } => {
            let (p, shop) = (&w.payers[payer], &w.shops[merchant]);
            let key = format!("pay:{}:{payer}:{key:02}", w.tag);
            let mut tx = db.begin(p.kelurahan).await.unwrap();
            let wallet = tx
                .account_by_owner(AccountKind::Wallet, &p.kk)
                .await
                .unwrap()
                .map(|a| a.id);
            let r = pay(
                &mut tx,
                &PaymentRequest {
                    payer_nik: &p.nik,
                    merchant_code: &shop.code,
                    amount,
                    key: &key,
                    social_fund_percent: Decimal::from(5),
                    minor_limit: 50_000,
                    now: START_MS,
                },
            )
            .await;
            match r {
                Ok(paid) => {
                    tx.commit().await.unwrap();
                    let counter = if shop.kelurahan == p.kelurahan {
                        &PAID_HOME
                    } else {
                        &PAID_AWAY
                    };
                    counter.fetch_add(usize::from(paid.fresh), Ordering::Relaxed);
                    // (A repeated key answers its first payment, maybe to another merchant.)
                    if paid.fresh && shop.kelurahan != p.kelurahan {
                        // Stimulus credit stays home: no leg on the wallet.
                        assert!(
                            wallet.is_none()
                                || paid
                                    .transfer
                                    .legs
                                    .iter()
                                    .all(|l| Some(l.account_id) != wallet),
                            "a wallet paid another kelurahan's merchant: {paid:?}"
                        );
                    }
                    Some((key, paid.transfer.id))
                }
                Err(
                    LedgerError::InsufficientFunds { .. } | LedgerError::StimulusStaysHome { .. },
                ) => {
                    tx.rollback().await.unwrap();
                    None
                }
                Err(e) => panic!("payment failed: {e:?}"),
            }
        }
        Op::Deposit {
            household,
            amount,
            key,
        } => {
            let p = &w.payers[household];
            let key = format!("deposit:{}:{household}:{key:02}", w.tag);
            let mut tx = db.begin(p.kelurahan).await.unwrap();
            let d = deposit(&mut tx, "test", &p.kk, amount, "", &key, START_MS)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            Some((key, d.transfer.id))
        }
        Op::Donate { donor, amount, key } => {
            let p = &w.payers[donor];
            let shop = w.shops.iter().find(|s| s.kelurahan == p.kelurahan).unwrap();
            let key = format!("donate:{}:{donor}:{key:02}", w.tag);
            let mut tx = db.begin(p.kelurahan).await.unwrap();
            let r = donate(
                &mut tx,
                &w.texts,
                &DonationRequest {
                    donor_nik: &p.nik,
                    number: shop.campaign,
                    amount,
                    key: &key,
                    minor_limit: 50_000,
                    now: START_MS,
                },
            )
            .await;
            match r {
                Ok(d) => {
                    tx.commit().await.unwrap();
                    Some((key, d.transfer.id))
                }
                Err(ProposalError::Ledger(LedgerError::InsufficientFunds { .. })) => {
                    tx.rollback().await.unwrap();
                    None
                }
                Err(e) => panic!("donation failed: {e:?}"),
            }
        }
        Op::Redeem {
            merchant,
            amount,
            key,
        } => {
            let shop = &w.shops[merchant];
            let key = format!("redeem:{}:{merchant}:{key:02}", w.tag);
            let mut tx = db.begin(shop.kelurahan).await.unwrap();
            match redeem(&mut tx, "test", &shop.code, amount, &key, START_MS).await {
                Ok((t, _, _)) => {
                    tx.commit().await.unwrap();
                    Some((key, t.id))
                }
                Err(LedgerError::InsufficientFunds { .. }) => {
                    tx.rollback().await.unwrap();
                    None
                }
                Err(e) => panic!("redeem failed: {e:?}"),
            }
        }
    }
}

async fn run_case(db: &Db, case: usize, tasks: Vec<Vec<Op>>) {
    let w = world(db, case).await;
    let handles: Vec<_> = tasks
        .into_iter()
        .map(|ops| {
            let (db, w) = (db.clone(), w.clone());
            tokio::spawn(async move {
                let mut applied = Vec::new();
                for op in ops {
                    applied.extend(apply(&db, &w, op).await);
                    assert_whole(&db).await;
                }
                applied
            })
        })
        .collect();
    let mut by_key: std::collections::HashMap<String, i64> = Default::default();
    for h in handles {
        for (key, id) in h.await.unwrap() {
            let first = *by_key.entry(key.clone()).or_insert(id);
            assert_eq!(first, id, "every application of {key} answers one transfer");
        }
    }
    for key in by_key.keys() {
        assert_eq!(db.transfers_with_prefix(key).await.unwrap(), 1, "{key}");
    }
    for day in 1..=3 {
        for p in &w.payers {
            let n = db
                .transfers_with_prefix(&format!("stimulus:2030-01-{day:02}:{}", p.kk))
                .await
                .unwrap();
            assert!(n <= 1, "{} credited {n} times on day {day}", p.kk);
        }
    }
    assert_whole(db).await;
}

async fn random_operations_over_three_kelurahan_keep_every_ledger_whole(db: &Db) {
    let mut runner = TestRunner::default();
    let strategy = prop::collection::vec(prop::collection::vec(op(), 1..10), 2..5);
    let (home, away) = (
        PAID_HOME.load(Ordering::Relaxed),
        PAID_AWAY.load(Ordering::Relaxed),
    );
    for case in 0..8 {
        let tasks = strategy.new_tree(&mut runner).unwrap().current();
        run_case(db, case, tasks).await;
    }
    // The cases did pay at home and away (the counters are shared by both backends' runs).
    assert!(
        PAID_HOME.load(Ordering::Relaxed) > home,
        "no payment at home"
    );
    assert!(PAID_AWAY.load(Ordering::Relaxed) > away, "no payment away");
}

backend_tests!(random_operations_over_three_kelurahan_keep_every_ledger_whole);
