//! Running flows: one inbound message → one step (see the precedence in `engine/mod.rs`).

use super::actions::{self, Action, Ctx, Outcome, Running, Values};
use super::check::{check_flows, Known};
use super::flow::{load_flows, Flow, InputKind, Step, END};
use super::input::{self, Accepted, CANCEL_WORDS};
use super::pin_ahead;
use super::render::{self, Item};
use crate::accounts::pin_verdicts::PinVerdicts;
use crate::config::Config;
use crate::error::StoreResult;
use crate::i18n::{Texts, DEFAULT_LANG};
use crate::inbox::{Conversation, Handled};
use crate::message::{Body, Channel, Content, Outbound, StoredInbound};
use crate::parse::words;
use crate::store::{Contact, Db, FlowEventCounts, Session, Tx};
use crate::text::gsm7::to_gsm7_lossy;
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Text of this many words or more that nobody understood is offered `TANYA`.
const SENTENCE_WORDS: usize = 3;
/// On WhatsApp, a menu of more options than this (a list) is not sent again after a wrong answer.
const LONG_MENU: usize = 3;
/// Session values starting with this are the engine's own (menu page…), not the flow's.
const PAGE_KEY: &str = "_page";
/// The words after the keyword of a flow that declares no `args` steps, for its actions.
pub const ARGS_KEY: &str = "_args";

/// Message ids the engine itself uses (checked by `gotong check` like the flows' ids).
pub const ENGINE_MESSAGES: &[&str] = &[
    "engine-only-text",
    "engine-error",
    "engine-empty",
    "engine-cancelled",
    "engine-nothing-to-cancel",
    "engine-not-understood",
    "engine-not-understood-ask",
    "engine-courtesy",
    "engine-keyword-alone",
    "engine-timed-out",
    "engine-gave-up",
    "engine-photo-not-expected",
    "engine-photo-needs-whatsapp",
    "engine-next-page",
    "engine-list-button",
    "engine-yes",
    "engine-no",
    "input-number-invalid",
    "input-number-range",
    "input-amount-invalid",
    "input-amount-zero",
    "input-amount-negative",
    "input-amount-fraction",
    "input-amount-too-large",
    "input-amount-below",
    "input-amount-above",
    "input-phone-invalid",
    "input-nik-length",
    "input-nik-date",
    "input-pin-invalid",
    "input-yesno-invalid",
    "input-text-too-short",
    "input-text-too-long",
    "input-digits-refused",
    "input-photo-expected",
    "input-choice-invalid",
    "input-choice-out-of-range",
];

/// The engine: flows, texts and actions, loaded once and shared.
pub struct Engine {
    flows: BTreeMap<String, Flow>,
    keywords: HashMap<String, String>,
    /// Flows without argument steps whose actions read the words after the keyword (`_args`).
    reads_args: BTreeSet<String>,
    actions: BTreeMap<&'static str, Arc<dyn Action>>,
    texts: Arc<Texts>,
    config: Arc<Config>,
    /// PINs verified before the unit of work that checks them.
    pins: PinVerdicts,
}

/// The state of one turn (one inbound message).
struct Turn<'a> {
    tx: &'a mut Tx,
    phone: &'a str,
    channel: Channel,
    lang: String,
    now: i64,
    session: Option<Session>,
    /// Finished messages (menus), in order.
    out: Vec<Body>,
    /// Texts waiting to be joined into as few messages as possible.
    pending: Vec<String>,
    notices: Vec<Outbound>,
    /// While a keyword's arguments fill steps, their prompts are not shown.
    quiet: bool,
    /// The inbound text was a PIN: store it masked.
    masked: bool,
    /// A step accepted the inbound text as its answer (a message that may be a PIN is then
    /// stored as typed: an amount, a quantity, a NIK).
    accepted: bool,
    /// Flow-step analytics of this turn, written with one statement at its end (same unit of work).
    counts: FlowEventCounts,
}

