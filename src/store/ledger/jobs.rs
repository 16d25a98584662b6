//! Job leases: a named daily job is run by one server at a time, the lease ending by itself if
//! that server dies.

use crate::error::StoreResult;
use crate::store::{on_backend, Tx};

impl Tx {
    /// Claims the lease of job `name` for `owner` until `lease_until`, if it is free, expired or
    /// already `owner`'s. Several servers may try at once: one gets it.
    pub async fn claim_job(
        &mut self,
        name: &str,
        owner: &str,
        lease_until: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let row: Option<String> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO job_leases (name, owner, lease_until) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
                 WHERE job_leases.lease_until < $4 OR job_leases.owner = excluded.owner
                 RETURNING owner",
            )
            .bind(name)
            .bind(owner)
            .bind(lease_until)
            .bind(now)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.is_some())
    }

    /// Gives the lease back (if still `owner`'s).
    pub async fn release_job(&mut self, name: &str, owner: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE job_leases SET lease_until = 0 WHERE name = $1 AND owner = $2")
                .bind(name)
                .bind(owner)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
