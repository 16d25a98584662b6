//! Proposals (`migrations/*/0006_proposals.sql`): the proposals, their supports, the public status
//! history and swadaya campaigns with their spends. The rules (who may propose or support, which
//! transitions are allowed) live in `crate::proposals`.
//!
//! Every proposal belongs to one kelurahan, and its supports, history, campaign and spends with
//! it: every statement here is scoped by the kelurahan the unit of work acts for, so a proposal
//! of another kelurahan does not exist from this one (numbers are unique in the deployment).

use super::{on_backend, Db, Tx};
use crate::error::StoreResult;
use crate::proposals::{CampaignStatus, Kind, Status};

/// A proposal as stored, with its support count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The short number residents type (`DUKUNG 12`).
    pub number: i64,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub photo: Option<String>,
    pub proposer: String,
    pub rt: String,
    pub rw: String,
    pub status: Status,
    pub created_at: i64,
    pub supports: i64,
}

/// A new proposal, before it has a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProposal<'a> {
    pub kind: Kind,
    pub title: &'a str,
    pub description: &'a str,
    pub photo: Option<&'a str>,
    pub proposer: &'a str,
    pub rt: &'a str,
    pub rw: &'a str,
}

/// One change of a proposal's status (public).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub from: Option<Status>,
    pub to: Status,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

/// A swadaya campaign and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub number: i64,
    pub target: i64,
    pub account_id: i64,
    pub status: CampaignStatus,
    /// Donated so far (sum of the account's credits).
    pub collected: i64,
    /// What the account holds now (collected minus spent).
    pub balance: i64,
}

/// How a campaign's money was used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spend {
    pub amount: i64,
    pub memo: String,
    pub at: i64,
}

/// The KPIs of `/api/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProposalStats {
    pub proposals: i64,
    pub supports: i64,
    pub campaigns_open: i64,
    /// Rupiah donated to campaigns, all campaigns.
    pub campaigns_collected: i64,
}

pub(super) const PROPOSAL_SELECT: &str = "SELECT p.id, p.kind, p.title, p.description, p.photo, p.proposer,
        p.rt, p.rw, p.status, p.created_at,
        (SELECT CAST(COUNT(*) AS BIGINT) FROM proposal_supports s WHERE s.proposal_id = p.id) AS supports
     FROM proposals p";

pub(super) type ProposalRow = (
    i64,
    Kind,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Status,
    i64,
    i64,
);

pub(super) fn proposal(r: ProposalRow) -> Proposal {
    Proposal {
        number: r.0,
        kind: r.1,
        title: r.2,
        description: r.3,
        photo: r.4,
        proposer: r.5,
        rt: r.6,
        rw: r.7,
        status: r.8,
        created_at: r.9,
        supports: r.10,
    }
}

/// Sum of the credits to a campaign account: what was donated.
const COLLECTED: &str = "(SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) FROM ledger_entries e
     WHERE e.account_id = c.account_id AND e.amount > 0)";

impl Tx {
    /// Records a proposal and its first history entry (`terkumpul`); answers its number.
    pub async fn insert_proposal(
        &mut self,
        p: &NewProposal<'_>,
        actor: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let number: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO proposals (kind, title, description, photo, proposer, rt, rw, status, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(p.kind)
            .bind(p.title)
            .bind(p.description)
            .bind(p.photo)
            .bind(p.proposer)
            .bind(p.rt)
            .bind(p.rw)
            .bind(Status::Terkumpul)
            .bind(now)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        self.insert_history(number, None, Status::Terkumpul, "", actor, now)
            .await?;
        Ok(number)
    }

    pub async fn proposal(&mut self, number: i64) -> StoreResult<Option<Proposal>> {
        let sql = format!("{PROPOSAL_SELECT} WHERE p.id = $1 AND p.kelurahan_id = $2");
        let row: Option<ProposalRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(number).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(proposal))
    }

