//! The kelurahan of a deployment (tenants, issue 18) and the numbers residents write to.
//!
//! Every unit of work ([`super::Tx`]) acts for one kelurahan, named when it begins
//! ([`super::Db::begin`]); the store's per-domain methods scope their rows by it, so no caller
//! can forget it. The first kelurahan ([`KelurahanId::DEFAULT`]) exists from the start.

use super::{on_backend, Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::message::Channel;
use serde::{Deserialize, Serialize};

/// A kelurahan's id on this deployment (not its Kemendagri code).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct KelurahanId(pub i64);

impl KelurahanId {
    /// The deployment's first kelurahan: created by the migrations, where a deployment with one
    /// kelurahan (and everything that names none) acts.
    pub const DEFAULT: KelurahanId = KelurahanId(1);
}

/// The default kelurahan (a conversation or record built field by field in a test).
impl Default for KelurahanId {
    fn default() -> Self {
        KelurahanId::DEFAULT
    }
}

impl std::fmt::Display for KelurahanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One kelurahan of the deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Kelurahan {
    pub id: KelurahanId,
    /// Its 10-digit Kemendagri code (`3577011002`); `0000000000` for a default never named.
    pub code: String,
    pub name: String,
    pub created_at: i64,
}

impl Kelurahan {
    /// The kecamatan it belongs to: the first 6 digits of its code (province, regency, kecamatan).
    pub fn kecamatan(&self) -> &str {
        self.code.get(..6).unwrap_or(&self.code)
    }

    /// `Kelurahan Sukamaju`: the name as residents and clerks read it ("Kelurahan" put in front
    /// unless the name starts with it).
    pub fn title(&self) -> String {
        let name = self.name.trim();
        if name.to_lowercase().starts_with("kelurahan") {
            name.to_string()
        } else {
            format!("Kelurahan {name}")
        }
    }
}

/// A number residents write to, and whose kelurahan it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KelurahanNumber {
    pub channel: Channel,
    /// A WhatsApp `phone_number_id`, an SMS number in E.164, or an SMS gateway's device id.
    pub number: String,
    pub kelurahan: KelurahanId,
}

/// What went wrong creating a kelurahan.
#[derive(Debug, thiserror::Error)]
pub enum KelurahanError {
    #[error("a kelurahan code is 10 digits (Kemendagri), e.g. 3577011002")]
    BadCode,
    #[error("a kelurahan needs a name")]
    NoName,
    #[error("kelurahan {0} already exists")]
    Exists(String),
    #[error("number {number} already belongs to kelurahan {owner}")]
    NumberTaken { number: String, owner: String },
    /// A number that cannot be one of `channel`'s (what it must look like is in `expected`).
    #[error("{number:?} is not a number for {channel}: {expected}")]
    BadNumber {
        channel: Channel,
        number: String,
        expected: &'static str,
    },
    #[error("no kelurahan has the code {0:?}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Is `code` a Kemendagri kelurahan code (10 digits)?
pub fn valid_code(code: &str) -> bool {
    code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit())
}

const COLUMNS: &str = "id, code, name, created_at";

impl Db {
    /// Every kelurahan, in the order they were added (the default first).
    pub async fn kelurahan_list(&self) -> StoreResult<Vec<Kelurahan>> {
        let sql = format!("SELECT {COLUMNS} FROM kelurahan ORDER BY id");
        Ok(on_backend!(&self.pool, p => sqlx::query_as(&sql).fetch_all(p).await?))
    }

    pub async fn kelurahan(&self, id: KelurahanId) -> StoreResult<Option<Kelurahan>> {
        let sql = format!("SELECT {COLUMNS} FROM kelurahan WHERE id = $1");
        Ok(on_backend!(&self.pool, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?))
    }

    pub async fn kelurahan_by_code(&self, code: &str) -> StoreResult<Option<Kelurahan>> {
        let sql = format!("SELECT {COLUMNS} FROM kelurahan WHERE code = $1");
        Ok(on_backend!(&self.pool, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await?))
    }

    /// Adds a kelurahan with its ledger singletons (treasury, social fund, clearing) and the
    /// numbers its residents write to, in one unit of work.
    pub async fn create_kelurahan(
        &self,
        code: &str,
        name: &str,
        numbers: &[(Channel, String)],
        now: i64,
    ) -> Result<Kelurahan, KelurahanError> {
        let (tx, kelurahan) = self.begin_new_kelurahan(code, name, numbers, now).await?;
        tx.commit().await?;
        Ok(kelurahan)
    }

