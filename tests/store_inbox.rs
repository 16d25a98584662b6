//! Conformance tests of the store's inbound, outbox and session operations, on both backends.

use gotong::message::{
    Body, Channel, Content, Delivery, Inbound, Outbound, Priority, StatusUpdate,
};
use gotong::outbox::Status as OutboxStatus;
use gotong::store::{Contact, Db, FlowEventCounts, Session, StatusOutcome};

fn text(provider_id: &str, phone: &str, t: &str) -> Inbound {
    Inbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::Sms,
        phone: Some(phone.to_string()),
        provider_id: provider_id.to_string(),
        content: Content::Text {
            text: t.to_string(),
        },
        sent_at: 1,
        to: None,
    }
}

async fn redelivered_inbound_is_recorded_once(db: &Db) {
    let m = text("SM1", "+6281200000001", "SALDO");
    assert!(db.record_inbound(&m, 10).await.unwrap().is_some());
    assert!(db.record_inbound(&m, 11).await.unwrap().is_none());
    // Recording notes the phone as a contact, when it wrote (the redelivery changes nothing).
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let contact = tx.contact("+6281200000001").await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(contact.last_inbound_at, Some(10));
    assert_eq!(
        db.phones_with_pending_inbound(10).await.unwrap(),
        vec!["+6281200000001"]
    );
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.lock_phones(&["+6281200000001".to_string()])
        .await
        .unwrap();
    let mut next = tx
        .next_pending_inbound_of(&["+6281200000001".to_string()])
        .await
        .unwrap();
    let (got, more) = next.pop().unwrap();
    assert_eq!((got.content, more), (m.content, false));
    tx.finish_inbound(
        got.id,
        Some(&Content::Text {
            text: "******".into(),
        }),
        12,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(db.phones_with_pending_inbound(10).await.unwrap().is_empty());
}

async fn messages_recorded_together_get_their_own_ids_and_redeliveries_none(db: &Db) {
    let old = text("SM60", "+6281200000060", "MENU");
    assert!(db.record_inbound(&old, 5).await.unwrap().is_some());
    let a = text("SM61", "+6281200000061", "SALDO");
    let b = text("SM62", "+6281200000062", "MENU");
    let ids = db
        .record_inbounds(&[(&a, 10), (&old, 10), (&b, 11), (&a, 12)])
        .await
        .unwrap();
    // A new message gets an id; one recorded before, or twice in the group, gets none after
    // its first.
    assert!(ids[0].is_some() && ids[2].is_some() && ids[0] != ids[2]);
    assert_eq!((ids[1], ids[3]), (None, None));
    assert_eq!(db.inbound_count(None).await.unwrap(), 3);
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let next = tx
        .next_pending_inbound_of(&["+6281200000062".to_string()])
        .await
        .unwrap();
    assert_eq!(
        tx.contact("+6281200000062").await.unwrap().last_inbound_at,
        Some(11)
    );
    tx.rollback().await.unwrap();
    assert_eq!((next[0].0.id, next[0].0.received_at), (ids[2].unwrap(), 11));
}

async fn inbound_without_phone_is_kept_but_not_pending(db: &Db) {
    let mut m = text("wamid.nophone", "", "hi");
    m.phone = None;
    m.channel = Channel::WhatsApp;
    assert!(db.record_inbound(&m, 10).await.unwrap().is_some());
    assert!(db.phones_with_pending_inbound(10).await.unwrap().is_empty());
}

async fn rolled_back_work_queues_nothing(db: &Db) {
    let out = Outbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::Sms,
        phone: "+6281200000002".into(),
        body: Body::text("halo"),
        priority: Priority::Reply,
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue(&out, 5).await.unwrap();
    tx.rollback().await.unwrap();
    assert!(db
        .claim_outbox(Channel::Sms, 10, 10, 1000)
        .await
        .unwrap()
        .is_empty());
}

async fn outbox_claims_replies_first_and_leases_expire(db: &Db) {
    let mk = |phone: &str, t: &str, priority| Outbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::WhatsApp,
        phone: phone.into(),
        body: Body::text(t),
        priority,
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue(&mk("+621", "broadcast", Priority::Broadcast), 1)
        .await
        .unwrap();
    tx.enqueue(&mk("+622", "reply", Priority::Reply), 2)
        .await
        .unwrap();
    tx.enqueue(&mk("+623", "sms", Priority::Reply), 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let first = db
        .claim_outbox(Channel::WhatsApp, 10, 1, 1000)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body, Body::text("reply"));
    let second = db
        .claim_outbox(Channel::WhatsApp, 10, 10, 1000)
        .await
        .unwrap();
    assert_eq!(second.len(), 2, "the broadcast and the other reply");
    // Nothing left until the leases run out; then the unsent rows come back.
    assert!(db
        .claim_outbox(Channel::WhatsApp, 20, 10, 1000)
        .await
        .unwrap()
        .is_empty());
    db.outbox_sent(first[0].id, "wamid.A", 30).await.unwrap();
    // Leases still running are kept; expired ones (not the row already sent) come back.
    assert_eq!(
        db.release_expired_leases(Channel::WhatsApp, 1000)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        db.release_expired_leases(Channel::WhatsApp, 2000)
            .await
            .unwrap(),
        2
    );
    let again = db
        .claim_outbox(Channel::WhatsApp, 2000, 10, 1000)
        .await
        .unwrap();
    assert_eq!(again.len(), 2);
    assert!(again.iter().all(|r| r.id != first[0].id && r.attempts == 2));
}

async fn statuses_only_move_forward(db: &Db) {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let id = tx
        .enqueue(
            &Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel: Channel::Sms,
                phone: "+624".into(),
                body: Body::text("x"),
                priority: Priority::Reply,
            },
            1,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let claimed = db.claim_outbox(Channel::Sms, 2, 10, 1000).await.unwrap();
    assert_eq!(claimed[0].id, id);
    db.outbox_sent(id, "SMabc", 3).await.unwrap();
    let st = |status| StatusUpdate {
        channel: Channel::Sms,
        provider_id: "SMabc".into(),
        status,
        error: None,
        at: 4,
        recipient: None,
        unsubscribed: false,
    };
    assert_eq!(
        db.apply_status(&st(Delivery::Delivered)).await.unwrap(),
        StatusOutcome::Applied
    );
    assert_eq!(
        db.apply_status(&st(Delivery::Sent)).await.unwrap(),
        StatusOutcome::Stale
    );
    let mut unknown = st(Delivery::Read);
    unknown.provider_id = "SMnope".into();
    assert_eq!(
        db.apply_status(&unknown).await.unwrap(),
        StatusOutcome::Unknown
    );
    let rows = db.outbox_for_phone("+624").await.unwrap();
    assert_eq!(rows[0].0, OutboxStatus::Delivered);
}

async fn sessions_and_contacts_round_trip(db: &Db) {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    assert!(tx.load_session("+625").await.unwrap().is_none());
    let mut s = Session {
        phone: "+625".into(),
        flow: "pay".into(),
        step: "amount".into(),
        retries: 1,
        updated_at: 9,
        ..Default::default()
    };
    s.values.insert("merchant".into(), "W001".into());
    tx.save_session(&s).await.unwrap();
    s.step = "confirm".into();
    tx.save_session(&s).await.unwrap();
    assert_eq!(tx.load_session("+625").await.unwrap(), Some(s));
    tx.clear_session("+625").await.unwrap();
    assert!(tx.load_session("+625").await.unwrap().is_none());

    assert_eq!(tx.contact("+625").await.unwrap().language, None);
    tx.set_language("+625", "sms", "en").await.unwrap();
    tx.set_opted_out("+625", "sms", true).await.unwrap();
    let c = tx.contact("+625").await.unwrap();
    assert_eq!((c.language.as_deref(), c.opted_out), (Some("en"), true));
    tx.count_flow_event("pay", "amount", "entered")
        .await
        .unwrap();
    tx.count_flow_event("pay", "amount", "entered")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        db.flow_event_counts().await.unwrap(),
        vec![("pay".into(), "amount".into(), "entered".into(), 2)]
    );
}

