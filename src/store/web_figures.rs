//! The SQL behind the web pages' figures (issue 15): series per Jakarta day, the proposals with
//! their public reason, a campaign's gifts per day, the per-RW table. Days are counted as
//! `(epoch ms + 7 h) / 1 day` ([`day_sql`]), the same integer arithmetic on both backends.

use super::ledger::{RECEIVED, RECEIVED_FIGURES};
use super::proposals::{proposal, ProposalRow, PROPOSAL_SELECT};
use super::{on_backend, Db, KelurahanId, Proposal, Tx};
use crate::error::StoreResult;
use crate::registry::reference::{no_disability, no_work};

use crate::calendar::JAKARTA_OFFSET_MS as JAKARTA_MS;
/// Milliseconds of a day.
pub const DAY_MS: i64 = 86_400_000;

/// The Jakarta day number (days since 1970-01-01) of epoch ms `ms`.
pub fn day_of(ms: i64) -> i64 {
    (ms + JAKARTA_MS).div_euclid(DAY_MS)
}

/// [`day_of`] in SQL, of the epoch-ms column `col` (the same integer arithmetic on both
/// backends; the constants are ours, never input).
pub(super) fn day_sql(col: &str) -> String {
    format!("CAST(({col} + {JAKARTA_MS}) / {DAY_MS} AS BIGINT)")
}

/// The date of Jakarta day number `day`.
pub fn date_of_day(day: i64) -> chrono::NaiveDate {
    crate::calendar::jakarta_date(day * DAY_MS)
}

/// One day's ledger figures of a kelurahan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LedgerDay {
    pub day: i64,
    pub payments: i64,
    pub payments_amount: i64,
    pub stimulus: i64,
    pub redeemed: i64,
}

/// One day's count and sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayTotal {
    pub day: i64,
    pub count: i64,
    pub amount: i64,
}

/// A proposal with the reason of its last status change (what the public page says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicProposal {
    pub proposal: Proposal,
    pub reason: String,
}

/// One RW of the dashboard's table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RwRow {
    pub rw: String,
    pub households: i64,
    pub verified: i64,
    pub persons: i64,
    pub elderly: i64,
    pub children: i64,
    pub proposals: i64,
    pub supports: i64,
    /// Households whose only person present is 60 or over.
    pub elderly_alone: i64,
    /// Persons with a disability recorded (OpenSID `cacat_id` below "TIDAK CACAT").
    pub disabled: i64,
    /// Persons aged 18 to 59 recorded as not working.
    pub unemployed: i64,
    /// Persons whose occupation is recorded at all (data completeness).
    pub occupation_known: i64,
    /// Households with a member on an aid list.
    pub on_aid: i64,
}

impl RwRow {
    /// Households that have not verified their data.
    pub fn unverified(&self) -> i64 {
        self.households - self.verified
    }
}

/// The birth date (`YYYY-MM-DD`) of who turns `years` old on `today`: born on or before it, they
/// are that old or older.
fn born_before(today: &str, years: i64) -> String {
    let (y, rest) = today.split_at(4.min(today.len()));
    let year: i64 = y.parse().unwrap_or(0);
    format!("{:04}{rest}", year - years)
}

