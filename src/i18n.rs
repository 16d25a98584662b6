//! The bot's texts: Project Fluent files `locales/<lang>/*.ftl`, `id` the default (DESIGN §1, §4).
//!
//! - Fluent's Unicode isolation marks (U+2068/U+2069) are off: they are not GSM-7.
//! - Numbers are never formatted by Fluent: amounts are pre-formatted by the caller with
//!   [`format_rupiah`](crate::text::format_rupiah) and passed as strings; [`TextArg::Num`]
//!   is printed as plain digits by our own formatter (it stays a Fluent number so that plural
//!   selectors like `[one]` work in English).
//! - An unknown language falls back to `id`; a message missing in a language falls back to the
//!   `id` text; a message missing everywhere renders as its id. Both log a warning.
//! - [`check_texts`] finds what `gotong check` must refuse: messages missing in a locale,
//!   placeholders not used alike, texts that are not GSM-7 or longer than 3 SMS segments.

use crate::text::{non_gsm7_chars, sms_segments, MAX_SMS_SEGMENTS};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentError, FluentResource, FluentValue};
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;
use unic_langid::LanguageIdentifier;

/// The default language, whose texts every other language falls back to.
pub const DEFAULT_LANG: &str = "id";

/// A problem in the locale files, reported as `file:line: message` (line 0: the whole file or
/// directory).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}:{}: {}", .file.display(), .line, .message)]
pub struct TextProblem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl TextProblem {
    fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        TextProblem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

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

/// Where a message is defined.
#[derive(Debug, Clone)]
struct Origin {
    file: PathBuf,
    line: usize,
}

struct Locale {
    lang: String,
    bundle: FluentBundle<FluentResource>,
    messages: BTreeMap<String, Origin>,
}

/// All loaded texts. Cheap to share: `Send + Sync`, put it in an `Arc`.
pub struct Texts {
    default: Locale,
    others: Vec<Locale>,
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field("languages", &self.languages())
            .finish()
    }
}

/// Fluent's own number formatting never applies: integers print as plain digits.
fn plain_numbers<M>(value: &FluentValue, _intls: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) if n.value.fract() == 0.0 && n.value.abs() < 9.0e15 => {
            Some(format!("{}", n.value as i64))
        }
        FluentValue::Number(n) => Some(n.value.to_string()),
        _ => None,
    }
}

/// `id = …` at the start of a line: the line numbers of the messages of one file.
fn message_lines(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(first) = line.chars().next() else {
            continue;
        };
        if !first.is_ascii_alphabetic() {
            continue;
        }
        let id: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if line[id.len()..].trim_start().starts_with('=') {
            out.push((id, i + 1));
        }
    }
    out
}

