//! Named actions: the Rust side of flow steps (`action = "set_language"`). Each domain adds its
//! actions in its own module and registers them in [`registry`].

mod broadcast;
mod contract;
mod events;
pub mod household;
mod kindness;
mod letters;
mod library;
mod market;
mod menu;
mod pay;
mod pin_change;
mod pin_step;
mod preferences;
mod proposal_admin;
mod proposals;
mod ratings;
mod register;
mod services;
mod tagih;
mod tickets;
mod values;
pub mod wallet;

pub use contract::{Contract, Running};
pub use values::Values;

use crate::accounts::pin_verdicts::PinVerdicts;
use crate::config::Config;
use crate::error::StoreResult;
use crate::i18n::Texts;
use crate::message::{Channel, Outbound};
use crate::store::Tx;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an action decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Follow the step's declared transition.
    Next,
    /// Follow the step's `on` table entry of this name.
    Branch(&'static str),
    /// Refuse the input: say this message (id, args), count a try and ask again.
    Reject(&'static str, Vec<(&'static str, String)>),
    /// Finish the flow here (after what the action said).
    Finish,
}

/// What an action can see and do.
pub struct Ctx<'a> {
    pub tx: &'a mut Tx,
    pub phone: &'a str,
    pub channel: Channel,
    /// The resident's language; an action may change it (`BAHASA`).
    pub lang: String,
    /// The flow's collected values, reached through [`Ctx::value`] and [`Ctx::set`] (checked
    /// against the action's contract); an action may add values for later prompts.
    pub values: Values<'a>,
    /// The value accepted at this step, if any.
    pub input: Option<String>,
    /// The PIN typed at this step. Never stored, never logged.
    pub pin: Option<String>,
    /// PIN verdicts worked out before the unit of work ([`crate::accounts::pin_verdicts`]).
    pub pins: &'a PinVerdicts,
    pub now: i64,
    pub texts: &'a Texts,
    pub config: &'a Config,
    /// Texts to reply, in order.
    pub said: Vec<String>,
    /// Messages to other people.
    pub notices: Vec<Outbound>,
}

impl Ctx<'_> {
    /// Adds a reply line from a message id, with the flow's values and `args` as arguments.
    pub fn say(&mut self, id: &str, args: &[(&str, String)]) {
        let text = self.values.render(self.texts, &self.lang, id, args);
        self.said.push(text);
    }

    /// The value `key` (a step's input, or what an action wrote), if the flow has it.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key)
    }

    /// The value `key` as a whole number; `None` if missing or not a number.
    pub fn value_i64(&self, key: &str) -> Option<i64> {
        self.value(key).and_then(|v| v.parse().ok())
    }

    /// Keeps `value` under `key` for later actions and prompts.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.set(key, value.into());
    }

    /// Reads and removes the value `key`.
    pub fn take(&mut self, key: &str) -> Option<String> {
        self.values.take(key)
    }

    /// A value the flow must have collected is missing (the flow and the action disagree, or
    /// the session was tampered with): logged, the engine's error reply said, the flow finished.
    pub fn missing(&mut self, key: &str) -> Outcome {
        let r = *self.values.running();
        tracing::error!(
            flow = r.flow,
            step = r.step,
            action = r.action,
            key,
            "a value the action needs is missing"
        );
        self.say("engine-error", &[]);
        Outcome::Finish
    }

    /// Tells the person `nik` the notice `id`, queued with this step's replies; nothing when
    /// nobody is linked to them.
    pub async fn tell_person(
        &mut self,
        nik: &str,
        id: &str,
        args: &[(&str, String)],
    ) -> StoreResult<()> {
        if let Some(n) =
            crate::notices::notice_to_person(self.tx, self.texts, nik, id, args).await?
        {
            self.notices.push(n);
        }
        Ok(())
    }

    /// [`Ctx::tell_person`] for a person of `kelurahan`, which may be another than this
    /// conversation's (a merchant of another kelurahan paid): their phone is found there, and
    /// the notice goes out in their own kelurahan's channel.
    pub async fn tell_person_in(
        &mut self,
        kelurahan: crate::store::KelurahanId,
        nik: &str,
        id: &str,
        args: &[(&str, String)],
    ) -> StoreResult<()> {
        let ours = self.tx.kelurahan();
        self.tx.act_for(kelurahan);
        let told = self.tell_person(nik, id, args).await;
        self.tx.act_for(ours);
        told
    }
}

