//! The SQL of Gerai Skill & Barter ([`crate::services`]): offers and requests, each kelurahan's
//! own.

use super::{on_backend, Db, KelurahanId, Tx};
use crate::error::StoreResult;
use crate::services::{NewOffer, Offer, OfferStatus, RequestStatus, ServiceRequest};
use serde::Serialize;

type OfferRow = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    OfferStatus,
    i64,
    i64,
);

fn offer_of(
    (
        number,
        nik,
        provider,
        what,
        price,
        available,
        rt,
        rw,
        search_text,
        status,
        expires_at,
        created_at,
    ): OfferRow,
) -> Offer {
    Offer {
        number,
        nik,
        provider,
        what,
        price,
        available,
        rt,
        rw,
        search_text,
        status,
        expires_at,
        created_at,
    }
}

const OFFER_SELECT: &str = "SELECT s.id, s.nik, p.name, s.what, s.price, s.available, s.rt, s.rw,
    s.search_text, s.status, s.expires_at, s.created_at FROM services s JOIN persons p ON p.nik = s.nik";

type RequestRow = (
    i64,
    i64,
    String,
    String,
    String,
    RequestStatus,
    Option<i64>,
    i64,
);

fn request_of(
    (number, service, asker_nik, asker, asker_phone, status, amount, created_at): RequestRow,
) -> ServiceRequest {
    ServiceRequest {
        number,
        service,
        asker_nik,
        asker,
        asker_phone,
        status,
        amount,
        created_at,
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, r.service_id, r.asker_nik, p.name, r.asker_phone,
    r.status, r.amount, r.created_at FROM service_requests r JOIN persons p ON p.nik = r.asker_nik";

/// The service figures of `/api/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceStats {
    /// Offers open and not expired.
    pub services: i64,
    /// Requests done: paid or bartered.
    pub services_done: i64,
}

impl Tx {
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_service(
        &mut self,
        nik: &str,
        new: &NewOffer<'_>,
        (rt, rw): (&str, &str),
        search_text: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO services (kelurahan_id, nik, what, price, available, rt, rw,
                     search_text, status, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(nik)
            .bind(new.what)
            .bind(new.price)
            .bind(new.available)
            .bind(rt)
            .bind(rw)
            .bind(search_text)
            .bind(OfferStatus::Open)
            .bind(expires_at)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Offer `number` of this kelurahan.
    pub async fn service(&mut self, number: i64) -> StoreResult<Option<Offer>> {
        let sql = format!("{OFFER_SELECT} WHERE s.id = $1 AND s.kelurahan_id = $2");
        let row: Option<OfferRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(number).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(offer_of))
    }

    /// The offers listed at `now` (open, not expired), oldest first.
    pub async fn listed_services(&mut self, now: i64) -> StoreResult<Vec<Offer>> {
        let sql = format!(
            "{OFFER_SELECT} WHERE s.kelurahan_id = $1 AND s.status = $2 AND s.expires_at > $3
             ORDER BY s.id LIMIT 5000"
        );
        let rows: Vec<OfferRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(OfferStatus::Open)
                .bind(now)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(offer_of).collect())
    }

    /// The open offers of the provider `nik` (expired ones too: they may be renewed).
    pub async fn services_of(&mut self, nik: &str) -> StoreResult<Vec<Offer>> {
        let sql = format!(
            "{OFFER_SELECT} WHERE s.kelurahan_id = $1 AND s.nik = $2 AND s.status = $3 ORDER BY s.id"
        );
        let rows: Vec<OfferRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql)
                .bind(self.kelurahan)
                .bind(nik)
                .bind(OfferStatus::Open)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(rows.into_iter().map(offer_of).collect())
    }

    pub async fn renew_service(&mut self, number: i64, expires_at: i64) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query("UPDATE services SET expires_at = $1 WHERE id = $2 AND kelurahan_id = $3")
                .bind(expires_at)
                .bind(number)
                .bind(self.kelurahan)
                .execute(&mut **c)
                .await?;
        });
        Ok(())
    }

    pub async fn insert_service_request(
        &mut self,
        service: i64,
        asker_nik: &str,
        asker_phone: &str,
        now: i64,
    ) -> StoreResult<i64> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO service_requests (kelurahan_id, service_id, asker_nik, asker_phone, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(self.kelurahan)
            .bind(service)
            .bind(asker_nik)
            .bind(asker_phone)
            .bind(RequestStatus::Asked)
            .bind(now)
            .fetch_one(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// Request `number` of this kelurahan.
    pub async fn service_request(&mut self, number: i64) -> StoreResult<Option<ServiceRequest>> {
        let sql = format!("{REQUEST_SELECT} WHERE r.id = $1 AND r.kelurahan_id = $2");
        let row: Option<RequestRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(number).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        Ok(row.map(request_of))
    }

    /// The number of `asker_nik`'s request for offer `service` still asked or accepted.
    pub async fn open_service_request(
        &mut self,
        service: i64,
        asker_nik: &str,
    ) -> StoreResult<Option<i64>> {
        let id = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT id FROM service_requests WHERE service_id = $1 AND asker_nik = $2
                 AND status IN ($3, $4) ORDER BY id LIMIT 1",
            )
            .bind(service)
            .bind(asker_nik)
            .bind(RequestStatus::Asked)
            .bind(RequestStatus::Accepted)
            .fetch_optional(&mut **c)
            .await?
        });
        Ok(id)
    }

    /// The requests of this kelurahan of `status` (all without it), newest first.
    pub async fn service_requests(
        &mut self,
        status: Option<RequestStatus>,
    ) -> StoreResult<Vec<ServiceRequest>> {
        let sql = format!(
            "{REQUEST_SELECT} WHERE r.kelurahan_id = $1 AND (CAST($2 AS TEXT) IS NULL OR r.status = $2)
             ORDER BY r.id DESC LIMIT 500"
        );
        let rows: Vec<RequestRow> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(self.kelurahan).bind(status).fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(request_of).collect())
    }

    /// Moves request `number` to `status`; `paid` is the amount and transfer of a payment.
    pub async fn set_service_request_status(
        &mut self,
        number: i64,
        status: RequestStatus,
        paid: Option<(i64, i64)>,
        now: i64,
    ) -> StoreResult<()> {
        let decided = matches!(status, RequestStatus::Accepted | RequestStatus::Declined);
        let (amount, transfer) = paid.unzip();
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "UPDATE service_requests SET status = $1, amount = COALESCE($2, amount),
                     transfer_id = COALESCE($3, transfer_id),
                     decided_at = CASE WHEN $4 THEN $5 ELSE decided_at END,
                     done_at = CASE WHEN $4 THEN done_at ELSE $5 END
                 WHERE id = $6 AND kelurahan_id = $7",
            )
            .bind(status)
            .bind(amount)
            .bind(transfer)
            .bind(decided)
            .bind(now)
            .bind(number)
            .bind(self.kelurahan)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }
}

impl Db {
    /// The service KPIs of one kelurahan, or of the whole deployment (`None`), at `now`.
    pub async fn service_stats(
        &self,
        scope: Option<KelurahanId>,
        now: i64,
    ) -> StoreResult<ServiceStats> {
        let k = super::sql::in_scope("kelurahan_id", 1);
        let sql = format!(
            "SELECT
                CAST((SELECT COUNT(*) FROM services WHERE status = $2 AND expires_at > $3 AND {k}) AS BIGINT),
                CAST((SELECT COUNT(*) FROM service_requests WHERE status IN ($4, $5) AND {k}) AS BIGINT)"
        );
        let (services, services_done): (i64, i64) = on_backend!(&self.pool, p => {
            sqlx::query_as(&sql)
                .bind(scope)
                .bind(OfferStatus::Open)
                .bind(now)
                .bind(RequestStatus::Paid)
                .bind(RequestStatus::Bartered)
                .fetch_one(p)
                .await?
        });
        Ok(ServiceStats {
            services,
            services_done,
        })
    }
}
