//! Locale directories written for a test, shared by the tests of the `i18n` modules.

use super::{TextProblem, Texts};
use std::fs;
use tempfile::TempDir;

/// A locales directory with the given files (`("id/common.ftl", "…")`).
pub(crate) fn locales(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    dir
}

pub(crate) fn load(files: &[(&str, &str)]) -> (TempDir, Texts) {
    let dir = locales(files);
    let texts = Texts::load(dir.path()).expect("loads");
    (dir, texts)
}

pub(crate) fn load_err(files: &[(&str, &str)]) -> Vec<TextProblem> {
    let dir = locales(files);
    match Texts::load(dir.path()) {
        Ok(_) => panic!("should not load"),
        Err(p) => p
            .into_iter()
            .map(|p| TextProblem {
                file: p.file.strip_prefix(dir.path()).unwrap_or(&p.file).into(),
                ..p
            })
            .collect(),
    }
}

const STARTER_ID: &str = r#"# Starter texts (Bahasa Indonesia, the default). The engine adds the real ones.
# Rules: GSM-7 only, at most 3 SMS segments; amounts arrive formatted (Rp25.000).

hello = Halo { $name }!
balance = Saldo rumah tangga Anda: { $amount }.
pin-tries-left = PIN salah. Sisa { $count } kali percobaan.
cancelled = Dibatalkan. Ketik MENU untuk mulai lagi.
not-understood = Maaf, kami tidak mengerti. Ketik MENU untuk melihat pilihan.
confirm-payment = Bayar { $amount } ke { $merchant-name } ({ $merchant-code })? Balas 1 untuk YA, 2 untuk TIDAK.
.yes = Ya
.no = Tidak
"#;
const STARTER_EN: &str = r#"# Starter texts (English). The engine adds the real ones.

hello = Hello { $name }!
balance = Your household balance: { $amount }.
pin-tries-left = { $count ->
[one] Wrong PIN. { $count } try left.
   *[other] Wrong PIN. { $count } tries left.
}
cancelled = Cancelled. Send MENU to start again.
not-understood = Sorry, we did not understand. Send MENU to see the options.
confirm-payment = Pay { $amount } to { $merchant-name } ({ $merchant-code })? Reply 1 for YES, 2 for NO.
.yes = Yes
.no = No
"#;

/// A small pair of locales exercising arguments, numbers and attributes.
pub(crate) fn starter() -> Texts {
    let dir = locales(&[("id/common.ftl", STARTER_ID), ("en/common.ftl", STARTER_EN)]);
    Texts::load(dir.path()).expect("loads")
}