/// A free text refused ([`crate::parse::free_text`]): what the resident is told before the
/// step asks again.
pub fn refused_text(e: crate::parse::FreeTextError) -> Outcome {
    use crate::parse::FreeTextError;
    match e {
        FreeTextError::Empty => Outcome::Reject("input-text-too-short", vec![("min", "1".into())]),
        FreeTextError::TooLong { max, length } => Outcome::Reject(
            "input-text-too-long",
            vec![("max", max.to_string()), ("length", length.to_string())],
        ),
        FreeTextError::Digits => Outcome::Reject("input-digits-refused", vec![]),
    }
}

#[async_trait]
pub trait Action: Send + Sync {
    /// What the action reads, writes and can branch to (checked at run time and by `gotong check`).
    fn contract(&self) -> Contract;

    async fn run(&self, ctx: &mut Ctx<'_>) -> StoreResult<Outcome>;
}

/// Every action a flow may name.
pub fn registry() -> BTreeMap<&'static str, Arc<dyn Action>> {
    let mut r: BTreeMap<&'static str, Arc<dyn Action>> = BTreeMap::new();
    r.insert("menu_for_channel", Arc::new(menu::ForChannel));
    r.insert("set_language", Arc::new(preferences::SetLanguage));
    r.insert("opt_out", Arc::new(preferences::OptOut));
    r.insert("opt_in", Arc::new(preferences::OptIn));
    r.insert("set_credit_notices", Arc::new(preferences::CreditNotices));
    r.insert("register_check_phone", Arc::new(register::CheckPhone));
    r.insert("register_check_nik", Arc::new(register::CheckNik));
    r.insert("register_check_code", Arc::new(register::CheckCode));
    r.insert("register_choose_pin", Arc::new(register::ChoosePin));
    r.insert("register_confirm_pin", Arc::new(register::ConfirmPin));
    r.insert("relink_object", Arc::new(register::Object));
    r.insert("pin_change_start", Arc::new(pin_change::ChangeStart));
    r.insert("pin_change_old", Arc::new(pin_change::ChangeOld));
    r.insert("pin_change_save", Arc::new(pin_change::ChangeSave));
    r.insert("pin_forgot", Arc::new(pin_change::Forgot));
    use crate::tickets::Kind;
    r.insert(
        "ticket_start_question",
        Arc::new(tickets::Start(Kind::Question)),
    );
    r.insert(
        "ticket_open_question",
        Arc::new(tickets::Open(Kind::Question)),
    );
    r.insert(
        "ticket_start_complaint",
        Arc::new(tickets::Start(Kind::Complaint)),
    );
    r.insert(
        "ticket_open_complaint",
        Arc::new(tickets::Open(Kind::Complaint)),
    );
    r.insert("household_show", Arc::new(household::Show));
    r.insert("household_verify", Arc::new(household::Verify));
    r.insert("household_confirm_birth", Arc::new(household::ConfirmBirth));
    r.insert("change_kind", Arc::new(household::ChangeKind));
    r.insert("change_member", Arc::new(household::ChangeMember));
    r.insert("change_submit", Arc::new(household::SubmitChange));
    r.insert("letter_start", Arc::new(letters::Start));
    r.insert("letter_kind", Arc::new(letters::Kind));
    r.insert("letter_submit", Arc::new(letters::Submit));
    r.insert("events_list", Arc::new(events::List));
    r.insert("events_more", Arc::new(events::More));
    r.insert("event_me", Arc::new(events::Me));
    r.insert("event_signup", Arc::new(events::SignUp));
    r.insert("event_withdraw", Arc::new(events::Withdraw));
    r.insert("wallet_balance", Arc::new(wallet::Balance));
    r.insert("wallet_statement", Arc::new(wallet::Statement));
    r.insert("pay_start", Arc::new(pay::Start));
    r.insert("pay_merchant", Arc::new(pay::Merchant));
    r.insert("pay_amount", Arc::new(pay::Amount));
    r.insert("pay_pin", Arc::new(pay::Pin));
    r.insert("tagih_start", Arc::new(tagih::Start));
    r.insert("tagih_phone", Arc::new(tagih::Phone));
    r.insert("tagih_send", Arc::new(tagih::Send));
    r.insert("tagihan_load", Arc::new(tagih::Load));
    r.insert("tagihan_pin", Arc::new(tagih::Pin));
    r.insert("broadcast_start", Arc::new(broadcast::Start));
    r.insert("broadcast_check_admin", Arc::new(broadcast::CheckAdmin));
    r.insert("broadcast_prepare", Arc::new(broadcast::Prepare));
    r.insert("broadcast_send", Arc::new(broadcast::Send));
    r.insert("broadcast_cancel", Arc::new(broadcast::Cancel));
    proposals::register(&mut r);
    r.insert(
        "proposal_status_admin",
        Arc::new(proposal_admin::CheckAdmin),
    );
    r.insert("proposal_status_number", Arc::new(proposal_admin::Number));
    r.insert("proposal_status_apply", Arc::new(proposal_admin::Apply));
    market_actions(&mut r);
    // The test kit's example flow (`CONTOH`, tests/fixtures/flows): never in the product.
    #[cfg(feature = "testkit")]
    crate::testing::example_actions::register(&mut r);
    r
}

