//! Many kelurahan on one ledger, market and proposals (issue 18), on both backends: nothing of
//! one kelurahan is found from another; each has its own treasury, social fund and stimulus
//! runs; the stimulus credits a household once per date in the whole deployment (concurrent
//! runs of several kelurahan included); money crosses to another kelurahan's merchant only from
//! the purse, through both clearing accounts, and each kelurahan's ledger stays whole.

use gotong::backend_tests;
use gotong::i18n::Texts;
use gotong::ledger::deposit::deposit;
use gotong::ledger::payment::{pay, redeem, PaymentRequest};
use gotong::ledger::payment_request;
use gotong::ledger::stimulus::{run_stimulus, RunFor};
use gotong::ledger::transfer::{apply_transfer, NewTransfer, TransferKind};
use gotong::ledger::LedgerError;
use gotong::market::{self, MarketError, Sale};
use gotong::proposals::proposal::{submit, support, Submission};
use gotong::proposals::ProposalError;
use gotong::store::{AccountKind, Db, KelurahanId, Leg, Merchant, Party, StimulusTotals};
use gotong::testing::kelurahan::{
    another_kelurahan, household_in, link, merchant, nik_for, person, top_up,
};
use gotong::testing::transcript::START_MS;
use rust_decimal::Decimal;
use std::sync::Arc;

const A: KelurahanId = KelurahanId::DEFAULT;

fn date(s: &str) -> chrono::NaiveDate {
    gotong::calendar::parse_date(s).unwrap()
}

fn quiet(_: u64, _: u64) {}

fn texts() -> Arc<Texts> {
    Arc::new(Texts::load_shipped().expect("the shipped locales load"))
}

/// Two kelurahan: A (the default) and B (Sukamaju), each with a family and a merchant.
struct Two {
    b: KelurahanId,
    /// A's family: a head and a child.
    a_kk: String,
    a_head: String,
    /// B's family: one person.
    b_kk: String,
    b_head: String,
    /// A's merchant W001 and B's merchant W002, each of a household of its own.
    a_shop: Merchant,
    b_shop: Merchant,
}

const A_PHONE: &str = "+6281300000101";

