//! Adding a kelurahan (tenant) to the deployment, adding numbers to one, and listing them with
//! their numbers: the one path of `gotong kelurahan add/list` and of `POST`/`GET /api/kelurahan`.
//!
//! 1. Every number is read into the one form the directory holds (`normalize_number`) before
//!    anything is written: a bad one refuses the whole request (422).
//! 2. The kelurahan, its ledger singletons, its numbers and the audit record commit together: a
//!    taken code or a number of another kelurahan (409) leaves nothing behind.

use super::numbers::normalize_number;
use crate::message::Channel;
use crate::store::{Db, Kelurahan, KelurahanError, KelurahanNumber};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Numbers to give a kelurahan, as an operator names them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewNumbers {
    /// The WhatsApp `phone_number_id` its residents write to.
    #[serde(default)]
    pub whatsapp_phone_number_id: Option<String>,
    /// SMS numbers its residents write to (`+62…`).
    #[serde(default)]
    pub sms_numbers: Vec<String>,
}

impl NewNumbers {
    /// The numbers in the form the directory holds them (each once), or the first bad one.
    pub fn parse(&self) -> Result<Vec<(Channel, String)>, KelurahanError> {
        let whatsapp = self
            .whatsapp_phone_number_id
            .iter()
            .map(|n| (Channel::WhatsApp, n));
        let sms = self.sms_numbers.iter().map(|n| (Channel::Sms, n));
        let mut numbers: Vec<(Channel, String)> = Vec::new();
        for (channel, raw) in whatsapp.chain(sms) {
            let number = (channel, normalize_number(channel, raw)?);
            if !numbers.contains(&number) {
                numbers.push(number);
            }
        }
        Ok(numbers)
    }

    pub fn is_empty(&self) -> bool {
        self.whatsapp_phone_number_id.is_none() && self.sms_numbers.is_empty()
    }
}

/// A kelurahan to add: its Kemendagri code, its name and its numbers.
#[derive(Clone, Debug, Deserialize)]
pub struct NewKelurahan {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub numbers: NewNumbers,
}

/// A kelurahan with the numbers its residents write to (the API's and the CLI's answer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KelurahanEntry {
    pub code: String,
    pub name: String,
    pub whatsapp_phone_number_ids: Vec<String>,
    pub sms_numbers: Vec<String>,
}

impl KelurahanEntry {
    fn new(k: &Kelurahan, numbers: &[KelurahanNumber]) -> Self {
        let of = |channel: Channel| {
            numbers
                .iter()
                .filter(|n| n.kelurahan == k.id && n.channel == channel)
                .map(|n| n.number.clone())
                .collect()
        };
        KelurahanEntry {
            code: k.code.clone(),
            name: k.name.clone(),
            whatsapp_phone_number_ids: of(Channel::WhatsApp),
            sms_numbers: of(Channel::Sms),
        }
    }
}

/// Adds a kelurahan, audited as done by `actor`.
pub async fn create(
    db: &Db,
    actor: &str,
    new: &NewKelurahan,
    now: i64,
) -> Result<KelurahanEntry, KelurahanError> {
    let numbers = new.numbers.parse()?;
    let (mut tx, kelurahan) = db
        .begin_new_kelurahan(&new.code, &new.name, &numbers, now)
        .await?;
    let entry = KelurahanEntry::new(&kelurahan, &stored(&kelurahan, &numbers));
    tx.audit(
        actor,
        "kelurahan.create",
        &kelurahan.code,
        None,
        Some(&json!(entry)),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// Adds numbers to the kelurahan `code`, audited as done by `actor`; answers it with all its
/// numbers.
pub async fn add_numbers(
    db: &Db,
    actor: &str,
    code: &str,
    new: &NewNumbers,
    now: i64,
) -> Result<KelurahanEntry, KelurahanError> {
    let kelurahan = db
        .kelurahan_by_code(code.trim())
        .await?
        .ok_or_else(|| KelurahanError::Unknown(code.trim().to_string()))?;
    let numbers = new.parse()?;
    let mut tx = db.begin(kelurahan.id).await?;
    for (channel, number) in &numbers {
        tx.add_number(*channel, number).await?;
    }
    tx.audit(
        actor,
        "kelurahan.numbers",
        &kelurahan.code,
        None,
        Some(&json!(KelurahanEntry::new(
            &kelurahan,
            &stored(&kelurahan, &numbers)
        ))),
        now,
    )
    .await?;
    tx.commit().await?;
    let all = db.kelurahan_numbers().await?;
    Ok(KelurahanEntry::new(&kelurahan, &all))
}

/// Every kelurahan of the deployment with its numbers, the default first.
pub async fn list(db: &Db) -> Result<Vec<KelurahanEntry>, KelurahanError> {
    let numbers = db.kelurahan_numbers().await?;
    Ok(db
        .kelurahan_list()
        .await?
        .iter()
        .map(|k| KelurahanEntry::new(k, &numbers))
        .collect())
}

fn stored(kelurahan: &Kelurahan, numbers: &[(Channel, String)]) -> Vec<KelurahanNumber> {
    numbers
        .iter()
        .map(|(channel, number)| KelurahanNumber {
            channel: *channel,
            number: number.clone(),
            kelurahan: kelurahan.id,
        })
        .collect()
}
