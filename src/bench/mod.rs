//! `gotong bench`: load scenarios against the real server on loopback, with a fake provider.
//!
//! Each scenario is one file and one [`Scenario`] variant; this module holds what they share:
//! the options, a fresh database per backend, latency percentiles and the table printed at the
//! end.
//!
//! | scenario | file |
//! | --- | --- |
//! | `webhook`: inbound webhook → conversation step → reply at the provider | [`webhook_load`] |
//! | `mixed`: 60% SALDO/MENU, 20% payments with PIN, 10% DUKUNG, 10% CARI over linked residents | [`mixed`] |
//! | `stimulus`: the stimulus for many persons, its idempotent re-run, payments throughput | [`stimulus`] |
//! | `broadcast`: creating a broadcast to many recipients, its SMS drain at the cap while a resident talks over SMS | [`broadcast`] |
//! | `memory`: RSS idle and with many open conversations | [`memory`] |
//! | `claim`: the outbox claim's time with 0, 10,000, 100,000 (1,000,000) rows queued | [`claim`] |
//! | `open`: open-loop webhooks at a fixed offered rate, replies/s, reply latency, backlog at the end | [`open_loop`] |
//! | `web`: the public home, the proposals and the officer's dashboard with `--persons` residents and a year of `--payments` | [`web_pages`] |
//! | `all`: the five above in turn, one table each | |
//!
//! The test kit's fake provider ([`crate::testing::fake_provider`], the tests' too) answers
//! WhatsApp, Twilio SMS and SMS Gateway for Android sends (`--channel android-sms` for the
//! `webhook` and `open` scenarios); the test kit's builder ([`crate::testing::kelurahan`]) imports
//! the synthetic kelurahan and links phones for the scenarios that need residents.
//!
//! Every scenario is bounded (a number of messages, persons or seconds), binds only `127.0.0.1`
//! and stops by itself.

pub mod broadcast;
pub mod claim;
pub mod memory;
pub mod mixed;
pub mod open_loop;
pub mod stimulus;
pub mod web_pages;
pub mod webhook_load;

use crate::testing::TestDb;
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// The variable naming a PostgreSQL server where throw-away databases may be created.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Inbound webhook → conversation step → reply received by the provider.
    Webhook,
    /// A mixed load (SALDO/MENU, payments with PIN, DUKUNG, CARI) over `--residents` residents.
    Mixed,
    /// The stimulus for `--persons` persons, its idempotent re-run, then `--payments` payments.
    Stimulus,
    /// A broadcast to `--recipients` recipients: its creation, then its SMS drain at the cap for
    /// `--drain-seconds` while a resident talks over SMS.
    Broadcast,
    /// Server RSS idle and with `--conversations` open conversations.
    Memory,
    /// The outbox claim's time with 0, 10,000 and 100,000 rows queued (and `--recipients`
    /// when larger: `--recipients 1000000`).
    Claim,
    /// Open loop: signed WhatsApp webhooks at `--rate` a second for `--seconds` (default 20)
    /// over `--phones` phones, whatever the replies do; acks/s, replies/s, reply latency and the
    /// backlog when the load ends.
    Open,
    /// The public home, the proposals and the officer's dashboard rendered `--messages` times
    /// each with `--persons` residents and `--payments` payments over a year.
    Web,
    /// Webhook, mixed, stimulus, broadcast and memory in turn, one table each.
    All,
}

