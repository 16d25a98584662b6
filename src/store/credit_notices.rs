//! Who is told of a day's stimulus credit (`NOTIF`), and that they were, once per date.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;

/// A phone to tell of its household's credit.
#[derive(Clone, Debug, PartialEq)]
pub struct CreditNoticeTarget {
    /// The resident's kelurahan: the notice goes out from its number.
    pub kelurahan: KelurahanId,
    pub phone: String,
    pub channel: String,
    pub language: Option<String>,
    pub amount: i64,
    pub balance: i64,
}

impl Tx {
    /// Records that `phone` is told of `date`'s credit; false if it already was.
    pub async fn mark_credit_notice(&mut self, phone: &str, date: &str) -> StoreResult<bool> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query("INSERT INTO credit_notices_sent (phone, date) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(phone)
                .bind(date)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }
}

impl Db {
    /// Linked, current residents of `kelurahan` who asked for credit notices, whose household
    /// was credited on `date` and who were not yet told: with the credited amount and the
    /// wallet's balance.
    pub async fn credit_notice_targets(
        &self,
        kelurahan: KelurahanId,
        date: &str,
    ) -> StoreResult<Vec<CreditNoticeTarget>> {
        let rows: Vec<(String, String, Option<String>, i64, i64, KelurahanId)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT l.phone, c.channel, c.language, e.amount, a.balance, p.kelurahan_id
                 FROM links l
                 JOIN contacts c ON c.phone = l.phone AND c.credit_notices
                 JOIN persons p ON p.nik = l.nik AND p.died_on IS NULL AND p.moved_out_on IS NULL
                     AND p.kelurahan_id = $2
                 JOIN ledger_transfers t ON t.idempotency_key = 'stimulus:' || $1 || ':' || p.no_kk
                 JOIN ledger_accounts a ON a.kind = 'wallet' AND a.owner = p.no_kk AND a.kelurahan_id = $2
                 JOIN ledger_entries e ON e.transfer_id = t.id AND e.account_id = a.id
                 WHERE NOT EXISTS (SELECT 1 FROM credit_notices_sent s WHERE s.phone = l.phone AND s.date = $1)
                 ORDER BY l.phone",
            )
            .bind(date)
            .bind(kelurahan)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(phone, channel, language, amount, balance, kelurahan)| CreditNoticeTarget {
                    kelurahan,
                    phone,
                    channel,
                    language,
                    amount,
                    balance,
                },
            )
            .collect())
    }
}
