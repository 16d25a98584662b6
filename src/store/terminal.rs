//! The terminal chat's delivery: replies to a phone talking through `gotong chat` are printed, not
//! sent by a provider.

use super::{on_backend, Db, KelurahanId};
use crate::error::StoreResult;
use crate::message::Body;

impl Db {
    /// Takes the queued messages of `phone` sent from `kelurahan`'s number, oldest first, and
    /// marks them delivered to the terminal, so no provider ever sends them. (Messages to the
    /// phone from another kelurahan's number wait until the phone talks to that one.)
    pub async fn take_outbox_for_phone(
        &self,
        kelurahan: KelurahanId,
        phone: &str,
        now: i64,
    ) -> StoreResult<Vec<Body>> {
        let mut tx = self.begin(kelurahan).await?;
        let rows: Vec<(i64, String)> = on_backend!(&mut tx.conn, c => {
            sqlx::query_as(
                "SELECT id, body FROM outbox WHERE phone = $1 AND status = 'queued'
                 AND kelurahan_id = $2 ORDER BY id",
            )
            .bind(phone)
            .bind(kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        for (id, _) in &rows {
            on_backend!(&mut tx.conn, c => {
                sqlx::query(
                    "UPDATE outbox SET status = 'sent', status_rank = 1, provider_id = $1,
                        sent_at = $2, updated_at = $2 WHERE id = $3",
                )
                .bind(format!("terminal-{id}"))
                .bind(now)
                .bind(id)
                .execute(&mut **c)
                .await?;
            });
        }
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        tx.refresh_heads(super::outbox_heads::HeadsOf::Rows(&ids))
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(_, b)| Ok(serde_json::from_str(&b)?))
            .collect()
    }
}
