//! Scenario 2: a mixed load over many linked residents.
//!
//! A synthetic kelurahan (the registry generator and import), every household credited by one
//! stimulus run, the head of each of `--residents` households linked to a phone (the PIN hashed
//! once, the links inserted in batches: [`crate::testing::kelurahan`]), a merchant `W001`, an open
//! proposal and a listing. `--senders` senders, each owning its share of the residents, send what
//! residents send: 60% `SALDO` / `MENU`, 20% a payment with PIN (`BAYAR W001 <amount>`, `1`, the
//! PIN: three messages), 10% `DUKUNG <n>`, 10% `CARI <word>`. Every message is answered by exactly
//! one reply; a sender waits for it before its next message. Latency: from the webhook sent to
//! its reply at the provider.

use super::webhook_load::{bench_config, post_whatsapp, start_server, text_payload, REPLY_TIMEOUT};
use super::{fresh_db, Backend, BenchArgs, Figures, Percentiles};
use crate::config::Config;
use crate::ledger::merchants::register_merchant;
use crate::market::{sell, Sale};
use crate::store::{on_backend, Db, NewProposal};
use crate::testing::fake_provider::{FakeProvider, Waiting};
use crate::testing::kelurahan::{self, Linked};
use anyhow::Context;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

const PIN: &str = "482915";
const WORDS: [&str; 4] = ["beras", "kue", "minuman", "sabun"];

/// Seeds the kelurahan; answers the linked phones (as the provider writes them: digits only) and
/// the proposal's number.
async fn seed_kelurahan(
    db: &Db,
    config: &Config,
    residents: usize,
) -> anyhow::Result<(Vec<String>, i64)> {
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now().timestamp_millis();
    let report = kelurahan::synthetic(db, residents + 50, now).await?;
    // Credit first: no phone is linked yet, so no credit notice goes out.
    let texts = crate::i18n::Texts::load_shipped()?;
    crate::ledger::stimulus::run_stimulus(
        db,
        &texts,
        crate::ledger::stimulus::RunFor::Every,
        today,
        1_000_000,
        || now,
        &|_, _| {},
    )
    .await?;
    let heads = kelurahan::heads(db, false).await?;
    anyhow::ensure!(
        heads.len() > residents,
        "the registry has too few households"
    );
    let hash = kelurahan::pin_hash(config, PIN);
    let phones = kelurahan::link_phones(db, Linked::Heads, residents, &hash, now).await?;
    // The merchant's owner is not linked: payment notices to them are not sent.
    let owner = &heads[residents];
    let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
    let merchant = register_merchant(&mut tx, "bench", owner, "Warung Bench", now).await?;
    anyhow::ensure!(merchant.code == "W001", "merchant code {}", merchant.code);
    sell(
        &mut tx,
        &merchant,
        &Sale {
            name: "Beras 5 kg",
            price: 60_000,
            stock: 1_000,
            category: "makanan",
            photo: None,
        },
        now,
    )
    .await?;
    let number = tx
        .insert_proposal(
            &NewProposal {
                kind: crate::proposals::Kind::Fisik,
                title: "Lampu jalan RT 01",
                description: "Lampu jalan di gang mawar",
                photo: None,
                proposer: owner,
                rt: "001",
                rw: "001",
            },
            "bench",
            now,
        )
        .await?;
    tx.commit().await?;
    tracing::info!(
        persons = report.persons,
        households = report.households,
        linked = phones.len(),
        seconds = started.elapsed().as_secs_f64(),
        "bench: kelurahan seeded"
    );
    println!(
        "seeded {} persons in {} households, {} linked residents, in {:.1} s",
        report.persons,
        report.households,
        phones.len(),
        started.elapsed().as_secs_f64()
    );
    Ok((phones, number))
}