fn line_of(source: &str, byte: usize) -> usize {
    let end = byte.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn load_locale(lang: &str, dir: &Path, problems: &mut Vec<TextProblem>) -> Option<Locale> {
    let langid: LanguageIdentifier = match lang.parse() {
        Ok(l) => l,
        Err(e) => {
            problems.push(TextProblem::new(
                dir,
                0,
                format!("`{lang}` is not a language identifier: {e}"),
            ));
            return None;
        }
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "ftl"))
            .collect(),
        Err(e) => {
            problems.push(TextProblem::new(dir, 0, format!("cannot read: {e}")));
            return None;
        }
    };
    files.sort();
    if files.is_empty() {
        problems.push(TextProblem::new(dir, 0, "no .ftl files"));
    }
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(plain_numbers));
    let mut messages: BTreeMap<String, Origin> = BTreeMap::new();
    for file in files {
        let source = match std::fs::read_to_string(&file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(TextProblem::new(&file, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        let lines = message_lines(&source);
        let resource = match FluentResource::try_new(source.clone()) {
            Ok(r) => r,
            Err((r, errors)) => {
                for e in errors {
                    let line = line_of(&source, e.pos.start);
                    let entry = e
                        .slice
                        .as_ref()
                        .map(|s| line_of(&source, s.start))
                        .filter(|&l| l != line)
                        .map(|l| format!(" (in the entry starting at line {l})"))
                        .unwrap_or_default();
                    problems.push(TextProblem::new(
                        &file,
                        line,
                        format!("syntax error: {e}{entry}"),
                    ));
                }
                r
            }
        };
        // A duplicate id: the first definition wins, later ones are problems.
        let mut seen_here: BTreeSet<&str> = BTreeSet::new();
        for (id, line) in &lines {
            if messages.contains_key(id) || !seen_here.insert(id) {
                let first = messages
                    .get(id)
                    .map(|o| format!(" (first at {}:{})", o.file.display(), o.line))
                    .unwrap_or_default();
                problems.push(TextProblem::new(
                    &file,
                    *line,
                    format!("message `{id}` is defined twice{first}"),
                ));
            }
        }
        for (id, line) in lines {
            messages.entry(id).or_insert(Origin {
                file: file.clone(),
                line,
            });
        }
        if let Err(errors) = bundle.add_resource(resource) {
            for e in errors {
                // Overriding is reported above with its line; terms are reported here.
                if let FluentError::Overriding { kind, id } = &e {
                    if kind.to_string() == "message" {
                        continue;
                    }
                    problems.push(TextProblem::new(
                        &file,
                        0,
                        format!("{kind} `{id}` is defined twice"),
                    ));
                } else {
                    problems.push(TextProblem::new(&file, 0, e.to_string()));
                }
            }
        }
    }
    Some(Locale {
        lang: lang.to_string(),
        bundle,
        messages,
    })
}

impl Texts {
    /// Loads `dir/<lang>/*.ftl` for every subdirectory `<lang>` of `dir`; `id` must be among
    /// them. Every problem found (syntax errors with file and line, duplicate ids, unreadable
    /// files) is returned, not just the first.
    pub fn load(dir: &Path) -> Result<Texts, Vec<TextProblem>> {
        let mut problems = Vec::new();
        let mut langs: Vec<(String, PathBuf)> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .filter_map(|p| {
                    let name = p.file_name()?.to_str()?.to_string();
                    Some((name, p))
                })
                .filter(|(name, _)| !name.starts_with('.'))
                .collect(),
            Err(e) => {
                return Err(vec![TextProblem::new(
                    dir,
                    0,
                    format!("cannot read the locales directory: {e}"),
                )])
            }
        };
        langs.sort();
        let mut default = None;
        let mut others = Vec::new();
        for (lang, path) in langs {
            if let Some(locale) = load_locale(&lang, &path, &mut problems) {
                if lang == DEFAULT_LANG {
                    default = Some(locale);
                } else {
                    others.push(locale);
                }
            }
        }
        match default {
            Some(default) if problems.is_empty() => Ok(Texts { default, others }),
            Some(_) => Err(problems),
            None => {
                problems.push(TextProblem::new(
                    &dir.join(DEFAULT_LANG),
                    0,
                    format!("the default language `{DEFAULT_LANG}` is missing"),
                ));
                Err(problems)
            }
        }
    }

    fn locale(&self, lang: &str) -> Option<&Locale> {
        if lang == self.default.lang {
            return Some(&self.default);
        }
        self.others.iter().find(|l| l.lang == lang)
    }

    fn locales(&self) -> impl Iterator<Item = &Locale> {
        std::iter::once(&self.default).chain(self.others.iter())
    }

    /// The languages loaded: `id` first, then the others in alphabetical order.
    pub fn languages(&self) -> Vec<&str> {
        self.locales().map(|l| l.lang.as_str()).collect()
    }

    /// Whether `lang` is loaded (else [`Texts::render`] falls back to `id`).
    pub fn has_language(&self, lang: &str) -> bool {
        self.locale(lang).is_some()
    }

    /// The message ids of `lang`, sorted; empty for an unknown language.
    pub fn message_ids(&self, lang: &str) -> Vec<&str> {
        self.locale(lang)
            .map(|l| l.messages.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Where message `id` (or `id.attribute`) of `lang` is defined.
    pub fn source_line(&self, lang: &str, id: &str) -> Option<(PathBuf, usize)> {
        let (message, _) = split_id(id);
        self.locale(lang)?
            .messages
            .get(message)
            .map(|o| (o.file.clone(), o.line))
    }

    /// The variables (`$name` → `name`) that message `id` of `lang` uses: in its value, its
    /// attributes, select expressions, function arguments and messages it references. For
    /// `id.attribute`, those of that attribute only. Empty when the message does not exist.
    pub fn placeholders(&self, lang: &str, id: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(locale) = self.locale(lang) {
            let mut visited = BTreeSet::new();
            collect_message(&locale.bundle, id, &mut visited, &mut out);
        }
        out
    }

    /// Whether `lang` has message `id` (or `id.attribute`) of its own, without fallback.
    pub fn has(&self, lang: &str, id: &str) -> bool {
        self.locale(lang)
            .is_some_and(|l| pattern(&l.bundle, id).is_some())
    }

    /// Renders `id` with a flow's collected `values` as arguments, `args` taking precedence.
    pub fn render_with(
        &self,
        lang: &str,
        id: &str,
        values: &std::collections::BTreeMap<String, String>,
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

fn split_id(id: &str) -> (&str, Option<&str>) {
    match id.split_once('.') {
        Some((m, a)) => (m, Some(a)),
        None => (id, None),
    }
}

/// The pattern of `id` / `id.attribute`, if the message (and attribute) exist and have one.
fn pattern<'b>(
    bundle: &'b FluentBundle<FluentResource>,
    id: &str,
) -> Option<&'b ast::Pattern<&'b str>> {
    let (message, attribute) = split_id(id);
    let msg = bundle.get_message(message)?;
    match attribute {
        Some(a) => msg.get_attribute(a).map(|a| a.value()),
        None => msg.value(),
    }
}

fn format_message(
    locale: &Locale,
    id: &str,
    args: &[(&str, TextArg)],
) -> Option<(String, Vec<FluentError>)> {
    let pattern = pattern(&locale.bundle, id)?;
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

fn collect_message(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    visited: &mut BTreeSet<String>,
    out: &mut BTreeSet<String>,
) {
    if !visited.insert(id.to_string()) {
        return;
    }
    let (message, attribute) = split_id(id);
    let Some(msg) = bundle.get_message(message) else {
        return;
    };
    let mut patterns: Vec<&ast::Pattern<&str>> = Vec::new();
    match attribute {
        Some(a) => patterns.extend(msg.get_attribute(a).map(|a| a.value())),
        None => {
            patterns.extend(msg.value());
            patterns.extend(msg.attributes().map(|a| a.value()));
        }
    }
    for p in patterns {
        collect_pattern(bundle, p, visited, out);
    }
}

fn collect_pattern(
    bundle: &FluentBundle<FluentResource>,
    pattern: &ast::Pattern<&str>,
    visited: &mut BTreeSet<String>,
    out: &mut BTreeSet<String>,
) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            collect_expression(bundle, expression, visited, out);
        }
    }
}

fn collect_expression(
    bundle: &FluentBundle<FluentResource>,
    expression: &ast::Expression<&str>,
    visited: &mut BTreeSet<String>,
    out: &mut BTreeSet<String>,
) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            collect_inline(bundle, selector, visited, out);
            for v in variants {
                collect_pattern(bundle, &v.value, visited, out);
            }
        }
        ast::Expression::Inline(inline) => collect_inline(bundle, inline, visited, out),
    }
}

