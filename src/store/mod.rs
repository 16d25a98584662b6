//! The store: one domain-level interface over SQLite and PostgreSQL (DESIGN §1a).
//!
//! [`Db`] is the handle, [`Tx`] one unit of work (a database transaction). Each operation is a
//! method named for what it does to the domain (record an inbound message, queue a reply, save a
//! session…), never raw SQL for callers. Each backend is one arm of the enums below, with its own
//! migrations; SQL that both dialects accept is written once through [`on_backend!`], and where the
//! dialects differ (locks, claiming rows) each arm has its own statement.

mod admin_web;
mod aid;
mod broadcasts;
mod change_requests;
mod channels;
mod code;
mod credit_notices;
mod early_statuses;
mod events;
mod kelurahan;
mod kindness;
mod ledger;
mod letters;
mod links;
mod market;
mod mutations;
mod outbox_heads;
mod payment_requests;
mod persons;
mod proposals;
mod ratings;
mod registry;
mod relinks;
mod rw_boundaries;
#[cfg(feature = "testkit")]
mod seed;
mod send_slots;
mod services;
mod sessions;
pub(crate) mod sql;
mod terminal;
mod tickets;
mod web_activity;
mod web_figures;
mod web_forms;
mod web_uploads;

pub use admin_web::{LoginCodeRow, WebSessionRow};
pub use aid::AidFlag;
pub use broadcasts::{
    AdminRow, BroadcastCounts, BroadcastRecord, NewBroadcast, Reach, Recipients, Role, Target,
};
pub use change_requests::{ChangeRequest, NewChangeRequest};
pub use channels::{OutboxRecord, OutboxRow, OutboxStats, SendOutcome, StatusOutcome};
pub(crate) use code::stored_as_code;
pub use code::Code;
pub use credit_notices::CreditNoticeTarget;
pub use events::EventStats;
pub use kelurahan::{valid_code, Kelurahan, KelurahanError, KelurahanId, KelurahanNumber};
pub use ledger::{
    Account, AccountId, AccountKind, LedgerAudit, LedgerAudits, LedgerStats, Leg, Merchant, Party,
    StatementLine, StimulusDue, StimulusTotals, TransferRecord,
};
pub use letters::LetterStats;
pub use links::{Link, PinAnswer};
pub use market::{Item, Listing, Loan, MarketStats, NewListing, Order};
pub use mutations::{MutationRow, NewMutation};
pub use payment_requests::PaymentRequestRecord;
pub use persons::{Household, Person};
pub use proposals::{Campaign, HistoryEntry, NewProposal, Proposal, ProposalStats, Spend};
pub use registry::{
    AuditEntry, HouseholdRecord, PersonRecord, RegisteredHousehold, RegisteredPerson,
    RegistryMember, RegistryStats,
};
#[cfg(feature = "testkit")]
pub use seed::{Among, SeedContact, SeedPerson};
pub use services::ServiceStats;
pub use sessions::{Contact, FlowEventCounts, Session};
pub use web_activity::{MessageDay, RwActivity};
pub use web_figures::{date_of_day, day_of, DayTotal, LedgerDay, PublicProposal, RwRow, DAY_MS};
pub use web_uploads::{NewUpload, Upload};

use crate::error::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Runs the same expression on whichever backend `$value` holds. Both arms are type-checked
/// separately, so the expression may use backend-specific types through `$conn`.
macro_rules! on_backend {
    ($value:expr, $conn:ident => $body:expr) => {
        match $value {
            $crate::store::Backend::Sqlite($conn) => $body,
            $crate::store::Backend::Postgres($conn) => $body,
        }
    };
}
pub(crate) use on_backend;

/// A value that exists once per backend: a pool, or an open transaction.
#[derive(Debug)]
pub enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: Backend<SqlitePool, PgPool>,
}

impl<S: Clone, P: Clone> Clone for Backend<S, P> {
    fn clone(&self) -> Self {
        match self {
            Backend::Sqlite(s) => Backend::Sqlite(s.clone()),
            Backend::Postgres(p) => Backend::Postgres(p.clone()),
        }
    }
}

/// One unit of work: everything done through it is committed together or not at all. It acts
/// for one kelurahan ([`Tx::kelurahan`]): the store scopes every tenant's row by it.
pub struct Tx {
    pub(crate) conn: Backend<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>,
    pub(crate) kelurahan: KelurahanId,
}

