//! `claim`: the outbox claim's time with a backlog of 0, 10,000, 100,000 (and, when asked for,
//! 1,000,000) rows queued. The backlog is what a busy outbox holds: four rows per phone (a
//! broadcast, a notice and two replies, in that order of id), so most queued rows wait behind
//! another row of their phone. Each round claims a sender's batch (50 rows) and records them
//! sent, as the sender does; the table gives the claim's p50, p99 and max over the rounds.

use super::{fresh_db, Backend, BenchArgs, Percentiles};
use crate::message::{Body, Channel, Outbound, Priority};
use crate::store::{Db, KelurahanId};
use std::time::{Duration, Instant};

/// Rows claimed per round: a sender's batch at 1,000 msg/s (a twentieth of a second).
const BATCH: i64 = 50;
/// Rounds measured per backlog.
const ROUNDS: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct ClaimFigures {
    pub backend: Backend,
    pub queued: usize,
    /// Rows claimed over the rounds.
    pub claimed: usize,
    pub claim: Percentiles,
    /// How long queuing the backlog took.
    pub seeding: Duration,
}

/// Queues `rows` rows, four per phone, in units of work of 1,000 rows.
async fn seed(db: &Db, rows: usize, now: i64) -> anyhow::Result<()> {
    let order = [
        Priority::Broadcast,
        Priority::Notice,
        Priority::Reply,
        Priority::Reply,
    ];
    let all: Vec<Outbound> = (0..rows)
        .map(|i| Outbound {
            kelurahan: KelurahanId::DEFAULT,
            channel: Channel::WhatsApp,
            phone: format!("+628{:010}", i / 4),
            body: Body::Text {
                text: format!("backlog {i}"),
            },
            priority: order[i % 4],
        })
        .collect();
    for chunk in all.chunks(1_000) {
        let mut tx = db.begin(KelurahanId::DEFAULT).await?;
        tx.enqueue_all(chunk, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The backlogs measured: 0, 10,000 and 100,000, and `--recipients` when it is larger (for
/// 1,000,000: `--recipients 1000000`).
pub fn backlogs(args: &BenchArgs) -> Vec<usize> {
    let mut b = vec![0, 10_000, 100_000];
    if args.recipients > 100_000 {
        b.push(args.recipients);
    }
    b
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<Vec<ClaimFigures>> {
    let mut figures = Vec::new();
    for queued in backlogs(args) {
        let test_db = fresh_db(backend).await?;
        let db = test_db.db.clone();
        let now = chrono::Utc::now().timestamp_millis();
        let started = Instant::now();
        seed(&db, queued, now).await?;
        let seeding = started.elapsed();
        tracing::info!(%backend, queued, seconds = seeding.as_secs_f64(), "bench: backlog queued");
        let mut times = Vec::with_capacity(ROUNDS);
        let mut claimed = 0;
        for round in 0..ROUNDS {
            let at = now + round as i64;
            let t = Instant::now();
            let rows = db
                .claim_outbox(Channel::WhatsApp, at, BATCH, 60_000)
                .await?;
            times.push(t.elapsed());
            claimed += rows.len();
            let sent: Vec<(i64, String)> = rows
                .iter()
                .map(|r| (r.id, format!("wamid.bench-{}", r.id)))
                .collect();
            db.outbox_sent_all(&sent, at).await?;
        }
        figures.push(ClaimFigures {
            backend,
            queued,
            claimed,
            claim: Percentiles::of(&mut times),
            seeding,
        });
    }
    Ok(figures)
}

/// The figures as a Markdown table.
pub fn table(rows: &[Vec<ClaimFigures>]) -> String {
    let mut out = String::from(
        "| backend | queued | rounds | rows claimed | claim p50 | claim p99 | claim max |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows.iter().flatten() {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            f.backend,
            f.queued,
            ROUNDS,
            f.claimed,
            f.claim.cells()
        ));
    }
    out
}
