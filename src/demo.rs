//! `gotong demo`: a synthetic kelurahan in `gotong-demo.db`, imported through the same code path
//! as a real registry, and a terminal chat as one of its residents, already linked.

use crate::app::App;
use crate::config::Config;
use crate::engine::Engine;
use crate::i18n::Texts;
use crate::message::Channel;
use crate::proposals::Kind;
use crate::registry::Shdk;
use crate::registry::{import_registry, synthetic_registry_csv, ImportOptions};
use crate::store::{Db, KelurahanId};
use std::sync::Arc;

/// Where the demo keeps its data (reused on the next run).
pub const DEMO_DATABASE: &str = "sqlite://gotong-demo.db";
/// The demo resident's PIN.
pub const DEMO_PIN: &str = "135790";
const HOUSEHOLDS: usize = 120;

/// Creates (or reuses) the demo kelurahan; returns the app and the demo resident's phone and name.
pub async fn prepare(mut config: Config) -> anyhow::Result<(App, String, String)> {
    config.database_url = DEMO_DATABASE.to_string();
    let engine = Engine::load_default(Arc::new(config.clone()))
        .map_err(|p| anyhow::anyhow!("flows or locales are broken:\n{}", p.join("\n")))?;
    let texts = engine.texts().clone();
    let db = Db::connect(&config.database_url).await?;
    let now = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
    if db
        .registry_stats(Some(crate::store::KelurahanId::DEFAULT))
        .await?
        .households
        == 0
    {
        println!("Creating a demo kelurahan ({HOUSEHOLDS} households) in gotong-demo.db ...");
        let csv = synthetic_registry_csv(HOUSEHOLDS, 2026);
        let opts = ImportOptions {
            dry_run: false,
            actor: "demo".into(),
            subject: Some("synthetic kelurahan".into()),
            now_ms: now,
            today: crate::calendar::jakarta_date(now),
            kelurahan: crate::store::KelurahanId::DEFAULT,
        };
        import_registry(&db, csv.as_bytes(), &opts, &|_| {}).await?;
        furnish(&db, &texts, &config, now).await?;
    }
    let resident = db
        .registry_members(KelurahanId::DEFAULT)
        .await?
        .into_iter()
        .find(|m| {
            m.person.shdk == Shdk::KepalaKeluarga && m.person.phone.is_some() && m.is_present()
        })
        .ok_or_else(|| {
            anyhow::anyhow!("the demo kelurahan has no head of household with a phone")
        })?;
    let phone = resident.person.phone.clone().unwrap_or_default();
    let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
    if tx.link_of_phone(&phone).await?.is_none() {
        crate::accounts::link_with_pin(
            &mut tx,
            config.secret_key_or_dev(),
            &phone,
            &resident.person.nik,
            DEMO_PIN,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((
        App::new(config, db, texts, Arc::new(engine)),
        phone,
        resident.person.name,
    ))
}

/// Shops, goods, proposals and a week of stimulus credit, through the product's own functions.
async fn furnish(db: &Db, texts: &Texts, config: &Config, now: i64) -> anyhow::Result<()> {
    let head_niks: Vec<String> = db
        .registry_members(KelurahanId::DEFAULT)
        .await?
        .into_iter()
        .filter(|m| m.person.shdk == Shdk::KepalaKeluarga && m.is_present())
        .map(|m| m.person.nik)
        .take(6)
        .collect();
    let mut tx = db.begin(crate::store::KelurahanId::DEFAULT).await?;
    let mut heads = Vec::new();
    for nik in &head_niks {
        heads.extend(tx.person(nik).await?);
    }
    anyhow::ensure!(heads.len() >= 6, "the demo kelurahan is too small");
    let shops = [
        (
            "Warung Sembako Berkah",
            "Beras pandan wangi 5kg",
            72_000,
            "makanan",
        ),
        ("Kue Basah Bu Tini", "Kue lapis legit", 15_000, "makanan"),
        ("Jahit Rapi", "Jahit kebaya", 85_000, "jasa"),
    ];
    for (i, (shop, product, price, category)) in shops.iter().enumerate() {
        let merchant = crate::ledger::merchants::register_merchant(
            &mut tx,
            "demo",
            &heads[i + 1].nik,
            shop,
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo merchant: {e}"))?;
        let sale = crate::market::Sale {
            name: product,
            price: *price,
            stock: 20,
            category,
            photo: None,
        };
        crate::market::sell(&mut tx, &merchant, &sale, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo listing: {e}"))?;
    }
    for (owner, name) in [
        (None, "Tenda 4x6"),
        (None, "Kursi lipat 50 buah"),
        (Some(&heads[4].nik), "Tangga lipat"),
    ] {
        crate::market::add_item(
            &mut tx,
            "demo",
            name,
            owner.map(String::as_str),
            Some(&heads[5].nik),
            now,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo item: {e}"))?;
    }
    for (kind, title, description) in [
        (
            Kind::Fisik,
            "Perbaikan saluran air RW 01",
            "Saluran di gang 3 tersumbat setiap hujan deras.",
        ),
        (
            Kind::Fisik,
            "Lampu jalan di gang masjid",
            "Gang gelap di malam hari, rawan untuk lansia.",
        ),
        (
            Kind::NonFisik,
            "Pelatihan menjahit untuk ibu-ibu",
            "Agar bisa menerima pesanan seragam sekolah.",
        ),
    ] {
        let submission = crate::proposals::proposal::Submission {
            kind,
            title,
            description,
            photo: None,
        };
        crate::proposals::proposal::submit(&mut tx, &heads[3], &submission, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo proposal: {e}"))?;
    }
    let offer = crate::services::NewOffer {
        what: "Pijat urut dan refleksi",
        price: Some(40_000),
        available: "Sore hari",
    };
    crate::services::offer(&mut tx, &heads[2], &offer, now)
        .await
        .map_err(|e| anyhow::anyhow!("demo service: {e}"))?;
    let today = crate::calendar::jakarta_date(now);
    // Three days from now at 07:00 Asia/Jakarta (00:00 UTC).
    let starts_at = (today + chrono::Duration::days(3))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(now / 1000 + 3 * 86_400);
    let event = crate::events::NewEvent {
        title: "Kerja bakti bersih saluran",
        place: "Pos ronda RW 01",
        starts_at,
        needed: 15,
        rw: None,
        item: None,
        campaign: None,
    };
    crate::events::post(&mut tx, &event, "demo", now)
        .await
        .map_err(|e| anyhow::anyhow!("demo event: {e}"))?;
    tx.commit().await?;
    for days_ago in (0..7).rev() {
        let date = today - chrono::Duration::days(days_ago);
        crate::ledger::stimulus::run_stimulus(
            db,
            texts,
            crate::ledger::stimulus::RunFor::Every,
            date,
            config.stimulus_per_day,
            || now,
            &|_, _| {},
        )
        .await?;
    }
    Ok(())
}

/// Prepares the demo and chats on stdin/stdout.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let (app, phone, name) = prepare(config).await?;
    // The demo's own lines go to stdout with the chat (`2>/dev/null` hides only the logs).
    println!(
        "You are {name} ({phone}), head of a household, phone already linked, PIN {DEMO_PIN}.\n\
         Try: MENU, SALDO, BAYAR W001 10000, MUTASI, CARI beras, PINJAM, USULAN, DUKUNG 1, DATA,\n\
         SURAT, CARI JASA pijat, KEGIATAN, KEBAIKAN, BAHASA EN, BATAL. One message per line;\n\
         Ctrl-D ends.\n\
         (Only warnings are logged, on stderr; RUST_LOG=info shows more.)"
    );
    crate::chat::run(&app, Channel::Sms, &phone).await
}
