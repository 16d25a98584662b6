//! The SQL of the market's trust ([`crate::market::reputation`]): order ratings, and what a
//! merchant's reputation is counted from.

use super::{on_backend, Tx};
use crate::error::StoreResult;
use crate::market::reputation::Reputation;
use crate::tickets::Status as TicketStatus;
use std::collections::HashMap;

impl Tx {
    /// The stars order `order` was rated, if it was.
    pub async fn rating_of(&mut self, order: i64) -> StoreResult<Option<i64>> {
        let stars = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT stars FROM order_ratings WHERE order_id = $1")
                .bind(order)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(stars)
    }

    pub async fn insert_rating(
        &mut self,
        order: i64,
        merchant: &str,
        buyer_nik: &str,
        stars: i64,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO order_ratings (order_id, kelurahan_id, merchant, buyer_nik, stars, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(order)
            .bind(self.kelurahan)
            .bind(merchant)
            .bind(buyer_nik)
            .bind(stars)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// The reputation of each merchant of `codes` (any kelurahan: codes are deployment-wide).
    pub async fn reputations(
        &mut self,
        codes: &[String],
    ) -> StoreResult<HashMap<String, Reputation>> {
        if codes.is_empty() {
            return Ok(HashMap::new());
        }
        let list = super::sql::list(codes.len(), 2);
        let sql = format!(
            "SELECT m.code,
                CAST((SELECT COUNT(*) FROM orders o JOIN listings l ON l.code = o.listing
                      WHERE l.merchant = m.code AND o.status = 'paid') AS BIGINT),
                CAST((SELECT COUNT(*) FROM order_ratings r WHERE r.merchant = m.code) AS BIGINT),
                CAST((SELECT COALESCE(SUM(r.stars), 0) FROM order_ratings r WHERE r.merchant = m.code) AS BIGINT),
                CAST((SELECT COUNT(*) FROM tickets t WHERE t.merchant = m.code AND t.status <> $1) AS BIGINT)
             FROM merchants m WHERE m.code IN ({list})"
        );
        type Row = (String, i64, i64, i64, i64);
        let rows: Vec<Row> = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query_as(&sql).bind(TicketStatus::Closed);
            for code in codes {
                q = q.bind(code);
            }
            q.fetch_all(&mut **c).await?
        });
        Ok(rows
            .into_iter()
            .map(|(code, paid_orders, ratings, stars, open_complaints)| {
                (
                    code,
                    Reputation {
                        paid_orders,
                        ratings,
                        stars,
                        open_complaints,
                    },
                )
            })
            .collect())
    }
}
