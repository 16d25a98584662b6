//! Reading what a resident typed at a step, by the step's input kind. Each bad input gets its own
//! message id, so the re-prompt says exactly what was wrong.

use super::flow::{InputKind, Step};
use crate::message::Content;
use crate::parse;
use crate::parse::words;
use crate::text::money::format_rupiah;

/// An accepted input.
#[derive(Clone, Debug, PartialEq)]
pub enum Accepted {
    /// A value to keep in the session under the step's name.
    Value(String),
    /// A PIN: handed to the step's action, never stored.
    Pin(String),
    /// The index of the chosen menu option.
    Option(usize),
    /// Yes (`true`) or no.
    YesNo(bool),
    /// An optional step skipped.
    Skip,
}

/// Why an input was refused: a message id and its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejection {
    pub message: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Rejection {
    fn new(message: &'static str) -> Self {
        Rejection {
            message,
            args: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Words that leave the current flow, whatever it is (at a PIN step with a `no` target, they are
/// its no: "type the PIN to agree, BATAL to cancel").
pub const CANCEL_WORDS: [&str; 2] = ["BATAL", "CANCEL"];

/// The word that skips an optional step.
pub const SKIP_WORDS: [&str; 2] = ["LEWATI", "SKIP"];

/// Reads `content` as the input `step` expects. `labels` are the menu options' rendered labels and
/// `words` their keywords (upper case), for menu steps.
pub fn accept(
    lang: &str,
    step: &Step,
    content: &Content,
    labels: &[String],
    words: &[Option<String>],
) -> Result<Accepted, Rejection> {
    let raw = content.input_text().trim();
    match step.input {
        InputKind::None => Ok(Accepted::Skip),
        InputKind::Menu => accept_choice(raw, labels, words),
        InputKind::Number => {
            use parse::choice::NumberError as E;
            let (min, max) = (step.min.unwrap_or(i64::MIN), step.max.unwrap_or(i64::MAX));
            // A number with its unit (`3 hari`, `15 kotak`) is that number.
            parse::choice::parse_whole_number(words::strip_unit(raw), min, max)
                .map(|n| Accepted::Value(n.to_string()))
                .map_err(|e| match e {
                    E::TooSmall { .. } | E::TooLarge { .. } => Rejection::new("input-number-range")
                        .with("min", min)
                        .with("max", max),
                    _ => Rejection::new("input-number-invalid"),
                })
        }
        InputKind::Amount => {
            use parse::amount::AmountError as E;
            let n = parse::amount::parse_amount(raw).map_err(|e| match e {
                E::Zero => Rejection::new("input-amount-zero"),
                E::Negative => Rejection::new("input-amount-negative"),
                E::Fraction => Rejection::new("input-amount-fraction"),
                E::TooLarge => Rejection::new("input-amount-too-large")
                    .with("max", format_rupiah(parse::amount::MAX_AMOUNT)),
                _ => Rejection::new("input-amount-invalid"),
            })?;
            if let Some(min) = step.min.filter(|m| n < *m) {
                return Err(Rejection::new("input-amount-below").with("min", format_rupiah(min)));
            }
            if let Some(max) = step.max.filter(|m| n > *m) {
                return Err(Rejection::new("input-amount-above").with("max", format_rupiah(max)));
            }
            Ok(Accepted::Value(n.to_string()))
        }
        InputKind::Phone => parse::normalize_phone(raw)
            .map(Accepted::Value)
            .ok_or_else(|| Rejection::new("input-phone-invalid")),
        InputKind::Nik => {
            use parse::nik::NikError as E;
            parse::nik::parse_nik(raw)
                .map(|n| Accepted::Value(n.as_str().to_string()))
                .map_err(|e| match e {
                    E::Empty | E::WrongLength(_) | E::NotDigits => {
                        Rejection::new("input-nik-length")
                    }
                    _ => Rejection::new("input-nik-date"),
                })
        }
        // The PIN is the yes of a money action (DESIGN §4); where the step has a `no`, `BATAL`
        // or a no-word (never a number: `2` is a mistyped PIN, not a refusal) is the no.
        InputKind::Pin if step.no.is_some() && says_no_to_pin(raw, lang) => {
            Ok(Accepted::YesNo(false))
        }
        InputKind::Pin => parse::pin::parse_pin(raw)
            .map(|p| Accepted::Pin(p.expose().to_string()))
            .map_err(|_| Rejection::new("input-pin-invalid")),
        InputKind::YesNo => parse::choice::parse_yes_no(raw, lang)
            .map(Accepted::YesNo)
            .map_err(|_| Rejection::new("input-yesno-invalid")),
        // A message that may be a PIN is never a title, a name or a code (DESIGN §6: it would be
        // echoed back): a code has a letter (`W001`) or a `#` (`#1024`).
        InputKind::Text if words::may_be_pin(raw) => Err(Rejection::new("input-digits-refused")),
        InputKind::Text => {
            let len = raw.chars().count() as i64;
            let min = step.min.unwrap_or(1);
            let max = step.max.unwrap_or(500);
            if len < min {
                Err(Rejection::new("input-text-too-short").with("min", min))
            } else if len > max {
                Err(Rejection::new("input-text-too-long")
                    .with("max", max)
                    .with("length", len))
            } else {
                Ok(Accepted::Value(raw.to_string()))
            }
        }
        InputKind::Photo => match content {
            Content::Image { media_id, .. } => Ok(Accepted::Value(media_id.clone())),
            _ if step.optional && SKIP_WORDS.contains(&raw.to_uppercase().as_str()) => {
                Ok(Accepted::Skip)
            }
            _ => Err(Rejection::new("input-photo-expected")),
        },
    }
}

/// `BATAL`, or a no-word that is not a number, typed where a PIN is the yes.
pub fn says_no_to_pin(raw: &str, lang: &str) -> bool {
    let word = words::trim_trailing(raw).to_uppercase();
    CANCEL_WORDS.contains(&word.as_str())
        || (!word.chars().any(|c| c.is_ascii_digit())
            && matches!(parse::choice::parse_yes_no(raw, lang), Ok(false)))
}

fn accept_choice(
    raw: &str,
    labels: &[String],
    words: &[Option<String>],
) -> Result<Accepted, Rejection> {
    let n = labels.len();
    if let Ok(i) = parse::choice::parse_choice(raw, n) {
        return Ok(Accepted::Option(i));
    }
    let upper = raw.to_uppercase();
    if let Some(i) = words
        .iter()
        .position(|w| w.as_deref() == Some(upper.as_str()))
        .or_else(|| labels.iter().position(|l| l.to_uppercase() == upper))
    {
        return Ok(Accepted::Option(i));
    }
    // A choice that may be a PIN is not echoed back (DESIGN §6).
    let rejection = if upper.chars().all(|c| c.is_ascii_digit())
        && !upper.is_empty()
        && !words::may_be_pin(&upper)
    {
        Rejection::new("input-choice-out-of-range").with("choice", upper)
    } else {
        Rejection::new("input-choice-invalid")
    };
    Err(rejection.with("max", n))
}
