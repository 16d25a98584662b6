//! Reading `locales/<lang>/*.ftl` into [`Texts`]: every problem is collected with its file and
//! line (not just the first), so `gotong check` and a refused start show all of them at once.
//! A duplicate message id keeps its first definition and names both places.

use super::render::plain_numbers;
use super::{Locale, Origin, Texts, DEFAULT_LANG};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentError, FluentResource};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use thiserror::Error;
use unic_langid::LanguageIdentifier;

/// A problem in the locale files, reported as `file:line: message` (line 0: the whole file or
/// directory).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}:{}: {}", .file.display(), .line, .message)]
pub struct TextProblem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

/// All the problems that kept the locales from loading, one per line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the locales do not load:\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct TextProblems(pub Vec<TextProblem>);

impl TextProblem {
    pub(super) fn new(file: &Path, line: usize, message: impl Into<String>) -> Self {
        TextProblem {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
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

    /// Loads the locales shipped with Gotong (`locales/`, see [`crate::app::asset_dir`]): what
    /// a command does once at start-up, and a test once for its app.
    pub fn load_shipped() -> Result<Texts, TextProblems> {
        Texts::load(&crate::app::asset_dir("locales")).map_err(TextProblems)
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{load, load_err};
    use super::*;

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
}
