//! `gotong check` for flows: every step reachable, every step with a way out, every transition,
//! action, flow and message id known, and each flow agreeing with its actions' contracts
//! ([`super::contract_check`]). Texts are checked by `i18n::check_texts`.

use super::actions::Contract;
use super::contract_check;
use super::flow::{Flow, FlowProblem, InputKind, END};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the flows may refer to outside themselves.
pub struct Known<'a> {
    /// Every action a flow may name, with its contract.
    pub actions: &'a BTreeMap<&'static str, Contract>,
    /// Does every locale have this message id? Returns the languages missing it.
    pub missing_in: &'a dyn Fn(&str) -> Vec<String>,
    /// Rendered option labels, to check they fit a WhatsApp button (≤ 20 characters).
    pub label_len: &'a dyn Fn(&str) -> usize,
    /// The variables (`{ $name }`) a message uses, in any locale.
    pub placeholders: &'a dyn Fn(&str) -> BTreeSet<String>,
}

pub fn check_flows(flows: &BTreeMap<String, Flow>, known: &Known<'_>) -> Vec<FlowProblem> {
    let mut problems = Vec::new();
    let mut keyword_owner: HashMap<&str, &str> = HashMap::new();
    for flow in flows.values() {
        let at = |line: usize, message: String| FlowProblem {
            file: flow.file.clone(),
            line,
            message,
        };
        for kw in &flow.keywords {
            if let Some(other) = keyword_owner.insert(kw, &flow.name) {
                problems.push(at(
                    1,
                    format!("keyword {kw} is also a keyword of flow {other}"),
                ));
            }
        }
        if flow.step(&flow.start).is_none() {
            problems.push(at(1, format!("start step {:?} does not exist", flow.start)));
        }
        for arg in &flow.args {
            if flow.step(arg).is_none() {
                problems.push(at(1, format!("argument step {arg:?} does not exist")));
            }
        }
        let mut seen = BTreeSet::new();
        for step in &flow.steps {
            let here = |m: String| at(step.line, format!("step {}: {m}", step.name));
            if step.name == END {
                problems.push(here(format!("{END:?} is reserved for finishing the flow")));
            }
            if !seen.insert(step.name.as_str()) {
                problems.push(here("defined twice".into()));
            }
            for target in step.targets() {
                if target != END && flow.step(target).is_none() {
                    problems.push(here(format!("transition to unknown step {target:?}")));
                }
            }
            if let Some(a) = &step.action {
                if !known.actions.contains_key(a.as_str()) {
                    problems.push(here(format!("unknown action {a:?}")));
                }
            }
            match step.input {
                InputKind::Menu if step.options.is_empty() => {
                    problems.push(here("a menu step needs options".into()))
                }
                InputKind::YesNo if step.yes.is_none() != step.no.is_none() => problems.push(here(
                    "a yes/no step needs both `yes` and `no`, or neither".into(),
                )),
                _ => {}
            }
            if step.input != InputKind::Menu && !step.options.is_empty() {
                problems.push(here("options are only for menu steps".into()));
            }
            if step.prompt.is_none() && step.input != InputKind::None {
                problems.push(here("a step that asks for input needs a prompt".into()));
            }
            let mut ids: Vec<&str> = step.prompt.iter().map(String::as_str).collect();
            ids.extend(step.invalid.as_deref());
            for o in &step.options {
                ids.push(&o.label);
                if let Some(f) = &o.flow {
                    if !flows.contains_key(f) {
                        problems.push(here(format!(
                            "option {} starts unknown flow {f:?}",
                            o.label
                        )));
                    }
                }
                if (known.label_len)(&o.label) > 20 {
                    problems.push(here(format!(
                        "option label {} is longer than a WhatsApp button (20 characters)",
                        o.label
                    )));
                }
            }
            for id in ids {
                for lang in (known.missing_in)(id) {
                    problems.push(here(format!("message {id:?} is missing in locale {lang}")));
                }
            }
        }
        problems.extend(reachability(flow));
        problems.extend(contract_check::check(flow, known));
    }
    problems
}

/// Unreachable steps, and steps from which the flow can never finish.
fn reachability(flow: &Flow) -> Vec<FlowProblem> {
    let mut problems = Vec::new();
    let mut reached = BTreeSet::new();
    let mut todo = vec![flow.start.as_str()];
    while let Some(s) = todo.pop() {
        if s == END || !reached.insert(s) {
            continue;
        }
        if let Some(step) = flow.step(s) {
            todo.extend(step.targets());
        }
    }
    // A step can finish if it leaves the flow itself, runs an action (which may finish it), or
    // leads to a step that can.
    let mut finishing: BTreeSet<&str> = flow
        .steps
        .iter()
        .filter(|s| s.leaves_flow() || s.action.is_some())
        .map(|s| s.name.as_str())
        .collect();
    loop {
        let before = finishing.len();
        for s in &flow.steps {
            if s.targets().iter().any(|t| finishing.contains(t)) {
                finishing.insert(&s.name);
            }
        }
        if finishing.len() == before {
            break;
        }
    }
    for s in &flow.steps {
        if !reached.contains(s.name.as_str()) {
            problems.push(FlowProblem {
                file: flow.file.clone(),
                line: s.line,
                message: format!("step {}: unreachable from the start step", s.name),
            });
        } else if !finishing.contains(s.name.as_str()) {
            problems.push(FlowProblem {
                file: flow.file.clone(),
                line: s.line,
                message: format!("step {}: no way out (never reaches \"end\")", s.name),
            });
        }
    }
    problems
}
