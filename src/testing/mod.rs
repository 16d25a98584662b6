//! The test kit, shared by the integration tests, the transcripts and `gotong bench`; compiled
//! only with the cargo feature `testkit`, so the product binary has none of it:
//!
//! - throw-away databases on both backends ([`TestDb`], [`backend_tests!`](crate::backend_tests));
//!   `TEST_POSTGRES_URL` names a PostgreSQL server where databases may be created;
//! - [`fake_provider`]: the fake WhatsApp and Twilio APIs;
//! - [`kelurahan`]: the test-kelurahan builder (residents, phones, credit, merchants);
//! - [`logs`]: what the server logs, captured;
//! - [`transcript`]: the transcript runner;
//! - [`example_actions`]: the example flow `CONTOH` that proves the engine (not in the product).

use crate::store::Db;
use std::sync::atomic::{AtomicU64, Ordering};

/// A database that exists for one test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh, migrated SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url).await.expect("sqlite test database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh database of either backend; `None` for PostgreSQL when `TEST_POSTGRES_URL` is not
    /// set (said once on stderr).
    pub async fn of_backend(postgres: bool) -> Option<TestDb> {
        if !postgres {
            return Some(TestDb::sqlite().await);
        }
        let t = TestDb::postgres().await;
        if t.is_none() {
            eprintln!("TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        }
        t
    }

    /// A fresh, migrated PostgreSQL database, or `None` when `TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "gotong_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            rand::random::<u32>()
        );
        let admin = Db::connect_without_migrating(&admin_url)
            .await
            .expect("TEST_POSTGRES_URL must reach a PostgreSQL server");
        admin
            .execute_admin(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await;
        let url = replace_database(&admin_url, &name);
        let db = Db::connect(&url).await.expect("postgres test database");
        Some(TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Closes and removes the database.
    pub async fn drop_db(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, name } = self.cleanup {
            if let Ok(admin) = Db::connect_without_migrating(&admin_url).await {
                let _ = admin
                    .execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                admin.close().await;
            }
        }
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/new?x`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map(|i| &base[..i]).unwrap_or(base);
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

/// Declares each listed `async fn name(db: &Db)` as a test on SQLite and on PostgreSQL.
/// The PostgreSQL variant says so and passes when `TEST_POSTGRES_URL` is not set; `.ci/run`
/// runs the suite a second time with it set.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let t = $crate::testing::TestDb::sqlite().await;
                    super::$name(&t.db).await;
                    t.drop_db().await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(t) = $crate::testing::TestDb::postgres().await else {
                        eprintln!("TEST_POSTGRES_URL not set: PostgreSQL run skipped");
                        return;
                    };
                    super::$name(&t.db).await;
                    t.drop_db().await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u:p@h/test?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}

pub mod example_actions;
pub mod fake_provider;
pub mod kelurahan;
pub mod logs;
pub mod transcript;
