//! The SQL of the officers' web login ([`crate::officer_login`]): one-time codes per phone and
//! sessions, both kept only as SHA-256 hashes of what the officer holds.

use super::{on_backend, KelurahanId, Tx};
use crate::error::StoreResult;

/// A phone's login code as stored.
#[derive(Clone, Debug)]
pub struct LoginCodeRow {
    pub kelurahan: KelurahanId,
    pub nik: String,
    pub code_hash: Option<String>,
    pub expires_at: i64,
    pub failures: i64,
    pub locked_until: Option<i64>,
}

/// A web session as stored.
#[derive(Clone, Debug)]
pub struct WebSessionRow {
    pub kelurahan: KelurahanId,
    pub nik: String,
    pub csrf: String,
    pub expires_at: i64,
}

impl Tx {
    /// The login code of `phone`, if one was ever asked.
    pub async fn login_code(&mut self, phone: &str) -> StoreResult<Option<LoginCodeRow>> {
        type Row = (KelurahanId, String, Option<String>, i64, i64, Option<i64>);
        let row: Option<Row> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT kelurahan_id, nik, code_hash, expires_at, failures, locked_until FROM admin_login_codes
                 WHERE phone = $1",
            )
            .bind(phone)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(
            |(kelurahan, nik, code_hash, expires_at, failures, locked_until)| LoginCodeRow {
                kelurahan,
                nik,
                code_hash,
                expires_at,
                failures,
                locked_until,
            },
        ))
    }

    /// A new code for `phone` (this kelurahan's admin `nik`); failures and lock are kept.
    pub async fn put_login_code(
        &mut self,
        phone: &str,
        nik: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO admin_login_codes (phone, kelurahan_id, nik, code_hash, expires_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (phone) DO UPDATE SET kelurahan_id = excluded.kelurahan_id,
                   nik = excluded.nik, code_hash = excluded.code_hash,
                   expires_at = excluded.expires_at",
            )
            .bind(phone)
            .bind(self.kelurahan)
            .bind(nik)
            .bind(code_hash)
            .bind(expires_at)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// Records the login attempt's outcome: `failures` and `locked_until` as the rule decided,
    /// the code cleared when `used`.
    pub async fn set_login_attempt(
        &mut self,
        phone: &str,
        failures: i64,
        locked_until: Option<i64>,
        used: bool,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE admin_login_codes SET failures = $2, locked_until = $3,
                   code_hash = CASE WHEN $4 THEN NULL ELSE code_hash END
                 WHERE phone = $1",
            )
            .bind(phone)
            .bind(failures)
            .bind(locked_until)
            .bind(used)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// A new web session of this kelurahan's admin `nik`.
    pub async fn insert_web_session(
        &mut self,
        token_hash: &str,
        nik: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO admin_web_sessions (token_hash, kelurahan_id, nik, csrf, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(self.kelurahan)
            .bind(nik)
            .bind(csrf)
            .bind(now)
            .bind(expires_at)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// The session whose token hashes to `token_hash`, in whatever kelurahan.
    pub async fn web_session(&mut self, token_hash: &str) -> StoreResult<Option<WebSessionRow>> {
        type Row = (KelurahanId, String, String, i64);
        let row: Option<Row> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT kelurahan_id, nik, csrf, expires_at FROM admin_web_sessions
                 WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(|(kelurahan, nik, csrf, expires_at)| WebSessionRow {
            kelurahan,
            nik,
            csrf,
            expires_at,
        }))
    }

    /// Ends the session `token_hash` and every expired one.
    pub async fn end_web_session(&mut self, token_hash: &str, now: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("DELETE FROM admin_web_sessions WHERE token_hash = $1 OR expires_at <= $2")
                .bind(token_hash)
                .bind(now)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