async fn outbox_sends_one_row_per_phone_at_a_time_in_order(db: &Db) {
    let mk = |phone: &str, t: &str, priority| Outbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::Sms,
        phone: phone.into(),
        body: Body::text(t),
        priority,
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue(&mk("+626", "first", Priority::Notice), 1)
        .await
        .unwrap();
    tx.enqueue(&mk("+626", "second", Priority::Notice), 2)
        .await
        .unwrap();
    tx.enqueue(&mk("+627", "other phone", Priority::Reply), 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // One row per phone: the older row of +626 first (rows of one priority keep their order; a
    // more urgent row goes before, see tests/broadcasts.rs: replies_go_before_broadcasts).
    let claimed = db.claim_outbox(Channel::Sms, 10, 10, 1000).await.unwrap();
    let texts: Vec<&str> = claimed.iter().map(|r| r.body.main_text()).collect();
    assert_eq!(texts, vec!["other phone", "first"]);
    assert!(db
        .claim_outbox(Channel::Sms, 11, 10, 1000)
        .await
        .unwrap()
        .is_empty());

    // A row waiting for its retry still holds back the next row of its phone.
    let first = claimed.iter().find(|r| r.phone == "+626").unwrap();
    db.outbox_retry(first.id, 500, "HTTP 503", 12)
        .await
        .unwrap();
    assert!(db
        .claim_outbox(Channel::Sms, 13, 10, 1000)
        .await
        .unwrap()
        .is_empty());
    let retried = db.claim_outbox(Channel::Sms, 500, 10, 1000).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].body, Body::text("first"));
    db.outbox_sent(retried[0].id, "SM-first", 501)
        .await
        .unwrap();
    let next = db.claim_outbox(Channel::Sms, 502, 10, 1000).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].body, Body::text("second"));
    db.outbox_failed(next[0].id, "21211: invalid To", 503)
        .await
        .unwrap();

    let records = db.outbox_records("+626").await.unwrap();
    assert_eq!(records[0].status, OutboxStatus::Sent);
    assert_eq!(records[0].provider_id.as_deref(), Some("SM-first"));
    assert_eq!(records[0].attempts, 2);
    assert_eq!(records[1].status, OutboxStatus::Failed);
    assert_eq!(records[1].error.as_deref(), Some("21211: invalid To"));
}