impl Db {
    /// Connects to `sqlite://…` (file created if absent, WAL, foreign keys, busy timeout) or
    /// `postgres://…`, and applies pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        let db = Self::connect_without_migrating(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn connect_without_migrating(url: &str) -> StoreResult<Db> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // Switching a new file to WAL needs the database to itself: do it on one connection
            // before the pool opens several (they would fail with "database is locked").
            if !url.contains(":memory:") {
                use sqlx::Connection;
                let first = sqlx::SqliteConnection::connect_with(&opts).await?;
                first.close().await?;
            }
            // SQLite has one writer and every unit of work is a write transaction (BEGIN
            // IMMEDIATE), so units never run side by side anyway. With several connections the
            // ones waiting for the write lock sleep in SQLite's busy handler (1, 2, 5, 10… ms) while
            // the lock is often free again after a fraction of a millisecond: one connection makes
            // them wait in the pool's queue instead, woken as soon as it is free (`gotong bench`:
            // p99 halved). In-memory databases must share one connection anyway.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                // sqlx pings a connection when it goes back to the pool anyway; pinging again on
                // every checkout is one more hop to the connection's thread per unit of work, and a
                // local file does not go away while idle.
                .test_before_acquire(false)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await?;
            Ok(Db {
                pool: Backend::Sqlite(pool),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                // sqlx pings a connection when it goes back to the pool; pinging it again on every
                // checkout costs a round trip per unit of work. Only a connection idle for a while
                // (the server may have dropped it) is checked again.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > Duration::from_secs(30) {
                            use sqlx::Connection;
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts)
                .await?;
            Ok(Db {
                pool: Backend::Postgres(pool),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// Applies this backend's migrations (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            // Rebuilding a table (SQLite cannot alter a CHECK or a UNIQUE, migration 0011) needs
            // foreign keys off, which SQLite only allows outside a transaction: the migrations
            // run on one connection with them off, then every reference is checked and they are
            // turned on again.
            Backend::Sqlite(p) => {
                let mut conn = p.acquire().await?;
                sqlx::query("PRAGMA foreign_keys = OFF")
                    .execute(&mut *conn)
                    .await?;
                let migrated = sqlx::migrate!("migrations/sqlite").run(&mut *conn).await;
                let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
                    .fetch_all(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await?;
                if !broken.is_empty() {
                    conn.close().await?;
                    return Err(StoreError::Corrupt(format!(
                        "after migrating, rows of {broken:?} point at rows that do not exist"
                    )));
                }
                migrated?
            }
            Backend::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Starts a unit of work acting for `kelurahan`. On SQLite it takes the write lock at once
    /// (BEGIN IMMEDIATE), so two units never deadlock upgrading a read lock.
    pub async fn begin(&self, kelurahan: KelurahanId) -> StoreResult<Tx> {
        let conn = match &self.pool {
            Backend::Sqlite(p) => Backend::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres(p) => Backend::Postgres(p.begin().await?),
        };
        Ok(Tx { conn, kelurahan })
    }

    /// Starts a unit of work that only reads (a page), acting for `kelurahan`: on SQLite a
    /// deferred transaction, which takes no write lock, so pages do not queue behind webhooks
    /// nor webhooks behind pages; on PostgreSQL a read-only one. Roll it back when done; a write
    /// in it fails.
    pub async fn begin_read(&self, kelurahan: KelurahanId) -> StoreResult<Tx> {
        let conn = match &self.pool {
            Backend::Sqlite(p) => Backend::Sqlite(p.begin_with("BEGIN DEFERRED").await?),
            Backend::Postgres(p) => Backend::Postgres(
                p.begin_with("BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx { conn, kelurahan })
    }

    /// Answers when the database does (`/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        on_backend!(&self.pool, p => { sqlx::query("SELECT 1").execute(p).await?; });
        Ok(())
    }

    pub async fn close(&self) {
        on_backend!(&self.pool, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        on_backend!(self.conn, t => t.commit().await?);
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        on_backend!(self.conn, t => t.rollback().await?);
        Ok(())
    }

    /// Marks the start of a part of this unit of work that [`Tx::rollback_to_savepoint`] can
    /// undo (the import's writes, redone without the households that lost a race).
    pub async fn savepoint(&mut self, name: &'static str) -> StoreResult<()> {
        let sql = format!("SAVEPOINT {name}");
        on_backend!(&mut self.conn, c => { sqlx::query(&sql).execute(&mut **c).await?; });
        Ok(())
    }

    pub async fn rollback_to_savepoint(&mut self, name: &'static str) -> StoreResult<()> {
        let sql = format!("ROLLBACK TO SAVEPOINT {name}");
        on_backend!(&mut self.conn, c => { sqlx::query(&sql).execute(&mut **c).await?; });
        Ok(())
    }

    pub async fn release_savepoint(&mut self, name: &'static str) -> StoreResult<()> {
        let sql = format!("RELEASE SAVEPOINT {name}");
        on_backend!(&mut self.conn, c => { sqlx::query(&sql).execute(&mut **c).await?; });
        Ok(())
    }
}

impl Db {
    /// Runs one statement outside any transaction (CREATE / DROP DATABASE in tests and set-up).
    pub async fn execute_admin(&self, sql: &str) -> StoreResult<()> {
        on_backend!(&self.pool, p => { sqlx::query(sql).execute(p).await?; });
        Ok(())
    }
}