impl Db {
    /// The kelurahan's ledger per day from epoch ms `since`: payments its merchants received
    /// (count, rupiah), stimulus credited to its wallets, what its merchants cashed out.
    pub async fn ledger_days(&self, k: KelurahanId, since: i64) -> StoreResult<Vec<LedgerDay>> {
        type Row = (i64, i64, i64, i64, i64);
        let day = day_sql("t.created_at");
        let sql = format!(
            "SELECT {day}, {RECEIVED_FIGURES}
             {RECEIVED} AND a.kelurahan_id = $1 AND t.created_at >= $2
             GROUP BY {day} ORDER BY 1"
        );
        let rows: Vec<Row> = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql)
            .bind(k)
            .bind(since)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(day, stimulus, payments, payments_amount, redeemed)| LedgerDay {
                    day,
                    payments,
                    payments_amount,
                    stimulus,
                    redeemed,
                },
            )
            .collect())
    }

    /// Households of the kelurahan verified per day from epoch ms `since`.
    pub async fn verification_days(
        &self,
        k: KelurahanId,
        since: i64,
    ) -> StoreResult<Vec<DayTotal>> {
        let day = day_sql("verified_at");
        let sql = format!(
            "SELECT {day}, CAST(COUNT(*) AS BIGINT)
             FROM households WHERE kelurahan_id = $1 AND verified_at >= $2
             GROUP BY {day} ORDER BY 1"
        );
        let rows: Vec<(i64, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql)
            .bind(k)
            .bind(since)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(day, count)| DayTotal {
                day,
                count,
                amount: 0,
            })
            .collect())
    }

    /// Per RW: households, verified households, persons present, persons 60 or over and under 5
    /// on `today` (`YYYY-MM-DD`), proposals and their supports; and the problem map's registry
    /// indicators (elderly living alone, disability, adults not working, occupation recorded,
    /// households on aid).
    pub async fn rw_table(&self, k: KelurahanId, today: &str) -> StoreResult<Vec<RwRow>> {
        let elderly_before = born_before(today, 60);
        let child_after = born_before(today, 5);
        // Two plain groupings (no COUNT(DISTINCT) over the join): households, then persons.
        let households: Vec<(String, i64, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT rw, CAST(COUNT(*) AS BIGINT), CAST(COUNT(verified_at) AS BIGINT)
                 FROM households WHERE kelurahan_id = $1 GROUP BY rw",
            )
            .bind(k)
            .fetch_all(p)
            .await?
        });
        let adult_before = born_before(today, 18);
        type People = (String, i64, i64, i64, i64, i64, i64, i64);
        let people: Vec<People> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                // Grouped by household first (the persons' own index), then by RW.
                "SELECT h.rw, CAST(SUM(x.n) AS BIGINT), CAST(SUM(x.old) AS BIGINT),
                        CAST(SUM(x.young) AS BIGINT),
                        CAST(SUM(CASE WHEN x.n = 1 AND x.old = 1 THEN 1 ELSE 0 END) AS BIGINT),
                        CAST(SUM(x.disabled) AS BIGINT), CAST(SUM(x.jobless) AS BIGINT),
                        CAST(SUM(x.occupation) AS BIGINT)
                 FROM (SELECT no_kk, COUNT(*) AS n,
                              SUM(CASE WHEN birth_date <= $2 THEN 1 ELSE 0 END) AS old,
                              SUM(CASE WHEN birth_date > $3 THEN 1 ELSE 0 END) AS young,
                              SUM(CASE WHEN disability < $5 THEN 1 ELSE 0 END) AS disabled,
                              SUM(CASE WHEN occupation = $6 AND birth_date <= $4
                                        AND birth_date > $2 THEN 1 ELSE 0 END) AS jobless,
                              SUM(CASE WHEN occupation IS NOT NULL THEN 1 ELSE 0 END) AS occupation
                       FROM persons
                       WHERE kelurahan_id = $1 AND died_on IS NULL AND moved_out_on IS NULL
                       GROUP BY no_kk) x
                 JOIN households h ON h.no_kk = x.no_kk
                 GROUP BY h.rw",
            )
            .bind(k)
            .bind(&elderly_before)
            .bind(&child_after)
            .bind(&adult_before)
            .bind(i64::from(no_disability().code()))
            .bind(i64::from(no_work().code()))
            .fetch_all(p)
            .await?
        });
        let aid: Vec<(String, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT h.rw, CAST(COUNT(DISTINCT a.no_kk) AS BIGINT)
                 FROM aid_flags a JOIN households h ON h.no_kk = a.no_kk
                 WHERE a.kelurahan_id = $1 GROUP BY h.rw",
            )
            .bind(k)
            .fetch_all(p)
            .await?
        });
        let proposals: Vec<(String, i64, i64)> = on_backend!(&self.pool, p => {
            sqlx::query_as(
                "SELECT p.rw, CAST(COUNT(DISTINCT p.id) AS BIGINT), CAST(COUNT(s.nik) AS BIGINT)
                 FROM proposals p LEFT JOIN proposal_supports s ON s.proposal_id = p.id
                 WHERE p.kelurahan_id = $1 GROUP BY p.rw",
            )
            .bind(k)
            .fetch_all(p)
            .await?
        });
        let mut out: Vec<RwRow> = households
            .into_iter()
            .map(|(rw, households, verified)| RwRow {
                rw,
                households,
                verified,
                ..RwRow::default()
            })
            .collect();
        for (rw, persons, elderly, children, alone, disabled, unemployed, known) in people {
            if let Some(r) = out.iter_mut().find(|r| r.rw == rw) {
                (r.persons, r.elderly, r.children) = (persons, elderly, children);
                (r.elderly_alone, r.disabled) = (alone, disabled);
                (r.unemployed, r.occupation_known) = (unemployed, known);
            }
        }
        for (rw, n) in aid {
            if let Some(r) = out.iter_mut().find(|r| r.rw == rw) {
                r.on_aid = n;
            }
        }
        for (rw, n, supports) in proposals {
            match out.iter_mut().find(|r| r.rw == rw) {
                Some(r) => {
                    r.proposals = n;
                    r.supports = supports;
                }
                None => out.push(RwRow {
                    rw,
                    proposals: n,
                    supports,
                    ..RwRow::default()
                }),
            }
        }
        out.sort_by(|a, b| a.rw.cmp(&b.rw));
        Ok(out)
    }
}

