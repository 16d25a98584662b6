//! The dashboard's activity figures (issue 15): messages in and out per Jakarta day and channel,
//! with the sends that failed; per RW, payments made from its households' wallets and the goods
//! library's loans out and overdue.

use super::web_figures::day_sql;
use super::{on_backend, Db, KelurahanId};
use crate::error::StoreResult;

/// One day's messages on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageDay {
    pub day: i64,
    pub channel: String,
    /// Messages residents sent.
    pub received: i64,
    /// Messages the provider took (sent, delivered or read).
    pub sent: i64,
    /// Messages the provider refused or could not deliver.
    pub failed: i64,
}

/// One RW's payments and loans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RwActivity {
    pub rw: String,
    /// Payments from its households' wallets since the day asked.
    pub payments: i64,
    /// Goods library loans out now.
    pub loans: i64,
    /// Of those, past their due date.
    pub overdue: i64,
}

impl Db {
    /// Messages of kelurahan `k` per Jakarta day and channel from epoch ms `since`.
    pub async fn message_days(&self, k: KelurahanId, since: i64) -> StoreResult<Vec<MessageDay>> {
        let in_day = day_sql("received_at");
        let out_day = day_sql("created_at");
        let inbound = format!(
            "SELECT {in_day}, channel, CAST(COUNT(*) AS BIGINT) FROM inbound
             WHERE kelurahan_id = $1 AND received_at >= $2 GROUP BY {in_day}, channel"
        );
        let outbound = format!(
            "SELECT {out_day}, channel,
                    CAST(SUM(CASE WHEN status IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END) AS BIGINT),
                    CAST(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS BIGINT)
             FROM outbox WHERE kelurahan_id = $1 AND created_at >= $2
             GROUP BY {out_day}, channel"
        );
        let ins: Vec<(i64, String, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(&inbound).bind(k).bind(since).fetch_all(p).await?
        });
        let outs: Vec<(i64, String, i64, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(&outbound).bind(k).bind(since).fetch_all(p).await?
        });
        let mut days: Vec<MessageDay> = Vec::new();
        let mut at = |day: i64, channel: &str| -> usize {
            match days
                .iter()
                .position(|d| d.day == day && d.channel == channel)
            {
                Some(i) => i,
                None => {
                    days.push(MessageDay {
                        day,
                        channel: channel.to_string(),
                        ..MessageDay::default()
                    });
                    days.len() - 1
                }
            }
        };
        let mut received = Vec::new();
        for (day, channel, n) in ins {
            received.push((at(day, &channel), n));
        }
        let mut sent = Vec::new();
        for (day, channel, ok, failed) in outs {
            sent.push((at(day, &channel), ok, failed));
        }
        for (i, n) in received {
            days[i].received = n;
        }
        for (i, ok, failed) in sent {
            days[i].sent = ok;
            days[i].failed = failed;
        }
        days.sort_by(|a, b| (a.day, &a.channel).cmp(&(b.day, &b.channel)));
        Ok(days)
    }

    /// Per RW of kelurahan `k`: payments from its households' wallets from epoch ms `since`,
    /// loans out now and those due before `today` (`YYYY-MM-DD`).
    pub async fn rw_activity(
        &self,
        k: KelurahanId,
        since: i64,
        today: &str,
    ) -> StoreResult<Vec<RwActivity>> {
        let payments: Vec<(String, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT h.rw, CAST(COUNT(DISTINCT t.id) AS BIGINT)
                 FROM ledger_transfers t
                 JOIN ledger_entries e ON e.transfer_id = t.id AND e.amount < 0
                 JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'wallet'
                 JOIN households h ON h.no_kk = a.owner
                 WHERE t.kind = 'payment' AND t.created_at >= $2 AND h.kelurahan_id = $1
                 GROUP BY h.rw",
            )
            .bind(k)
            .bind(since)
            .fetch_all(p)
            .await?
        });
        let loans: Vec<(String, i64, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT h.rw, CAST(COUNT(*) AS BIGINT),
                        CAST(SUM(CASE WHEN l.due_date < $2 THEN 1 ELSE 0 END) AS BIGINT)
                 FROM loans l JOIN persons p ON p.nik = l.borrower_nik
                 JOIN households h ON h.no_kk = p.no_kk
                 WHERE l.status = 'active' AND h.kelurahan_id = $1
                 GROUP BY h.rw",
            )
            .bind(k)
            .bind(today)
            .fetch_all(p)
            .await?
        });
        let mut out: Vec<RwActivity> = Vec::new();
        for (rw, n) in payments {
            out.push(RwActivity {
                rw,
                payments: n,
                ..RwActivity::default()
            });
        }
        for (rw, n, overdue) in loans {
            match out.iter_mut().find(|r| r.rw == rw) {
                Some(r) => (r.loans, r.overdue) = (n, overdue),
                None => out.push(RwActivity {
                    rw,
                    loans: n,
                    overdue,
                    ..RwActivity::default()
                }),
            }
        }
        Ok(out)
    }
}