impl Turn<'_> {
    fn push_body(&mut self, body: Body) {
        match body {
            Body::Text { text } => self.pending.push(text),
            Body::Buttons { text, buttons } => {
                let text = self.take_pending_before(text);
                self.out.push(Body::Buttons { text, buttons });
            }
            Body::List { text, button, rows } => {
                let text = self.take_pending_before(text);
                self.out.push(Body::List { text, button, rows });
            }
            other => self.out.push(other),
        }
    }

    fn take_pending_before(&mut self, text: String) -> String {
        let mut parts = std::mem::take(&mut self.pending);
        parts.push(text);
        parts.join("\n")
    }

    /// The turn's replies. On SMS every text is made GSM-7 here, the last safety net for what
    /// residents typed and the bot echoes (a title, a search word): an emoji becomes `?` rather
    /// than turning the whole SMS into UCS-2.
    fn into_replies(self) -> Vec<Body> {
        let sms = self.channel == Channel::Sms;
        let mut out = self.out;
        out.extend(
            render::pack_texts(&self.pending)
                .into_iter()
                .map(Body::text),
        );
        if sms {
            for body in &mut out {
                if let Body::Text { text } = body {
                    *text = to_gsm7_lossy(text);
                }
            }
        }
        out
    }
}

impl Engine {
    /// Loads `flows/` and `locales/` and runs every check of `gotong check` ([`Engine::check`]);
    /// any problem is returned (the server refuses to start), so a flow that disagrees with its
    /// actions never serves.
    pub fn load(
        flows_dir: &Path,
        locales_dir: &Path,
        config: Arc<Config>,
    ) -> Result<Engine, Vec<String>> {
        let flows = load_flows(flows_dir)
            .map_err(|ps| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>())?;
        let texts = Texts::load(locales_dir)
            .map_err(|ps| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>())?;
        let engine = Engine::new(flows, Arc::new(texts), config);
        let problems = engine.check();
        if problems.is_empty() {
            Ok(engine)
        } else {
            Err(problems)
        }
    }

    /// Loads the flows and locales shipped in this crate's directory.
    pub fn load_default(config: Arc<Config>) -> Result<Engine, Vec<String>> {
        use crate::app::asset_dir;
        Self::load(&asset_dir("flows"), &asset_dir("locales"), config)
    }

    pub fn new(flows: BTreeMap<String, Flow>, texts: Arc<Texts>, config: Arc<Config>) -> Engine {
        let keywords = flows
            .values()
            .flat_map(|f| f.keywords.iter().map(|k| (k.clone(), f.name.clone())))
            .collect();
        let actions = actions::registry();
        let reads_args = flows
            .values()
            .filter(|f| f.args.is_empty())
            .filter(|f| {
                f.steps.iter().any(|step| {
                    step.action
                        .as_deref()
                        .and_then(|a| actions.get(a))
                        .is_some_and(|a| a.contract().reads.contains(&ARGS_KEY))
                })
            })
            .map(|f| f.name.clone())
            .collect();
        Engine {
            flows,
            keywords,
            reads_args,
            actions,
            texts,
            config,
            pins: PinVerdicts::default(),
        }
    }

    /// What `step` of `flow` expects, if the flow has that step.
    pub(super) fn input_of(&self, flow: &str, step: &str) -> Option<InputKind> {
        Some(self.flows.get(flow)?.step(step)?.input)
    }

    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn pin_verdicts(&self) -> &PinVerdicts {
        &self.pins
    }

    /// The texts the engine renders with, to share with the rest of the [`App`](crate::app::App).
    pub fn texts(&self) -> &Arc<Texts> {
        &self.texts
    }

    pub fn flows(&self) -> &BTreeMap<String, Flow> {
        &self.flows
    }

    /// Every problem `gotong check` reports: flows, texts, and the engine's own message ids.
    pub fn check(&self) -> Vec<String> {
        let contracts: BTreeMap<&'static str, actions::Contract> = self
            .actions
            .iter()
            .map(|(name, a)| (*name, a.contract()))
            .collect();
        let missing_in = |id: &str| -> Vec<String> {
            self.texts
                .languages()
                .into_iter()
                .filter(|lang| !self.texts.has(lang, id))
                .map(|l| l.to_string())
                .collect()
        };
        let label_len = |id: &str| -> usize {
            self.texts
                .languages()
                .into_iter()
                .map(|lang| self.texts.render(lang, id, &[]).chars().count())
                .max()
                .unwrap_or(0)
        };
        let placeholders = |id: &str| -> BTreeSet<String> {
            self.texts
                .languages()
                .into_iter()
                .flat_map(|lang| self.texts.placeholders(lang, id))
                .collect()
        };
        let known = Known {
            actions: &contracts,
            missing_in: &missing_in,
            label_len: &label_len,
            placeholders: &placeholders,
        };
        let mut problems: Vec<String> = check_flows(&self.flows, &known)
            .iter()
            .map(|p| p.to_string())
            .collect();
        for id in ENGINE_MESSAGES {
            for lang in missing_in(id) {
                problems.push(format!(
                    "src/engine/runner.rs:1: message {id:?} used by the engine is missing in locale {lang}"
                ));
            }
        }
        problems.extend(
            crate::i18n::check_texts(&self.texts)
                .iter()
                .map(|p| p.to_string()),
        );
        problems
    }