/// The messages of one action of a resident.
fn action(rng: &mut impl Rng, proposal: i64, n: u64) -> Vec<String> {
    let roll = rng.gen_range(0..100);
    match roll {
        0..=59 => vec![if roll % 2 == 0 { "SALDO" } else { "MENU" }.to_string()],
        60..=79 => vec![
            format!("BAYAR W001 {}", 1_000 + rng.gen_range(0..500)),
            "1".into(),
            PIN.into(),
        ],
        80..=89 => vec![format!("DUKUNG {proposal}")],
        _ => vec![format!("CARI {}", WORDS[(n % WORDS.len() as u64) as usize])],
    }
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<Figures> {
    let test_db = fresh_db(backend).await?;
    let db = test_db.db.clone();
    let waiting: Waiting = Arc::default();
    let notices = Arc::new(AtomicU64::new(0));
    let (w, n) = (waiting.clone(), notices.clone());
    let provider = FakeProvider::start_for_waiters(w, n)
        .await
        .context("starting the fake provider")?;
    let config = bench_config(&test_db.url, &provider.api_base(), &[])?;
    let (phones, proposal) = seed_kelurahan(&db, &config, args.residents).await?;
    let (running, url, http) = start_server(config, &db, args.senders).await?;

    let tickets = Arc::new(AtomicU64::new(0));
    let since: Arc<OnceLock<Instant>> = Arc::default();
    let (warmup, messages) = (args.warmup, args.messages);
    let run_id: u32 = rand::random();
    let senders = args.senders.min(phones.len()).max(1);
    let phones = Arc::new(phones);
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let (http, url, tickets, since, waiting, phones) = (
                http.clone(),
                url.clone(),
                tickets.clone(),
                since.clone(),
                waiting.clone(),
                phones.clone(),
            );
            tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(s as u64);
                let mine: Vec<&String> = phones.iter().skip(s).step_by(senders).collect();
                let (mut latency, mut webhook, mut errors, mut last) =
                    (Vec::new(), Vec::new(), 0u64, None);
                let mut n = 0u64;
                'run: loop {
                    let phone = mine[rng.gen_range(0..mine.len())];
                    for text in action(&mut rng, proposal, n) {
                        let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                        if ticket >= warmup + messages {
                            break 'run;
                        }
                        let measured = ticket >= warmup;
                        if measured {
                            since.get_or_init(Instant::now);
                        }
                        n += 1;
                        let (tx, rx) = oneshot::channel();
                        if let Ok(mut m) = waiting.lock() {
                            m.insert(phone.clone(), tx);
                        }
                        let body =
                            text_payload(phone, &format!("wamid.mixed.{run_id}.{s}.{n}"), &text, 0);
                        let sent = Instant::now();
                        let ok = post_whatsapp(&http, &url, body).await;
                        let acked = Instant::now();
                        match tokio::time::timeout(REPLY_TIMEOUT, rx).await {
                            Ok(Ok(at)) if ok => {
                                if measured {
                                    latency.push(at.saturating_duration_since(sent));
                                    webhook.push(acked - sent);
                                    last = last.max(Some(at));
                                }
                            }
                            _ => {
                                errors += 1;
                                if let Ok(mut m) = waiting.lock() {
                                    m.remove(phone.as_str());
                                }
                                continue 'run;
                            }
                        }
                    }
                }
                (latency, webhook, errors, last)
            })
        })
        .collect();
    let (mut latency, mut webhook, mut errors, mut last) = (Vec::new(), Vec::new(), 0, None);
    for t in tasks {
        let (l, w, e, at) = t.await.context("a sender panicked")?;
        latency.extend(l);
        webhook.extend(w);
        errors += e;
        last = last.max(at);
    }
    running.shutdown().await;
    let audit = db.ledger_audit().await?;
    // The payments and supports really happened (not only answered with a refusal).
    let (payments, supports): (i64, i64) = on_backend!(&db.pool, p => {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'payment'),
                    (SELECT COUNT(*) FROM proposal_supports)",
        )
        .fetch_one(p)
        .await?
    });
    println!(
        "{backend}: {payments} payments committed, {supports} distinct supports, {} notices to others, \
         ledger audit: sum {}, {} negative, {} mismatched, {} unbalanced",
        notices.load(Ordering::Relaxed),
        audit.balance_sum,
        audit.negative_accounts,
        audit.balance_mismatches,
        audit.unbalanced_transfers
    );
    provider.stop().await;
    test_db.drop_db().await;
    tracing::info!(
        %backend,
        notices = notices.load(Ordering::Relaxed),
        ?audit,
        "bench: mixed load done"
    );
    let elapsed = match (since.get(), last) {
        (Some(s), Some(l)) => l.saturating_duration_since(*s),
        _ => Duration::ZERO,
    };
    Ok(Figures {
        backend,
        messages: latency.len() as u64,
        elapsed,
        latency: Percentiles::of(&mut latency),
        webhook: Percentiles::of(&mut webhook),
        errors,
    })
}