async fn inbound_count_ignores_redeliveries(db: &Db) {
    let m = text("SM9", "+6281200000009", "MENU");
    db.record_inbound(&m, 1).await.unwrap();
    db.record_inbound(&m, 2).await.unwrap();
    db.record_inbound(&text("SM10", "+6281200000009", "SALDO"), 3)
        .await
        .unwrap();
    assert_eq!(db.inbound_count(None).await.unwrap(), 2);
}

async fn contact_and_session_load_in_one_query(db: &Db) {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    // Neither a contact nor a session.
    assert_eq!(
        tx.contact_and_session("+626").await.unwrap(),
        (Contact::default(), None)
    );
    // A session without a contact row.
    let mut s = Session {
        phone: "+626".into(),
        flow: "pay".into(),
        step: "pin".into(),
        retries: 2,
        updated_at: 77,
        ..Default::default()
    };
    s.values.insert("amount".into(), "5000".into());
    tx.save_session(&s).await.unwrap();
    assert_eq!(
        tx.contact_and_session("+626").await.unwrap(),
        (Contact::default(), Some(s.clone()))
    );
    // Both, and they agree with the separate loads.
    tx.set_language("+626", "whatsapp", "en").await.unwrap();
    tx.set_opted_out("+626", "whatsapp", true).await.unwrap();
    let (c, got) = tx.contact_and_session("+626").await.unwrap();
    assert_eq!(c, tx.contact("+626").await.unwrap());
    assert_eq!((c.language.as_deref(), c.opted_out), (Some("en"), true));
    assert_eq!(got, tx.load_session("+626").await.unwrap());
    assert_eq!(got, Some(s));
    // A contact without a session; another phone sees nothing of these.
    tx.clear_session("+626").await.unwrap();
    let (c2, none) = tx.contact_and_session("+626").await.unwrap();
    assert_eq!((c2, none), (c, None));
    assert_eq!(
        tx.contact_and_session("+627").await.unwrap(),
        (Contact::default(), None)
    );
    tx.rollback().await.unwrap();
}

async fn flow_events_of_a_turn_are_added_together(db: &Db) {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.count_flow_event("pay", "amount", "entered")
        .await
        .unwrap();
    tx.count_flow_events(&FlowEventCounts::default())
        .await
        .unwrap();
    let mut turn = FlowEventCounts::default();
    turn.add("pay", "amount", "entered");
    turn.add("pay", "amount", "entered");
    turn.add("pay", "pin", "entered");
    turn.add("pay", "pin", "finished");
    tx.count_flow_events(&turn).await.unwrap();
    tx.commit().await.unwrap();
    let row = |s: &str, e: &str, n| ("pay".to_string(), s.to_string(), e.to_string(), n);
    assert_eq!(
        db.flow_event_counts().await.unwrap(),
        vec![
            row("amount", "entered", 3),
            row("pin", "entered", 1),
            row("pin", "finished", 1)
        ]
    );
    // Rolled back with its unit of work.
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.count_flow_events(&turn).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(db.flow_event_counts().await.unwrap()[0].3, 3);
}