    fn say(&self, turn: &mut Turn<'_>, id: &str, args: &[(&str, String)]) {
        let empty = BTreeMap::new();
        let values = turn.session.as_ref().map(|s| &s.values).unwrap_or(&empty);
        let text = self.texts.render_with(&turn.lang, id, values, args);
        turn.pending.push(text);
    }

    fn current<'f>(&'f self, turn: &Turn<'_>) -> Option<(&'f Flow, &'f Step)> {
        let s = turn.session.as_ref()?;
        let flow = self.flows.get(&s.flow)?;
        Some((flow, flow.step(&s.step)?))
    }

    /// Counts a flow-step event; the turn's counts are written together at its end.
    fn count(&self, turn: &mut Turn<'_>, flow: &str, step: &str, event: &str) {
        turn.counts.add(flow, step, event);
    }

    fn leave_current(&self, turn: &mut Turn<'_>, event: &str) {
        if let Some(s) = turn.session.take() {
            self.count(turn, &s.flow, &s.step, event);
        }
    }

    async fn dispatch(&self, turn: &mut Turn<'_>, content: &Content) -> StoreResult<()> {
        let at_photo_step = self
            .current(turn)
            .is_some_and(|(_, step)| step.input == InputKind::Photo);
        match content {
            // A document, video or audio file is read by its caption; without one it is as a
            // sticker.
            Content::Unsupported { .. }
            | Content::Location { .. }
            | Content::Media { caption: None, .. } => {
                self.say(turn, "engine-only-text", &[]);
                return Ok(());
            }
            Content::Image { .. } if at_photo_step => {
                self.answer(turn, content).await?;
                return Ok(());
            }
            Content::Image { caption: None, .. } => {
                self.say(turn, "engine-photo-not-expected", &[]);
                self.reprompt(turn);
                return Ok(());
            }
            _ => {}
        }
        let text = clean_text(content.input_text());
        if text.is_empty() {
            self.say(turn, "engine-empty", &[]);
            self.reprompt(turn);
            return Ok(());
        }
        // Keywords are read without the punctuation at the end (`saldo?`); their arguments as
        // typed (a broadcast keeps its `!`), or else without it (`BAYAR W001 20rb.`).
        let typed: Vec<&str> = text.split_whitespace().collect();
        let words: Vec<&str> = words::trim_trailing(&text).split_whitespace().collect();
        let first = words.first().map(|w| w.to_uppercase()).unwrap_or_default();
        if CANCEL_WORDS.contains(&first.as_str()) && words.len() == 1 {
            // At a PIN step that is a money action's yes, `BATAL` is its no (a bill declined, an
            // order let go).
            let pin_with_no = self
                .current(turn)
                .is_some_and(|(_, step)| step.input == InputKind::Pin && step.no.is_some());
            if pin_with_no {
                self.answer(turn, &Content::Text { text }).await?;
            } else if turn.session.is_some() {
                self.leave_current(turn, "abandoned");
                self.say(turn, "engine-cancelled", &[]);
            } else {
                self.say(turn, "engine-nothing-to-cancel", &[]);
            }
            return Ok(());
        }
        // DESIGN §4, Recognition: a keyword alone counts anywhere (a typo of one only outside a
        // free-text step); with words after it, only when they are its arguments.
        if let Some((flow, used, exact)) = self.keyword(&words) {
            let step_input = self.current(turn).map(|(_, step)| step.input);
            let args = if words.len() > used {
                [&typed[used..], &words[used..]]
                    .into_iter()
                    .find(|args| self.args_fit(&turn.lang, flow, args))
            } else if step_input == Some(InputKind::YesNo)
                && crate::parse::parse_yes_no(&text, &turn.lang).is_ok()
            {
                // A keyword that is also a yes/no answer (`BUKAN`) is that answer at a Ya/Tidak
                // step.
                None
            } else if exact || step_input != Some(InputKind::Text) {
                Some(&[][..])
            } else {
                None
            };
            if let Some(args) = args {
                self.leave_current(turn, "abandoned");
                return self.start(turn, flow, args).await;
            }
        }
        if words::is_courtesy(&text) {
            let step_takes_it = self
                .current(turn)
                .is_some_and(|(_, step)| match step.input {
                    InputKind::Text => !step.code,
                    InputKind::YesNo => crate::parse::parse_yes_no(&text, &turn.lang).is_ok(),
                    _ => false,
                });
            if !step_takes_it {
                self.say(turn, "engine-courtesy", &[]);
                return Ok(());
            }
        }
        if turn.session.is_some() {
            let answer = match content {
                Content::Choice { .. } | Content::Image { .. } => content.clone(),
                _ => Content::Text { text },
            };
            self.answer(turn, &answer).await?;
            return Ok(());
        }
        // A short answer that says what to type, not the whole menu again: a keyword followed by
        // a word or two that are not its arguments (`BAHASA FR`) is asked for alone.
        if let Some((flow, used, true)) = self.keyword(&words) {
            let wanted = self.flows.get(flow).map_or(0, |f| f.args.len());
            if words.len() - used <= wanted {
                let keyword = words[..used].join(" ").to_uppercase();
                self.say(turn, "engine-keyword-alone", &[("keyword", keyword)]);
                return Ok(());
            }
        }
        // A sentence nobody understood may be a question for a person: TANYA is offered.
        let id = if words.len() >= SENTENCE_WORDS {
            "engine-not-understood-ask"
        } else {
            "engine-not-understood"
        };
        self.say(turn, id, &[]);
        Ok(())
    }

    /// The flow a message's first words name, how many words its keyword takes, and whether the
    /// keyword was typed exactly: a two-word keyword (`BATAL SIARAN 5`) before a one-word one,
    /// then a keyword of 5 or more letters with one letter wrong, missing or extra (`sldo`),
    /// when only one flow's keywords are that close.
    fn keyword(&self, words: &[&str]) -> Option<(&String, usize, bool)> {
        if let [a, b, ..] = words {
            let two = format!("{} {}", a.to_uppercase(), b.to_uppercase());
            if let Some(flow) = self.keywords.get(&two) {
                return Some((flow, 2, true));
            }
        }
        let first = words.first()?.to_uppercase();
        if let Some(flow) = self.keywords.get(&first) {
            return Some((flow, 1, true));
        }
        let close: BTreeSet<&String> = self
            .keywords
            .iter()
            .filter(|(k, _)| !k.contains(' ') && words::one_typo_from(&first, k))
            .map(|(_, flow)| flow)
            .collect();
        match close.into_iter().collect::<Vec<_>>()[..] {
            [flow] => Some((flow, 1, false)),
            _ => None,
        }
    }

    /// Whether the words after a keyword are its arguments: each fills its `args` step as that
    /// step would accept it (a code step only a code), the last taking the rest. A flow without
    /// argument steps takes words only if its actions read them (`USULAN RW03`).
    fn args_fit(&self, lang: &str, flow_name: &str, args: &[&str]) -> bool {
        let Some(flow) = self.flows.get(flow_name) else {
            return false;
        };
        if flow.args.is_empty() {
            return self.reads_args.contains(flow_name);
        }
        let n = flow.args.len();
        for (i, name) in flow.args.iter().enumerate() {
            let value = arg_value(args, i, n);
            if value.is_empty() {
                break;
            }
            let Some(step) = flow.step(name) else {
                return false;
            };
            if step.code && !words::is_code(&value, step.max.unwrap_or(10) as usize) {
                return false;
            }
            let (labels, option_words) = self.options_of(lang, step);
            let content = Content::Text { text: value };
            if input::accept(lang, step, &content, &labels, &option_words).is_err() {
                return false;
            }
        }
        true
    }

    /// Starts `flow_name`; `args` (the words after its keyword) fill its `args` steps in order,
    /// the last one taking the rest of the words.
    async fn start(&self, turn: &mut Turn<'_>, flow_name: &str, args: &[&str]) -> StoreResult<()> {
        let Some(flow) = self.flows.get(flow_name) else {
            tracing::error!(flow = flow_name, "flow not loaded");
            return Ok(());
        };
        turn.session = Some(Session {
            phone: turn.phone.to_string(),
            kelurahan: turn.tx.kelurahan(),
            flow: flow.name.clone(),
            step: flow.start.clone(),
            values: Default::default(),
            retries: 0,
            updated_at: turn.now,
        });
        let fill = !args.is_empty() && !flow.args.is_empty();
        if !args.is_empty() && flow.args.is_empty() {
            // A flow without argument steps reads the words itself (`USULAN RW03`).
            if let Some(s) = turn.session.as_mut() {
                s.values.insert(ARGS_KEY.into(), args.join(" "));
            }
        }
        turn.quiet = fill;
        self.enter(turn, flow, &flow.start).await?;
        if fill {
            let n = flow.args.len();
            for (i, arg_step) in flow.args.iter().enumerate() {
                let value = arg_value(args, i, n);
                let still_here = turn
                    .session
                    .as_ref()
                    .is_some_and(|s| s.flow == flow.name && &s.step == arg_step);
                if value.is_empty() || !still_here {
                    break;
                }
                if !self.answer(turn, &Content::Text { text: value }).await? {
                    break;
                }
            }
            turn.quiet = false;
            self.reprompt(turn);
        }
        Ok(())
    }

    /// Moves to `target` (or finishes at `end`), showing the step's prompt. Message-only steps run
    /// their action, show their prompt and move on at once.
    async fn enter(&self, turn: &mut Turn<'_>, flow: &Flow, target: &str) -> StoreResult<()> {
        let mut target = target.to_string();
        let mut from = turn
            .session
            .as_ref()
            .map(|s| s.step.clone())
            .unwrap_or_default();
        loop {
            if target == END {
                self.count(turn, &flow.name, &from, "finished");
                turn.session = None;
                return Ok(());
            }
            let Some(step) = flow.step(&target) else {
                tracing::error!(flow = %flow.name, step = %target, "transition to unknown step");
                turn.session = None;
                return Ok(());
            };
            if let Some(s) = turn.session.as_mut() {
                s.step = step.name.clone();
                s.retries = 0;
                s.values.remove(PAGE_KEY);
            }
            self.count(turn, &flow.name, &step.name, "entered");
            if step.input == InputKind::Photo && turn.channel == Channel::Sms {
                if step.optional {
                    from = step.name.clone();
                    target = step.next.clone().unwrap_or_else(|| END.into());
                    continue;
                }
                self.say(turn, "engine-photo-needs-whatsapp", &[]);
                self.leave_current(turn, "abandoned");
                return Ok(());
            }
            if step.input != InputKind::None {
                self.prompt(turn, flow, step);
                return Ok(());
            }
            let outcome = match &step.action {
                Some(_) => self.run_action(turn, flow, step, None, None).await?,
                None => Outcome::Next,
            };
            if turn.session.is_none() {
                return Ok(());
            }
            if let Some(p) = &step.prompt {
                self.say(turn, p, &[]);
            }
            from = step.name.clone();
            target = match outcome {
                Outcome::Finish | Outcome::Reject(..) => END.into(),
                Outcome::Branch(b) => branch_target(flow, step, b),
                Outcome::Next => step.next.clone().unwrap_or_else(|| END.into()),
            };
        }
    }

    /// Shows the current step's prompt again (after a hint or a bad input), unless filling arguments.
    fn reprompt(&self, turn: &mut Turn<'_>) {
        if let Some((flow, step)) = self.current(turn) {
            if step.input != InputKind::None {
                self.prompt(turn, flow, step);
            }
        }
    }

    fn options_of(&self, lang: &str, step: &Step) -> (Vec<String>, Vec<Option<String>>) {
        if step.input == InputKind::YesNo {
            let labels = vec![
                self.texts.render(lang, "engine-yes", &[]),
                self.texts.render(lang, "engine-no", &[]),
            ];
            return (labels, vec![None, None]);
        }
        let labels = step
            .options
            .iter()
            .map(|o| self.texts.render(lang, &o.label, &[]))
            .collect();
        let words = step
            .options
            .iter()
            .map(|o| o.word.as_ref().map(|w| w.to_uppercase()))
            .collect();
        (labels, words)
    }

    fn prompt(&self, turn: &mut Turn<'_>, _flow: &Flow, step: &Step) {
        if turn.quiet {
            return;
        }
        let header = self.header(turn, step);
        if matches!(step.input, InputKind::Menu | InputKind::YesNo) {
            let (page, next) = self.menu_page(turn, step, &header);
            let button = self.texts.render(&turn.lang, "engine-list-button", &[]);
            let body = render::menu_body(turn.channel, &header, &page, &next, &button);
            turn.push_body(body);
        } else {
            turn.pending.push(header);
        }
    }

    /// The step's prompt, rendered with the flow's values.
    fn header(&self, turn: &Turn<'_>, step: &Step) -> String {
        let Some(p) = &step.prompt else {
            return String::new();
        };
        let empty = BTreeMap::new();
        let values = turn.session.as_ref().map(|s| &s.values).unwrap_or(&empty);
        self.texts.render_with(&turn.lang, p, values, &[])
    }

    /// The page of a menu step on show, and the "next page" label.
    fn menu_page(&self, turn: &Turn<'_>, step: &Step, header: &str) -> (render::Page, String) {
        let (labels, _) = self.options_of(&turn.lang, step);
        let items: Vec<Item> = labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| Item {
                id: (i + 1).to_string(),
                label,
            })
            .collect();
        let page = turn.session.as_ref().map(current_page).unwrap_or(0);
        let next = self.texts.render(&turn.lang, "engine-next-page", &[]);
        (
            render::page_of(turn.channel, header, &items, page, &next),
            next,
        )
    }

    async fn run_action(
        &self,
        turn: &mut Turn<'_>,
        flow: &Flow,
        step: &Step,
        input: Option<String>,
        pin: Option<String>,
    ) -> StoreResult<Outcome> {
        let Some(name) = &step.action else {
            return Ok(Outcome::Next);
        };
        let Some(action) = self.actions.get(name.as_str()).cloned() else {
            tracing::error!(action = %name, "unknown action");
            return Ok(Outcome::Finish);
        };
        let mut values = turn
            .session
            .as_mut()
            .map(|s| std::mem::take(&mut s.values))
            .unwrap_or_default();
        let running = Running {
            flow: &flow.name,
            step: &step.name,
            action: name,
            contract: action.contract(),
        };
        let mut ctx = Ctx {
            tx: &mut *turn.tx,
            phone: turn.phone,
            channel: turn.channel,
            lang: turn.lang.clone(),
            values: Values::new(&mut values, running),
            input,
            pin,
            pins: &self.pins,
            now: turn.now,
            texts: &self.texts,
            config: &self.config,
            said: Vec::new(),
            notices: Vec::new(),
        };
        let outcome = action.run(&mut ctx).await?;
        if let Outcome::Branch(b) = outcome {
            running.check_branch(b);
        }
        let (lang, said, notices) = (ctx.lang, ctx.said, ctx.notices);
        turn.lang = lang;
        turn.pending.extend(said);
        turn.notices.extend(notices);
        if let Some(s) = turn.session.as_mut() {
            s.values = values;
        }
        Ok(outcome)
    }

    /// The resident's answer to the current step. Returns whether it was accepted.
    async fn answer(&self, turn: &mut Turn<'_>, content: &Content) -> StoreResult<bool> {
        let Some((flow, step)) = self.current(turn) else {
            return Ok(false);
        };
        if step.input == InputKind::Pin {
            turn.masked = true;
        }
        let (labels, words) = self.options_of(&turn.lang, step);
        if step.input == InputKind::Menu
            && content.input_text().trim() == render::NEXT_PAGE
            && self
                .menu_page(turn, step, &self.header(turn, step))
                .0
                .has_more
        {
            if let Some(s) = turn.session.as_mut() {
                let page = current_page(s);
                s.values.insert(PAGE_KEY.into(), (page + 1).to_string());
            }
            self.prompt(turn, flow, step);
            return Ok(true);
        }
        let accepted = match input::accept(&turn.lang, step, content, &labels, &words) {
            Ok(a) => a,
            Err(rej) => {
                let message = step.invalid.as_deref().unwrap_or(rej.message);
                let args: Vec<(&str, String)> =
                    rej.args.iter().map(|(k, v)| (*k, v.clone())).collect();
                self.reject(turn, flow, step, message, &args).await?;
                return Ok(false);
            }
        };
        turn.accepted = true;
        let mut input_value = None;
        let mut pin = None;
        let mut option = None;
        let mut yes = None;
        match accepted {
            Accepted::Value(v) => input_value = Some(v),
            Accepted::Pin(p) => pin = Some(p),
            Accepted::Option(i) => {
                option = step.options.get(i);
                input_value = option.and_then(|o| o.value.clone());
            }
            Accepted::YesNo(b) => {
                yes = Some(b);
                input_value = Some(if b { "1" } else { "0" }.to_string());
            }
            Accepted::Skip => {}
        }
        // A PIN step's no (`BATAL`) is handed to its action only, like the PIN.
        if let (Some(v), Some(s)) = (&input_value, turn.session.as_mut()) {
            if step.input != InputKind::Pin {
                s.values.insert(step.name.clone(), v.clone());
            }
        }
        let outcome = self.run_action(turn, flow, step, input_value, pin).await?;
        let target = match outcome {
            Outcome::Reject(message, args) => {
                // The action refused the answer, so it was none (DESIGN §6: a message that may be
                // a PIN is then stored masked, and the refusal does not echo it).
                turn.accepted = false;
                let args = unechoed(content.input_text(), args);
                self.reject(turn, flow, step, message, &args).await?;
                return Ok(false);
            }
            Outcome::Finish => {
                self.count(turn, &flow.name, &step.name, "finished");
                turn.session = None;
                return Ok(true);
            }
            Outcome::Branch(b) => branch_target(flow, step, b),
            Outcome::Next => {
                if let Some(f) = option.and_then(|o| o.flow.as_ref()) {
                    self.count(turn, &flow.name, &step.name, "finished");
                    turn.session = None;
                    Box::pin(self.start(turn, f, &[])).await?;
                    return Ok(true);
                }
                option
                    .and_then(|o| o.next.clone())
                    .or_else(|| match yes {
                        Some(true) => step.yes.clone(),
                        Some(false) => step.no.clone(),
                        None => None,
                    })
                    .or_else(|| step.next.clone())
                    .unwrap_or_else(|| END.to_string())
            }
        };
        if turn.session.is_some() {
            self.enter(turn, flow, &target).await?;
        }
        Ok(true)
    }

    async fn reject(
        &self,
        turn: &mut Turn<'_>,
        flow: &Flow,
        step: &Step,
        message: &str,
        args: &[(&str, String)],
    ) -> StoreResult<()> {
        let retries = match turn.session.as_mut() {
            Some(s) => {
                s.retries += 1;
                s.retries
            }
            None => return Ok(()),
        };
        self.say(turn, message, args);
        if retries >= i64::from(step.max_tries) {
            self.count(turn, &flow.name, &step.name, "gave_up");
            turn.session = None;
            self.say(turn, "engine-gave-up", &[]);
            return Ok(());
        }
        // A menu is not sent again after an error on SMS (the error says which numbers to
        // reply), nor a long one on WhatsApp (its list stays above; buttons are sent again).
        let menu_kept = step.input == InputKind::Menu
            && (turn.channel == Channel::Sms || step.options.len() > LONG_MENU);
        if !menu_kept {
            self.prompt(turn, flow, step);
        }
        Ok(())
    }
}

