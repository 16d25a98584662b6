//! Two `gotong serve` processes on one PostgreSQL database (only with `TEST_POSTGRES_URL`), the
//! webhooks of a mixed load spread over both (one phone's messages alternate between them): the
//! same guarantees as on one server (each accepted message handled once, each reply sent once,
//! one transfer, receipt and notice per payment, ledger invariants), and the daily stimulus,
//! due at the start of both (`GOTONG_STIMULUS_HOUR=00:00`) for both kelurahan of the deployment,
//! credited once per household in the whole deployment. And three servers sending a backlog at
//! one channel cap: the provider never gets more than the cap in any second from all three
//! together, and each row once, in each phone's order.

mod common;

use common::load::*;
use common::{FakeProvider, Setup};
use gotong::store::{AccountKind, KelurahanId};
use gotong::testing::kelurahan::{another_kelurahan, household_in, person};
use gotong::testing::TestDb;
use std::time::{Duration, Instant};

const PAYERS: usize = 8;
const ROUNDS: usize = 3;
/// Households of the second kelurahan (only the stimulus touches them).
const OTHERS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database() {
    let Some(t) = TestDb::postgres().await else {
        eprintln!("TEST_POSTGRES_URL not set: two servers need PostgreSQL, skipped");
        return;
    };
    let provider = FakeProvider::start().await;
    let config = common::config(&Setup::default(), &provider);
    let k = kelurahan(&t.db, &config, PAYERS, 100_000).await;
    // A second kelurahan on the deployment: the daily job credits it too, once.
    let mojo = another_kelurahan(&t.db, "3577011003", "Mojo")
        .await
        .unwrap();
    let mut others = Vec::new();
    for h in 0..OTHERS {
        let kk = format!("357701010120{h:04}");
        let members: Vec<_> = (0..=h % 2)
            .map(|m| {
                let mut p = person(&kk, "", "Warga Mojo", "1980-01-01", "ANAK");
                p.nik = format!("35770101800{h:03}{m:02}");
                p
            })
            .collect();
        household_in(&t.db, mojo, &kk, &members).await.unwrap();
        others.push((kk, members.len() as i64));
    }
    let scripts = scripts(&k, ROUNDS);
    let total: usize = scripts.iter().map(Vec::len).sum();

    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    for n in 1..=2 {
        let mut env = serve_env(&t.url, &provider, free_port());
        for (k, v) in env.iter_mut() {
            if k == "GOTONG_STIMULUS_HOUR" {
                *v = "00:00".into();
            }
        }
        servers.push(ServeProcess::start(&env, dir.path(), &format!("serve-{n}")).await);
    }
    let progress = Progress::default();
    drive(
        servers.iter().map(|s| s.base.clone()).collect(),
        scripts,
        DriveOptions {
            pause: Duration::from_millis(20),
            redeliver: false,
            deadline: Duration::from_secs(60),
        },
        progress.clone(),
    )
    .await;
    wait_idle(&t.db, Duration::from_secs(30)).await;

    // The stimulus: today's run finished, one credit per household.
    let now = chrono::Utc::now().timestamp_millis();
    let date = gotong::calendar::jakarta_date(now)
        .format("%Y-%m-%d")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !t.db.stimulus_unfinished(&date).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the stimulus run did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let households = (PAYERS + 1 + OTHERS) as i64;
    assert_eq!(
        t.db.transfers_with_prefix(&format!("stimulus:{date}:"))
            .await
            .unwrap(),
        households,
        "one stimulus credit per household, both kelurahan"
    );
    for (kk, persons) in &others {
        assert_eq!(
            t.db.balance_in(mojo, AccountKind::Wallet, kk)
                .await
                .unwrap(),
            persons * config.stimulus_per_day,
            "wallet of {kk}"
        );
    }
    for (kelurahan, n) in [(KelurahanId::DEFAULT, PAYERS + 1), (mojo, OTHERS)] {
        let (totals, _) = t.db.stimulus_run(kelurahan, &date).await.unwrap().unwrap();
        assert_eq!(
            totals.households, n as i64,
            "kelurahan {kelurahan}'s run totals"
        );
    }
    let audits = t.db.ledger_audits().await.unwrap();
    assert!(audits.hold(), "{audits:?}");
    let per_day = config.stimulus_per_day;
    for (p, payer) in k.payers.iter().enumerate() {
        let paid: i64 = (0..ROUNDS).map(|r| amount(p, r)).sum();
        assert_eq!(
            t.db.balance_of(AccountKind::Wallet, &payer.kk)
                .await
                .unwrap(),
            k.credit + per_day - paid,
            "wallet of {}",
            payer.kk
        );
    }
    assert_eq!(
        t.db.balance_of(AccountKind::Wallet, &k.merchant_kk)
            .await
            .unwrap(),
        per_day
    );

    let accepted = progress.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), total);
    let verdict = check_exactly_once(&t.db, &k, &provider, &accepted, ROUNDS, &[]).await;
    // Both servers did part of the work.
    for s in &servers {
        assert!(
            !s.log_lines("message recorded").is_empty(),
            "{} got no webhook",
            s.base
        );
        assert!(s.log_lines("panicked").is_empty(), "{}", s.log_tail());
    }
    let sent_by: Vec<usize> = servers
        .iter()
        .map(|s| s.log_lines(" sent ").len())
        .collect();
    eprintln!("two servers: {verdict:?}, replies sent per server {sent_by:?}");
    drop(servers);
    t.drop_db().await;
}

