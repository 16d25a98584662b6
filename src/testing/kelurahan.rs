//! The test-kelurahan builder: the one place where tests, transcripts and `gotong bench` make the
//! residents, phones, credit and merchants they run against.
//!
//! Everything goes through the product's own functions, so a test kelurahan is one the product
//! could have made: the registry import ([`import_csv`], [`synthetic`]), the linking of
//! `accounts` ([`link`]), the ledger's one transfer path ([`top_up`]), a cash deposit
//! ([`deposit`]), merchant registration ([`merchant`]). Two short cuts, both in the store (`store/seed.rs`) and not in the product
//! binary: [`household`] writes hand-made households with the import's own inserts but without
//! its checks (tests need households the import refuses: no head, deaths and moves already
//! recorded), and [`link_phones`] / [`contacts`] write many links and contacts in batches (the
//! benchmarks link 100,000 phones).

use crate::accounts::link_with_pin;
use crate::accounts::pin_hash::PinHasher;
use crate::calendar::jakarta_date;
use crate::config::Config;
use crate::error::StoreResult;
use crate::ledger::accounts::{treasury, wallet};
use crate::ledger::transfer::{apply_transfer, NewTransfer, TransferKind};
use crate::ledger::LedgerResult;
use crate::message::Channel;
use crate::registry::{import_registry, synthetic_registry_csv, ImportOptions, ImportReport};
use crate::store::{Among, Db, KelurahanId, Leg, Merchant, SeedContact, SeedPerson};

// ---------------------------------------------------------------------------------------------
// Hand-made households, for tests that name each resident

/// A valid NIK for a birth date `YYYY-MM-DD` (women: day + 40) and a serial.
pub fn nik_for(birth_date: &str, female: bool, serial: u32) -> String {
    let (y, rest) = birth_date.split_at(4);
    let m = &rest[1..3];
    let d: u32 = rest[4..6].parse().unwrap_or(1);
    let d = if female { d + 40 } else { d };
    format!("320101{d:02}{m}{}{:04}", &y[2..], serial % 10_000)
}

/// A member of a test household (`TETAP`, no phone, sex read from the NIK).
pub fn person(no_kk: &str, nik: &str, name: &str, birth_date: &str, shdk: &str) -> SeedPerson {
    SeedPerson {
        nik: nik.to_string(),
        no_kk: no_kk.to_string(),
        name: name.to_string(),
        birth_date: birth_date.to_string(),
        sex: if nik
            .get(6..8)
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(0)
            > 40
        {
            "P"
        } else {
            "L"
        }
        .to_string(),
        shdk: shdk.to_string(),
        residence: "TETAP".to_string(),
        phone: None,
        died_on: None,
        moved_out_on: None,
    }
}

/// Registers a household (RT 001 / RW 01) and its members in the default kelurahan.
pub async fn household(db: &Db, no_kk: &str, members: &[SeedPerson]) -> StoreResult<()> {
    household_in(db, KelurahanId::DEFAULT, no_kk, members).await
}

/// Registers a household (RT 001 / RW 01) and its members in `kelurahan`.
pub async fn household_in(
    db: &Db,
    kelurahan: KelurahanId,
    no_kk: &str,
    members: &[SeedPerson],
) -> StoreResult<()> {
    db.seed_registry(
        kelurahan,
        &[(no_kk.to_string(), "001".to_string(), "01".to_string())],
        members,
        0,
    )
    .await
}

/// Adds a kelurahan `code` named `name` (no numbers of its own).
pub async fn another_kelurahan(db: &Db, code: &str, name: &str) -> anyhow::Result<KelurahanId> {
    Ok(db.create_kelurahan(code, name, &[], 0).await?.id)
}

/// Links `phone` to `nik` with `pin`, hashed with the configuration's key, at time 0.
pub async fn link(db: &Db, config: &Config, phone: &str, nik: &str, pin: &str) -> StoreResult<()> {
    link_at(db, config.secret_key_or_dev(), phone, nik, pin, 0).await
}