impl Scenario {
    /// What `--scenario all` runs, in order.
    pub const EACH: [Scenario; 5] = [
        Scenario::Webhook,
        Scenario::Mixed,
        Scenario::Stimulus,
        Scenario::Broadcast,
        Scenario::Memory,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// `gotong bench` options.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// Which scenario to run.
    #[arg(long, value_enum, default_value = "webhook")]
    pub scenario: Scenario,
    /// Which database: a temporary SQLite file, a throw-away PostgreSQL database on
    /// TEST_POSTGRES_URL, or both. Default: both when TEST_POSTGRES_URL is set, else sqlite.
    #[arg(long, value_enum)]
    pub backend: Option<BackendChoice>,
    /// `webhook`, `mixed`, `memory`: concurrent senders, each waiting for its reply before the
    /// next message.
    #[arg(long, default_value_t = 64)]
    pub senders: usize,
    /// `webhook`, `mixed`: messages measured (after the warm-up).
    #[arg(long, default_value_t = 20_000)]
    pub messages: u64,
    /// `webhook`: measure for this many seconds instead of a number of messages. `open`: how long
    /// the load is offered (default 20).
    #[arg(long)]
    pub seconds: Option<u64>,
    /// `webhook`, `mixed`: messages sent before measuring (connections, caches, first sessions).
    #[arg(long, default_value_t = 2_000)]
    pub warmup: u64,
    /// `mixed`: linked residents seeded (one per household).
    #[arg(long, default_value_t = 10_000)]
    pub residents: usize,
    /// `memory`: conversations to open (one phone each).
    #[arg(long, default_value_t = 100_000)]
    pub conversations: u64,
    /// `stimulus`: persons in the synthetic kelurahan (about 3.75 per household).
    #[arg(long, default_value_t = 1_000_000)]
    pub persons: usize,
    /// `stimulus`: payments made after the stimulus, one unit of work each.
    #[arg(long, default_value_t = 10_000)]
    pub payments: u64,
    /// `webhook`: business numbers the phones write to, one kelurahan each (phone i writes to
    /// number i mod this; its reply must come from that number).
    #[arg(long, default_value_t = 1)]
    pub numbers: usize,
    /// `stimulus`: kelurahan on the deployment, the persons spread over them (the run credits
    /// every one; with more than one, no payments are made).
    #[arg(long, default_value_t = 1)]
    pub kelurahan: usize,
    /// `broadcast`: recipients of the broadcast. `claim`: a backlog of this size is measured
    /// too when it is above 100,000.
    #[arg(long, default_value_t = 100_000)]
    pub recipients: usize,
    /// `open`: messages offered a second.
    #[arg(long, default_value_t = 2_000)]
    pub rate: u64,
    /// `open`: phones the messages are spread over (round-robin).
    #[arg(long, default_value_t = 20_000)]
    pub phones: usize,
    /// `broadcast`: seconds the SMS drain is measured.
    #[arg(long, default_value_t = 10)]
    pub drain_seconds: u64,
    /// `webhook`, `open`: what the residents write on: WhatsApp (signed Cloud API webhooks, replies
    /// to the fake Graph API) or SMS through SMS Gateway for Android (signed `sms:received`
    /// events, replies to the fake gateway's send API).
    #[arg(long, value_enum, default_value = "whatsapp")]
    pub channel: BenchChannel,
}

/// The channel of the `webhook` and `open` scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchChannel {
    Whatsapp,
    AndroidSms,
}

impl BenchArgs {
    /// The backends to run on, in order.
    pub fn backends(&self) -> anyhow::Result<Vec<Backend>> {
        let postgres_set = std::env::var(POSTGRES_URL_VAR).is_ok_and(|u| !u.trim().is_empty());
        let choice = self.backend.unwrap_or(if postgres_set {
            BackendChoice::Both
        } else {
            BackendChoice::Sqlite
        });
        let wanted = match choice {
            BackendChoice::Sqlite => vec![Backend::Sqlite],
            BackendChoice::Postgres => vec![Backend::Postgres],
            BackendChoice::Both => vec![Backend::Sqlite, Backend::Postgres],
        };
        anyhow::ensure!(
            postgres_set || !wanted.contains(&Backend::Postgres),
            "--backend postgres needs {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/test \
             (a throw-away database is created there and dropped afterwards)"
        );
        anyhow::ensure!(self.senders > 0, "--senders must be at least 1");
        anyhow::ensure!(self.persons > 0, "--persons must be positive");
        anyhow::ensure!(self.recipients > 0, "--recipients must be positive");
        anyhow::ensure!(self.drain_seconds > 0, "--drain-seconds must be positive");
        anyhow::ensure!(
            self.messages > 0 || self.seconds.is_some_and(|s| s > 0),
            "--messages or --seconds must be positive"
        );
        Ok(wanted)
    }
}

/// A fresh, migrated database on `backend`.
pub async fn fresh_db(backend: Backend) -> anyhow::Result<TestDb> {
    match backend {
        Backend::Sqlite => Ok(TestDb::sqlite().await),
        Backend::Postgres => TestDb::postgres()
            .await
            .ok_or_else(|| anyhow::anyhow!("{POSTGRES_URL_VAR} is not set")),
    }
}

