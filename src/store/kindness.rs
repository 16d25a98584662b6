//! The SQL of the kindness record ([`crate::kindness`]): contributions read from the domain
//! tables where they happened, and the residents' consent.

use super::{on_backend, Tx};
use crate::error::StoreResult;
use crate::kindness::Contribution;

/// One contribution per row: `(nik, kind)`, for one person (`$2`) or all of the kelurahan.
const CONTRIBUTIONS: &str = "
    SELECT e.nik, 'volunteered' FROM event_signups e
     WHERE e.kelurahan_id = $1 AND e.attended_at IS NOT NULL AND (CAST($2 AS TEXT) IS NULL OR e.nik = $2)
    UNION ALL
    SELECT COALESCE(i.owner_nik, i.custodian_nik), 'lent' FROM loans l JOIN items i ON i.code = l.item
     WHERE l.kelurahan_id = $1 AND l.status = 'returned'
       AND (CAST($2 AS TEXT) IS NULL OR COALESCE(i.owner_nik, i.custodian_nik) = $2)
    UNION ALL
    SELECT s.nik, 'service' FROM service_requests r JOIN services s ON s.id = r.service_id
     WHERE r.kelurahan_id = $1 AND r.status IN ('paid', 'bartered') AND (CAST($2 AS TEXT) IS NULL OR s.nik = $2)";

impl Tx {
    /// The contributions of `nik` (all of this kelurahan's residents without it) counted from
    /// events, loans and services, with the phones that gave each donation (`DONASI`'s key
    /// names the phone that confirmed it): `(contributions, donating phones)`.
    pub async fn contributions(
        &mut self,
        nik: Option<&str>,
    ) -> StoreResult<(Vec<(String, Contribution)>, Vec<String>)> {
        let rows: Vec<(String, String)> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(CONTRIBUTIONS)
                .bind(self.kelurahan)
                .bind(nik)
                .fetch_all(&mut **c)
                .await?
        });
        let phone = match nik {
            Some(nik) => match self.phone_of_person(nik).await? {
                Some(p) => Some(p),
                None => return Ok((of_rows(rows), Vec::new())),
            },
            None => None,
        };
        let pattern = match &phone {
            Some(p) => format!("donate:{p}:%"),
            None => "donate:%".to_string(),
        };
        // The donation's campaign is this kelurahan's: its legs touch its accounts.
        let keys: Vec<String> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar(
                "SELECT t.idempotency_key FROM ledger_transfers t
                 WHERE t.kind = 'donation' AND t.idempotency_key LIKE $1
                 AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                             WHERE e.transfer_id = t.id AND a.kelurahan_id = $2)",
            )
            .bind(&pattern)
            .bind(self.kelurahan)
            .fetch_all(&mut **c)
            .await?
        });
        let phones = keys
            .iter()
            .filter_map(|k| {
                k.strip_prefix("donate:")?
                    .rsplit_once(':')
                    .map(|(p, _)| p.to_string())
            })
            .collect();
        Ok((of_rows(rows), phones))
    }

    /// The NIK linked to each of `phones` in this kelurahan.
    pub async fn niks_of_phones(
        &mut self,
        phones: &[String],
    ) -> StoreResult<Vec<(String, String)>> {
        if phones.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT phone, nik FROM links WHERE kelurahan_id = $1 AND phone IN ({})",
            super::sql::list(phones.len(), 2)
        );
        let rows: Vec<(String, String)> = on_backend!(&mut self.conn, c => {
            let mut q = sqlx::query_as(&sql).bind(self.kelurahan);
            for p in phones {
                q = q.bind(p);
            }
            q.fetch_all(&mut **c).await?
        });
        Ok(rows)
    }

    /// Whether `nik` lets their record be shown in public (`KEBAIKAN PUBLIK`); no by default.
    pub async fn kindness_public(&mut self, nik: &str) -> StoreResult<bool> {
        let public: Option<i64> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT public FROM kindness_consent WHERE nik = $1")
                .bind(nik)
                .fetch_optional(&mut **c)
                .await?
        });
        Ok(public == Some(1))
    }

    /// The NIKs of this kelurahan that let their record be shown in public.
    pub async fn kindness_public_niks(&mut self) -> StoreResult<Vec<String>> {
        let niks = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT nik FROM kindness_consent WHERE kelurahan_id = $1 AND public = 1")
                .bind(self.kelurahan)
                .fetch_all(&mut **c)
                .await?
        });
        Ok(niks)
    }

    pub async fn set_kindness_public(
        &mut self,
        nik: &str,
        public: bool,
        now: i64,
    ) -> StoreResult<()> {
        on_backend!(&mut self.conn, c => {
            sqlx::query(
                "INSERT INTO kindness_consent (nik, kelurahan_id, public, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (nik) DO UPDATE SET public = excluded.public, updated_at = excluded.updated_at",
            )
            .bind(nik)
            .bind(self.kelurahan)
            .bind(i64::from(public))
            .bind(now)
            .execute(&mut **c)
            .await?;
        });
        Ok(())
    }
}

fn of_rows(rows: Vec<(String, String)>) -> Vec<(String, Contribution)> {
    rows.into_iter()
        .filter_map(|(nik, kind)| Some((nik, Contribution::of_code(&kind)?)))
        .collect()
}
