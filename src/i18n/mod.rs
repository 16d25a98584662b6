//! The bot's texts: Project Fluent files `locales/<lang>/*.ftl`, `id` the default (DESIGN §1, §4).
//!
//! One [`Texts`] is loaded at start-up ([`Texts::load`], [`Texts::load_shipped`]) and handed to
//! whoever renders (the engine, the server's state, the daily jobs): no global, so a test or a
//! second deployment can load other locales.
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
//!
//! | file | what it holds |
//! | --- | --- |
//! | `mod.rs` | [`Texts`] and what it answers about its messages |
//! | `load.rs` | reading `locales/<lang>/*.ftl`; [`TextProblem`] with file and line |
//! | `render.rs` | rendering with [`TextArg`]s, isolation marks off, plain numbers, fallbacks |
//! | `syntax.rs` | walking Fluent's syntax tree: placeholders, literal texts |
//! | `samples.rs` | realistic placeholder values for the checks |
//! | `check.rs` | the text checks of `gotong check` |

mod check;
mod load;
mod render;
mod samples;
mod syntax;

pub use check::check_texts;
pub use load::{TextProblem, TextProblems};
pub use render::TextArg;
pub use samples::sample_value;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::FluentResource;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

/// The default language, whose texts every other language falls back to.
pub const DEFAULT_LANG: &str = "id";

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

impl Texts {
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
        let (message, _) = syntax::split_id(id);
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
            syntax::collect_message(&locale.bundle, id, &mut visited, &mut out);
        }
        out
    }

    /// Whether `lang` has message `id` (or `id.attribute`) of its own, without fallback.
    pub fn has(&self, lang: &str, id: &str) -> bool {
        self.locale(lang)
            .is_some_and(|l| syntax::pattern(&l.bundle, id).is_some())
    }
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::starter;
    use super::*;

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
}