fn collect_inline(
    bundle: &FluentBundle<FluentResource>,
    inline: &ast::InlineExpression<&str>,
    visited: &mut BTreeSet<String>,
    out: &mut BTreeSet<String>,
) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                collect_inline(bundle, a, visited, out);
            }
            for a in &arguments.named {
                collect_inline(bundle, &a.value, visited, out);
            }
        }
        ast::InlineExpression::MessageReference { id, attribute } => {
            let full = match attribute {
                Some(a) => format!("{}.{}", id.name, a.name),
                None => id.name.to_string(),
            };
            collect_message(bundle, &full, visited, out);
        }
        // A term sees only the arguments written in the call, not the message's variables.
        ast::InlineExpression::TermReference { arguments, .. } => {
            if let Some(arguments) = arguments {
                for a in &arguments.positional {
                    collect_inline(bundle, a, visited, out);
                }
                for a in &arguments.named {
                    collect_inline(bundle, &a.value, visited, out);
                }
            }
        }
        ast::InlineExpression::Placeable { expression } => {
            collect_expression(bundle, expression, visited, out)
        }
        ast::InlineExpression::StringLiteral { .. }
        | ast::InlineExpression::NumberLiteral { .. } => {}
    }
}

/// Every literal text of a pattern, in all variants of its selects.
fn pattern_texts<'a>(pattern: &'a ast::Pattern<&'a str>, out: &mut Vec<&'a str>) {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => out.push(value),
            ast::PatternElement::Placeable { expression } => expression_texts(expression, out),
        }
    }
}

