//! Residents, merchants and credit set up directly through the store, for flow and ledger tests
//! (until transcripts can load a registry file).

use crate::accounts::pin_hash::PinHasher;
use crate::config::Config;
use crate::error::StoreResult;
use crate::ledger::accounts::{treasury, wallet};
use crate::ledger::transfer::{apply_transfer, NewTransfer};
use crate::ledger::LedgerResult;
use crate::store::{Db, Leg, Merchant, SeedPerson};

/// A valid NIK for a birth date `YYYY-MM-DD` (women: day + 40) and a serial.
pub fn nik_for(birth_date: &str, female: bool, serial: u32) -> String {
    let (y, rest) = birth_date.split_at(4);
    let m = &rest[1..3];
    let d: u32 = rest[4..6].parse().unwrap_or(1);
    let d = if female { d + 40 } else { d };
    format!("320101{d:02}{m}{}{:04}", &y[2..], serial % 10_000)
}

/// A member of a test household.
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

/// Inserts a household (RT 001 / RW 01) and its members.
pub async fn household(db: &Db, no_kk: &str, members: &[SeedPerson]) -> StoreResult<()> {
    db.seed_registry(
        &[(no_kk.to_string(), "001".to_string(), "01".to_string())],
        members,
        0,
    )
    .await
}

/// Links `phone` to `nik` with `pin`, hashed with the configuration's key.
pub async fn link(db: &Db, config: &Config, phone: &str, nik: &str, pin: &str) -> StoreResult<()> {
    let hash = PinHasher::new(config.secret_key_or_dev()).hash(pin);
    let mut tx = db.begin().await?;
    tx.create_link(phone, nik, &hash, 0).await?;
    tx.commit().await
}

/// Credits a household's wallet from the treasury (a `topup` transfer).
pub async fn top_up(db: &Db, no_kk: &str, amount: i64, key: &str) -> LedgerResult<()> {
    let mut tx = db.begin().await?;
    let w = wallet(&mut tx, no_kk, 0).await?;
    let t = treasury(&mut tx).await?;
    apply_transfer(
        &mut tx,
        &NewTransfer {
            key,
            kind: "topup",
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

/// Registers a merchant owned by `nik`.
pub async fn merchant(db: &Db, nik: &str, name: &str, now: i64) -> LedgerResult<Merchant> {
    let mut tx = db.begin().await?;
    let m = crate::ledger::merchants::register_merchant(&mut tx, "test", nik, name, now).await?;
    tx.commit().await?;
    Ok(m)
}
