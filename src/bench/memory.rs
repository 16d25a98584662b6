//! Scenario 5: memory. The server's resident set idle, then with many open conversations.
//!
//! The server keeps no conversation in memory: a session is a row in `sessions`, loaded at the
//! start of a turn and saved at its end. This scenario shows it: it reads `VmRSS` of this process
//! (server, fake provider and HTTP client together, so an upper bound for the server) once the
//! server is up, then opens `--conversations` conversations, one `CONTOH` per phone (the example
//! flow: its first step waits for an answer, so each phone is left mid-flow), `--senders` at a
//! time, and reads `VmRSS` again.

use super::webhook_load::{bench_config, post_whatsapp, start_server, text_payload, REPLY_TIMEOUT};
use super::{fresh_db, Backend, BenchArgs};
use crate::store::on_backend;
use crate::testing::fake_provider::{FakeProvider, Waiting};
use anyhow::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// What one memory run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryFigures {
    pub backend: Backend,
    /// VmRSS (bytes) with the server up and nothing sent yet.
    pub idle_rss: u64,
    /// VmRSS (bytes) once every conversation is open.
    pub open_rss: u64,
    /// Peak VmHWM (bytes) over the whole run.
    pub peak_rss: u64,
    /// Conversations open (rows in `sessions`) at the end.
    pub conversations: i64,
    pub elapsed: Duration,
    pub errors: u64,
}

/// `VmRSS` and `VmHWM` of this process, in bytes (0 where /proc is not there).
pub fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<MemoryFigures> {
    let test_db = fresh_db(backend).await?;
    let db = test_db.db.clone();
    // Phone (as the provider sees it) → the sender waiting for its reply; bounded by --senders.
    let waiting: Waiting = Arc::default();
    let stray = Arc::new(AtomicU64::new(0));
    let (w, s) = (waiting.clone(), stray.clone());
    let provider = FakeProvider::start_for_waiters(w, s)
        .await
        .context("starting the fake provider")?;
    let config = bench_config(&test_db.url, &provider.api_base(), &[])?;
    let (running, url, http) = start_server(config, &db, args.senders).await?;

    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle_rss, _) = rss();
    tracing::info!(%backend, conversations = args.conversations, idle_rss, "bench: memory");

    let total = args.conversations;
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let run_id: u32 = rand::random();
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.senders)
        .map(|_| {
            let (http, url, next, errors, waiting) = (
                http.clone(),
                url.clone(),
                next.clone(),
                errors.clone(),
                waiting.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let phone = format!("628{:09}", 200_000_000 + i);
                    let (tx, rx) = oneshot::channel();
                    if let Ok(mut m) = waiting.lock() {
                        m.insert(phone.clone(), tx);
                    }
                    let body =
                        text_payload(&phone, &format!("wamid.mem.{run_id}.{i}"), "CONTOH", 0);
                    let ok = post_whatsapp(&http, &url, body).await;
                    if !ok || !matches!(tokio::time::timeout(REPLY_TIMEOUT, rx).await, Ok(Ok(_))) {
                        errors.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut m) = waiting.lock() {
                            m.remove(&phone);
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.context("a sender panicked")?;
    }
    let elapsed = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (open_rss, peak_rss) = rss();
    let conversations: i64 = on_backend!(&db.pool, p => {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(p).await?
    });
    running.shutdown().await;
    provider.stop().await;
    test_db.drop_db().await;
    Ok(MemoryFigures {
        backend,
        idle_rss,
        open_rss,
        peak_rss,
        conversations,
        elapsed,
        errors: errors.load(Ordering::Relaxed) + stray.load(Ordering::Relaxed),
    })
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

/// The figures as a Markdown table.
pub fn table(rows: &[MemoryFigures]) -> String {
    let mut out = String::from(
        "| backend | conversations open | RSS idle | RSS open | peak RSS | time to open | errors |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.1} s | {} |\n",
            f.backend,
            f.conversations,
            mib(f.idle_rss),
            mib(f.open_rss),
            mib(f.peak_rss),
            f.elapsed.as_secs_f64(),
            f.errors
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rss_is_read_from_proc() {
        let (rss, hwm) = super::rss();
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(rss > 0 && hwm >= rss, "{rss} {hwm}");
        }
    }
}
