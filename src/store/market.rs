//! The market's and the goods library's tables (`migrations/*/0007_market.sql`): listings,
//! orders, items and loans. The rules live in `crate::market`.
//!
//! Every row belongs to one kelurahan and every statement here is scoped by the kelurahan the
//! unit of work acts for: a listing, order, item or loan of another kelurahan does not exist
//! from this one (its codes are unique in the deployment, so one never hides another).

use super::{on_backend, Backend, Db, Tx};
use crate::error::StoreResult;
use crate::market::status::{ItemStatus, ListingStatus, LoanStatus, OrderStatus};

/// A listing with its seller and what is available now (stock less unexpired reservations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub code: String,
    pub merchant: String,
    pub merchant_name: String,
    pub seller_nik: String,
    pub name: String,
    pub price: i64,
    pub stock: i64,
    pub category: String,
    pub photo: Option<String>,
    pub status: ListingStatus,
    /// The seller's RW.
    pub rw: String,
    pub available: i64,
    pub search_text: String,
}

/// An order (`PESAN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub listing: String,
    pub buyer_nik: String,
    pub buyer_phone: String,
    pub qty: i64,
    pub amount: i64,
    pub status: OrderStatus,
    pub expires_at: i64,
    /// The payment's idempotency key, once paid.
    pub transfer_key: Option<String>,
}

/// A lendable item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub name: String,
    /// `None`: the community's.
    pub owner_nik: Option<String>,
    pub custodian_nik: String,
    pub status: ItemStatus,
    /// Lent out now.
    pub lent: bool,
    /// The custodian's RW.
    pub rw: String,
}

/// A loan request, in queue order by `id`; `active` once accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loan {
    pub id: i64,
    pub item: String,
    pub borrower_nik: String,
    pub borrower_phone: String,
    pub days: i64,
    pub status: LoanStatus,
    pub asked_at: Option<i64>,
    pub due_date: Option<String>,
    pub reminders_sent: i64,
    pub overdue_at: Option<i64>,
}

/// The market's KPIs (`GET /api/stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MarketStats {
    /// Open listings.
    pub listings: i64,
    /// Paid orders.
    pub orders: i64,
    /// Lendable items (not withdrawn).
    pub items: i64,
    pub loans_active: i64,
    /// Active loans past their due date.
    pub loans_overdue: i64,
}

const LISTING_SELECT: &str = "SELECT l.code, l.merchant, m.name, m.nik, l.name, l.price, l.stock,
        l.category, l.photo, l.status, COALESCE(h.rw, ''),
        CAST(l.stock - COALESCE((SELECT SUM(o.qty) FROM orders o WHERE o.listing = l.code
            AND o.status = 'reserved' AND o.expires_at > $1), 0) AS BIGINT),
        l.search_text
    FROM listings l JOIN merchants m ON m.code = l.merchant
    LEFT JOIN persons p ON p.nik = m.nik LEFT JOIN households h ON h.no_kk = p.no_kk";

type ListingRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    Option<String>,
    ListingStatus,
    String,
    i64,
    String,
);

fn listing(r: ListingRow) -> Listing {
    Listing {
        code: r.0,
        merchant: r.1,
        merchant_name: r.2,
        seller_nik: r.3,
        name: r.4,
        price: r.5,
        stock: r.6,
        category: r.7,
        photo: r.8,
        status: r.9,
        rw: r.10,
        available: r.11.max(0),
        search_text: r.12,
    }
}

const ORDER_COLUMNS: &str =
    "id, listing, buyer_nik, buyer_phone, qty, amount, status, expires_at, transfer_key";

type OrderRow = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    OrderStatus,
    i64,
    Option<String>,
);

fn order(r: OrderRow) -> Order {
    Order {
        id: r.0,
        listing: r.1,
        buyer_nik: r.2,
        buyer_phone: r.3,
        qty: r.4,
        amount: r.5,
        status: r.6,
        expires_at: r.7,
        transfer_key: r.8,
    }
}

const ITEM_SELECT: &str = "SELECT i.code, i.name, i.owner_nik, i.custodian_nik, i.status,
        CAST((SELECT COUNT(*) FROM loans a WHERE a.item = i.code AND a.status = 'active') AS BIGINT),
        COALESCE(h.rw, '')
    FROM items i LEFT JOIN persons p ON p.nik = i.custodian_nik
    LEFT JOIN households h ON h.no_kk = p.no_kk";

type ItemRow = (
    String,
    String,
    Option<String>,
    String,
    ItemStatus,
    i64,
    String,
);

fn item(r: ItemRow) -> Item {
    Item {
        code: r.0,
        name: r.1,
        owner_nik: r.2,
        custodian_nik: r.3,
        status: r.4,
        lent: r.5 > 0,
        rw: r.6,
    }
}

