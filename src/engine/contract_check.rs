//! `gotong check`, the part that proves each flow agrees with the contracts of its actions
//! ([`Contract`]): renaming or dropping a step, or an `on` entry, would otherwise hand an action
//! nothing, or end the flow where a branch was meant, without a word. For every flow:
//! 1. every value an action reads is collected by a step of the flow, is an engine value
//!    ([`ARGS_KEY`] in a flow without `args`), or is written by an action of the flow;
//! 2. every branch an action can return is in its step's `on` table, and the table names no
//!    branch the action never returns (nor is there a table without an action);
//! 3. in a flow that runs actions, every value a step collects is used: by the step's own
//!    action (its input), read by an action of the flow, shown by one of the flow's messages
//!    (`{ $name }`), or it chooses where the flow goes (a yes/no step with `yes`/`no`, a menu
//!    whose options lead somewhere). A flow without any action only asks and hands nothing on
//!    (the smallest fixture of `tests/check.rs`), so there is nothing for its answers to miss.

use super::actions::Contract;
use super::check::Known;
use super::flow::{Flow, FlowProblem, InputKind, Step};
use super::runner::ARGS_KEY;
use std::collections::BTreeSet;

pub fn check(flow: &Flow, known: &Known<'_>) -> Vec<FlowProblem> {
    let mut problems = Vec::new();
    let contracts: Vec<(&Step, &str, Contract)> = flow
        .steps
        .iter()
        .filter_map(|s| {
            let name = s.action.as_deref()?;
            Some((s, name, *known.actions.get(name)?))
        })
        .collect();
    let mut available: BTreeSet<&str> = flow
        .steps
        .iter()
        .filter(|s| collects(s))
        .map(|s| s.name.as_str())
        .collect();
    if flow.args.is_empty() {
        available.insert(ARGS_KEY);
    }
    available.extend(
        contracts
            .iter()
            .flat_map(|(_, _, c)| c.writes.iter().copied()),
    );
    let read: BTreeSet<&str> = contracts
        .iter()
        .flat_map(|(_, _, c)| c.reads.iter().copied())
        .collect();
    let runs_actions = flow.steps.iter().any(|s| s.action.is_some());
    let shown: BTreeSet<String> = messages(flow)
        .flat_map(|id| (known.placeholders)(id))
        .collect();
    for step in &flow.steps {
        let at = |message: String| FlowProblem {
            file: flow.file.clone(),
            line: step.line,
            message: format!("step {}: {message}", step.name),
        };
        let contract = contracts.iter().find(|(s, _, _)| std::ptr::eq(*s, step));
        match contract {
            Some((_, action, c)) => {
                for r in c.reads.iter().filter(|r| !available.contains(*r)) {
                    problems.push(at(format!(
                        "action {action} reads {r:?}, which no step of flow {} collects \
                         and none of its actions writes",
                        flow.name
                    )));
                }
                for b in c.branches.iter().filter(|b| !step.on.contains_key(**b)) {
                    problems.push(at(format!(
                        "action {action} can return branch {b:?}, which the step's on table lacks"
                    )));
                }
                for b in step.on.keys().filter(|b| !c.branches.contains(&b.as_str())) {
                    problems.push(at(format!(
                        "the on table names branch {b:?}, which action {action} never returns"
                    )));
                }
            }
            None if step.action.is_none() && !step.on.is_empty() => {
                problems.push(at("an on table needs an action to choose a branch".into()))
            }
            None => {}
        }
        let used = step.action.is_some()
            || read.contains(step.name.as_str())
            || shown.contains(&step.name)
            || routes(step);
        if collects(step) && !used && runs_actions {
            problems.push(at(format!(
                "collects a value that no action of flow {} reads and none of its messages shows",
                flow.name
            )));
        }
    }
    problems
}

/// Whether the step keeps the resident's answer under its name (a PIN never is kept; a menu
/// keeps its options' `value`s).
fn collects(step: &Step) -> bool {
    match step.input {
        InputKind::None | InputKind::Pin => false,
        InputKind::Menu => step.options.iter().any(|o| o.value.is_some()),
        InputKind::Number
        | InputKind::Amount
        | InputKind::Phone
        | InputKind::Nik
        | InputKind::YesNo
        | InputKind::Text
        | InputKind::Photo => true,
    }
}

/// Whether the answer chooses the next step itself.
fn routes(step: &Step) -> bool {
    match step.input {
        InputKind::YesNo => step.yes.is_some(),
        InputKind::Menu => step
            .options
            .iter()
            .any(|o| o.next.is_some() || o.flow.is_some()),
        _ => false,
    }
}

/// Every message id the flow itself shows: prompts, re-prompts and option labels.
fn messages(flow: &Flow) -> impl Iterator<Item = &str> {
    flow.steps.iter().flat_map(|s| {
        s.prompt
            .iter()
            .chain(s.invalid.iter())
            .chain(s.options.iter().map(|o| &o.label))
            .map(String::as_str)
    })
}