/// The WhatsApp cap of the three servers (Meta's 80 messages a second per number).
const CAP: u32 = 80;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_send_under_one_cap() {
    let Some(t) = TestDb::postgres().await else {
        eprintln!("TEST_POSTGRES_URL not set: three servers need PostgreSQL, skipped");
        return;
    };
    let provider = FakeProvider::start().await;
    // 600 rows: over seven seconds at the cap, so the servers are all sending for most of it.
    let texts = queue_numbered(&t.db, 200, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    for n in 1..=3 {
        let env = serve_env_at_cap(&t.url, &provider, free_port(), CAP);
        servers.push(ServeProcess::start(&env, dir.path(), &format!("serve-{n}")).await);
    }
    wait_idle(&t.db, Duration::from_secs(60)).await;

    let requests = provider.requests();
    let most = most_in_any_second(&requests);
    assert!(
        most <= CAP as usize,
        "the provider got {most} requests in one second from three servers at a cap of {CAP}"
    );
    // Nothing lost or doubled, and each phone's rows in order.
    let counts = requests_per_text(&requests);
    let all: Vec<&String> = texts.iter().flatten().collect();
    assert_eq!(requests.len(), all.len());
    for text in &all {
        assert_eq!(counts.get(*text), Some(&1), "{text}");
    }
    for mine in &texts {
        let order: Vec<String> = requests
            .iter()
            .map(|r| r.text())
            .filter(|t| mine.contains(t))
            .collect();
        assert_eq!(&order, mine);
    }
    let sent_by: Vec<usize> = servers
        .iter()
        .map(|s| s.log_lines(" sent ").len())
        .collect();
    for (s, n) in servers.iter().zip(&sent_by) {
        assert!(*n > 0, "{} sent nothing", s.base);
        assert!(s.log_lines("panicked").is_empty(), "{}", s.log_tail());
    }
    let mut times: Vec<Instant> = requests.iter().map(|r| r.at).collect();
    times.sort();
    let span = times[times.len() - 1] - times[0];
    eprintln!(
        "three servers at a cap of {CAP}/s: {} sends in {span:?} ({:.1}/s), at most {most} in any second, sent per server {sent_by:?}",
        requests.len(),
        (requests.len() - 1) as f64 / span.as_secs_f64()
    );
    drop(servers);
    t.drop_db().await;
}
