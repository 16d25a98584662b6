//! Flow files (`flows/*.toml`): one conversation each, readable without the code.
//!
//! ```toml
//! name = "language"            # the flow's name
//! keywords = ["BAHASA", "LANGUAGE"]
//! args = ["choose"]            # `BAHASA EN` fills the step `choose` with `EN`
//!                              # (a flow without `args` gets the words as the value `_args`)
//! start = "choose"
//!
//! [[step]]
//! name = "choose"
//! prompt = "language-ask"      # a Fluent message id
//! input = "menu"               # menu, number, amount, phone, nik, pin, yesno, text, photo, none
//! options = [ { label = "language-id", word = "ID", value = "id" }, … ]
//! action = "set_language"      # a named action implemented in Rust
//! next = "end"                 # the step after this one; "end" finishes the flow
//! ```
//!
//! Other step keys: `invalid` (message id of the re-prompt on bad input), `max_tries` (give up
//! after that many bad inputs; default 3), `min` / `max` (numbers, amounts, text length),
//! `yes` / `no` (targets of a yes/no step; `no` on a PIN step: `BATAL` or a no-word is its no,
//! handed to the action as the input `0`), `on` (a table from the action's named outcomes to
//! steps: `on = { recorded = "choose_pin", needs_code = "code" }`), `code` (a text step taking a code such as `W001`: as a keyword's argument only such a word counts),
//! `optional` (a photo step: `LEWATI` skips it, and SMS,
//! which cannot carry a photo, skips it without asking). An option may name `next` (a step),
//! `flow` (another flow to start) or `value` (stored as the step's value).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The reserved target that finishes a flow.
pub const END: &str = "end";

/// What a step expects from the resident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// A message only; the flow moves on at once.
    #[default]
    None,
    Menu,
    Number,
    Amount,
    Phone,
    Nik,
    Pin,
    YesNo,
    Text,
    Photo,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionDef {
    /// Message id of the option's label (≤ 20 characters rendered, to fit a WhatsApp button).
    pub label: String,
    /// A word that chooses this option besides its number (`SALDO`, `EN`).
    #[serde(default)]
    pub word: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub flow: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    name: toml::Spanned<String>,
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    input: InputKind,
    #[serde(default)]
    invalid: Option<String>,
    #[serde(default)]
    max_tries: Option<u32>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    options: Vec<OptionDef>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    yes: Option<String>,
    #[serde(default)]
    no: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    on: BTreeMap<String, String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    code: bool,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowFile {
    name: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    start: String,
    #[serde(default)]
    step: Vec<StepFile>,
}

/// One step of a flow, as loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: String,
    /// Message id shown on entering the step; a message-only step may leave it to its action.
    pub prompt: Option<String>,
    pub input: InputKind,
    pub invalid: Option<String>,
    pub max_tries: u32,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub options: Vec<OptionDef>,
    pub next: Option<String>,
    pub yes: Option<String>,
    pub no: Option<String>,
    pub action: Option<String>,
    /// Outcomes of the action by name (`recorded = "choose_pin"`) → the step each leads to.
    pub on: BTreeMap<String, String>,
    pub optional: bool,
    /// A text step that takes a code (`W001`): as a keyword's argument, only one word of letters
    /// and digits with a digit counts (`TERIMA kasih` is not `TERIMA <item>`).
    pub code: bool,
    /// Line of the step's `name` in its file, for `gotong check`.
    pub line: usize,
}

impl Step {
    /// Every step (or `end`) this step can lead to, besides what its action decides.
    pub fn targets(&self) -> Vec<&str> {
        let mut t: Vec<&str> = [&self.next, &self.yes, &self.no]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        t.extend(self.options.iter().filter_map(|o| o.next.as_deref()));
        t.extend(self.on.values().map(String::as_str));
        t
    }

    /// Whether the step can finish the flow or hand over to another flow by itself.
    pub fn leaves_flow(&self) -> bool {
        self.targets().contains(&END) || self.options.iter().any(|o| o.flow.is_some())
    }
}

/// A conversation, as loaded from one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub name: String,
    pub keywords: Vec<String>,
    pub args: Vec<String>,
    pub start: String,
    pub steps: Vec<Step>,
    pub file: PathBuf,
}

impl Flow {
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// Parses one flow file's text.
    pub fn parse(file: &Path, text: &str) -> Result<Flow, FlowProblem> {
        let f: FlowFile = toml::from_str(text).map_err(|e| FlowProblem {
            file: file.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        let steps = f
            .step
            .into_iter()
            .map(|s| Step {
                line: line_of(text, s.name.span().start),
                name: s.name.into_inner(),
                prompt: s.prompt,
                input: s.input,
                invalid: s.invalid,
                max_tries: s.max_tries.unwrap_or(3),
                min: s.min,
                max: s.max,
                options: s.options,
                next: s.next,
                yes: s.yes,
                no: s.no,
                action: s.action,
                on: s.on,
                optional: s.optional,
                code: s.code,
            })
            .collect();
        Ok(Flow {
            name: f.name,
            keywords: f.keywords.iter().map(|k| k.to_uppercase()).collect(),
            args: f.args,
            start: f.start,
            steps,
            file: file.to_path_buf(),
        })
    }
}

/// A problem in a flow file, printed as `file:line: message`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowProblem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for FlowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Reads every `*.toml` in `dir`, by file name. Parse errors are returned, not skipped.
pub fn load_flows(dir: &Path) -> Result<BTreeMap<String, Flow>, Vec<FlowProblem>> {
    let mut problems = Vec::new();
    let mut flows = BTreeMap::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![FlowProblem {
                file: dir.to_path_buf(),
                line: 1,
                message: format!("cannot read the flows directory: {e}"),
            }])
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| FlowProblem {
                file: path.clone(),
                line: 1,
                message: format!("cannot read: {e}"),
            })
            .and_then(|text| Flow::parse(&path, &text));
        match parsed {
            Ok(flow) => {
                if let Some(other) = flows.insert(flow.name.clone(), flow.clone()) {
                    problems.push(FlowProblem {
                        file: path.clone(),
                        line: 1,
                        message: format!(
                            "flow name {:?} is also used by {}",
                            flow.name,
                            other.file.display()
                        ),
                    });
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(flows)
    } else {
        Err(problems)
    }
}
