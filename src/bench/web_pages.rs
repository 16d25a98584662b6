//! Scenario `web`: the web pages with a large kelurahan (issue 15). A synthetic kelurahan of about
//! `--persons` persons (100,000 for the target) through the registry import, today's stimulus,
//! then `--payments` payments spread over the last 365 days (not measured); the real server on
//! loopback; then `--messages` GETs of the public home (`/`), the proposals (`/usulan`) and an
//! officer's dashboard (`/admin`, a session of the kelurahan's admin) in turn, one at a time:
//! the time from request to the whole page, and the page's size.

use super::stimulus::payments;
use super::webhook_load::{bench_config, start_server};
use super::{fresh_db, Backend, BenchArgs, Percentiles};
use crate::broadcast::Scope;
use crate::i18n::Texts;
use crate::ledger::stimulus::{run_stimulus, RunFor};
use crate::officer_login::open_session;
use crate::store::{KelurahanId, DAY_MS};
use crate::testing::fake_provider::FakeProvider;
use crate::testing::kelurahan;
use anyhow::Context;
use std::time::Instant;

/// The pages measured.
const PAGES: [&str; 3] = ["/", "/usulan", "/admin"];

/// One page's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct PageFigures {
    pub path: &'static str,
    /// The first request after the server started (its figures may still be computing).
    pub first: std::time::Duration,
    /// The requests after the first.
    pub latency: Percentiles,
    pub bytes: usize,
}

/// What one run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct WebFigures {
    pub backend: Backend,
    pub persons: u64,
    pub payments: u64,
    pub pages: Vec<PageFigures>,
}

pub async fn run(backend: Backend, args: &BenchArgs) -> anyhow::Result<WebFigures> {
    let test_db = fresh_db(backend).await?;
    let db = &test_db.db;
    let now = chrono::Utc::now().timestamp_millis();
    let report = kelurahan::synthetic(db, kelurahan::households_for(args.persons), now).await?;
    let texts = Texts::load_shipped()?;
    let today = crate::calendar::jakarta_date(now);
    run_stimulus(db, &texts, RunFor::Every, today, 1_000, || now, &|_, _| {}).await?;
    let (paid, _) = payments(db, args.payments, now, |i| now - (i as i64 % 365) * DAY_MS).await?;
    let officer = kelurahan::heads(db, true)
        .await?
        .pop()
        .context("the kelurahan has no household")?;
    let mut tx = db.begin(KelurahanId::DEFAULT).await?;
    tx.upsert_admin(&Scope::Kelurahan.to_row(&officer), "bench", now)
        .await?;
    let session = open_session(&mut tx, &officer, now)
        .await?
        .context("the officer is an admin")?;
    tx.commit().await?;
    tracing::info!(%backend, persons = report.persons, paid, "bench: web pages seeded");
    // What each page's queries cost on their own (the slowest of three), for the log.
    let k = KelurahanId::DEFAULT;
    let since = crate::web::chart::since(now);
    let day = today.format("%Y-%m-%d").to_string();
    for (what, t) in [
        (
            "kpis",
            time3(|| async {
                crate::kelurahan::stats::kpis(db, Some(k), now)
                    .await
                    .map(|_| ())
            })
            .await?,
        ),
        (
            "ledger_days",
            time3(|| async { db.ledger_days(k, since).await.map(|_| ()) }).await?,
        ),
        (
            "verification_days",
            time3(|| async { db.verification_days(k, since).await.map(|_| ()) }).await?,
        ),
        (
            "rw_table",
            time3(|| async { db.rw_table(k, &day).await.map(|_| ()) }).await?,
        ),
        (
            "message_days",
            time3(|| async { db.message_days(k, since).await.map(|_| ()) }).await?,
        ),
        (
            "rw_activity",
            time3(|| async { db.rw_activity(k, since, &day).await.map(|_| ()) }).await?,
        ),
    ] {
        tracing::info!(%backend, query = what, ms = t.as_secs_f64() * 1000.0, "bench: web query");
    }

    let provider = FakeProvider::start().await;
    let config = bench_config(&test_db.url, &provider.api_base(), &[])?;
    let (running, _, http) = start_server(config, db, 1).await?;
    let cookie = format!("gotong_session={}", session.token);
    let mut pages = Vec::new();
    for path in PAGES {
        let url = format!("http://{}{path}", running.addr);
        let mut samples = Vec::with_capacity(args.messages as usize);
        let mut bytes = 0;
        for _ in 0..args.messages.max(1) {
            let started = Instant::now();
            let r = http
                .get(&url)
                .header("cookie", &cookie)
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            anyhow::ensure!(r.status().is_success(), "GET {path}: {}", r.status());
            bytes = r.bytes().await?.len();
            samples.push(started.elapsed());
        }
        let first = samples.remove(0);
        if samples.is_empty() {
            samples.push(first);
        }
        pages.push(PageFigures {
            path,
            first,
            latency: Percentiles::of(&mut samples),
            bytes,
        });
    }
    running.shutdown().await;
    provider.stop().await;
    test_db.drop_db().await;
    Ok(WebFigures {
        backend,
        persons: report.persons,
        payments: paid,
        pages,
    })
}

/// The slowest of three runs of `f`.
async fn time3<F, Fut>(f: F) -> anyhow::Result<std::time::Duration>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = crate::error::StoreResult<()>>,
{
    let mut worst = std::time::Duration::ZERO;
    for _ in 0..3 {
        let started = Instant::now();
        f().await?;
        worst = worst.max(started.elapsed());
    }
    Ok(worst)
}

/// The figures as a Markdown table.
pub fn table(rows: &[WebFigures]) -> String {
    let mut out = String::from(
        "| backend | persons | payments (a year) | page | first | p50 | p99 | max | size |\n\
         | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows {
        for p in &f.pages {
            out.push_str(&format!(
                "| {} | {} | {} | `{}` | {:.1} ms | {} | {:.1} KB |\n",
                f.backend,
                f.persons,
                f.payments,
                p.path,
                p.first.as_secs_f64() * 1000.0,
                p.latency.cells(),
                p.bytes as f64 / 1024.0
            ));
        }
    }
    out
}