async fn a_batch_takes_each_phones_oldest_message_and_tells_whether_more_wait(db: &Db) {
    let phones: Vec<String> = ["+6281200000031", "+6281200000032", "+6281200000033"]
        .map(String::from)
        .to_vec();
    let inputs = |next: &[(gotong::message::StoredInbound, bool)]| -> Vec<(String, String, bool)> {
        next.iter()
            .map(|(m, more)| (m.phone.clone(), m.content.input_text().to_string(), *more))
            .collect()
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.lock_phones(&phones).await.unwrap();
    assert!(tx
        .next_pending_inbound_of(&phones)
        .await
        .unwrap()
        .is_empty());
    tx.rollback().await.unwrap();
    // Phone 1 sends three messages, phone 2 one, phone 3 none; another phone's message is not
    // part of the batch.
    for (id, phone, input) in [
        ("SM31a", &phones[0], "MENU"),
        ("SM32a", &phones[1], "SALDO"),
        ("SM31b", &phones[0], "1"),
        ("SM39a", &"+6281200000039".to_string(), "MENU"),
        ("SM31c", &phones[0], "2"),
    ] {
        db.record_inbound(&text(id, phone, input), 1).await.unwrap();
    }
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.lock_phones(&phones).await.unwrap();
    let next = tx.next_pending_inbound_of(&phones).await.unwrap();
    assert_eq!(
        inputs(&next),
        vec![
            (phones[0].clone(), "MENU".into(), true),
            (phones[1].clone(), "SALDO".into(), false),
        ]
    );
    let ids: Vec<i64> = next.iter().map(|(m, _)| m.id).collect();
    tx.finish_inbounds(&ids, 4).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let next = tx.next_pending_inbound_of(&phones).await.unwrap();
    assert_eq!(inputs(&next), vec![(phones[0].clone(), "1".into(), true)]);
    tx.finish_inbounds(&[next[0].0.id], 5).await.unwrap();
    let next = tx.next_pending_inbound_of(&phones).await.unwrap();
    assert_eq!(inputs(&next), vec![(phones[0].clone(), "2".into(), false)]);
    tx.rollback().await.unwrap();
    assert_eq!(
        db.phones_with_pending_inbound(10).await.unwrap(),
        vec![phones[0].clone(), "+6281200000039".to_string()]
    );
}

async fn queued_together_messages_go_out_in_their_order(db: &Db) {
    let reply = |phone: &str, text: &str, priority| Outbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::WhatsApp,
        phone: phone.to_string(),
        body: Body::text(text),
        priority,
    };
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue_all(
        &[
            reply("+6281200000041", "satu", Priority::Reply),
            reply("+6281200000042", "kabar", Priority::Notice),
            reply("+6281200000041", "dua", Priority::Reply),
        ],
        7,
    )
    .await
    .unwrap();
    tx.enqueue_all(&[], 7).await.unwrap();
    tx.commit().await.unwrap();
    let mut sent = Vec::new();
    for round in 0..3 {
        let rows = db
            .claim_outbox(Channel::WhatsApp, 10 + round, 10, 60_000)
            .await
            .unwrap();
        for row in rows {
            sent.push((row.phone.clone(), row.body.main_text().to_string()));
            db.outbox_sent(row.id, &format!("wamid.{}", row.id), 10 + round)
                .await
                .unwrap();
        }
    }
    assert_eq!(
        sent,
        [
            ("+6281200000041", "satu"),
            ("+6281200000042", "kabar"),
            ("+6281200000041", "dua"),
        ]
        .map(|(p, t)| (p.to_string(), t.to_string()))
    );
}

gotong::backend_tests!(
    outbox_sends_one_row_per_phone_at_a_time_in_order,
    inbound_count_ignores_redeliveries,
    redelivered_inbound_is_recorded_once,
    inbound_without_phone_is_kept_but_not_pending,
    rolled_back_work_queues_nothing,
    outbox_claims_replies_first_and_leases_expire,
    statuses_only_move_forward,
    sessions_and_contacts_round_trip,
    contact_and_session_load_in_one_query,
    flow_events_of_a_turn_are_added_together,
    a_batch_takes_each_phones_oldest_message_and_tells_whether_more_wait,
    messages_recorded_together_get_their_own_ids_and_redeliveries_none,
    queued_together_messages_go_out_in_their_order,
);