async fn two(db: &Db) -> Two {
    let b = another_kelurahan(db, "3577011002", "Sukamaju")
        .await
        .unwrap();
    let (a_kk, a_shop_kk) = ("3201010101000101", "3201010101000102");
    let (b_kk, b_shop_kk) = ("3577010101000201", "3577010101000202");
    let a_head = nik_for("1980-01-01", false, 101);
    let a_child = nik_for("2015-05-05", true, 102);
    let a_owner = nik_for("1975-07-07", true, 103);
    let b_head = nik_for("1982-03-03", true, 201);
    let b_owner = nik_for("1970-08-08", false, 202);
    household_in(
        db,
        A,
        a_kk,
        &[
            person(a_kk, &a_head, "Budi", "1980-01-01", "KEPALA KELUARGA"),
            person(a_kk, &a_child, "Ani", "2015-05-05", "ANAK"),
        ],
    )
    .await
    .unwrap();
    household_in(
        db,
        A,
        a_shop_kk,
        &[person(
            a_shop_kk,
            &a_owner,
            "Dewi",
            "1975-07-07",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    household_in(
        db,
        b,
        b_kk,
        &[person(
            b_kk,
            &b_head,
            "Sari",
            "1982-03-03",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    household_in(
        db,
        b,
        b_shop_kk,
        &[person(
            b_shop_kk,
            &b_owner,
            "Joko",
            "1970-08-08",
            "KEPALA KELUARGA",
        )],
    )
    .await
    .unwrap();
    let a_shop = merchant(db, &a_owner, "Warung Dewi", START_MS)
        .await
        .unwrap();
    let b_shop = merchant(db, &b_owner, "Toko Joko", START_MS).await.unwrap();
    assert_eq!((a_shop.kelurahan, b_shop.kelurahan), (A, b));
    let config = gotong::config::Config::for_database("sqlite::memory:");
    link(db, &config, A_PHONE, &a_head, "482915").await.unwrap();
    Two {
        b,
        a_kk: a_kk.into(),
        a_head,
        b_kk: b_kk.into(),
        b_head,
        a_shop,
        b_shop,
    }
}

/// Every invariant, deployment-wide and in each kelurahan.
async fn assert_ledgers_whole(db: &Db) {
    let audits = db.ledger_audits().await.unwrap();
    assert!(audits.hold(), "{audits:?}");
    assert!(audits.kelurahan.len() >= 2);
}

// ---------------------------------------------------------------------------------------------
// Scoping

async fn nothing_of_one_kelurahan_is_found_from_the_other(db: &Db) {
    let t = two(db).await;
    let now = START_MS;
    // In A: a listing, an item, a proposal with a campaign, an order.
    let mut tx = db.begin(A).await.unwrap();
    let listing = market::sell(
        &mut tx,
        &t.a_shop,
        &Sale {
            name: "Kue lapis",
            price: 5_000,
            stock: 10,
            category: "makanan",
            photo: None,
        },
        now,
    )
    .await
    .unwrap();
    let (item, _, _) = market::add_item(&mut tx, "test", "Tenda 4x6", None, Some(&t.a_head), now)
        .await
        .unwrap();
    let a_head = tx.person(&t.a_head).await.unwrap().unwrap();
    let proposal = submit(
        &mut tx,
        &a_head,
        &Submission {
            kind: gotong::proposals::Kind::Fisik,
            title: "Lampu jalan",
            description: "Gang gelap",
            photo: None,
        },
        now,
    )
    .await
    .unwrap();
    let n = proposal.number;
    support(&mut tx, &a_head, n, now).await.unwrap();
    gotong::proposals::campaign::open_campaign(&mut tx, "test", n, 100_000, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // B's merchant bills A's resident: the request is the payer's kelurahan's (A).
    let mut tx = db.begin(t.b).await.unwrap();
    let request = payment_request::request(&mut tx, &t.b_shop.code, A_PHONE, 5_000, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // From B: none of it exists.
    let mut tx = db.begin(t.b).await.unwrap();
    let b_head = tx.person(&t.b_head).await.unwrap().unwrap();
    assert_eq!(tx.listing(&listing, now).await.unwrap(), None);
    assert!(tx
        .search_listings(&["kue".into()], now, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        market::orderable(&mut tx, &b_head, &listing, now).await,
        Err(MarketError::UnknownListing)
    ));
    assert_eq!(tx.item(&item).await.unwrap(), None);
    assert!(tx.lendable_items().await.unwrap().is_empty());
    assert!(matches!(
        market::borrowable(&mut tx, &b_head, &item).await,
        Err(MarketError::UnknownItem)
    ));
    assert_eq!(tx.proposal(n).await.unwrap(), None);
    assert!(tx.open_proposals(None).await.unwrap().is_empty());
    assert!(tx.supporters(n).await.unwrap().is_empty());
    assert!(tx.proposal_history(n).await.unwrap().is_empty());
    assert_eq!(tx.campaign(n).await.unwrap(), None);
    assert!(!tx.insert_support(n, &t.b_head, now).await.unwrap());
    assert!(matches!(
        support(&mut tx, &b_head, n, now).await,
        Err(ProposalError::UnknownProposal)
    ));
    assert_eq!(
        tx.payment_request_for(request, A_PHONE).await.unwrap(),
        None
    );
    // Merchants are the exception: a code names a merchant of any kelurahan (BAYAR W001).
    assert_eq!(
        tx.merchant(&t.a_shop.code)
            .await
            .unwrap()
            .map(|m| m.kelurahan),
        Some(A)
    );
    assert_eq!(
        tx.merchant_of_person(&t.a_shop.nik).await.unwrap(),
        None,
        "not a merchant of this kelurahan"
    );
    tx.rollback().await.unwrap();

    // From A: all of it, one support counted.
    let mut tx = db.begin(A).await.unwrap();
    assert!(tx.listing(&listing, now).await.unwrap().is_some());
    assert_eq!(
        tx.search_listings(&["kue".into()], now, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(tx.lendable_items().await.unwrap().len(), 1);
    assert_eq!(tx.proposal(n).await.unwrap().unwrap().supports, 1);
    assert_eq!(tx.open_proposals(None).await.unwrap().len(), 1);
    assert!(tx.campaign(n).await.unwrap().is_some());
    assert!(tx
        .payment_request_for(request, A_PHONE)
        .await
        .unwrap()
        .is_some());
    let buyer = tx.person(&t.a_head).await.unwrap().unwrap();
    let (_, order) = market::reserve(&mut tx, &buyer, A_PHONE, &listing, 2, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin(t.b).await.unwrap();
    assert_eq!(tx.order(order.id).await.unwrap(), None);
    assert!(tx
        .due_orders(now + 3 * 3_600_000, 10)
        .await
        .unwrap()
        .is_empty());
    tx.rollback().await.unwrap();
    // The market's job runs kelurahan by kelurahan: A's order expires.
    let report = gotong::market::jobs::run_due(db, &texts(), now + 3 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(report.orders_expired, 1);
}

// ---------------------------------------------------------------------------------------------
// The stimulus

async fn balance_in(db: &Db, k: KelurahanId, kind: AccountKind, owner: &str) -> i64 {
    db.balance_in(k, kind, owner).await.unwrap()
}

async fn stimulus_is_per_kelurahan_and_once_per_household(db: &Db) {
    let t = two(db).await;
    let texts = texts();
    let d = "2026-11-25";
    let run = |which| {
        let (db, texts) = (db.clone(), texts.clone());
        async move {
            run_stimulus(&db, &texts, which, date(d), 1000, || START_MS, &quiet)
                .await
                .unwrap()
        }
    };
    // B alone: B's two households, from B's treasury.
    let b_only = run(RunFor::One(t.b)).await;
    assert_eq!(
        b_only,
        StimulusTotals {
            households: 2,
            persons: 2,
            amount: 2_000
        }
    );
    assert_eq!(
        balance_in(db, t.b, AccountKind::Wallet, &t.b_kk).await,
        1_000
    );
    assert_eq!(balance_in(db, t.b, AccountKind::Treasury, "").await, -2_000);
    assert_eq!(balance_in(db, A, AccountKind::Treasury, "").await, 0);
    assert_eq!(balance_in(db, A, AccountKind::Wallet, &t.a_kk).await, 0);
    assert_eq!(db.stimulus_run(t.b, d).await.unwrap(), Some((b_only, true)));
    assert_eq!(db.stimulus_run(A, d).await.unwrap(), None);
    assert_eq!(db.stimulus_unfinished(d).await.unwrap(), vec![A]);
    // Every kelurahan: only A is left to credit (B's households are not credited again).
    let every = run(RunFor::Every).await;
    assert_eq!(
        every,
        StimulusTotals {
            households: 2,
            persons: 3,
            amount: 3_000
        }
    );
    assert_eq!(balance_in(db, A, AccountKind::Wallet, &t.a_kk).await, 2_000);
    assert_eq!(balance_in(db, A, AccountKind::Treasury, "").await, -3_000);
    assert_eq!(balance_in(db, t.b, AccountKind::Treasury, "").await, -2_000);
    assert!(db.stimulus_unfinished(d).await.unwrap().is_empty());
    assert_eq!(run(RunFor::Every).await, StimulusTotals::default());
    assert_eq!(run(RunFor::One(t.b)).await, StimulusTotals::default());
    assert_eq!(
        db.stimulus_run(t.b, d).await.unwrap().map(|r| r.0),
        Some(b_only),
        "B's totals of the date are what B was credited"
    );
    // A person who came to B from another kelurahan on the 26th counts from the 27th.
    db.execute_admin(&format!(
        "UPDATE persons SET arrived_on = '2026-11-26' WHERE nik = '{}'",
        t.b_head
    ))
    .await
    .unwrap();
    for (day, counted) in [("2026-11-26", 0), ("2026-11-27", 1_000)] {
        run_stimulus(
            db,
            &texts,
            RunFor::One(t.b),
            date(day),
            1000,
            || START_MS,
            &quiet,
        )
        .await
        .unwrap();
        assert_eq!(
            db.transfers_with_prefix(&format!("stimulus:{day}:{}", t.b_kk))
                .await
                .unwrap(),
            i64::from(counted > 0),
            "{day}"
        );
    }
    assert_eq!(
        balance_in(db, t.b, AccountKind::Wallet, &t.b_kk).await,
        2_000
    );
    assert_ledgers_whole(db).await;
}

/// Several servers (tasks here; real processes in `tests/two_servers.rs`) running the stimulus
/// of one date at once, for every kelurahan and for each one: every household of both is
/// credited exactly once, and each kelurahan's run totals add up to what it was credited.
async fn concurrent_runs_of_two_kelurahan_credit_each_household_once(db: &Db) {
    let b = another_kelurahan(db, "3577011002", "Sukamaju")
        .await
        .unwrap();
    let mut kks = Vec::new();
    for (k, region) in [(A, "3201"), (b, "3577")] {
        for h in 0..25u32 {
            let kk = format!("{region}01010100{h:04}");
            let members: Vec<_> = (0..=(h % 3))
                .map(|m| {
                    let mut p = person(&kk, "", "Warga", "1980-01-01", "ANAK");
                    p.nik = format!("{region}0101800{h:03}{m:02}");
                    p
                })
                .collect();
            household_in(db, k, &kk, &members).await.unwrap();
            kks.push((k, kk, members.len() as i64));
        }
    }
    let texts = texts();
    let d = "2026-11-25";
    let runs = [RunFor::Every, RunFor::One(A), RunFor::One(b), RunFor::Every];
    let handles: Vec<_> = runs
        .into_iter()
        .map(|which| {
            let (db, texts) = (db.clone(), texts.clone());
            tokio::spawn(async move {
                run_stimulus(&db, &texts, which, date(d), 1000, || START_MS, &quiet)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut credited = StimulusTotals::default();
    for h in handles {
        credited += h.await.unwrap();
    }
    let persons: i64 = kks.iter().map(|(_, _, n)| n).sum();
    assert_eq!(
        credited,
        StimulusTotals {
            households: 50,
            persons,
            amount: persons * 1000
        },
        "all runs together credited each household once"
    );
    for (k, kk, n) in &kks {
        assert_eq!(
            db.transfers_with_prefix(&format!("stimulus:{d}:{kk}"))
                .await
                .unwrap(),
            1,
            "{kk}"
        );
        assert_eq!(balance_in(db, *k, AccountKind::Wallet, kk).await, n * 1000);
    }
    let mut by_runs = StimulusTotals::default();
    for k in [A, b] {
        let (totals, finished) = db.stimulus_run(k, d).await.unwrap().unwrap();
        assert!(finished);
        assert_eq!(totals.households, 25);
        by_runs += totals;
    }
    assert_eq!(by_runs, credited);
    assert_ledgers_whole(db).await;
}

// ---------------------------------------------------------------------------------------------
// Money across kelurahan

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

/// Pays acting for `k` (the payer's kelurahan); refused payments roll back.
async fn pay_in(
    db: &Db,
    k: KelurahanId,
    r: &PaymentRequest<'_>,
) -> Result<gotong::ledger::payment::Payment, LedgerError> {
    let mut tx = db.begin(k).await?;
    match pay(&mut tx, r).await {
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

async fn deposit_in(
    db: &Db,
    k: KelurahanId,
    kk: &str,
    amount: i64,
    key: &str,
) -> Result<(), LedgerError> {
    let mut tx = db.begin(k).await?;
    let r = deposit(&mut tx, "test", kk, amount, "setoran", key, START_MS).await;
    match r {
        Ok(_) => tx.commit().await?,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    }
    Ok(())
}

async fn stimulus_stays_home_and_the_purse_travels(db: &Db) {
    let t = two(db).await;
    top_up(db, &t.a_kk, 50_000, "topup:a").await.unwrap();
    let away = &t.b_shop.code;
    let home = &t.a_shop.code;
    // Only stimulus credit: refused at B's merchant, naming A.
    let e = pay_in(db, A, &req(&t.a_head, away, 30_000, "pay:x1"))
        .await
        .unwrap_err();
    match e {
        LedgerError::StimulusStaysHome { home, purse } => {
            assert_eq!(
                (home.as_str(), purse),
                ("Kelurahan", 0),
                "the default is unnamed"
            );
        }
        other => panic!("{other:?}"),
    }
    // A cash deposit at A's office: the purse pays B's merchant, up to what it holds.
    deposit_in(db, A, &t.a_kk, 20_000, "dep:1").await.unwrap();
    deposit_in(db, A, &t.a_kk, 20_000, "dep:1").await.unwrap();
    assert_eq!(
        balance_in(db, A, AccountKind::Purse, &t.a_kk).await,
        20_000,
        "once per key"
    );
    let e = pay_in(db, A, &req(&t.a_head, away, 25_000, "pay:x2"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::StimulusStaysHome { purse: 20_000, .. }),
        "{e:?}"
    );
    let p = pay_in(db, A, &req(&t.a_head, away, 20_000, "pay:x3"))
        .await
        .unwrap();
    assert!(p.fresh);
    assert_eq!((p.split.merchant, p.split.social_fund), (19_000, 1_000));
    assert_eq!(p.household_balance, 50_000, "the stimulus is untouched");
    assert_eq!(p.merchant.kelurahan, t.b);
    assert_eq!(balance_in(db, A, AccountKind::Purse, &t.a_kk).await, 0);
    assert_eq!(
        balance_in(db, A, AccountKind::Wallet, &t.a_kk).await,
        50_000
    );
    assert_eq!(
        balance_in(db, t.b, AccountKind::Merchant, away).await,
        19_000
    );
    assert_eq!(
        balance_in(db, t.b, AccountKind::SocialFund, "").await,
        1_000,
        "the merchant's kelurahan's fund"
    );
    assert_eq!(balance_in(db, A, AccountKind::SocialFund, "").await, 0);
    assert_eq!(balance_in(db, A, AccountKind::Clearing, "").await, 20_000);
    assert_eq!(
        balance_in(db, t.b, AccountKind::Clearing, "").await,
        -20_000
    );
    assert_eq!(p.transfer.legs.len(), 5);
    // The same key again: the first payment, nothing more.
    let again = pay_in(db, A, &req(&t.a_head, away, 20_000, "pay:x3"))
        .await
        .unwrap();
    assert!(!again.fresh);
    assert_eq!(again.transfer.id, p.transfer.id);
    assert_eq!(
        (again.split.merchant, again.split.social_fund),
        (19_000, 1_000)
    );
    // At home the wallet pays first, then the purse.
    deposit_in(db, A, &t.a_kk, 10_000, "dep:2").await.unwrap();
    let p = pay_in(db, A, &req(&t.a_head, home, 55_000, "pay:h1"))
        .await
        .unwrap();
    assert_eq!(p.household_balance, 5_000);
    assert_eq!(balance_in(db, A, AccountKind::Wallet, &t.a_kk).await, 0);
    assert_eq!(balance_in(db, A, AccountKind::Purse, &t.a_kk).await, 5_000);
    assert_eq!(balance_in(db, A, AccountKind::SocialFund, "").await, 2_750);
    let e = pay_in(db, A, &req(&t.a_head, home, 10_000, "pay:h3"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, LedgerError::InsufficientFunds { balance: 5_000 }),
        "{e:?}"
    );
    // MUTASI: the household's wallet and purse together, naming the merchants.
    let mut tx = db.begin(A).await.unwrap();
    let mut accounts = Vec::new();
    for kind in [AccountKind::Wallet, AccountKind::Purse] {
        accounts.push(
            tx.account_by_owner(kind, &t.a_kk)
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    let lines = tx.statement(&accounts, 10).await.unwrap();
    let shown: Vec<(TransferKind, i64, Party)> = lines
        .into_iter()
        .map(|l| (l.kind, l.amount, l.party))
        .collect();
    let merchant_party = |m: &Merchant| Party::Merchant {
        code: m.code.clone(),
        name: m.name.clone(),
    };
    assert_eq!(
        shown,
        vec![
            (TransferKind::Payment, -55_000, merchant_party(&t.a_shop)),
            (TransferKind::Deposit, 10_000, Party::Treasury),
            (TransferKind::Payment, -20_000, merchant_party(&t.b_shop)),
            (TransferKind::Deposit, 20_000, Party::Treasury),
            (TransferKind::Topup, 50_000, Party::Treasury),
        ]
    );
    // A merchant cashes out at its own kelurahan only; a deposit is for this kelurahan's
    // households only.
    assert!(matches!(
        redeem(&mut tx, "test", away, 1_000, "r:1", START_MS).await,
        Err(LedgerError::UnknownMerchant)
    ));
    assert!(matches!(
        deposit(&mut tx, "test", &t.b_kk, 1_000, "", "dep:b", START_MS).await,
        Err(LedgerError::UnknownHousehold)
    ));
    tx.rollback().await.unwrap();
    let mut tx = db.begin(t.b).await.unwrap();
    redeem(&mut tx, "test", away, 19_000, "r:2", START_MS)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // B's resident, named B: the refusal names Kelurahan Sukamaju.
    top_up(db, &t.b_kk, 5_000, "topup:b").await.unwrap();
    let e = pay_in(db, t.b, &req(&t.b_head, home, 1_000, "pay:b1"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, LedgerError::StimulusStaysHome { home, purse: 0 } if home == "Kelurahan Sukamaju"),
        "{e:?}"
    );
    assert_ledgers_whole(db).await;
    for k in [A, t.b] {
        assert_eq!(db.ledger_audit_of(k).await.unwrap().balance_sum, 0);
    }
}

/// The one transfer path refuses legs that move money between kelurahan without their clearing
/// accounts, even when they sum to zero overall.
async fn a_transfer_balances_within_each_kelurahan(db: &Db) {
    let t = two(db).await;
    let mut tx = db.begin(A).await.unwrap();
    let ours = tx
        .account_by_owner(AccountKind::Treasury, "")
        .await
        .unwrap()
        .unwrap();
    let theirs = tx
        .account_of_kelurahan(t.b, AccountKind::Treasury, "")
        .await
        .unwrap()
        .unwrap();
    let e = apply_transfer(
        &mut tx,
        &NewTransfer {
            key: "bad:1",
            kind: TransferKind::Topup,
            memo: "",
            legs: vec![
                Leg {
                    account_id: ours.id,
                    amount: -100,
                },
                Leg {
                    account_id: theirs.id,
                    amount: 100,
                },
            ],
            now: START_MS,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, LedgerError::Unbalanced), "{e:?}");
    tx.rollback().await.unwrap();
    assert_eq!(db.transfers_with_prefix("bad:").await.unwrap(), 0);
    assert_ledgers_whole(db).await;
}

backend_tests!(
    nothing_of_one_kelurahan_is_found_from_the_other,
    stimulus_is_per_kelurahan_and_once_per_household,
    concurrent_runs_of_two_kelurahan_credit_each_household_once,
    stimulus_stays_home_and_the_purse_travels,
    a_transfer_balances_within_each_kelurahan,
);
