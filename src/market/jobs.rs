//! The market's scheduled work inside `serve`: unpaid orders expire (their quantity is available
//! again), borrowers are reminded the day before and on the due date, overdue loans are flagged
//! to the custodian and the admin (warning log and `audit_log` row `loan.overdue`).
//!
//! One server at a time runs it, as the leased job `market` (`crate::jobs`, like the stimulus);
//! it runs at start-up and every minute, and always does everything due at that moment, so it
//! catches up after downtime (stale reminders of a loan already overdue are
//! not sent: the overdue notice says it all). Correctness does not depend on the lease: each
//! change is conditional on the row's state and commits with its notices, so nothing is sent
//! twice.
//!
//! It runs kelurahan by kelurahan, each in units of work acting for it: an order, a loan and the
//! people told of them are all that kelurahan's, and its notices go out from its number.

use super::notify::{notice, notice_to_person, who};
use super::OrderStatus;
use crate::app::App;
use crate::calendar::{jakarta_date, parse_date};
use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::jobs::{self, Job};
use crate::parse::nik::mask_nik;
use crate::shutdown::Stop;
use crate::store::{Db, KelurahanId};
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use tokio::task::JoinHandle;

const BATCH: i64 = 200;
const ACTOR: &str = "market-job";

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobReport {
    pub orders_expired: usize,
    pub reminders: usize,
    pub overdue: usize,
}

/// Does everything due at `now`, in every kelurahan.
pub async fn run_due(db: &Db, texts: &Texts, now: i64) -> StoreResult<JobReport> {
    let mut report = JobReport::default();
    for k in db.kelurahan_list().await? {
        report.orders_expired += expire_orders(db, k.id, texts, now).await?;
        let (reminders, overdue) = loan_reminders(db, k.id, texts, now).await?;
        report.reminders += reminders;
        report.overdue += overdue;
    }
    Ok(report)
}

async fn expire_orders(
    db: &Db,
    kelurahan: KelurahanId,
    texts: &Texts,
    now: i64,
) -> StoreResult<usize> {
    let mut expired = 0;
    loop {
        let mut tx = db.begin(kelurahan).await?;
        let due = tx.due_orders(now, BATCH).await?;
        for order in &due {
            if !tx
                .finish_order(order.id, OrderStatus::Expired, None, now)
                .await?
            {
                continue;
            }
            expired += 1;
            let Some(listing) = tx.listing(&order.listing, now).await? else {
                continue;
            };
            let args = [
                ("order", order.id.to_string()),
                ("listing_code", listing.code.clone()),
                ("listing_name", listing.name.clone()),
                ("qty", order.qty.to_string()),
                ("amount_text", format_rupiah(order.amount)),
            ];
            let buyer = notice(&mut tx, texts, &order.buyer_phone, "order-expired", &args).await?;
            tx.enqueue(&buyer, now).await?;
            if let Some(seller) = notice_to_person(
                &mut tx,
                texts,
                &listing.seller_nik,
                "order-expired-seller",
                &args,
            )
            .await?
            {
                tx.enqueue(&seller, now).await?;
            }
        }
        tx.commit().await?;
        if (due.len() as i64) < BATCH {
            return Ok(expired);
        }
    }
}

async fn loan_reminders(
    db: &Db,
    kelurahan: KelurahanId,
    texts: &Texts,
    now: i64,
) -> StoreResult<(usize, usize)> {
    let today = jakarta_date(now);
    let (mut reminders, mut overdue) = (0, 0);
    let mut tx = db.begin(kelurahan).await?;
    for loan in tx.active_loans().await? {
        let Some(due) = loan.due_date.as_deref().and_then(parse_date) else {
            continue;
        };
        let Some(item) = tx.item(&loan.item).await? else {
            continue;
        };
        let due_text = due.format("%d-%m-%Y").to_string();
        let mut args = vec![
            ("item_code", item.code.clone()),
            ("item_name", item.name.clone()),
            ("due", due_text),
        ];
        if today > due {
            tx.mark_loan_reminded(loan.id, 2).await?;
            if loan.overdue_at.is_some() || !tx.mark_loan_overdue(loan.id, now).await? {
                continue;
            }
            overdue += 1;
            let (name, rt, rw) = who(&mut tx, &loan.borrower_nik).await?;
            args.extend([("borrower", name), ("rt", rt), ("rw", rw)]);
            let borrower =
                notice(&mut tx, texts, &loan.borrower_phone, "loan-overdue", &args).await?;
            tx.enqueue(&borrower, now).await?;
            if let Some(keeper) = notice_to_person(
                &mut tx,
                texts,
                &item.custodian_nik,
                "loan-overdue-owner",
                &args,
            )
            .await?
            {
                tx.enqueue(&keeper, now).await?;
            }
            tracing::warn!(item = %item.code, loan = loan.id, due = %due, "loan overdue");
            let after = serde_json::json!({
                "loan": loan.id,
                "due_date": loan.due_date,
                "borrower": mask_nik(&loan.borrower_nik),
            });
            tx.audit(ACTOR, "loan.overdue", &item.code, None, Some(&after), now)
                .await?;
            continue;
        }
        let (n, id) = if today == due {
            (2, "loan-reminder-today")
        } else if today.succ_opt() == Some(due) {
            (1, "loan-reminder-tomorrow")
        } else {
            continue;
        };
        if loan.reminders_sent >= n || !tx.mark_loan_reminded(loan.id, n).await? {
            continue;
        }
        reminders += 1;
        let msg = notice(&mut tx, texts, &loan.borrower_phone, id, &args).await?;
        tx.enqueue(&msg, now).await?;
    }
    tx.commit().await?;
    Ok((reminders, overdue))
}

/// The market's work as a leased job (lease `market`), with the texts its notices are written in.
pub struct MarketJobs;

#[async_trait]
impl Job for MarketJobs {
    type Report = JobReport;

    fn name(&self) -> &'static str {
        "market"
    }

    fn lease_ms(&self) -> i64 {
        5 * 60_000
    }

    async fn run(&self, app: &App, now: i64) -> StoreResult<JobReport> {
        run_due(&app.db, &app.texts, now).await
    }

    fn report(&self, r: &JobReport) {
        if *r != JobReport::default() {
            tracing::info!(
                orders_expired = r.orders_expired,
                reminders = r.reminders,
                overdue = r.overdue,
                "market jobs"
            );
        }
    }
}

/// Runs what is due if this server gets the lease. Answers the report, `None` without lease.
pub async fn run_if_leased(app: &App, owner: &str) -> StoreResult<Option<JobReport>> {
    jobs::run_if_leased(&MarketJobs, app, owner).await
}

/// The background task of `serve`.
pub fn spawn_market_jobs(app: App, stop: Stop) -> JoinHandle<()> {
    jobs::spawn(MarketJobs, app, stop)
}
