//! Conversation steps handled in batches (the phones that were waiting together, one unit of
//! work): each phone's messages still in order and once each, and one message the conversation
//! cannot handle costs nobody else their answer; when steps fall behind, every phone dispatched
//! is handled once a worker is free, none refused and left to the recovery sweep. On SQLite and
//! PostgreSQL.

mod common;

use async_trait::async_trait;
use common::*;
use gotong::app::App;
use gotong::dispatch::Dispatcher;
use gotong::error::{StoreError, StoreResult};
use gotong::inbox::{self, Conversation, Handled};
use gotong::message::{Body, Channel, Content, Inbound, StoredInbound};
use gotong::outbox::OutboxWake;
use gotong::store::{Db, Tx};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Answers `ok: <text>`, remembering the turn in the phone's contact language field; fails (bad
/// data) on `RUSAK`, and recovers from it with `maaf`.
struct Picky;

#[async_trait]
impl Conversation for Picky {
    async fn handle(&self, _tx: &mut Tx, msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        let text = msg.content.input_text();
        if text == "RUSAK" {
            return Err(StoreError::Corrupt(
                "a message this conversation cannot take".into(),
            ));
        }
        Ok(Handled {
            replies: vec![Body::text(format!("ok: {text}"))],
            ..Handled::default()
        })
    }

    async fn recover(&self, _tx: &mut Tx, _msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        Ok(Handled {
            replies: vec![Body::text("maaf")],
            ..Handled::default()
        })
    }
}

fn text(provider_id: &str, phone: &str, t: &str) -> Inbound {
    Inbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::WhatsApp,
        phone: Some(phone.to_string()),
        provider_id: provider_id.to_string(),
        content: Content::Text {
            text: t.to_string(),
        },
        sent_at: 1,
        to: None,
    }
}

async fn replies(db: &Db, phone: &str) -> Vec<String> {
    db.outbox_for_phone(phone)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, body)| body.main_text().to_string())
        .collect()
}

async fn a_bad_message_in_a_batch_costs_the_others_nothing(db: &Db) {
    let provider = FakeProvider::start().await;
    let app = App::new(
        config(&Setup::default(), &provider),
        db.clone(),
        common::texts(),
        Arc::new(Picky),
    );
    let [a, b, c] = ["+6281200000051", "+6281200000052", "+6281200000053"];
    for (i, (phone, input)) in [
        (a, "halo"),
        (b, "satu"),
        (a, "RUSAK"),
        (c, "dua"),
        (a, "lagi"),
        (c, "tiga"),
    ]
    .into_iter()
    .enumerate()
    {
        db.record_inbound(&text(&format!("wamid.b{i}"), phone, input), 1)
            .await
            .unwrap();
    }
    let phones = [a, b, c].map(String::from);
    assert_eq!(inbox::handle_phones(&app, &phones).await.unwrap(), 6);
    assert_eq!(replies(db, a).await, ["ok: halo", "maaf", "ok: lagi"]);
    assert_eq!(replies(db, b).await, ["ok: satu"]);
    assert_eq!(replies(db, c).await, ["ok: dua", "ok: tiga"]);
    assert!(db.phones_with_pending_inbound(10).await.unwrap().is_empty());
    // The message that failed may have held a PIN: it is not kept.
    assert_eq!(
        db.inbound_contents_for_phone(a).await.unwrap()[1],
        r#"{"type":"text","text":"******"}"#
    );
    // Nothing is handled twice.
    assert_eq!(inbox::handle_phones(&app, &phones).await.unwrap(), 0);
    assert_eq!(replies(db, a).await.len(), 3);
}

/// Answers `ok: <text>`, but every step waits until the gate opens: steps that fall behind.
struct Gated(Arc<Semaphore>);

#[async_trait]
impl Conversation for Gated {
    async fn handle(&self, _tx: &mut Tx, msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        drop(self.0.acquire().await);
        Ok(Handled {
            replies: vec![Body::text(format!("ok: {}", msg.content.input_text()))],
            ..Handled::default()
        })
    }
}

/// Far more phones than a worker ever took queued (the old queue refused phones beyond 1,024 a
/// worker and left them to the sweep), each dispatched once per message while the one worker is
/// stuck in a step (or not yet started): once it is free, every message is handled, in order, without any sweep.
async fn steps_behind_refuse_no_phone(db: &Db) {
    const PHONES: usize = 3_000;
    let provider = FakeProvider::start().await;
    let gate = Arc::new(Semaphore::new(0));
    let app = App::new(
        config(&Setup::default(), &provider),
        db.clone(),
        common::texts(),
        Arc::new(Gated(gate.clone())),
    );
    let (dispatcher, workers) = Dispatcher::start(app, 1, OutboxWake::default());
    let phones: Vec<String> = (0..PHONES).map(|i| format!("+62812{i:08}")).collect();
    // Recorded first (on SQLite the stuck step holds the one connection), then dispatched as
    // their webhooks would: once per message.
    for round in ["satu", "dua"] {
        let msgs: Vec<Inbound> = phones
            .iter()
            .map(|p| text(&format!("wamid.gate.{p}.{round}"), p, round))
            .collect();
        let recorded: Vec<(&Inbound, i64)> = msgs.iter().map(|m| (m, 1)).collect();
        db.record_inbounds(&recorded).await.unwrap();
    }
    for _ in 0..2 {
        for phone in &phones {
            dispatcher.dispatch(phone);
        }
    }
    gate.add_permits(Semaphore::MAX_PERMITS);
    eventually(
        "every dispatched phone handled",
        Duration::from_secs(120),
        || async { db.phones_with_pending_inbound(10).await.unwrap().is_empty() },
    )
    .await;
    for phone in [&phones[0], &phones[PHONES / 2], &phones[PHONES - 1]] {
        assert_eq!(replies(db, phone).await, ["ok: satu", "ok: dua"], "{phone}");
    }
    assert_eq!(
        db.outbox_stats(None).await.unwrap().depth,
        2 * PHONES as i64
    );
    drop(dispatcher);
    for w in workers {
        w.await.unwrap();
    }
}

gotong::backend_tests!(
    a_bad_message_in_a_batch_costs_the_others_nothing,
    steps_behind_refuse_no_phone
);