impl Tx {
    /// This kelurahan's proposals, newest first, `limit` from `offset`, each with the reason of
    /// its last status change; and how many there are in all.
    pub async fn public_proposals(
        &mut self,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<PublicProposal>, i64)> {
        let sql = format!(
            "{PROPOSAL_SELECT} WHERE p.kelurahan_id = $1 ORDER BY p.id DESC LIMIT $2 OFFSET $3"
        );
        let rows: Vec<ProposalRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut **c)
                .await?
        });
        let total: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM proposals WHERE kelurahan_id = $1")
                .bind(self.kelurahan)
                .fetch_one(&mut **c)
                .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let p = proposal(row);
            let reason: Option<String> = on_backend!(&mut self.conn, c => {
                sqlx::query_scalar(
                    "SELECT reason FROM proposal_history WHERE proposal_id = $1
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(p.number)
                .fetch_optional(&mut **c)
                .await?
            });
            out.push(PublicProposal {
                proposal: p,
                reason: reason.unwrap_or_default(),
            });
        }
        Ok((out, total))
    }

    /// The gifts to campaign `number` per Jakarta day: how many and how much (no donor named).
    pub async fn campaign_gift_days(&mut self, number: i64) -> StoreResult<Vec<DayTotal>> {
        let day = day_sql("t.created_at");
        let sql = format!(
            "SELECT {day}, CAST(COUNT(*) AS BIGINT), CAST(SUM(e.amount) AS BIGINT)
             FROM campaigns c
             JOIN ledger_entries e ON e.account_id = c.account_id AND e.amount > 0
             JOIN ledger_transfers t ON t.id = e.transfer_id
             WHERE c.proposal_id = $1
             GROUP BY {day} ORDER BY 1"
        );
        let rows: Vec<(i64, i64, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
            .bind(number)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(day, count, amount)| DayTotal { day, count, amount })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jakarta_day_starts_at_17_utc() {
        // 2026-12-01 16:59:59.999 UTC is still 1 December in Jakarta (23:59); 17:00 is the 2nd.
        let first = 1_796_144_400_000 - 1;
        assert_eq!(day_of(first) + 1, day_of(first + 1));
        assert_eq!(date_of_day(day_of(first)).to_string(), "2026-12-01");
        assert_eq!(date_of_day(day_of(first + 1)).to_string(), "2026-12-02");
    }
}
