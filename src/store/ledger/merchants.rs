//! Merchants and their tills (`POST /api/merchants`, `BAYAR <code>`).

use super::{AccountId, AccountKind};
use crate::error::StoreResult;
use crate::store::{on_backend, Tx};

/// A merchant (`POST /api/merchants`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    /// `W001`…
    pub code: String,
    /// The owner's NIK.
    pub nik: String,
    pub name: String,
    pub open: bool,
    pub account_id: AccountId,
}

fn merchant(row: (String, String, String, String, i64)) -> Merchant {
    Merchant {
        code: row.0,
        nik: row.1,
        name: row.2,
        open: row.3 == "open",
        account_id: row.4,
    }
}

const MERCHANT_COLUMNS: &str = "code, nik, name, status, account_id";

impl Tx {
    pub async fn merchant(&mut self, code: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE code = $1");
        let row = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(code).fetch_optional(&mut **c).await?
        });
        Ok(row.map(merchant))
    }

    pub async fn merchant_of_person(&mut self, nik: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE nik = $1");
        let row = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(nik).fetch_optional(&mut **c).await?
        });
        Ok(row.map(merchant))
    }

    /// Registers a merchant under the next free code (`W001`, `W002`…) with a new till account.
    pub async fn insert_merchant(
        &mut self,
        nik: &str,
        name: &str,
        now: i64,
    ) -> StoreResult<Merchant> {
        let next: i64 = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(CAST(SUBSTR(code, 2) AS BIGINT)), 0) + 1 AS BIGINT) FROM merchants",
            )
            .fetch_one(&mut **c)
            .await?
        });
        let code = format!("W{next:03}");
        let account_id = self
            .ensure_account(AccountKind::Merchant, &code, now)
            .await?;
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO merchants (code, nik, name, status, account_id, created_at, kelurahan_id)
                 VALUES ($1, $2, $3, 'open', $4, $5, $6)",
            )
            .bind(&code)
            .bind(nik)
            .bind(name)
            .bind(account_id)
            .bind(now)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(Merchant {
            code,
            nik: nik.to_string(),
            name: name.to_string(),
            open: true,
            account_id,
        })
    }

    pub async fn set_merchant_open(&mut self, code: &str, open: bool) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE merchants SET status = $1 WHERE code = $2")
                .bind(if open { "open" } else { "closed" })
                .bind(code)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
