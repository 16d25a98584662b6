//! One-time form keys (migration 0026): an officer's form sent twice does its work once.

use super::{on_backend, Tx};
use crate::error::StoreResult;

impl Tx {
    /// Takes form key `key` for this unit of work: `None` when it is new (do the work, then
    /// [`Tx::finish_form`]), or where an earlier submission with this key showed its result. On
    /// PostgreSQL a submission still running makes this wait for it (its row is locked), so the
    /// second sees its result rather than doing the work again.
    pub async fn take_form_key(&mut self, key: &str, now: i64) -> StoreResult<Option<String>> {
        let kelurahan = self.kelurahan;
        let earlier: Option<String> = on_backend!(&mut self.conn, c => {
            let taken = sqlx::query(
                "INSERT INTO web_forms (kelurahan_id, form_key, outcome, created_at)
                 VALUES ($1, $2, '', $3) ON CONFLICT DO NOTHING",
            )
            .bind(kelurahan)
            .bind(key)
            .bind(now)
            .execute(&mut **c)
            .await?
            .rows_affected();
            if taken == 1 {
                None
            } else {
                sqlx::query_scalar(
                    "SELECT outcome FROM web_forms WHERE kelurahan_id = $1 AND form_key = $2",
                )
                .bind(kelurahan)
                .bind(key)
                .fetch_optional(&mut **c)
                .await?
            }
        });
        Ok(earlier)
    }

    /// Records where the result of form `key` (taken by [`Tx::take_form_key`]) is shown.
    pub async fn finish_form(&mut self, key: &str, outcome: &str) -> StoreResult<()> {
        let kelurahan = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE web_forms SET outcome = $3 WHERE kelurahan_id = $1 AND form_key = $2")
                .bind(kelurahan)
                .bind(key)
                .bind(outcome)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
