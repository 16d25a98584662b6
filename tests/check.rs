//! `gotong check` passes on the shipped flows and locales, and fails, naming file and line, on
//! broken ones: one fixture per check.

use std::path::Path;
use std::process::Command;

const GOOD_ID: &str = "ask = Berapa?\nbad = Salah.\nopt-a = Satu\nopt-b = Dua\n";
const GOOD_EN: &str = "ask = How many?\nbad = Wrong.\nopt-a = One\nopt-b = Two\n";

/// Lays out `flows/x.toml` and both locales (with the engine's own texts copied from the
/// shipped locales) in a temporary directory, and runs `gotong check` there.
fn check(flow: &str, id_extra: &str, en_extra: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.path().join("flows")).unwrap();
    std::fs::write(dir.path().join("flows/x.toml"), flow).unwrap();
    for (lang, good, extra) in [("id", GOOD_ID, id_extra), ("en", GOOD_EN, en_extra)] {
        let d = dir.path().join("locales").join(lang);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["engine.ftl", "input.ftl"] {
            std::fs::copy(root.join("locales").join(lang).join(f), d.join(f)).unwrap();
        }
        std::fs::write(d.join("x.ftl"), format!("{good}{extra}")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_gotong"))
        .arg("check")
        .current_dir(dir.path())
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const HEADER: &str = "name = \"x\"\nkeywords = [\"X\"]\nstart = \"a\"\n";

fn flow(steps: &str) -> String {
    format!("{HEADER}{steps}")
}

#[test]
fn shipped_flows_and_locales_pass() {
    let out = Command::new(env!("CARGO_BIN_EXE_gotong"))
        .arg("check")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_good_fixture_passes() {
    let (ok, out) = check(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n"),
        "",
        "",
    );
    assert!(ok, "{out}");
}

fn assert_fails(flow_text: &str, id_extra: &str, en_extra: &str, expected: &str) {
    let (ok, out) = check(flow_text, id_extra, en_extra);
    assert!(!ok, "check passed but should report {expected:?}:\n{out}");
    assert!(out.contains(expected), "expected {expected:?} in:\n{out}");
}

#[test]
fn unreachable_step() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n\n[[step]]\nname = \"b\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n"),
        "",
        "",
        "flows/x.toml:11: step b: unreachable from the start step",
    );
}

#[test]
fn step_with_no_way_out() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"b\"\n\n[[step]]\nname = \"b\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"a\"\n"),
        "",
        "",
        "flows/x.toml:5: step a: no way out",
    );
}

#[test]
fn transition_to_unknown_step() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"nowhere\"\n"),
        "",
        "",
        "flows/x.toml:5: step a: transition to unknown step \"nowhere\"",
    );
}

#[test]
fn unknown_action() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\naction = \"launch_rocket\"\n"),
        "",
        "",
        "flows/x.toml:5: step a: unknown action \"launch_rocket\"",
    );
}

#[test]
fn unknown_input_kind() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"telepathy\"\nnext = \"end\"\n"),
        "",
        "",
        "flows/x.toml:7: unknown variant `telepathy`",
    );
}

#[test]
fn message_missing_in_a_locale() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"only-id\"\ninput = \"number\"\nnext = \"end\"\n"),
        "only-id = Hanya di sini.\n",
        "",
        "flows/x.toml:5: step a: message \"only-id\" is missing in locale en",
    );
}

#[test]
fn placeholder_in_one_locale_only() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n"),
        "greet = Halo { $name }\n",
        "greet = Hello\n",
        "greet",
    );
}

#[test]
fn text_that_is_not_gsm7_or_too_long() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n"),
        "smile = Terima kasih \u{1F600}\n",
        "smile = Thank you\n",
        "smile",
    );
    let long = "kata ".repeat(100);
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"number\"\nnext = \"end\"\n"),
        &format!("long = {long}\n"),
        "long = short\n",
        "long",
    );
}

#[test]
fn option_label_too_long_for_a_button() {
    assert_fails(
        &flow("[[step]]\nname = \"a\"\nprompt = \"ask\"\ninput = \"menu\"\noptions = [{ label = \"wide\", next = \"end\" }]\n"),
        "wide = Pilihan yang terlalu panjang untuk tombol\n",
        "wide = An option far too long for a button\n",
        "longer than a WhatsApp button",
    );
}