const LOAN_COLUMNS: &str = "id, item, borrower_nik, borrower_phone, days, status, asked_at,
    due_date, reminders_sent, overdue_at";

type LoanRow = (
    i64,
    String,
    String,
    String,
    i64,
    LoanStatus,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
);

fn loan(r: LoanRow) -> Loan {
    Loan {
        id: r.0,
        item: r.1,
        borrower_nik: r.2,
        borrower_phone: r.3,
        days: r.4,
        status: r.5,
        asked_at: r.6,
        due_date: r.7,
        reminders_sent: r.8,
        overdue_at: r.9,
    }
}

/// A new listing's fields.
#[derive(Clone, Debug)]
pub struct NewListing<'a> {
    pub merchant: &'a str,
    pub name: &'a str,
    pub search_text: &'a str,
    pub price: i64,
    pub stock: i64,
    pub category: &'a str,
    pub photo: Option<&'a str>,
}

impl Tx {
    /// The next free code `<prefix>001`… of `table` (`listings`, `items`).
    async fn next_code(&mut self, table: &str, prefix: char) -> StoreResult<String> {
        let sql = format!(
            "SELECT CAST(COALESCE(MAX(CAST(SUBSTR(code, 2) AS BIGINT)), 0) + 1 AS BIGINT) FROM {table}"
        );
        let next: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(&sql).fetch_one(&mut **c).await?
        });
        Ok(format!("{prefix}{next:03}"))
    }

    pub async fn insert_listing(&mut self, l: &NewListing<'_>, now: i64) -> StoreResult<String> {
        let code = self.next_code("listings", 'L').await?;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO listings (code, merchant, name, search_text, price, stock, category, photo, status, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&code)
            .bind(l.merchant)
            .bind(l.name)
            .bind(l.search_text)
            .bind(l.price)
            .bind(l.stock)
            .bind(l.category)
            .bind(l.photo)
            .bind(ListingStatus::Open)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(code)
    }

    /// A listing, with what is available at `now`.
    pub async fn listing(&mut self, code: &str, now: i64) -> StoreResult<Option<Listing>> {
        let sql = format!("{LISTING_SELECT} WHERE l.code = $2 AND l.kelurahan_id = $3");
        let row: Option<ListingRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(now).bind(code).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(listing))
    }

    /// Holds the listing's row until the end of the unit of work, so two orders never reserve
    /// the same stock (PostgreSQL; SQLite's unit of work already holds the write lock).
    pub async fn lock_listing(&mut self, code: &str) -> StoreResult<()> {
        self.lock_row(
            "SELECT code FROM listings WHERE code = $1 AND kelurahan_id = $2",
            code,
        )
        .await
    }

    /// Holds the row `select` names by `$1` in this kelurahan (`$2`) until the end of the unit
    /// of work (PostgreSQL, `FOR UPDATE`; SQLite's unit of work already holds the write lock).
    async fn lock_row<T>(&mut self, select: &str, key: T) -> StoreResult<()>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        if let Backend::Postgres(c) = &mut self.conn {
            sqlx::query(&format!("{select} FOR UPDATE"))
                .bind(key)
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?;
        }
        Ok(())
    }

    /// The newest open listings, at most `limit`.
    pub async fn recent_listings(&mut self, now: i64, limit: i64) -> StoreResult<Vec<Listing>> {
        let sql = format!(
            "{LISTING_SELECT} WHERE l.kelurahan_id = $2 AND l.status = 'open'
             ORDER BY l.created_at DESC, l.code LIMIT $3"
        );
        let rows: Vec<ListingRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(now)
                .bind(self.kelurahan)
                .bind(limit)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(listing).collect())
    }

    /// Open listings whose words start with any of `words` (folded), at most `limit`.
    pub async fn search_listings(
        &mut self,
        words: &[String],
        now: i64,
        limit: i64,
    ) -> StoreResult<Vec<Listing>> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let likes: Vec<String> = (0..words.len())
            .map(|i| format!("l.search_text LIKE ${}", i + 3))
            .collect();
        let sql = format!(
            "{LISTING_SELECT} WHERE l.kelurahan_id = $2 AND l.status = 'open' AND ({})
             ORDER BY l.created_at DESC, l.code LIMIT {limit}",
            likes.join(" OR ")
        );
        let rows: Vec<ListingRow> = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query_as(&sql).bind(now).bind(self.kelurahan);
            for w in words {
                q = q.bind(format!("% {w}%"));
            }
            q.fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(listing).collect())
    }

    pub async fn set_listing_stock(&mut self, code: &str, stock: i64) -> StoreResult<()> {
        self.update_listing("stock = $1", code, stock).await
    }

    pub async fn set_listing_price(&mut self, code: &str, price: i64) -> StoreResult<()> {
        self.update_listing("price = $1", code, price).await
    }

    /// A paid order takes its quantity from the stock (never below zero).
    pub async fn take_stock(&mut self, code: &str, qty: i64) -> StoreResult<()> {
        self.update_listing(
            "stock = CASE WHEN stock >= $1 THEN stock - $1 ELSE 0 END",
            code,
            qty,
        )
        .await
    }

    pub async fn close_listing(&mut self, code: &str) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE listings SET status = $1 WHERE code = $2 AND kelurahan_id = $3")
                .bind(ListingStatus::Closed)
                .bind(code)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    async fn update_listing(&mut self, set: &str, code: &str, value: i64) -> StoreResult<()> {
        let sql = format!("UPDATE listings SET {set} WHERE code = $2 AND kelurahan_id = $3");
        on_backend!(&mut self.conn, c => {
            sqlx::query(&sql).bind(value).bind(code).bind(self.kelurahan).execute(&mut **c).await?;
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_order(
        &mut self,
        listing: &str,
        buyer_nik: &str,
        buyer_phone: &str,
        qty: i64,
        amount: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Order> {
        let id: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO orders (listing, buyer_nik, buyer_phone, qty, amount, status, expires_at, created_at, updated_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING id",
            )
            .bind(listing)
            .bind(buyer_nik)
            .bind(buyer_phone)
            .bind(qty)
            .bind(amount)
            .bind(OrderStatus::Reserved)
            .bind(expires_at)
            .bind(now)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(Order {
            id,
            listing: listing.to_string(),
            buyer_nik: buyer_nik.to_string(),
            buyer_phone: buyer_phone.to_string(),
            qty,
            amount,
            status: OrderStatus::Reserved,
            expires_at,
            transfer_key: None,
        })
    }

    pub async fn order(&mut self, id: i64) -> StoreResult<Option<Order>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 AND kelurahan_id = $2");
        let row: Option<OrderRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(id).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(order))
    }

    /// Holds the order's row until the end of the unit of work (PostgreSQL), so paying it and
    /// expiring it never cross.
    pub async fn lock_order(&mut self, id: i64) -> StoreResult<()> {
        self.lock_row(
            "SELECT id FROM orders WHERE id = $1 AND kelurahan_id = $2",
            id,
        )
        .await
    }

    /// Moves a reserved order to `status` (with the payment's key when paid). Answers whether it
    /// was still reserved: a second server or a late step changes nothing.
    pub async fn finish_order(
        &mut self,
        id: i64,
        status: OrderStatus,
        transfer_key: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        debug_assert!(OrderStatus::Reserved.can_go_to(status), "{status}");
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE orders SET status = $1, transfer_key = $2, updated_at = $3
                 WHERE id = $4 AND status = $5 AND kelurahan_id = $6",
            )
            .bind(status)
            .bind(transfer_key)
            .bind(now)
            .bind(id)
            .bind(OrderStatus::Reserved)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// This kelurahan's reserved orders whose time is up at `now`, oldest first.
    pub async fn due_orders(&mut self, now: i64, limit: i64) -> StoreResult<Vec<Order>> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders
             WHERE status = 'reserved' AND expires_at <= $1 AND kelurahan_id = $2
             ORDER BY expires_at, id LIMIT {limit}"
        );
        let rows: Vec<OrderRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(now).bind(self.kelurahan).fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(order).collect())
    }

    pub async fn insert_item(
        &mut self,
        name: &str,
        owner_nik: Option<&str>,
        custodian_nik: &str,
        now: i64,
    ) -> StoreResult<String> {
        let code = self.next_code("items", 'B').await?;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO items (code, name, owner_nik, custodian_nik, status, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&code)
            .bind(name)
            .bind(owner_nik)
            .bind(custodian_nik)
            .bind(ItemStatus::Available)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(code)
    }

    pub async fn item(&mut self, code: &str) -> StoreResult<Option<Item>> {
        let sql = format!("{ITEM_SELECT} WHERE i.code = $1 AND i.kelurahan_id = $2");
        let row: Option<ItemRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(code).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(item))
    }

    /// Items that may be borrowed (lent ones too: a request joins the queue), by code.
    pub async fn lendable_items(&mut self) -> StoreResult<Vec<Item>> {
        let sql = format!(
            "{ITEM_SELECT} WHERE i.status = 'available' AND i.kelurahan_id = $1 ORDER BY i.code"
        );
        let rows: Vec<ItemRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(self.kelurahan).fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(item).collect())
    }

    /// Holds the item's row until the end of the unit of work (PostgreSQL), so its queue changes
    /// one request at a time.
    pub async fn lock_item(&mut self, code: &str) -> StoreResult<()> {
        self.lock_row(
            "SELECT code FROM items WHERE code = $1 AND kelurahan_id = $2",
            code,
        )
        .await
    }

    pub async fn insert_loan(
        &mut self,
        item: &str,
        borrower_nik: &str,
        borrower_phone: &str,
        days: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO loans (item, borrower_nik, borrower_phone, days, status, created_at, updated_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
            )
            .bind(item)
            .bind(borrower_nik)
            .bind(borrower_phone)
            .bind(days)
            .bind(LoanStatus::Requested)
            .bind(now)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// The item's open requests and its active loan, in queue order.
    pub async fn open_loans(&mut self, item: &str) -> StoreResult<Vec<Loan>> {
        let sql = format!(
            "SELECT {LOAN_COLUMNS} FROM loans
             WHERE item = $1 AND kelurahan_id = $2 AND status IN ('requested', 'active') ORDER BY id"
        );
        let rows: Vec<LoanRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(item).bind(self.kelurahan).fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(loan).collect())
    }

    /// This kelurahan's active loans, by due date (for the reminders).
    pub async fn active_loans(&mut self) -> StoreResult<Vec<Loan>> {
        let sql = format!(
            "SELECT {LOAN_COLUMNS} FROM loans WHERE status = 'active' AND kelurahan_id = $1
             ORDER BY due_date, id"
        );
        let rows: Vec<LoanRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(self.kelurahan).fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(loan).collect())
    }

    /// Records that the owner was asked about request `id`.
    pub async fn mark_loan_asked(&mut self, id: i64, now: i64) -> StoreResult<()> {
        self.update_loan("asked_at = $1, updated_at = $1", id, now)
            .await
    }

    /// Moves loan `id` from status `from` to `to` (and sets `due_date` if given). Answers
    /// whether it was in `from`.
    pub async fn move_loan(
        &mut self,
        id: i64,
        from: LoanStatus,
        to: LoanStatus,
        due_date: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        debug_assert!(from.can_go_to(to), "{from} to {to}");
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE loans SET status = $1, due_date = COALESCE($2, due_date), updated_at = $3
                 WHERE id = $4 AND status = $5 AND kelurahan_id = $6",
            )
            .bind(to)
            .bind(due_date)
            .bind(now)
            .bind(id)
            .bind(from)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Raises the reminders sent for loan `id` to `n`; answers whether it was lower.
    pub async fn mark_loan_reminded(&mut self, id: i64, n: i64) -> StoreResult<bool> {
        let rows = on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE loans SET reminders_sent = $1 WHERE id = $2 AND kelurahan_id = $3 AND reminders_sent < $1")
                .bind(n)
                .bind(id)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        Ok(rows == 1)
    }

    /// Flags loan `id` overdue once; answers whether this call did.
    pub async fn mark_loan_overdue(&mut self, id: i64, now: i64) -> StoreResult<bool> {
        let rows = on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE loans SET overdue_at = $1 WHERE id = $2 AND kelurahan_id = $3 AND overdue_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?
                .rows_affected()
        });
        Ok(rows == 1)
    }

    async fn update_loan(&mut self, set: &str, id: i64, value: i64) -> StoreResult<()> {
        let sql = format!("UPDATE loans SET {set} WHERE id = $2 AND kelurahan_id = $3");
        on_backend!(&mut self.conn, c => {
            sqlx::query(&sql).bind(value).bind(id).bind(self.kelurahan).execute(&mut **c).await?;
        });
        Ok(())
    }
}

impl Db {
    /// The market's KPIs: of one kelurahan, or of the whole deployment (`None`); `today`
    /// (`YYYY-MM-DD`, Jakarta) decides which loans are overdue.
    pub async fn market_stats(
        &self,
        scope: Option<super::KelurahanId>,
        today: &str,
    ) -> StoreResult<MarketStats> {
        let k = super::sql::in_scope("kelurahan_id", 2);
        let sql = format!(
            "SELECT
                CAST((SELECT COUNT(*) FROM listings WHERE status = 'open' AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM orders WHERE status = 'paid' AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM items WHERE status = 'available' AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM loans WHERE status = 'active' AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM loans WHERE status = 'active' AND due_date < $1 AND {k}) AS BIGINT)"
        );
        let (listings, orders, items, active, overdue): (i64, i64, i64, i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql).bind(today).bind(scope).fetch_one(p).await?
        });
        Ok(MarketStats {
            listings,
            orders,
            items,
            loans_active: active,
            loans_overdue: overdue,
        })
    }
}