fn expression_texts<'a>(expression: &'a ast::Expression<&'a str>, out: &mut Vec<&'a str>) {
    match expression {
        ast::Expression::Select { variants, .. } => {
            for v in variants {
                pattern_texts(&v.value, out);
            }
        }
        ast::Expression::Inline(ast::InlineExpression::StringLiteral { value }) => out.push(value),
        ast::Expression::Inline(ast::InlineExpression::Placeable { expression }) => {
            expression_texts(expression, out)
        }
        ast::Expression::Inline(_) => {}
    }
}

/// A realistic value for a placeholder, guessed from its name: the longest value it is likely
/// to take, so that the SMS length check is meaningful.
pub fn sample_value(name: &str) -> TextArg {
    let n = name.to_lowercase();
    let words: Vec<&str> = n.split(['-', '_']).collect();
    let has = |keys: &[&str]| keys.iter().any(|k| n.contains(k));
    let word = |keys: &[&str]| keys.iter().any(|k| words.contains(k));
    if has(&["nik"]) {
        TextArg::from("************1234")
    } else if has(&["phone", "telp", "telepon"]) || word(&["hp", "wa"]) {
        TextArg::from("+6281234567890")
    } else if has(&[
        "amount", "jumlah", "saldo", "balance", "price", "harga", "total", "nominal", "biaya",
        "limit", "fee", "dana", "fund",
    ]) || word(&["rp"])
    {
        TextArg::from("Rp1.250.000")
    } else if has(&[
        "date", "tanggal", "tgl", "due", "until", "sampai", "deadline",
    ]) {
        TextArg::from("2026-11-25")
    } else if has(&["time", "jam", "waktu"]) {
        TextArg::from("2026-11-25 14:30")
    } else if has(&["code", "kode"]) {
        TextArg::from("W001")
    } else if word(&["rt", "rw"]) {
        TextArg::from("003")
    } else if has(&[
        "count", "number", "nomor", "qty", "days", "hari", "tries", "sisa", "stock", "stok",
        "page", "halaman", "age", "umur", "usia", "minutes", "menit", "percent", "persen",
    ]) || word(&["n", "no", "id", "num"])
    {
        TextArg::Num(12345)
    } else if has(&[
        "name", "nama", "merchant", "seller", "penjual", "item", "barang",
    ]) {
        TextArg::from("Siti Nurhaliza Putri")
    } else {
        TextArg::from("abcdefghijklmnopqrst")
    }
}

