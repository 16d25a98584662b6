//! Payment requests (`TAGIH`): asked by a merchant, paid (or declined) by the resident. The
//! rule is [`crate::ledger::payment_request`]; this is its table.
//!
//! A request belongs to the **payer's** kelurahan (the kelurahan of the resident the phone is
//! linked to), whatever the merchant's: a merchant may bill a resident of another kelurahan, who
//! pays it from where they live. From any other kelurahan it does not exist.

use super::{on_backend, Tx};
use crate::error::StoreResult;
use crate::ledger::payment_request::Status;

#[derive(Clone, Debug, PartialEq)]
pub struct PaymentRequestRecord {
    pub id: i64,
    pub merchant_code: String,
    pub payer_phone: String,
    pub amount: i64,
    pub status: Status,
    pub expires_at: i64,
}

impl Tx {
    /// Records a request to `payer_phone`, in the kelurahan of the resident that phone is linked
    /// to (this kelurahan if none).
    pub async fn insert_payment_request(
        &mut self,
        merchant_code: &str,
        payer_phone: &str,
        amount: i64,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO payment_requests (merchant_code, payer_phone, amount, status, created_at, expires_at, kelurahan_id)
                 VALUES ($1, $2, $3, $4, $5, $6,
                         COALESCE((SELECT kelurahan_id FROM links WHERE phone = $2), $7))
                 RETURNING id",
            )
            .bind(merchant_code)
            .bind(payer_phone)
            .bind(amount)
            .bind(Status::Pending)
            .bind(now)
            .bind(expires_at)
            .bind(self.kelurahan)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// This kelurahan's request `id`, if it was sent to `payer_phone`.
    pub async fn payment_request_for(
        &mut self,
        id: i64,
        payer_phone: &str,
    ) -> StoreResult<Option<PaymentRequestRecord>> {
        let row: Option<(i64, String, String, i64, Status, i64)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(
                "SELECT id, merchant_code, payer_phone, amount, status, expires_at
                 FROM payment_requests WHERE id = $1 AND payer_phone = $2 AND kelurahan_id = $3",
            )
            .bind(id)
            .bind(payer_phone)
            .bind(self.kelurahan)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(row.map(
            |(id, merchant_code, payer_phone, amount, status, expires_at)| PaymentRequestRecord {
                id,
                merchant_code,
                payer_phone,
                amount,
                status,
                expires_at,
            },
        ))
    }

    /// Decides this kelurahan's pending request as paid or declined; false if it was no longer
    /// pending.
    pub async fn decide_payment_request(
        &mut self,
        id: i64,
        status: Status,
        now: i64,
    ) -> StoreResult<bool> {
        let n = on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE payment_requests SET status = $1, decided_at = $2
                 WHERE id = $3 AND status = $4 AND kelurahan_id = $5",
            )
            .bind(status)
            .bind(now)
            .bind(id)
            .bind(Status::Pending)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }
}
