//! The figures the web pages draw (KPIs, the last 30 days per day, the per-RW table), computed
//! per kelurahan and kept for a minute: they read the whole registry and a month of the ledger
//! (hundreds of milliseconds with 100,000 residents and a daily stimulus, see BENCHMARKS.md), and
//! a page must answer in well under that. A page takes what is kept; once it is older than
//! [`FRESH_MS`] the next page starts one refresh in the background and still answers with the
//! kept figures, so only the first page after a start waits for them. The figures are therefore
//! at most about a minute old, and the pages say when they were computed.

use crate::app::App;
use crate::error::StoreResult;
use crate::kelurahan::stats::{kpis, Kpis};
use crate::store::{DayTotal, KelurahanId, LedgerDay, MessageDay, RwActivity, RwRow};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// How long figures are taken as they are.
pub const FRESH_MS: i64 = 60_000;

/// One kelurahan's figures at `computed_at`.
#[derive(Clone, Debug)]
pub struct Figures {
    pub kpis: Kpis,
    pub ledger: Vec<LedgerDay>,
    pub verified: Vec<DayTotal>,
    pub rw: Vec<RwRow>,
    /// Messages in and out per day and channel.
    pub messages: Vec<MessageDay>,
    /// Per RW: payments over the charts' days, loans out and overdue.
    pub activity: Vec<RwActivity>,
    /// Epoch ms.
    pub computed_at: i64,
}

impl Figures {
    /// Computes them now.
    pub async fn compute(app: &App, k: KelurahanId, now: i64) -> StoreResult<Figures> {
        let db = &app.db;
        let since = super::chart::since(now);
        let today = crate::calendar::jakarta_date(now)
            .format("%Y-%m-%d")
            .to_string();
        // At once: on PostgreSQL each on its own connection (SQLite's one connection takes them
        // in turn).
        let (kpis, ledger, verified, rw, messages, activity) = tokio::try_join!(
            kpis(db, Some(k), now),
            db.ledger_days(k, since),
            db.verification_days(k, since),
            db.rw_table(k, &today),
            db.message_days(k, since),
            db.rw_activity(k, since, &today),
        )?;
        Ok(Figures {
            kpis,
            ledger,
            verified,
            rw,
            messages,
            activity,
            computed_at: now,
        })
    }
}

#[derive(Default)]
struct Kept {
    figures: HashMap<KelurahanId, Arc<Figures>>,
    refreshing: HashSet<KelurahanId>,
    /// Held while a kelurahan's first figures are computed: a page that finds none waits for
    /// that computation (the warm-up's, or another page's) rather than starting its own.
    first: HashMap<KelurahanId, Arc<tokio::sync::Mutex<()>>>,
}

/// The kept figures of every kelurahan. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct FigureCache {
    kept: Arc<Mutex<Kept>>,
}

impl FigureCache {
    /// The figures of `k`: kept ones (refreshed in the background once stale), or computed now
    /// when there are none.
    pub async fn get(&self, app: &App, k: KelurahanId) -> StoreResult<Arc<Figures>> {
        let now = app.now();
        let (kept, refresh) = {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            let found = kept.figures.get(&k).cloned();
            let stale = found
                .as_ref()
                .is_some_and(|f| now - f.computed_at >= FRESH_MS);
            let refresh = stale && kept.refreshing.insert(k);
            (found, refresh)
        };
        if refresh {
            let cache = self.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let result = Figures::compute(&app, k, app.now()).await;
                let mut kept = cache.kept.lock().unwrap_or_else(|p| p.into_inner());
                kept.refreshing.remove(&k);
                match result {
                    Ok(f) => {
                        kept.figures.insert(k, Arc::new(f));
                    }
                    Err(e) => tracing::error!(error = %e, "web figures: refresh failed"),
                }
            });
        }
        if let Some(f) = kept {
            return Ok(f);
        }
        self.first_figures(app, k).await
    }

    /// The first figures of `k`: computed once, whoever asks first; the others wait for them.
    async fn first_figures(&self, app: &App, k: KelurahanId) -> StoreResult<Arc<Figures>> {
        let gate = {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            kept.first.entry(k).or_default().clone()
        };
        let _computing = gate.lock().await;
        if let Some(f) = self.kept_now(k) {
            return Ok(f);
        }
        let f = Arc::new(Figures::compute(app, k, app.now()).await?);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.figures.insert(k, f.clone());
        Ok(f)
    }

    fn kept_now(&self, k: KelurahanId) -> Option<Arc<Figures>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.figures.get(&k).cloned()
    }

    /// Computes every kelurahan's figures in the background, one after the other (at `serve`
    /// start: the first visitor of a page finds them kept rather than waiting for them).
    pub fn warm(&self, app: &App) -> tokio::task::JoinHandle<()> {
        let cache = self.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let list = match app.db.kelurahan_list().await {
                Ok(list) => list,
                Err(e) => return tracing::warn!(error = %e, "web figures: warm-up skipped"),
            };
            for k in list {
                if let Err(e) = cache.first_figures(&app, k.id).await {
                    tracing::warn!(error = %e, "web figures: warm-up failed");
                }
            }
        })
    }
}