    /// Adds a kelurahan as [`Db::create_kelurahan`] does, but leaves the unit of work open,
    /// acting for the new kelurahan, for the caller to add to (its audit record) and commit.
    /// Nothing of the kelurahan exists unless it commits: a taken number leaves no kelurahan.
    pub async fn begin_new_kelurahan(
        &self,
        code: &str,
        name: &str,
        numbers: &[(Channel, String)],
        now: i64,
    ) -> Result<(Tx, Kelurahan), KelurahanError> {
        let code = code.trim();
        let name = name.trim();
        if !valid_code(code) {
            return Err(KelurahanError::BadCode);
        }
        if name.is_empty() {
            return Err(KelurahanError::NoName);
        }
        let mut tx = self.begin(KelurahanId::DEFAULT).await?;
        // Two servers adding the same code: the second one's insert waits for the first's
        // commit, then inserts nothing.
        let id: Option<i64> = on_backend!(&mut tx.conn, c => {
            sqlx::query_scalar(
                "INSERT INTO kelurahan (code, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(code)
            .bind(name)
            .bind(now)
            .fetch_optional(&mut **c)
            .await.map_err(StoreError::from)?
        });
        let Some(id) = id else {
            tx.rollback().await?;
            return Err(KelurahanError::Exists(code.to_string()));
        };
        let id = KelurahanId(id);
        tx.act_for(id);
        tx.ensure_ledger_singletons(now).await?;
        for (channel, number) in numbers {
            tx.add_number(*channel, number).await?;
        }
        Ok((
            tx,
            Kelurahan {
                id,
                code: code.to_string(),
                name: name.to_string(),
                created_at: now,
            },
        ))
    }

    /// Names the default kelurahan (`GOTONG_KELURAHAN_CODE`, `GOTONG_KELURAHAN_NAME` for a
    /// deployment of one).
    pub async fn name_default_kelurahan(
        &self,
        code: &str,
        name: &str,
    ) -> Result<(), KelurahanError> {
        if !valid_code(code) {
            return Err(KelurahanError::BadCode);
        }
        if let Some(other) = self.kelurahan_by_code(code).await? {
            if other.id != KelurahanId::DEFAULT {
                return Err(KelurahanError::Exists(code.to_string()));
            }
        }
        on_backend!(&self.pool, p => {
            sqlx::query("UPDATE kelurahan SET code = $1, name = $2 WHERE id = $3")
                .bind(code)
                .bind(name)
                .bind(KelurahanId::DEFAULT)
                .execute(p)
                .await.map_err(StoreError::from)?;
        });
        Ok(())
    }

    /// The kelurahan a person is registered in (NIKs are unique in the whole deployment).
    pub async fn kelurahan_of_person(&self, nik: &str) -> StoreResult<Option<KelurahanId>> {
        Ok(on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT kelurahan_id FROM persons WHERE nik = $1")
                .bind(nik)
                .fetch_optional(p)
                .await?
        }))
    }

    /// The kelurahan a household is registered in (KK numbers are unique in the deployment).
    pub async fn kelurahan_of_household(&self, no_kk: &str) -> StoreResult<Option<KelurahanId>> {
        Ok(on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT kelurahan_id FROM households WHERE no_kk = $1")
                .bind(no_kk)
                .fetch_optional(p)
                .await?
        }))
    }

    /// The kelurahan `number` belongs to on `channel`, if any.
    pub async fn kelurahan_of_number(
        &self,
        channel: Channel,
        number: &str,
    ) -> StoreResult<Option<KelurahanId>> {
        Ok(on_backend!(&self.pool, p => {
            sqlx::query_scalar("SELECT kelurahan_id FROM kelurahan_numbers WHERE channel = $1 AND number = $2")
                .bind(channel.as_str())
                .bind(number)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Every number residents write to, with its kelurahan.
    pub async fn kelurahan_numbers(&self) -> StoreResult<Vec<KelurahanNumber>> {
        let rows: Vec<(String, String, KelurahanId)> = on_backend!(&self.pool, p => {
            sqlx::query_as("SELECT channel, number, kelurahan_id FROM kelurahan_numbers ORDER BY kelurahan_id, channel, number")
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(channel, number, kelurahan)| {
                Ok(KelurahanNumber {
                    channel: Channel::parse(&channel).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown channel {channel:?}"))
                    })?,
                    number,
                    kelurahan,
                })
            })
            .collect()
    }
}

impl Tx {
    /// The kelurahan this unit of work acts for.
    pub fn kelurahan(&self) -> KelurahanId {
        self.kelurahan
    }

    /// The kelurahan this unit of work acts for, as recorded.
    pub async fn this_kelurahan(&mut self) -> StoreResult<Kelurahan> {
        let sql = format!("SELECT {COLUMNS} FROM kelurahan WHERE id = $1");
        let found: Option<Kelurahan> = on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(self.kelurahan).fetch_optional(&mut **c).await?
        });
        found.ok_or_else(|| StoreError::Corrupt(format!("no kelurahan {}", self.kelurahan)))
    }

    /// Deployment-wide: every kelurahan of the kecamatan `kecamatan` (the first 6 digits of their
    /// codes, [`Kelurahan::kecamatan`]), by code.
    pub async fn kelurahan_of_kecamatan(&mut self, kecamatan: &str) -> StoreResult<Vec<Kelurahan>> {
        let sql =
            format!("SELECT {COLUMNS} FROM kelurahan WHERE substr(code, 1, 6) = $1 ORDER BY code");
        Ok(on_backend!(&mut self.conn, c => {
            sqlx::query_as(&sql).bind(kecamatan).fetch_all(&mut **c).await?
        }))
    }

    /// Makes the rest of this unit of work act for `kelurahan`: the inbox handles the messages of
    /// several kelurahan in one unit of work, each for the kelurahan it was sent to.
    pub fn act_for(&mut self, kelurahan: KelurahanId) {
        self.kelurahan = kelurahan;
    }

    /// The kelurahan's treasury, social fund and clearing account, created if absent.
    pub async fn ensure_ledger_singletons(&mut self, now: i64) -> StoreResult<()> {
        use super::AccountKind;
        for kind in [
            AccountKind::Treasury,
            AccountKind::SocialFund,
            AccountKind::Clearing,
        ] {
            self.ensure_account(kind, "", now).await?;
        }
        Ok(())
    }

    /// Routes messages sent to `number` on `channel` to this kelurahan (a number it already has
    /// is kept; another kelurahan's is refused).
    pub async fn add_number(
        &mut self,
        channel: Channel,
        number: &str,
    ) -> Result<(), KelurahanError> {
        let k = self.kelurahan;
        // Two units adding one number at once: the second one's insert waits for the first's
        // commit, then inserts nothing and finds the owner.
        let added = on_backend!(&mut self.conn, c => {
            sqlx::query("INSERT INTO kelurahan_numbers (channel, number, kelurahan_id) VALUES ($1, $2, $3)
                         ON CONFLICT (channel, number) DO NOTHING")
                .bind(channel.as_str())
                .bind(number)
                .bind(k)
                .execute(&mut **c)
                .await
                .map_err(StoreError::from)?
                .rows_affected()
        });
        if added == 1 {
            return Ok(());
        }
        let owner: Option<KelurahanId> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT kelurahan_id FROM kelurahan_numbers WHERE channel = $1 AND number = $2")
                .bind(channel.as_str())
                .bind(number)
                .fetch_optional(&mut **c)
                .await
                .map_err(StoreError::from)?
        });
        match owner {
            Some(owner) if owner == k => Ok(()),
            Some(owner) => {
                let code: Option<String> = on_backend!(&mut self.conn, c => {
                    sqlx::query_scalar("SELECT code FROM kelurahan WHERE id = $1")
                        .bind(owner)
                        .fetch_optional(&mut **c)
                        .await
                        .map_err(StoreError::from)?
                });
                Err(KelurahanError::NumberTaken {
                    number: number.to_string(),
                    owner: code.unwrap_or_else(|| owner.to_string()),
                })
            }
            None => Err(StoreError::Corrupt(format!(
                "number {number} was neither added nor found"
            ))
            .into()),
        }
    }
}

impl Tx {
    /// The name of the kelurahan this unit of work acts for (the texts that name it: "stimulus
    /// credit is spent only at merchants of Kelurahan …").
    pub async fn kelurahan_name(&mut self) -> StoreResult<String> {
        let name: Option<String> = on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT name FROM kelurahan WHERE id = $1")
                .bind(self.kelurahan)
                .fetch_optional(&mut **c)
                .await?
        });
        name.ok_or_else(|| StoreError::Corrupt(format!("kelurahan {} is missing", self.kelurahan)))
    }

    /// Deployment-wide: the kelurahan household `no_kk` is registered in (KK numbers are unique
    /// in the deployment), inside this unit of work.
    pub async fn kelurahan_of_household(
        &mut self,
        no_kk: &str,
    ) -> StoreResult<Option<KelurahanId>> {
        Ok(on_backend!(&mut self.conn, c => {
            sqlx::query_scalar("SELECT kelurahan_id FROM households WHERE no_kk = $1")
                .bind(no_kk)
                .fetch_optional(&mut **c)
                .await?
        }))
    }
}