/// The market's and the goods library's actions (`engine::actions::{market, library}`).
fn market_actions(r: &mut BTreeMap<&'static str, Arc<dyn Action>>) {
    r.insert("sell_start", Arc::new(market::SellStart));
    r.insert("sell_name", Arc::new(market::SellName));
    r.insert("sell_stock", Arc::new(market::SellStock));
    r.insert("sell_create", Arc::new(market::SellCreate));
    r.insert("listing_own", Arc::new(market::OwnListing));
    r.insert("listing_set_stock", Arc::new(market::SetStock));
    r.insert("listing_set_price", Arc::new(market::SetPrice));
    r.insert("listing_close", Arc::new(market::CloseListing));
    r.insert("search_run", Arc::new(market::Search));
    r.insert("search_more", Arc::new(market::SearchMore));
    r.insert("order_listing", Arc::new(market::OrderListing));
    r.insert("order_qty", Arc::new(market::OrderQty));
    r.insert("order_pin", Arc::new(market::OrderPin));
    r.insert("library_start", Arc::new(library::Start));
    r.insert("lend_add", Arc::new(library::AddItem));
    r.insert("borrow_list", Arc::new(library::ListItems));
    r.insert("borrow_item", Arc::new(library::ChooseItem));
    r.insert("borrow_request", Arc::new(library::RequestLoan));
    r.insert("loan_accept", Arc::new(library::Decide { accept: true }));
    r.insert("loan_decline", Arc::new(library::Decide { accept: false }));
    r.insert("loan_return", Arc::new(library::GiveBack));
    r.insert("contact_send", Arc::new(library::Contact));
    r.insert("kindness_show", Arc::new(kindness::Show));
    r.insert("kindness_public", Arc::new(kindness::SetPublic(true)));
    r.insert("kindness_private", Arc::new(kindness::SetPublic(false)));
    r.insert("rating_order", Arc::new(ratings::Order));
    r.insert("rating_stars", Arc::new(ratings::Stars));
    r.insert("service_start", Arc::new(services::Start));
    r.insert("service_what", Arc::new(services::What));
    r.insert("service_pay_kind", Arc::new(services::PayKind));
    r.insert("service_price", Arc::new(services::Price));
    r.insert("service_create", Arc::new(services::Create));
    r.insert("service_search", Arc::new(services::Search));
    r.insert("service_ask", Arc::new(services::Ask));
    r.insert(
        "service_accept",
        Arc::new(services::Decide { accept: true }),
    );
    r.insert(
        "service_decline",
        Arc::new(services::Decide { accept: false }),
    );
    r.insert("service_barter", Arc::new(services::Barter));
    r.insert("service_renew", Arc::new(services::Renew));
    r.insert("service_pay_load", Arc::new(services::PayLoad));
    r.insert("service_pay_amount", Arc::new(services::PayAmount));
    r.insert("service_pay_pin", Arc::new(services::PayPin));
}