/// Where branch `b` of the step's action leads. `gotong check` and the load prove every branch
/// an action can return is in the step's `on` table; were one not, the flow ends (logged).
fn branch_target(flow: &Flow, step: &Step, b: &str) -> String {
    match step.on.get(b) {
        Some(t) => t.clone(),
        None => {
            tracing::error!(flow = %flow.name, step = %step.name, branch = b, "no such branch");
            END.to_string()
        }
    }
}

/// The value of argument `i` of `n`: one word, the last one taking the rest.
fn arg_value(args: &[&str], i: usize, n: usize) -> String {
    if i + 1 == n {
        args.get(i..).map(|w| w.join(" ")).unwrap_or_default()
    } else {
        args.get(i).map(|w| w.to_string()).unwrap_or_default()
    }
}

fn current_page(s: &Session) -> usize {
    s.values
        .get(PAGE_KEY)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Removes control characters and invisible direction marks; trims.
fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .filter(|c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

#[async_trait]
impl Conversation for Engine {
    async fn prepare(&self, db: &Db, phones: &[String]) {
        pin_ahead::verify_waiting_pins(self, db, phones).await;
    }

    async fn recover(&self, tx: &mut Tx, msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        tx.act_for(msg.kelurahan);
        let lang = tx
            .contact(&msg.phone)
            .await?
            .language
            .unwrap_or_else(|| DEFAULT_LANG.to_string());
        tx.clear_session(&msg.phone).await?;
        Ok(Handled {
            replies: vec![Body::text(self.texts.render(&lang, "engine-error", &[]))],
            ..Handled::default()
        })
    }

    async fn handle(&self, tx: &mut Tx, msg: &StoredInbound, now: i64) -> StoreResult<Handled> {
        let mut handled = self
            .handle_batch(tx, std::slice::from_ref(msg), now)
            .await?;
        Ok(handled.pop().unwrap_or_default())
    }

    /// The phones' contacts and conversations are loaded with one query, the turns run in order,
    /// and the conversations are saved (or ended) with one statement each at the end: a turn only
    /// ever touches its own phone's conversation, and the phones of a batch are distinct.
    async fn handle_batch(
        &self,
        tx: &mut Tx,
        msgs: &[StoredInbound],
        now: i64,
    ) -> StoreResult<Vec<Handled>> {
        let phones: Vec<(String, crate::store::KelurahanId)> = msgs
            .iter()
            .map(|m| (m.phone.clone(), m.kelurahan))
            .collect();
        let states = tx.contacts_and_sessions(&phones).await?;
        let mut saved = Vec::new();
        let mut ended = Vec::new();
        let mut handled = Vec::with_capacity(msgs.len());
        for (msg, (contact, session)) in msgs.iter().zip(states) {
            let (out, change) = self.turn(tx, msg, now, contact, session).await?;
            match change {
                SessionChange::Save(s) => {
                    if self.input_of(&s.flow, &s.step) == Some(InputKind::Pin) {
                        self.pins.expect(&s.phone);
                    }
                    saved.push(s)
                }
                SessionChange::End => ended.push(msg.phone.clone()),
                SessionChange::None => {}
            }
            handled.push(out);
        }
        tx.save_sessions(&saved).await?;
        tx.clear_sessions(&ended).await?;
        Ok(handled)
    }
}

/// What a turn does to its phone's stored conversation (written at the end of the batch).
enum SessionChange {
    Save(Session),
    End,
    None,
}

impl Engine {
    /// One turn: the step for `msg`, given the phone's contact and conversation as they were.
    async fn turn(
        &self,
        tx: &mut Tx,
        msg: &StoredInbound,
        now: i64,
        contact: Contact,
        session: Option<Session>,
    ) -> StoreResult<(Handled, SessionChange)> {
        // The turn acts for the kelurahan whose number the message was sent to.
        tx.act_for(msg.kelurahan);
        let had_session = session.is_some();
        let mut turn = Turn {
            tx,
            phone: &msg.phone,
            channel: msg.channel,
            lang: contact.language.unwrap_or_else(|| DEFAULT_LANG.to_string()),
            now,
            session,
            out: Vec::new(),
            pending: Vec::new(),
            notices: Vec::new(),
            quiet: false,
            masked: false,
            accepted: false,
            counts: FlowEventCounts::default(),
        };
        // A message answering a PIN step is masked even if the step has timed out meanwhile: it
        // is most likely the PIN.
        turn.masked = self
            .current(&turn)
            .is_some_and(|(_, step)| step.input == InputKind::Pin);
        let idle_ms = self.config.session_idle_minutes * 60_000;
        if turn
            .session
            .as_ref()
            .is_some_and(|s| now - s.updated_at > idle_ms)
        {
            self.leave_current(&mut turn, "timed_out");
            self.say(&mut turn, "engine-timed-out", &[]);
        }
        self.dispatch(&mut turn, &msg.content).await?;
        // DESIGN §6: a message that may be a PIN is stored as typed only when a step took it.
        if words::may_be_pin(msg.content.input_text()) && !turn.accepted {
            turn.masked = true;
        }
        let change = match turn.session.as_mut() {
            Some(s) => {
                s.updated_at = now;
                SessionChange::Save(s.clone())
            }
            None if had_session => SessionChange::End,
            None => SessionChange::None,
        };
        let counts = std::mem::take(&mut turn.counts);
        let stored_content = turn.masked.then(|| Content::Text {
            text: "******".into(),
        });
        let notices = std::mem::take(&mut turn.notices);
        let handled = Handled {
            replies: turn.into_replies(),
            notices,
            stored_content,
            counts,
        };
        Ok((handled, change))
    }
}

/// A refusal's arguments with a message that may be a PIN masked wherever it stands ("Tidak ada
/// tagihan #******"): a PIN typed at the wrong step is never sent back (DESIGN §6).
fn unechoed(raw: &str, args: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    let raw = raw.trim();
    if !words::may_be_pin(raw) {
        return args;
    }
    args.into_iter()
        .map(|(k, v)| (k, v.replace(raw, "******")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::clean_text;

    #[test]
    fn invisible_and_control_characters_are_removed() {
        assert_eq!(clean_text("  \u{202E}SALDO\u{200F}\u{0007} "), "SALDO");
        assert_eq!(clean_text("a\nb"), "a b");
        assert_eq!(clean_text("\u{0000}\u{0001}"), "");
    }
}