/// Runs the chosen scenario (or each of them, for `all`) on each backend and prints its table.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let backends = args.backends()?;
    let scenarios = match args.scenario {
        Scenario::All => Scenario::EACH.to_vec(),
        one => vec![one],
    };
    for scenario in scenarios {
        tracing::info!(?scenario, ?backends, "bench: scenario");
        let args = &args;
        let table = match scenario {
            Scenario::Webhook => table(&on_each(&backends, |b| webhook_load::run(b, args)).await?),
            Scenario::Mixed => table(&on_each(&backends, |b| mixed::run(b, args)).await?),
            Scenario::Stimulus => {
                stimulus::table(&on_each(&backends, |b| stimulus::run(b, args)).await?)
            }
            Scenario::Broadcast => {
                broadcast::table(&on_each(&backends, |b| broadcast::run(b, args)).await?)
            }
            Scenario::Memory => memory::table(&on_each(&backends, |b| memory::run(b, args)).await?),
            Scenario::Claim => claim::table(&on_each(&backends, |b| claim::run(b, args)).await?),
            Scenario::Open => {
                open_loop::table(&on_each(&backends, |b| open_loop::run(b, args)).await?)
            }
            Scenario::Web => {
                web_pages::table(&on_each(&backends, |b| web_pages::run(b, args)).await?)
            }
            Scenario::All => continue,
        };
        println!(
            "scenario {}:\n{table}",
            format!("{scenario:?}").to_lowercase()
        );
    }
    Ok(())
}

/// `run` on each backend in turn.
async fn on_each<T, F, Fut>(backends: &[Backend], run: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut rows = Vec::with_capacity(backends.len());
    for backend in backends {
        rows.push(run(*backend).await?);
    }
    Ok(rows)
}

/// `n` per second over `d` (0 for no time).
pub fn per_second(n: f64, d: Duration) -> f64 {
    let secs = d.as_secs_f64();
    if secs > 0.0 {
        n / secs
    } else {
        0.0
    }
}

/// Latency percentiles of one series.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    /// Sorts `samples` in place.
    pub fn of(samples: &mut [Duration]) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1]
        };
        Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            max: samples[samples.len() - 1],
        }
    }

    /// `p50 | p99 | max`, three cells of a Markdown table.
    pub fn cells(&self) -> String {
        format!("{} | {} | {}", ms(self.p50), ms(self.p99), ms(self.max))
    }
}

/// What one scenario run on one backend measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub backend: Backend,
    /// `webhook`, `mixed`: messages measured (after the warm-up).
    pub messages: u64,
    pub elapsed: Duration,
    /// From the request sent to the reply received at the provider.
    pub latency: Percentiles,
    /// From the request sent to its 200.
    pub webhook: Percentiles,
    /// Failed requests, missing or extra replies.
    pub errors: u64,
}

impl Figures {
    pub fn per_second(&self) -> f64 {
        per_second(self.messages as f64, self.elapsed)
    }
}

pub(super) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The figures as a Markdown table (pasted as is into BENCHMARKS.md).
pub fn table(rows: &[Figures]) -> String {
    let mut out = String::from(
        "| backend | msgs | msg/s | p50 | p99 | max | webhook p50 | webhook p99 | errors |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for f in rows {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {} |\n",
            f.backend,
            f.messages,
            f.per_second(),
            f.latency.cells(),
            ms(f.webhook.p50),
            ms(f.webhook.p99),
            f.errors
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut v: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let p = Percentiles::of(&mut v);
        assert_eq!(p.p50, Duration::from_millis(50));
        assert_eq!(p.p99, Duration::from_millis(99));
        assert_eq!(p.max, Duration::from_millis(100));
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
    }

    #[test]
    fn table_has_one_row_per_backend() {
        let f = Figures {
            backend: Backend::Sqlite,
            messages: 1000,
            elapsed: Duration::from_millis(500),
            latency: Percentiles::default(),
            webhook: Percentiles::default(),
            errors: 0,
        };
        let t = table(&[f]);
        assert!(t.contains("| sqlite | 1000 | 2000 |"), "{t}");
        assert_eq!(t.lines().count(), 3);
    }
}
