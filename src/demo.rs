//! `gotong demo`: a synthetic kelurahan in `gotong-demo.db`, imported through the same code path
//! as a real registry, and a terminal chat as one of its residents, already linked.

use crate::app::App;
use crate::config::Config;
use crate::engine::Engine;
use crate::message::Channel;
use crate::registry::{import_registry, synthetic_registry_csv, ImportOptions};
use crate::store::Db;
use std::sync::Arc;

/// Where the demo keeps its data (reused on the next run).
pub const DEMO_DATABASE: &str = "sqlite://gotong-demo.db";
/// The demo resident's PIN.
pub const DEMO_PIN: &str = "135790";
const HOUSEHOLDS: usize = 120;

/// Creates (or reuses) the demo kelurahan; returns the app and the demo resident's phone and name.
pub async fn prepare(mut config: Config) -> anyhow::Result<(App, String, String)> {
    config.database_url = DEMO_DATABASE.to_string();
    let db = Db::connect(&config.database_url).await?;
    let now = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
    if db.registry_stats().await?.households == 0 {
        eprintln!("Creating a demo kelurahan ({HOUSEHOLDS} households) in gotong-demo.db ...");
        let csv = synthetic_registry_csv(HOUSEHOLDS, 2026);
        let opts = ImportOptions {
            dry_run: false,
            actor: "demo".into(),
            subject: Some("synthetic kelurahan".into()),
            now_ms: now,
            today: crate::calendar::jakarta_date(now),
        };
        import_registry(&db, csv.as_bytes(), &opts, &|_| {}).await?;
    }
    let resident = db
        .registry_members()
        .await?
        .into_iter()
        .find(|m| m.person.shdk == "KEPALA KELUARGA" && m.person.phone.is_some() && m.is_present())
        .ok_or_else(|| {
            anyhow::anyhow!("the demo kelurahan has no head of household with a phone")
        })?;
    let phone = resident.person.phone.clone().unwrap_or_default();
    let mut tx = db.begin().await?;
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
    let engine = Engine::load_default(Arc::new(config.clone()))
        .map_err(|p| anyhow::anyhow!("flows or locales are broken:\n{}", p.join("\n")))?;
    Ok((
        App::new(config, db, Arc::new(engine)),
        phone,
        resident.person.name,
    ))
}

/// Prepares the demo and chats on stdin/stdout.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let (app, phone, name) = prepare(config).await?;
    eprintln!(
        "You are {name} ({phone}), head of a household, phone already linked, PIN {DEMO_PIN}.\n\
         Try: MENU, DATA, BAHASA EN, CONTOH, BATAL. One message per line; Ctrl-D ends."
    );
    crate::chat::run(&app, Channel::Sms, &phone).await
}
