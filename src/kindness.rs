//! The kindness record (`KEBAIKAN`, poin kebaikan, issue 14): every contribution counted per
//! resident, never as money, from where it happened: volunteering attended (`KEGIATAN`), goods
//! lent and returned (`PINJAM`: to the owner, or the custodian of a community item), donations
//! to swadaya campaigns (`DONASI`, counted once per donation), services done (`JASA`, paid or
//! bartered).
//! 1. `KEBAIKAN` shows one's own record.
//! 2. The kelurahan sees its top contributors per RW (recognition, "bukan untuk pamer").
//! 3. Nothing of it is public unless the resident says so (`KEBAIKAN PUBLIK`, withdrawn with
//!    `KEBAIKAN PRIBADI`); the kelurahan's list says who consented.

use crate::error::StoreResult;
use crate::store::Tx;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One kind of contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contribution {
    Volunteered,
    Lent,
    Donated,
    Service,
}

impl Contribution {
    /// The kind as the store's query names it.
    pub fn of_code(code: &str) -> Option<Contribution> {
        match code {
            "volunteered" => Some(Contribution::Volunteered),
            "lent" => Some(Contribution::Lent),
            "donated" => Some(Contribution::Donated),
            "service" => Some(Contribution::Service),
            _ => None,
        }
    }
}

/// What one resident has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Record {
    pub volunteered: i64,
    pub lent: i64,
    pub donated: i64,
    pub services: i64,
}

impl Record {
    pub fn total(&self) -> i64 {
        self.volunteered + self.lent + self.donated + self.services
    }

    fn add(&mut self, c: Contribution) {
        match c {
            Contribution::Volunteered => self.volunteered += 1,
            Contribution::Lent => self.lent += 1,
            Contribution::Donated => self.donated += 1,
            Contribution::Service => self.services += 1,
        }
    }
}

/// Every resident's record of this kelurahan (those with one), by NIK; or only `nik`'s.
async fn records(tx: &mut Tx, nik: Option<&str>) -> StoreResult<HashMap<String, Record>> {
    let (rows, phones) = tx.contributions(nik).await?;
    let mut by_nik: HashMap<String, Record> = HashMap::new();
    for (nik, c) in rows {
        by_nik.entry(nik).or_default().add(c);
    }
    let mut distinct = phones.clone();
    distinct.sort();
    distinct.dedup();
    let owner: HashMap<String, String> = tx.niks_of_phones(&distinct).await?.into_iter().collect();
    for phone in phones {
        if let Some(nik) = owner.get(&phone) {
            by_nik
                .entry(nik.clone())
                .or_default()
                .add(Contribution::Donated);
        }
    }
    Ok(by_nik)
}

/// `nik`'s own record.
pub async fn record_of(tx: &mut Tx, nik: &str) -> StoreResult<Record> {
    Ok(records(tx, Some(nik))
        .await?
        .remove(nik)
        .unwrap_or_default())
}

/// A resident in the kelurahan's recognition list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contributor {
    pub name: String,
    #[serde(skip)]
    pub nik: String,
    pub total: i64,
    #[serde(flatten)]
    pub record: Record,
    /// They consented to being shown in public (`KEBAIKAN PUBLIK`).
    pub public: bool,
}

/// The top `per_rw` contributors of each RW (by total, then name), RW by RW.
pub async fn top_per_rw(
    tx: &mut Tx,
    per_rw: usize,
) -> StoreResult<BTreeMap<String, Vec<Contributor>>> {
    let all = records(tx, None).await?;
    let public: std::collections::HashSet<String> =
        tx.kindness_public_niks().await?.into_iter().collect();
    let mut by_rw: BTreeMap<String, Vec<Contributor>> = BTreeMap::new();
    for (nik, record) in all {
        let Some(person) = tx.person(&nik).await? else {
            continue;
        };
        let rw = tx
            .household(&person.no_kk)
            .await?
            .map(|h| h.rw)
            .unwrap_or_default();
        by_rw.entry(rw).or_default().push(Contributor {
            name: person.name,
            total: record.total(),
            public: public.contains(&nik),
            nik,
            record,
        });
    }
    for list in by_rw.values_mut() {
        list.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        list.truncate(per_rw);
    }
    Ok(by_rw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_counts_each_kind() {
        let mut r = Record::default();
        for c in ["volunteered", "lent", "lent", "donated", "service", "bogus"] {
            if let Some(c) = Contribution::of_code(c) {
                r.add(c);
            }
        }
        assert_eq!(
            r,
            Record {
                volunteered: 1,
                lent: 2,
                donated: 1,
                services: 1
            }
        );
        assert_eq!(r.total(), 5);
    }
}