    /// Open proposals (not rejected, not done), most supported first, then the newest; only
    /// those of RW `rw` if given.
    pub async fn open_proposals(&mut self, rw: Option<&str>) -> StoreResult<Vec<Proposal>> {
        let sql = format!(
            "SELECT * FROM ({PROPOSAL_SELECT}
               WHERE p.kelurahan_id = $4 AND p.status NOT IN ($2, $3) AND ($1 = '' OR p.rw = $1)) x
             ORDER BY x.supports DESC, x.id DESC"
        );
        let rows: Vec<ProposalRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(rw.unwrap_or(""))
                .bind(Status::Ditolak)
                .bind(Status::Selesai)
                .bind(self.kelurahan)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(proposal).collect())
    }

    /// Records a support of this kelurahan's proposal; `false` if this person already supported
    /// it (or it is not this kelurahan's).
    pub async fn insert_support(&mut self, number: i64, nik: &str, now: i64) -> StoreResult<bool> {
        let done = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO proposal_supports (proposal_id, nik, created_at)
                 SELECT id, $2, $3 FROM proposals WHERE id = $1 AND kelurahan_id = $4
                 ON CONFLICT (proposal_id, nik) DO NOTHING",
            )
            .bind(number)
            .bind(nik)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// The NIKs of a proposal's supporters.
    pub async fn supporters(&mut self, number: i64) -> StoreResult<Vec<String>> {
        let rows = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT s.nik FROM proposal_supports s JOIN proposals p ON p.id = s.proposal_id
                 WHERE s.proposal_id = $1 AND p.kelurahan_id = $2 ORDER BY s.nik",
            )
                .bind(number)
                .bind(self.kelurahan)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows)
    }

    /// Moves a proposal from `from` to `to` (compare-and-set: `false` if it was no longer at
    /// `from`) and records the change in the history.
    pub async fn set_proposal_status(
        &mut self,
        number: i64,
        from: Status,
        to: Status,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let changed = on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE proposals SET status = $1 WHERE id = $2 AND status = $3 AND kelurahan_id = $4")
                .bind(to)
                .bind(number)
                .bind(from)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        if changed != 1 {
            return Ok(false);
        }
        self.insert_history(number, Some(from), to, reason, actor, now)
            .await?;
        Ok(true)
    }

    async fn insert_history(
        &mut self,
        number: i64,
        from: Option<Status>,
        to: Status,
        reason: &str,
        actor: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO proposal_history (proposal_id, from_status, to_status, reason, actor, at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(number)
            .bind(from)
            .bind(to)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// A proposal's history, oldest first.
    pub async fn proposal_history(&mut self, number: i64) -> StoreResult<Vec<HistoryEntry>> {
        let rows: Vec<(Option<Status>, Status, String, String, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT h.from_status, h.to_status, h.reason, h.actor, h.at
                 FROM proposal_history h JOIN proposals p ON p.id = h.proposal_id
                 WHERE h.proposal_id = $1 AND p.kelurahan_id = $2 ORDER BY h.id",
            )
            .bind(number)
            .bind(self.kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(from, to, reason, actor, at)| HistoryEntry {
                from,
                to,
                reason,
                actor,
                at,
            })
            .collect())
    }

    pub async fn insert_campaign(
        &mut self,
        number: i64,
        target: i64,
        account_id: i64,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO campaigns (proposal_id, target, account_id, status, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(number)
            .bind(target)
            .bind(account_id)
            .bind(CampaignStatus::Open)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    pub async fn campaign(&mut self, number: i64) -> StoreResult<Option<Campaign>> {
        let sql = format!(
            "SELECT c.proposal_id, c.target, c.account_id, c.status, {COLLECTED}, a.balance
             FROM campaigns c JOIN ledger_accounts a ON a.id = c.account_id
             JOIN proposals p ON p.id = c.proposal_id
             WHERE c.proposal_id = $1 AND p.kelurahan_id = $2"
        );
        let row: Option<(i64, i64, i64, CampaignStatus, i64, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(number).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(
            |(number, target, account_id, status, collected, balance)| Campaign {
                number,
                target,
                account_id,
                status,
                collected,
                balance,
            },
        ))
    }

    /// Moves a campaign from `from` to `to`; `false` if it was no longer at `from`.
    pub async fn set_campaign_status(
        &mut self,
        number: i64,
        from: CampaignStatus,
        to: CampaignStatus,
        now: i64,
    ) -> StoreResult<bool> {
        let changed = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE campaigns SET status = $1, reached_at = COALESCE($2, reached_at)
                 WHERE proposal_id = $3 AND status = $4
                   AND proposal_id IN (SELECT id FROM proposals WHERE kelurahan_id = $5)",
            )
            .bind(to)
            .bind((to == CampaignStatus::Reached).then_some(now))
            .bind(number)
            .bind(from)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    pub async fn insert_spend(
        &mut self,
        number: i64,
        amount: i64,
        memo: &str,
        transfer_id: i64,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO campaign_spends (proposal_id, amount, memo, transfer_id, at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(number)
            .bind(amount)
            .bind(memo)
            .bind(transfer_id)
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }

    /// A campaign's spends, oldest first.
    pub async fn spends(&mut self, number: i64) -> StoreResult<Vec<Spend>> {
        let rows: Vec<(i64, String, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT s.amount, s.memo, s.at FROM campaign_spends s
                 JOIN proposals p ON p.id = s.proposal_id
                 WHERE s.proposal_id = $1 AND p.kelurahan_id = $2 ORDER BY s.id",
            )
            .bind(number)
            .bind(self.kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(amount, memo, at)| Spend { amount, memo, at })
            .collect())
    }
}

impl Db {
    /// Proposals, supports and campaigns: of one kelurahan, or of the whole deployment (`None`).
    pub async fn proposal_stats(
        &self,
        scope: Option<super::KelurahanId>,
    ) -> StoreResult<ProposalStats> {
        let k = |column| super::sql::in_scope(column, 1);
        let sql = format!(
            "SELECT
                (SELECT CAST(COUNT(*) AS BIGINT) FROM proposals WHERE {}),
                (SELECT CAST(COUNT(*) AS BIGINT)
                 FROM proposal_supports s JOIN proposals p ON p.id = s.proposal_id WHERE {}),
                (SELECT CAST(COUNT(*) AS BIGINT)
                 FROM campaigns c JOIN proposals p ON p.id = c.proposal_id
                 WHERE c.status = 'open' AND {}),
                (SELECT CAST(COALESCE(SUM(e.amount), 0) AS BIGINT)
                 FROM ledger_entries e JOIN campaigns c ON c.account_id = e.account_id
                 JOIN ledger_accounts a ON a.id = c.account_id
                 WHERE e.amount > 0 AND {})",
            k("kelurahan_id"),
            k("p.kelurahan_id"),
            k("p.kelurahan_id"),
            k("a.kelurahan_id"),
        );
        let (proposals, supports, campaigns_open, campaigns_collected): (i64, i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(scope).fetch_one(p).await?
        });
        Ok(ProposalStats {
            proposals,
            supports,
            campaigns_open,
            campaigns_collected,
        })
    }
}
