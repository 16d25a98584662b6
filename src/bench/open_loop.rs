//! `open`: open-loop load. Signed WhatsApp webhooks are posted at a fixed offered rate
//! (`--rate` a second for `--seconds`), spread round-robin over `--phones` phones, over
//! `--senders` keep-alive connections, whatever the replies do: a phone gets its next message
//! when its turn comes, answered or not. Against the real server ([`crate::server::start`], the
//! real engine) and the fake Graph API on loopback, like the `webhook` scenario; with
//! `--channel android-sms`, signed SMS Gateway for Android `sms:received` events and the fake
//! gateway's send API instead.
//!
//! It reports the webhooks acknowledged a second, the replies received a second over the same
//! span, the replies' latency from their webhook's post (p50, p99, max), and the backlog when the
//! offered load ends: messages recorded but not yet handled plus replies queued but not yet sent.
//! Then it waits (bounded) for the backlog to drain, so the latency counts the late replies too.
//! Each input is answered by exactly one reply (the cycle of the `webhook` scenario), so a phone's
//! replies answer its messages in order.

use super::webhook_load::INPUTS;
use super::{fresh_db, ms, per_second, Backend, BenchArgs, Percentiles};
use crate::testing::fake_provider::{Delivered, FakeProvider};
use anyhow::Context;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the backlog may take to drain after the offered load ends.
const DRAIN: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, PartialEq)]
pub struct OpenFigures {
    pub backend: Backend,
    /// Offered messages a second.
    pub rate: u64,
    pub offered: u64,
    pub acked_per_second: f64,
    pub replies_per_second: f64,
    pub latency: Percentiles,
    /// Messages recorded but not handled when the offered load ended.
    pub unhandled: i64,
    /// Replies queued but not sent when the offered load ended.
    pub unsent: i64,
    /// Failed webhooks, replies missing after the drain, stray replies.
    pub errors: u64,
}

/// Per phone, when each of its messages still unanswered was posted, oldest first.
struct Waiting {
    phones: Vec<Mutex<VecDeque<Instant>>>,
    latency: Mutex<Vec<Duration>>,
    replies: AtomicU64,
    stray: AtomicU64,
    /// Replies received before the offered load ended.
    replies_in_load: AtomicU64,
    load_over: std::sync::atomic::AtomicBool,
}

fn phone(i: usize) -> String {
    format!("628{:09}", 200_000_000 + i)
}

fn index_of(to: &str) -> Option<usize> {
    let n: usize = to
        .trim_start_matches('+')
        .strip_prefix("628")?
        .parse()
        .ok()?;
    n.checked_sub(200_000_000)
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<OpenFigures> {
    let test_db = fresh_db(backend).await?;
    let db = test_db.db.clone();
    let phones = args.phones.max(1);
    let rate = args.rate.max(1);
    let seconds = args.seconds.unwrap_or(20).max(1);
    let waiting = Arc::new(Waiting {
        phones: (0..phones).map(|_| Mutex::new(VecDeque::new())).collect(),
        latency: Mutex::new(Vec::new()),
        replies: AtomicU64::new(0),
        stray: AtomicU64::new(0),
        replies_in_load: AtomicU64::new(0),
        load_over: Default::default(),
    });
    let w = waiting.clone();
    let provider = FakeProvider::start_reporting(Arc::new(move |d: Delivered| {
        let posted = index_of(&d.to)
            .and_then(|i| w.phones.get(i))
            .and_then(|q| q.lock().ok()?.pop_front());
        match posted {
            Some(posted) => {
                if let Ok(mut l) = w.latency.lock() {
                    l.push(d.at.saturating_duration_since(posted));
                }
                w.replies.fetch_add(1, Ordering::Relaxed);
                if !w.load_over.load(Ordering::Relaxed) {
                    w.replies_in_load.fetch_add(1, Ordering::Relaxed);
                }
            }
            None => {
                w.stray.fetch_add(1, Ordering::Relaxed);
            }
        }
    }))
    .await
    .context("starting the fake provider")?;
    let channel = args.channel;
    let (running, url, http) = channel
        .start_server(&test_db, &provider, args.senders)
        .await?;
    let number = channel.number(0);
    tracing::info!(%backend, ?channel, rate, seconds, phones, senders = args.senders, "bench: open loop");

    let offered = rate * seconds;
    let tickets = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(AtomicU64::new(0));
    let run_id: u32 = rand::random();
    let start = Instant::now();
    let tasks: Vec<_> = (0..args.senders.max(1))
        .map(|_| {
            let (tickets, failed, acked, waiting, http, url, number) = (
                tickets.clone(),
                failed.clone(),
                acked.clone(),
                waiting.clone(),
                http.clone(),
                url.clone(),
                number.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let k = tickets.fetch_add(1, Ordering::Relaxed);
                    if k >= offered {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(k as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                    let i = (k % phones as u64) as usize;
                    let n = k / phones as u64;
                    let text = INPUTS[(n % INPUTS.len() as u64) as usize];
                    let posted = Instant::now();
                    if let Ok(mut q) = waiting.phones[i].lock() {
                        q.push_back(posted);
                    }
                    let id = format!("open.{run_id}.{i}.{n}");
                    let ok = channel
                        .post_text(&http, &url, &number, &phone(i), &id, text)
                        .await;
                    if ok {
                        acked.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut q) = waiting.phones[i].lock() {
                            q.pop_back();
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.context("a sender panicked")?;
    }
    let load = start.elapsed();
    waiting.load_over.store(true, Ordering::Relaxed);
    let in_load = waiting.replies_in_load.load(Ordering::Relaxed);
    let unhandled = db.pending_inbound_count().await?;
    let unsent = db.outbox_stats(None).await?.depth;
    let acked = acked.load(Ordering::Relaxed);
    let deadline = Instant::now() + DRAIN;
    while waiting.replies.load(Ordering::Relaxed) < acked && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.shutdown().await;
    provider.stop().await;
    test_db.drop_db().await;
    let replies = waiting.replies.load(Ordering::Relaxed);
    let mut latency = std::mem::take(
        &mut *waiting
            .latency
            .lock()
            .map_err(|_| anyhow::anyhow!("a latency lock was poisoned"))?,
    );
    let figures = OpenFigures {
        backend,
        rate,
        offered,
        acked_per_second: per_second(acked as f64, load),
        replies_per_second: per_second(in_load as f64, load),
        latency: Percentiles::of(&mut latency),
        unhandled,
        unsent,
        errors: failed.load(Ordering::Relaxed)
            + acked.saturating_sub(replies)
            + waiting.stray.load(Ordering::Relaxed),
    };
    tracing::info!(?figures, "bench: open loop done");
    Ok(figures)
}

/// The figures as a Markdown table.
pub fn table(rows: &[OpenFigures]) -> String {
    let mut out = String::from(
        "| backend | offered/s | msgs | acks/s | replies/s | reply p50 | reply p99 | reply max | backlog at end | unhandled + unsent | errors |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} + {} | {} |\n",
            f.backend,
            f.rate,
            f.offered,
            f.acked_per_second,
            f.replies_per_second,
            ms(f.latency.p50),
            ms(f.latency.p99),
            ms(f.latency.max),
            f.unhandled + f.unsent,
            f.unhandled,
            f.unsent,
            f.errors
        ));
    }
    out
}