/// Links `phone` to `nik` with `pin` hashed with `key`, at `now`: `accounts`' own linking.
pub async fn link_at(
    db: &Db,
    key: [u8; 32],
    phone: &str,
    nik: &str,
    pin: &str,
    now: i64,
) -> StoreResult<()> {
    let kelurahan = db
        .kelurahan_of_person(nik)
        .await?
        .unwrap_or(KelurahanId::DEFAULT);
    let mut tx = db.begin(kelurahan).await?;
    link_with_pin(&mut tx, key, phone, nik, pin, now).await?;
    tx.commit().await
}

/// Credits a household's wallet from the treasury (a `topup` transfer).
pub async fn top_up(db: &Db, no_kk: &str, amount: i64, key: &str) -> LedgerResult<()> {
    credit(db, no_kk, amount, key, TransferKind::Topup).await
}

/// Credits a household's wallet from its kelurahan's treasury with a transfer of `kind` (a
/// `stimulus` one counts in the stimulus figures, without a stimulus run).
pub async fn credit(
    db: &Db,
    no_kk: &str,
    amount: i64,
    key: &str,
    kind: TransferKind,
) -> LedgerResult<()> {
    let kelurahan = db
        .kelurahan_of_household(no_kk)
        .await?
        .unwrap_or(KelurahanId::DEFAULT);
    let mut tx = db.begin(kelurahan).await?;
    let w = wallet(&mut tx, no_kk, 0).await?;
    let t = treasury(&mut tx).await?;
    apply_transfer(
        &mut tx,
        &NewTransfer {
            key,
            kind,
            memo: "test",
            legs: vec![
                Leg {
                    account_id: t,
                    amount: -amount,
                },
                Leg {
                    account_id: w,
                    amount,
                },
            ],
            now: 0,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deposits cash into a household's purse (money that may travel) at `now`, in the
/// household's own kelurahan, through the ledger's deposit ([`crate::ledger::deposit`]).
pub async fn deposit(db: &Db, no_kk: &str, amount: i64, key: &str, now: i64) -> LedgerResult<()> {
    let kelurahan = db
        .kelurahan_of_household(no_kk)
        .await?
        .unwrap_or(KelurahanId::DEFAULT);
    let mut tx = db.begin(kelurahan).await?;
    crate::ledger::deposit::deposit(&mut tx, "test", no_kk, amount, "", key, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Registers a merchant owned by `nik`.
/// The merchant is of the owner's kelurahan.
pub async fn merchant(db: &Db, nik: &str, name: &str, now: i64) -> LedgerResult<Merchant> {
    let kelurahan = db
        .kelurahan_of_person(nik)
        .await?
        .unwrap_or(KelurahanId::DEFAULT);
    let mut tx = db.begin(kelurahan).await?;
    let m = crate::ledger::merchants::register_merchant(&mut tx, "test", nik, name, now).await?;
    tx.commit().await?;
    Ok(m)
}

/// A one-person household of Sri (born 1975-04-04, NIK serial `serial`) who owns "Warung Bu Sri",
/// the merchant the payment tests pay: returns Sri's NIK and the merchant.
pub async fn shop_household(
    db: &Db,
    no_kk: &str,
    serial: u32,
    now: i64,
) -> LedgerResult<(String, Merchant)> {
    let owner = nik_for("1975-04-04", true, serial);
    household(
        db,
        no_kk,
        &[person(
            no_kk,
            &owner,
            "Sri",
            "1975-04-04",
            "KEPALA KELUARGA",
        )],
    )
    .await?;
    let shop = merchant(db, &owner, "Warung Bu Sri", now).await?;
    Ok((owner, shop))
}

/// The payer household of the payment tests: Budi (born 1985-03-03, serial `serial`) and his
/// daughter Rina (born 2009-03-03, serial `serial + 1`); returns their NIKs.
pub async fn payer_household(db: &Db, no_kk: &str, serial: u32) -> StoreResult<(String, String)> {
    let adult = nik_for("1985-03-03", false, serial);
    let minor = nik_for("2009-03-03", true, serial + 1);
    household(
        db,
        no_kk,
        &[
            person(no_kk, &adult, "Budi", "1985-03-03", "KEPALA KELUARGA"),
            person(no_kk, &minor, "Rina", "2009-03-03", "ANAK"),
        ],
    )
    .await?;
    Ok((adult, minor))
}

// ---------------------------------------------------------------------------------------------
// Whole registries, through the import

/// Imports a registry file as `actor` at `now` (ages on Jakarta's date of `now`); a rejected
/// line is an error, since a test kelurahan is meant to be imported whole.
pub async fn import_csv(
    db: &Db,
    csv: &[u8],
    actor: &str,
    subject: Option<&str>,
    now: i64,
) -> anyhow::Result<ImportReport> {
    import_csv_in(db, KelurahanId::DEFAULT, csv, actor, subject, now).await
}

/// [`import_csv`] into `kelurahan`.
pub async fn import_csv_in(
    db: &Db,
    kelurahan: KelurahanId,
    csv: &[u8],
    actor: &str,
    subject: Option<&str>,
    now: i64,
) -> anyhow::Result<ImportReport> {
    let opts = ImportOptions {
        kelurahan,
        dry_run: false,
        actor: actor.into(),
        subject: subject.map(String::from),
        now_ms: now,
        today: jakarta_date(now),
    };
    let report = import_registry(db, csv, &opts, &|_| {}).await?;
    anyhow::ensure!(
        report.rejected.is_empty(),
        "rows rejected: {:?}",
        report.rejected
    );
    Ok(report)
}

/// Persons per synthetic household, on average (measured: 3.73 to 3.77).
const PERSONS_PER_HOUSEHOLD: f64 = 3.75;

/// Households of a synthetic kelurahan of about `persons` persons.
pub fn households_for(persons: usize) -> usize {
    (persons as f64 / PERSONS_PER_HOUSEHOLD).ceil() as usize
}

/// Imports a synthetic kelurahan of `households` households (seed 1) at `now`.
pub async fn synthetic(db: &Db, households: usize, now: i64) -> anyhow::Result<ImportReport> {
    let csv = synthetic_registry_csv(households, 1);
    import_csv(db, csv.as_bytes(), "bench", None, now).await
}

/// The NIKs of the heads of household, in order; with `permanent_only`, only those of `TETAP`
/// households (the ones the stimulus credits).
pub async fn heads(db: &Db, permanent_only: bool) -> StoreResult<Vec<String>> {
    db.niks_among(if permanent_only {
        Among::PermanentHeads
    } else {
        Among::Heads
    })
    .await
}

/// Who gets a phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linked {
    /// Heads of household only.
    Heads,
    /// Any person.
    Everyone,
}

/// The first linked phone is `+628<FIRST_PHONE>`, the next one more, in NIK order.
const FIRST_PHONE: i64 = 300_000_000;

/// Links the first `count` persons of `who` (by NIK) to the phones `+628<300000000 + i>` with
/// `pin_hash`; answers those phones in the same order, as the provider writes them (digits
/// only).
pub async fn link_phones(
    db: &Db,
    who: Linked,
    count: usize,
    pin_hash: &str,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    let among = match who {
        Linked::Heads => Among::Heads,
        Linked::Everyone => Among::Everyone,
    };
    let niks = db.niks_among(among).await?;
    anyhow::ensure!(
        niks.len() >= count,
        "only {} persons to link of {count}: the registry is too small",
        niks.len()
    );
    let links: Vec<(String, String)> = niks
        .into_iter()
        .take(count)
        .zip(FIRST_PHONE..)
        .map(|(nik, n)| (format!("+628{n}"), nik))
        .collect();
    let mut tx = db.begin(KelurahanId::DEFAULT).await?;
    tx.create_links(&links, pin_hash, now).await?;
    tx.commit().await?;
    Ok(links
        .into_iter()
        .map(|(phone, _)| phone.trim_start_matches('+').to_string())
        .collect())
}

/// A PIN hash for [`link_phones`], made with the configuration's key.
pub fn pin_hash(config: &Config, pin: &str) -> String {
    PinHasher::new(config.secret_key_or_dev()).hash(pin)
}

/// Makes `phones` (`+62…`) known as contacts, each on the channel and with the last inbound time
/// `of` answers for its index.
pub async fn contacts(
    db: &Db,
    phones: &[String],
    of: impl Fn(usize) -> (Channel, i64),
) -> StoreResult<()> {
    let contacts: Vec<SeedContact> = phones
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let (channel, last_inbound_at) = of(i);
            SeedContact {
                phone: phone.clone(),
                channel,
                last_inbound_at,
            }
        })
        .collect();
    let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
    tx.seed_contacts(&contacts).await?;
    tx.commit().await
}