fn describe_chars(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shipped texts, for notices made outside a conversation (the admin API). Loaded once;
/// `None` if the locales cannot be read (then no notice is made, and an error is logged).
pub fn shipped_texts() -> Option<&'static Texts> {
    static TEXTS: std::sync::OnceLock<Option<Texts>> = std::sync::OnceLock::new();
    TEXTS
        .get_or_init(|| match Texts::load(&crate::app::asset_dir("locales")) {
            Ok(t) => Some(t),
            Err(problems) => {
                tracing::error!(problems = problems.len(), "locales unreadable: no notices");
                None
            }
        })
        .as_ref()
}

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
        let Some(pattern) = pattern(&locale.bundle, &target) else {
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
        pattern_texts(pattern, &mut literal);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use tempfile::TempDir;

    /// A locales directory with the given files (`("id/common.ftl", "…")`).
    fn locales(files: &[(&str, &str)]) -> TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
        dir
    }

    fn load(files: &[(&str, &str)]) -> (TempDir, Texts) {
        let dir = locales(files);
        let texts = Texts::load(dir.path()).expect("loads");
        (dir, texts)
    }

    fn load_err(files: &[(&str, &str)]) -> Vec<TextProblem> {
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
    fn starter() -> Texts {
        let dir = locales(&[("id/common.ftl", STARTER_ID), ("en/common.ftl", STARTER_EN)]);
        Texts::load(dir.path()).expect("loads")
    }

    #[test]
    fn shipped_locales_load_and_pass_the_checks() {
        let texts =
            Texts::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).expect("loads");
        assert_eq!(texts.languages(), vec!["id", "en"]);
        let problems = check_texts(&texts);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    fn assert_no_isolation(s: &str) {
        assert!(!s.contains(['\u{2068}', '\u{2069}']), "{s:?}");
    }

    #[test]
    fn texts_are_shareable() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Texts>();
    }

    #[test]
    fn starter_locales_load_and_pass_the_checks() {
        let texts = starter();
        assert_eq!(texts.languages(), vec!["id", "en"]);
        assert!(texts.has_language("en"));
        assert!(!texts.has_language("fr"));
        assert!(texts.message_ids("id").contains(&"hello"));
        assert_eq!(texts.message_ids("id"), texts.message_ids("en"));
        assert!(texts.message_ids("fr").is_empty());
        let problems = check_texts(&texts);
        assert!(problems.is_empty(), "{problems:#?}");
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

    #[test]
    fn placeholders_everywhere_in_a_message() {
        let (_dir, texts) = load(&[(
            "id/a.ftl",
            "\
-brand = Gotong { $unused-term-var }
footer = Salam, { $sender }
full = { $a } { NUMBER($b, minimumFractionDigits: 2) } { -brand($d, x: 1) }
    { $sel ->
        [one] satu { $in-one }
       *[other] banyak { $in-other }
    } { footer }
    .title = Judul { $in-attr }
plain = Tanpa variabel
loop-a = { loop-b } { $la }
loop-b = { loop-a } { $lb }
",
        )]);
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            texts.placeholders("id", "full"),
            set(&["a", "b", "d", "sel", "in-one", "in-other", "sender", "in-attr"])
        );
        assert_eq!(texts.placeholders("id", "full.title"), set(&["in-attr"]));
        assert!(texts.placeholders("id", "plain").is_empty());
        assert!(texts.placeholders("id", "missing").is_empty());
        assert_eq!(texts.placeholders("id", "loop-a"), set(&["la", "lb"]));
    }

    #[test]
    fn source_lines() {
        let (dir, texts) = load(&[
            ("id/a.ftl", "# comment\n\nfirst = Satu\nsecond =\n    Dua\n"),
            ("id/b.ftl", "third = Tiga\n    .attr = Atribut\n"),
        ]);
        let at = |id: &str| {
            texts
                .source_line("id", id)
                .map(|(f, l)| (f.strip_prefix(dir.path()).unwrap_or(&f).to_path_buf(), l))
        };
        assert_eq!(at("first"), Some(("id/a.ftl".into(), 3)));
        assert_eq!(at("second"), Some(("id/a.ftl".into(), 4)));
        assert_eq!(at("third"), Some(("id/b.ftl".into(), 1)));
        assert_eq!(at("third.attr"), Some(("id/b.ftl".into(), 1)));
        assert_eq!(at("fourth"), None);
        assert_eq!(texts.source_line("fr", "first"), None);
    }

    #[test]
    fn load_problems_have_file_and_line() {
        let problems = load_err(&[
            ("id/a.ftl", "ok = Baik\nbroken = { $name\nnext = Lagi\n"),
            ("en/a.ftl", "ok = Fine\n"),
        ]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].file, Path::new("id/a.ftl"));
        // Where the parser stopped, and where the broken entry starts.
        assert_eq!(
            problems[0].to_string(),
            "id/a.ftl:3: syntax error: Expected a token starting with \"}\" (in the entry starting at line 2)"
        );

        let problems = load_err(&[
            ("id/a.ftl", "same = Satu\n"),
            ("id/b.ftl", "other = Lain\n\nsame = Dua\n"),
        ]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].file, Path::new("id/b.ftl"));
        assert_eq!(problems[0].line, 3);
        assert!(problems[0].message.contains("`same` is defined twice"));

        let problems = load_err(&[("en/a.ftl", "hello = Hello\n")]);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].file, Path::new("id"));
        assert!(problems[0].message.contains("default language"));

        let missing = Texts::load(Path::new("/nonexistent/locales"));
        assert!(matches!(missing, Err(p) if p.len() == 1));
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

    #[test]
    fn sample_values_by_name() {
        let cases = [
            ("amount", TextArg::from("Rp1.250.000")),
            ("saldo", TextArg::from("Rp1.250.000")),
            ("merchant-name", TextArg::from("Siti Nurhaliza Putri")),
            ("merchant-code", TextArg::from("W001")),
            ("phone", TextArg::from("+6281234567890")),
            ("due-date", TextArg::from("2026-11-25")),
            ("count", TextArg::Num(12345)),
            ("n", TextArg::Num(12345)),
            ("nik", TextArg::from("************1234")),
            ("whatever", TextArg::from("abcdefghijklmnopqrst")),
        ];
        for (name, want) in cases {
            assert_eq!(sample_value(name), want, "{name}");
        }
    }
}
