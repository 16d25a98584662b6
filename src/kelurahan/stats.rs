//! The operators' KPIs (DESIGN §3, `GET /api/stats`): of one kelurahan, or of the whole
//! deployment with one entry per kelurahan (`?kelurahan=all`). Each figure is one of the store's
//! stats queries, scoped by an `Option<KelurahanId>` (`None`: the whole deployment).

use crate::error::StoreResult;
use crate::store::{
    Db, EventStats, KelurahanId, LedgerStats, LetterStats, MarketStats, ProposalStats, ServiceStats,
};
use serde::Serialize;

/// The KPIs of one kelurahan or of the deployment. Add a field per KPI.
#[derive(Clone, Debug, Serialize)]
pub struct Kpis {
    pub households: i64,
    pub households_verified: i64,
    /// Persons still present (not dead, not moved out).
    pub persons: i64,
    pub linked_phones: i64,
    /// Messages received (redeliveries counted once).
    pub messages_in: i64,
    /// Messages the providers accepted (sent, delivered or read).
    pub messages_out: i64,
    /// `stimulus_issued`, `payments`, `payments_amount`, `social_fund_balance`,
    /// `redeemed_amount`, `velocity`, `share_redeemed`.
    #[serde(flatten)]
    pub ledger: LedgerStats,
    /// `proposals`, `supports`, `campaigns_open`, `campaigns_collected`.
    #[serde(flatten)]
    pub proposals: ProposalStats,
    /// `listings`, `orders`, `items`, `loans_active`, `loans_overdue`.
    #[serde(flatten)]
    pub market: MarketStats,
    /// `letters_open`, `letters_done`.
    #[serde(flatten)]
    pub letters: LetterStats,
    /// `services` (offers listed), `services_done` (requests paid or bartered).
    #[serde(flatten)]
    pub services: ServiceStats,
    /// `events_upcoming`, `volunteers_attended`.
    #[serde(flatten)]
    pub events: EventStats,
}

/// One kelurahan's KPIs in the deployment's list.
#[derive(Clone, Debug, Serialize)]
pub struct KelurahanKpis {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub kpis: Kpis,
}

/// `?kelurahan=all`: the deployment's totals and each kelurahan's figures, the default first.
#[derive(Clone, Debug, Serialize)]
pub struct DeploymentKpis {
    pub deployment: Kpis,
    pub kelurahan: Vec<KelurahanKpis>,
}

/// The KPIs of `scope` (`None`: the whole deployment) at `now`; its Jakarta day decides
/// which loans are overdue.
pub async fn kpis(db: &Db, scope: Option<KelurahanId>, now: i64) -> StoreResult<Kpis> {
    let today = crate::calendar::jakarta_date(now)
        .format("%Y-%m-%d")
        .to_string();
    let today = today.as_str();
    let registry = db.registry_stats(scope).await?;
    Ok(Kpis {
        households: registry.households,
        households_verified: registry.households_verified,
        persons: registry.persons,
        linked_phones: registry.linked_phones,
        messages_in: db.inbound_count(scope).await?,
        messages_out: db.outbox_stats(scope).await?.sent,
        ledger: db.ledger_stats(scope).await?,
        proposals: db.proposal_stats(scope).await?,
        market: db.market_stats(scope, today).await?,
        letters: db.letter_stats(scope).await?,
        services: db.service_stats(scope, now).await?,
        events: db.event_stats(scope, day_start(today)).await?,
    })
}

/// The first second (unix) of `today` (`YYYY-MM-DD`) in Asia/Jakarta; 0 when it is no date.
fn day_start(today: &str) -> i64 {
    crate::calendar::parse_jakarta_time(&format!("{today} 00:00")).unwrap_or(0)
}

/// The deployment's KPIs and every kelurahan's.
pub async fn deployment_kpis(db: &Db, now: i64) -> StoreResult<DeploymentKpis> {
    let deployment = kpis(db, None, now).await?;
    let mut kelurahan = Vec::new();
    for k in db.kelurahan_list().await? {
        kelurahan.push(KelurahanKpis {
            kpis: kpis(db, Some(k.id), now).await?,
            code: k.code,
            name: k.name,
        });
    }
    Ok(DeploymentKpis {
        deployment,
        kelurahan,
    })
}
