//! Walking Fluent's syntax tree, which `fluent_bundle` does not do for us: the variables a
//! message uses (through selects, function and term arguments and the messages it references,
//! each visited once) and the literal texts of every variant, which the checks read.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::FluentResource;
use fluent_syntax::ast;
use std::collections::BTreeSet;

/// `message.attribute` → (`message`, `Some("attribute")`).
pub(super) fn split_id(id: &str) -> (&str, Option<&str>) {
    match id.split_once('.') {
        Some((m, a)) => (m, Some(a)),
        None => (id, None),
    }
}

/// The pattern of `id` / `id.attribute`, if the message (and attribute) exist and have one.
pub(super) fn pattern<'b>(
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

/// Adds the variables of message `id` (or `id.attribute`) to `out`; `visited` stops loops of
/// messages referencing each other.
pub(super) fn collect_message(
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
pub(super) fn pattern_texts<'a>(pattern: &'a ast::Pattern<&'a str>, out: &mut Vec<&'a str>) {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::load;
    use std::collections::BTreeSet;

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
}
