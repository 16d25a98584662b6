//! The kelurahan's RW boundaries as uploaded (migration 0028), checked by
//! [`crate::kelurahan::boundaries::parse`] before they are kept.

use super::{on_backend, Tx};
use crate::error::StoreResult;

impl Tx {
    /// Keeps `geojson` as this kelurahan's RW boundaries, replacing any earlier file.
    pub async fn set_rw_boundaries(
        &mut self,
        geojson: &str,
        by: &str,
        now: i64,
    ) -> StoreResult<()> {
        let kelurahan = self.kelurahan;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO rw_boundaries (kelurahan_id, geojson, uploaded_by, uploaded_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (kelurahan_id) DO UPDATE SET geojson = excluded.geojson,
                     uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
            )
            .bind(kelurahan)
            .bind(geojson)
            .bind(by)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// This kelurahan's RW boundaries as uploaded, if any.
    pub async fn rw_boundaries(&mut self) -> StoreResult<Option<String>> {
        let kelurahan = self.kelurahan;
        let text = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT geojson FROM rw_boundaries WHERE kelurahan_id = $1")
                .bind(kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(text)
    }
}
