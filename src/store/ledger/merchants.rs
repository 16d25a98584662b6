//! Merchants and their tills (`POST /api/merchants`, `BAYAR <code>`).
//!
//! A merchant belongs to its owner's kelurahan, and its till is an account of that kelurahan's
//! ledger. Merchant codes are unique in the whole deployment, and [`Tx::merchant`] finds a
//! merchant of any kelurahan (the one deployment-wide lookup of this file): `BAYAR W017` may pay
//! a merchant of another kelurahan (`ledger::payment` decides with what money).

use super::{AccountId, AccountKind};
use crate::error::StoreResult;
use crate::store::{on_backend, KelurahanId, Tx};

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
    /// The kelurahan it belongs to (its owner's).
    pub kelurahan: KelurahanId,
}

type MerchantRow = (String, String, String, String, i64, KelurahanId);

fn merchant(row: MerchantRow) -> Merchant {
    Merchant {
        code: row.0,
        nik: row.1,
        name: row.2,
        open: row.3 == "open",
        account_id: row.4,
        kelurahan: row.5,
    }
}

const MERCHANT_COLUMNS: &str = "code, nik, name, status, account_id, kelurahan_id";

impl Tx {
    /// Deployment-wide: the merchant `code` of any kelurahan (codes are unique in the
    /// deployment; see [`Merchant::kelurahan`]).
    pub async fn merchant(&mut self, code: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!("SELECT {MERCHANT_COLUMNS} FROM merchants WHERE code = $1");
        let row: Option<MerchantRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(code).fetch_optional(&mut **c).await?
        });
        Ok(row.map(merchant))
    }

    /// The merchant of this kelurahan owned by `nik`.
    pub async fn merchant_of_person(&mut self, nik: &str) -> StoreResult<Option<Merchant>> {
        let sql = format!(
            "SELECT {MERCHANT_COLUMNS} FROM merchants WHERE nik = $1 AND kelurahan_id = $2"
        );
        let row: Option<MerchantRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(nik).bind(self.kelurahan).fetch_optional(&mut **c).await?
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
            kelurahan: self.kelurahan,
        })
    }

    /// Opens or closes this kelurahan's merchant `code`.
    pub async fn set_merchant_open(&mut self, code: &str, open: bool) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE merchants SET status = $1 WHERE code = $2 AND kelurahan_id = $3")
                .bind(if open { "open" } else { "closed" })
                .bind(code)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }
}
