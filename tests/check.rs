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
    run_check(dir.path())
}

/// Runs `gotong check` in `dir`: whether it passed, and what it printed.
fn run_check(dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gotong"))
        .arg("check")
        .current_dir(dir)
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

// ---------------------------------------------------------------------------------------------
// A flow and its actions' contracts (which values they read, which branches they return): a
// copy of the shipped flows, broken in one place.

/// Copies every file below `from` into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Runs `gotong check` on a copy of the shipped flows and locales in which `flows/<file>` has
/// been changed by `edit`. Returns success, the output and the edited flow's text.
fn check_shipped_edited(file: &str, edit: impl FnOnce(String) -> String) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("flows"), &dir.path().join("flows"));
    copy_dir(&root.join("locales"), &dir.path().join("locales"));
    let path = dir.path().join("flows").join(file);
    let text = edit(std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &text).unwrap();
    let (ok, out) = run_check(dir.path());
    (ok, out, text)
}

/// `edit` for [`check_shipped_edited`]: each `(from, to)` replaced (each must be there).
fn replacing<'a>(edits: &'a [(&'a str, &'a str)]) -> impl FnOnce(String) -> String + 'a {
    move |mut text| {
        for (from, to) in edits {
            assert!(text.contains(from), "the flow has no {from:?}");
            text = text.replace(from, to);
        }
        text
    }
}

/// `edit` for [`check_shipped_edited`]: step `from` renamed `to` where the flow names it (its
/// `name`, the `next` of the step before it, `args`).
fn renaming(from: &str, to: &str) -> impl FnOnce(String) -> String {
    let (from, to) = (format!("\"{from}\""), format!("\"{to}\""));
    move |text| {
        let renamed: Vec<String> = text
            .lines()
            .map(|l| {
                if ["name =", "next =", "args ="]
                    .iter()
                    .any(|k| l.starts_with(k))
                {
                    l.replace(&from, &to)
                } else {
                    l.to_string()
                }
            })
            .collect();
        assert_ne!(renamed.join("\n"), text.trim_end(), "nothing renamed");
        renamed.join("\n")
    }
}

/// The line of `needle` in `text` (1-based).
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap();
    text[..at].matches('\n').count() + 1
}

fn assert_reports(ok: bool, out: &str, expected: &str) {
    assert!(!ok, "check passed but should report {expected:?}:\n{out}");
    assert!(out.contains(expected), "expected {expected:?} in:\n{out}");
}

#[test]
fn a_copy_of_the_shipped_flows_passes() {
    let (ok, out, _) = check_shipped_edited("pay.toml", |t| t);
    assert!(ok, "{out}");
}

#[test]
fn a_renamed_step_leaves_its_actions_without_their_value() {
    let (ok, out, text) = check_shipped_edited("pay.toml", renaming("amount", "jumlah"));
    let jumlah = line_of(&text, "name = \"jumlah\"");
    let pin = line_of(&text, "name = \"pin\"");
    assert_reports(
        ok,
        &out,
        &format!(
            "flows/pay.toml:{jumlah}: step jumlah: action pay_amount reads \"amount\", which no \
             step of flow pay collects and none of its actions writes"
        ),
    );
    assert_reports(
        ok,
        &out,
        &format!("flows/pay.toml:{pin}: step pin: action pay_pin reads \"amount\""),
    );
}

#[test]
fn a_dropped_step_leaves_an_action_without_its_value() {
    let price_step = "[[step]]\nname = \"price\"\nprompt = \"sell-ask-price\"\ninput = \"amount\"\nnext = \"stock\"\n\n";
    let (ok, out, text) = check_shipped_edited(
        "sell.toml",
        replacing(&[(price_step, ""), ("next = \"price\"", "next = \"stock\"")]),
    );
    let category = line_of(&text, "name = \"category\"");
    assert_reports(
        ok,
        &out,
        &format!(
            "flows/sell.toml:{category}: step category: action sell_create reads \"price\", \
             which no step of flow sell collects"
        ),
    );
    assert!(out.contains("1 problem(s)"), "only that problem:\n{out}");
}

#[test]
fn a_dropped_branch_is_one_an_action_can_return() {
    let (ok, out, text) = check_shipped_edited(
        "proposals.toml",
        replacing(&[(
            "action = \"proposals_list\"\non = { more = \"more\" }",
            "action = \"proposals_list\"",
        )]),
    );
    let list = line_of(&text, "name = \"list\"");
    assert_reports(
        ok,
        &out,
        &format!(
            "flows/proposals.toml:{list}: step list: action proposals_list can return branch \
             \"more\", which the step's on table lacks"
        ),
    );
}

#[test]
fn a_branch_no_action_returns() {
    let (ok, out, _) = check_shipped_edited(
        "register.toml",
        replacing(&[(
            "on = { mismatch = \"choose_pin\" }",
            "on = { mismatch = \"choose_pin\", again = \"nik\" }",
        )]),
    );
    assert_reports(
        ok,
        &out,
        "step repeat_pin: the on table names branch \"again\", which action \
         register_confirm_pin never returns",
    );
}

#[test]
fn a_step_whose_value_nothing_uses() {
    let (ok, out, text) = check_shipped_edited("propose.toml", renaming("title", "judul"));
    let judul = line_of(&text, "name = \"judul\"");
    let confirm = line_of(&text, "name = \"confirm\"");
    assert_reports(
        ok,
        &out,
        &format!(
            "flows/propose.toml:{judul}: step judul: collects a value that no action of flow \
             propose reads and none of its messages shows"
        ),
    );
    assert_reports(
        ok,
        &out,
        &format!(
            "flows/propose.toml:{confirm}: step confirm: action propose_submit reads \"title\""
        ),
    );
}

/// `gotong demo` shows only the conversation: its own lines (the newcomer's PIN included) on
/// stdout with the chat, no INFO logs, and no ANSI codes when the output is not a terminal.
#[test]
fn the_demo_shows_only_the_conversation() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gotong"))
        .arg("demo")
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"SALDO\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("PIN 135790"), "{stdout}");
    assert!(stdout.contains("> SALDO"), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
    assert!(!stderr.contains("INFO"), "{stderr}");
}
