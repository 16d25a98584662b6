//! The text checks of `gotong check`, run on loaded [`Texts`]: what loads can still be wrong for
//! a resident (a message one language lacks, a placeholder one language forgets, a text an SMS
//! cannot carry in GSM-7 or in three segments). Each problem points at the message's file and line.

use super::render::format_message;
use super::samples::sample_value;
use super::{syntax, Locale, Origin, TextArg, TextProblem, Texts};
use crate::text::{non_gsm7_chars, sms_segments, MAX_SMS_SEGMENTS};
use std::collections::BTreeSet;

/// Finds what `gotong check` must refuse in loaded texts:
///
/// - a message id present in one locale and missing in another;
/// - a placeholder used by a message in one locale and not in another;
/// - a message (value or attribute) with non-GSM-7 characters, in any variant, or whose
///   rendering with realistic placeholder values ([`sample_value`]) needs more than
///   [`MAX_SMS_SEGMENTS`] SMS segments, or fails to render (unknown message or term).
pub fn check_texts(texts: &Texts) -> Vec<TextProblem> {
    let mut problems = Vec::new();
    let all_ids: BTreeSet<&str> = texts
        .locales()
        .flat_map(|l| l.messages.keys().map(String::as_str))
        .collect();
    for id in &all_ids {
        let present: Vec<&Locale> = texts
            .locales()
            .filter(|l| l.messages.contains_key(*id))
            .collect();
        let Some(Some(first)) = present.first().map(|l| l.messages.get(*id)) else {
            continue;
        };
        for locale in texts.locales() {
            if !locale.messages.contains_key(*id) {
                problems.push(TextProblem::new(
                    &first.file,
                    first.line,
                    format!("message `{id}` is missing in locale `{}`", locale.lang),
                ));
            }
        }
        if present.len() < 2 {
            continue;
        }
        let sets: Vec<(&Locale, BTreeSet<String>)> = present
            .iter()
            .map(|l| (*l, texts.placeholders(&l.lang, id)))
            .collect();
        let union: BTreeSet<&String> = sets.iter().flat_map(|(_, set)| set.iter()).collect();
        for (locale, set) in &sets {
            let Some(origin) = locale.messages.get(*id) else {
                continue;
            };
            for name in union.iter().filter(|n| !set.contains(n.as_str())) {
                let users: Vec<&str> = sets
                    .iter()
                    .filter(|(_, s)| s.contains(name.as_str()))
                    .map(|(l, _)| l.lang.as_str())
                    .collect();
                problems.push(TextProblem::new(
                    &origin.file,
                    origin.line,
                    format!(
                        "message `{id}` in `{}` does not use `${name}`, which `{}` uses",
                        locale.lang,
                        users.join("`, `")
                    ),
                ));
            }
        }
    }
    for locale in texts.locales() {
        for (id, origin) in &locale.messages {
            check_sms(texts, locale, id, origin, &mut problems);
        }
    }
    problems
}

fn check_sms(
    texts: &Texts,
    locale: &Locale,
    id: &str,
    origin: &Origin,
    problems: &mut Vec<TextProblem>,
) {
    let Some(msg) = locale.bundle.get_message(id) else {
        return;
    };
    let mut targets: Vec<String> = Vec::new();
    if msg.value().is_some() {
        targets.push(id.to_string());
    }
    targets.extend(msg.attributes().map(|a| format!("{id}.{}", a.id())));
    for target in targets {
        let Some(pattern) = syntax::pattern(&locale.bundle, &target) else {
            continue;
        };
        let names = texts.placeholders(&locale.lang, &target);
        let args: Vec<(&str, TextArg)> = names
            .iter()
            .map(|n| (n.as_str(), sample_value(n)))
            .collect();
        let Some((rendered, errors)) = format_message(locale, &target, &args) else {
            continue;
        };
        for e in errors {
            problems.push(TextProblem::new(
                &origin.file,
                origin.line,
                format!("`{target}` does not render: {e}"),
            ));
        }
        let mut literal = Vec::new();
        syntax::pattern_texts(pattern, &mut literal);
        literal.push(&rendered);
        let bad = non_gsm7_chars(&literal.concat());
        if !bad.is_empty() {
            problems.push(TextProblem::new(
                &origin.file,
                origin.line,
                format!(
                    "`{target}` has characters an SMS cannot carry in GSM-7: {}",
                    describe_chars(&bad)
                ),
            ));
        }
        let segments = sms_segments(&rendered);
        if segments > MAX_SMS_SEGMENTS {
            problems.push(TextProblem::new(
                &origin.file,
                origin.line,
                format!(
                    "`{target}` needs {segments} SMS segments (at most {MAX_SMS_SEGMENTS}) with \
                     sample values: {} characters",
                    rendered.chars().count()
                ),
            ));
        }
    }
}

fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::load;
    use super::*;
    use std::path::Path;

    #[test]
    fn shipped_locales_load_and_pass_the_checks() {
        let texts =
            Texts::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).expect("loads");
        assert_eq!(texts.languages(), vec!["id", "en"]);
        let problems = check_texts(&texts);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// The problems of `check_texts`, as `file:line: message` relative to the temp dir.
    fn check(files: &[(&str, &str)]) -> Vec<String> {
        let (dir, texts) = load(files);
        let prefix = format!("{}/", dir.path().display());
        check_texts(&texts)
            .iter()
            .map(|p| p.to_string().replace(&prefix, ""))
            .collect()
    }

    #[test]
    fn check_finds_messages_missing_in_a_locale() {
        let problems = check(&[
            ("id/a.ftl", "both = Dua\nonly-id = Satu\n"),
            ("en/a.ftl", "both = Two\n\nonly-en = One\n"),
        ]);
        assert_eq!(
            problems,
            vec![
                "en/a.ftl:3: message `only-en` is missing in locale `id`",
                "id/a.ftl:2: message `only-id` is missing in locale `en`",
            ]
        );
    }

    #[test]
    fn check_finds_placeholders_not_used_alike() {
        let problems = check(&[
            ("id/a.ftl", "pay = Bayar { $amount } ke { $merchant }\n"),
            (
                "en/a.ftl",
                "pay = Pay { $amount }\n    .title = To { $to }\n",
            ),
        ]);
        assert_eq!(
            problems,
            vec![
                "id/a.ftl:1: message `pay` in `id` does not use `$to`, which `en` uses",
                "en/a.ftl:1: message `pay` in `en` does not use `$merchant`, which `id` uses",
            ]
        );
    }

    #[test]
    fn check_finds_text_an_sms_cannot_carry() {
        let long = "Ini kalimat yang cukup panjang untuk SMS. ".repeat(11); // 461 characters once trimmed
        let id_files = r#"quote = Ketik “MENU”
emoji = { $n ->
    [0] Kosong 😀
   *[other] Ada
}
long = LONG
long-with-names = { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name } { $name }
broken-ref = Lihat { no-such-message }
fine = Rp25.000 {"{"}ok{"}"} [ya] ~ ^ | € { $name } { $name } { $name } { $name } { $name }
"#
        .replace("LONG", &long);
        let problems = check(&[("id/a.ftl", &id_files)]);
        let has = |needle: &str| problems.iter().any(|p| p.starts_with(needle));
        assert!(has("id/a.ftl:1: `quote` has characters an SMS cannot carry in GSM-7: '\u{201C}' (U+201C), '\u{201D}' (U+201D)"), "{problems:#?}");
        // In a variant the sample values do not select.
        assert!(has("id/a.ftl:2: `emoji` has characters an SMS cannot carry in GSM-7: '\u{1F600}' (U+1F600)"), "{problems:#?}");
        assert!(
            has("id/a.ftl:6: `long` needs 4 SMS segments"),
            "{problems:#?}"
        );
        // 23 names of 20 characters and 22 spaces: 482 septets.
        assert!(
            has("id/a.ftl:7: `long-with-names` needs 4 SMS segments"),
            "{problems:#?}"
        );
        assert!(
            has("id/a.ftl:8: `broken-ref` does not render"),
            "{problems:#?}"
        );
        assert_eq!(problems.len(), 5, "{problems:#?}");
    }
}
