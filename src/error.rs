//! Library error types. HTTP answers are mapped once in `http::error`, user texts once in the engine.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("configuration {name}: {reason}")]
    Invalid { name: String, reason: String },
}

/// Failures of the store (either backend).
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL (expected sqlite://… or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The store cannot take work now (the server is shutting down).
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

impl StoreError {
    /// Whether retrying the same work can only fail again (bad data, a broken constraint), as
    /// opposed to a lost connection or a busy database.
    pub fn is_permanent(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => !matches!(
                e.code().as_deref(),
                // SQLite busy/locked; PostgreSQL serialization failure, deadlock, shutdown.
                Some("5") | Some("6") | Some("40001") | Some("40P01") | Some("57P01")
            ),
            StoreError::Database(
                sqlx::Error::ColumnDecode { .. }
                | sqlx::Error::Decode(_)
                | sqlx::Error::TypeNotFound { .. },
            ) => true,
            StoreError::Corrupt(_) => true,
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
