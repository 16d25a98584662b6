//! Rendering a message: the arguments' types ([`TextArg`]), numbers as plain digits, and the
//! fallbacks (unknown language → `id`, missing message → the `id` text, then the id itself), so
//! that rendering never fails and a resident always gets a reply.

use super::{syntax, Locale, Texts, DEFAULT_LANG};
use fluent_bundle::{FluentArgs, FluentError, FluentValue};
use std::collections::BTreeMap;

/// A value for a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextArg {
    /// Inserted as is. Amounts go here, already formatted: `format_rupiah(25000).into()`.
    Str(String),
    /// Printed as plain digits (`12345`, no grouping) by our formatter; usable in plural
    /// selectors.
    Num(i64),
}

impl From<&str> for TextArg {
    fn from(s: &str) -> Self {
        TextArg::Str(s.to_string())
    }
}
impl From<String> for TextArg {
    fn from(s: String) -> Self {
        TextArg::Str(s)
    }
}
impl From<&String> for TextArg {
    fn from(s: &String) -> Self {
        TextArg::Str(s.clone())
    }
}
impl From<i64> for TextArg {
    fn from(n: i64) -> Self {
        TextArg::Num(n)
    }
}
impl From<i32> for TextArg {
    fn from(n: i32) -> Self {
        TextArg::Num(n.into())
    }
}
impl From<u32> for TextArg {
    fn from(n: u32) -> Self {
        TextArg::Num(n.into())
    }
}
impl From<usize> for TextArg {
    fn from(n: usize) -> Self {
        TextArg::Num(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// Fluent's own number formatting never applies: integers print as plain digits.
pub(super) fn plain_numbers<M>(value: &FluentValue, _intls: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) if n.value.fract() == 0.0 && n.value.abs() < 9.0e15 => {
            Some(format!("{}", n.value as i64))
        }
        FluentValue::Number(n) => Some(n.value.to_string()),
        _ => None,
    }
}

impl Texts {
    /// Renders `id` with a flow's collected `values` as arguments, `args` taking precedence.
    pub fn render_with(
        &self,
        lang: &str,
        id: &str,
        values: &BTreeMap<String, String>,
        args: &[(&str, String)],
    ) -> String {
        let mut all: Vec<(&str, TextArg)> = values
            .iter()
            .filter(|(k, _)| !args.iter().any(|(a, _)| a == k))
            .map(|(k, v)| (k.as_str(), TextArg::from(v.as_str())))
            .collect();
        all.extend(args.iter().map(|(k, v)| (*k, TextArg::from(v.as_str()))));
        self.render(lang, id, &all)
    }

    /// Renders message `id` (or `id.attribute`) in `lang` with `args`. Never fails: an unknown
    /// language uses `id`, a message missing in `lang` uses the `id` text, a message missing
    /// everywhere gives `id` itself; each logs a warning, as do missing arguments.
    pub fn render(&self, lang: &str, id: &str, args: &[(&str, TextArg)]) -> String {
        let locale = match self.locale(lang) {
            Some(l) => l,
            None => {
                tracing::warn!(lang, "unknown language, using {DEFAULT_LANG}");
                &self.default
            }
        };
        let result = match format_message(locale, id, args) {
            Some(r) => Some(r),
            None if locale.lang != self.default.lang => {
                tracing::warn!(
                    lang = %locale.lang,
                    id,
                    "message missing in this language, using {DEFAULT_LANG}"
                );
                format_message(&self.default, id, args)
            }
            None => None,
        };
        match result {
            Some((text, errors)) => {
                if !errors.is_empty() {
                    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    tracing::warn!(lang = %locale.lang, id, ?errors, "text rendered with errors");
                }
                text
            }
            None => {
                tracing::warn!(lang = %locale.lang, id, "no such message");
                id.to_string()
            }
        }
    }
}

/// Message `id` of `locale` with `args`, and the errors Fluent met; `None` if it has no such
/// message (or attribute).
pub(super) fn format_message(
    locale: &Locale,
    id: &str,
    args: &[(&str, TextArg)],
) -> Option<(String, Vec<FluentError>)> {
    let pattern = syntax::pattern(&locale.bundle, id)?;
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let v = match value {
            TextArg::Str(s) => FluentValue::from(s.as_str()),
            TextArg::Num(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, v);
    }
    let mut errors = Vec::new();
    let text = locale
        .bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned();
    Some((text, errors))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{load, starter};
    use super::*;

    fn assert_no_isolation(s: &str) {
        assert!(!s.contains(['\u{2068}', '\u{2069}']), "{s:?}");
    }

    #[test]
    fn renders_with_arguments_without_isolation_marks() {
        let texts = starter();
        type Case<'a> = (&'a str, &'a str, Vec<(&'a str, TextArg)>, &'a str);
        let cases: Vec<Case> = vec![
            ("id", "hello", vec![("name", "Siti".into())], "Halo Siti!"),
            ("en", "hello", vec![("name", "Siti".into())], "Hello Siti!"),
            (
                "id",
                "balance",
                vec![("amount", crate::text::format_rupiah(1_250_000).into())],
                "Saldo rumah tangga Anda: Rp1.250.000.",
            ),
            // Numbers are plain digits, never grouped by Fluent.
            (
                "id",
                "pin-tries-left",
                vec![("count", 12345.into())],
                "PIN salah. Sisa 12345 kali percobaan.",
            ),
            // …and still select plural variants.
            (
                "en",
                "pin-tries-left",
                vec![("count", 1.into())],
                "Wrong PIN. 1 try left.",
            ),
            (
                "en",
                "pin-tries-left",
                vec![("count", 2.into())],
                "Wrong PIN. 2 tries left.",
            ),
            // A number passed as a string is inserted as is.
            (
                "en",
                "pin-tries-left",
                vec![("count", "1".into())],
                "Wrong PIN. 1 tries left.",
            ),
            ("en", "confirm-payment.yes", vec![], "Yes"),
            ("id", "confirm-payment.no", vec![], "Tidak"),
        ];
        for (lang, id, args, want) in cases {
            let got = texts.render(lang, id, &args);
            assert_eq!(got, want, "{lang} {id}");
            assert_no_isolation(&got);
        }
    }

    #[test]
    fn fallbacks() {
        let (_dir, texts) = load(&[
            (
                "id/a.ftl",
                "hello = Halo { $name }\nonly-id = Hanya di sini\n",
            ),
            ("en/a.ftl", "hello = Hello { $name }\n"),
        ]);
        let name = [("name", TextArg::from("Budi"))];
        // Unknown language → id.
        assert_eq!(texts.render("fr", "hello", &name), "Halo Budi");
        assert_eq!(texts.render("", "hello", &name), "Halo Budi");
        // Missing in en → the id text.
        assert_eq!(texts.render("en", "only-id", &[]), "Hanya di sini");
        // Missing everywhere → the id itself.
        assert_eq!(
            texts.render("en", "no-such-message", &[]),
            "no-such-message"
        );
        assert_eq!(texts.render("id", "hello.no-attr", &[]), "hello.no-attr");
        // A missing argument shows the placeable, without isolation marks.
        let got = texts.render("id", "hello", &[]);
        assert_eq!(got, "Halo {$name}");
        assert_no_isolation(&got);
    }
}
