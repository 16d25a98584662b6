//! The example flow's actions (`CONTOH`, `tests/fixtures/flows/example.toml`): they prove the
//! engine, not a domain rule, so they live in the test kit and the product has no `CONTOH`.
//! [`engine_with_example`] loads the shipped flows and texts with the example's beside them.

use crate::config::Config;
use crate::engine::actions::{Action, Contract, Ctx, Outcome};
use crate::engine::Engine;
use crate::error::StoreResult;
use crate::parse::nik::parse_nik;
use crate::text::money::format_rupiah;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Accepts a PIN without storing it and says only that it was received.
pub struct CheckPinLength;

#[async_trait]
impl Action for CheckPinLength {
    fn contract(&self) -> Contract {
        Contract::NONE
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        Ok(match &ctx.pin {
            Some(p) if p.len() == 6 => Outcome::Next,
            _ => Outcome::Reject("input-pin-invalid", vec![]),
        })
    }
}

/// Sums up what the example flow collected. The menu's and the free text's answers are not in
/// the summary; they are logged, so every kind of input is seen reaching an action.
pub struct Summary;

#[async_trait]
impl Action for Summary {
    fn contract(&self) -> Contract {
        Contract {
            reads: &["fruit", "count", "amount", "phone", "nik", "note", "photo"],
            ..Contract::NONE
        }
    }

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome> {
        let amount = ctx
            .value_i64("amount")
            .map(format_rupiah)
            .unwrap_or_default();
        let nik = ctx
            .value("nik")
            .and_then(|n| parse_nik(n).ok())
            .map(|n| n.masked())
            .unwrap_or_default();
        let photo = if ctx.value("photo").is_some() {
            "1"
        } else {
            "0"
        };
        tracing::debug!(
            fruit = ctx.value("fruit"),
            note_chars = ctx.value("note").map(|n| n.chars().count()),
            "example collected"
        );
        ctx.say(
            "example-summary",
            &[
                ("amount_text", amount),
                ("nik_masked", nik),
                ("has_photo", photo.to_string()),
            ],
        );
        Ok(Outcome::Finish)
    }
}

/// Registers the example flow's actions.
pub fn register(r: &mut BTreeMap<&'static str, Arc<dyn Action>>) {
    r.insert("example_pin", Arc::new(CheckPinLength));
    r.insert("example_summary", Arc::new(Summary));
}

/// The shipped flows and locales with the test fixtures' example flow (`CONTOH`) and its texts,
/// laid out together in a temporary directory and loaded (every check of `gotong check` run).
pub fn engine_with_example(config: Arc<Config>) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let copy_dir = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).expect("directory");
        for entry in std::fs::read_dir(from).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join(path.file_name().expect("a file name")))
                    .expect("copied");
            }
        }
    };
    let fixtures = root.join("tests/fixtures");
    for (shipped, extra) in [
        (root.join("flows"), fixtures.join("flows")),
        (root.join("locales/id"), fixtures.join("locales/id")),
        (root.join("locales/en"), fixtures.join("locales/en")),
    ] {
        let to = dir
            .path()
            .join(shipped.strip_prefix(root).expect("under the crate"));
        copy_dir(&shipped, &to);
        copy_dir(&extra, &to);
    }
    Engine::load(
        &dir.path().join("flows"),
        &dir.path().join("locales"),
        config,
    )
    .expect("flows, fixtures and locales load")
}
