//! Conformance tests of the outbox's claim (per-phone queue heads), its recorded outcomes and
//! its delivery statuses, on both backends.

use gotong::message::{Body, Channel, Delivery, Outbound, Priority, StatusUpdate};
use gotong::outbox::Status;
use gotong::store::{Db, KelurahanId, SendOutcome, StatusOutcome};
use std::collections::HashSet;

fn msg(phone: &str, text: &str, priority: Priority) -> Outbound {
    Outbound {
        kelurahan: KelurahanId::DEFAULT,
        channel: Channel::WhatsApp,
        phone: phone.into(),
        body: Body::text(text),
        priority,
    }
}

async fn queue(db: &Db, msgs: &[Outbound], now: i64) {
    let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
    tx.enqueue_all(msgs, now).await.unwrap();
    tx.commit().await.unwrap();
}

async fn claim(db: &Db, now: i64, limit: i64) -> Vec<(String, Body, i64)> {
    db.claim_outbox(Channel::WhatsApp, now, limit, 1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.phone, r.body, r.id))
        .collect()
}

fn texts(rows: &[(String, Body, i64)]) -> Vec<String> {
    rows.iter()
        .map(|(_, b, _)| match b {
            Body::Text { text } => text.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// One provider id that clashes with `UNIQUE(channel, provider_id)` in a batch of finished
/// sends: the others are recorded with their ids, the odd one is recorded sent (the provider
/// took it) with the clash as its error, and none of them is ever claimed again.
async fn one_clashing_provider_id_does_not_fail_the_others(db: &Db) {
    queue(db, &[msg("+621", "first", Priority::Reply)], 1).await;
    let first = claim(db, 2, 10).await;
    db.outbox_sent(first[0].2, "wamid.SAME", 3).await.unwrap();
    let phones = ["+622", "+623", "+624"];
    let batch: Vec<Outbound> = phones
        .iter()
        .map(|p| msg(p, "batch", Priority::Reply))
        .collect();
    queue(db, &batch, 4).await;
    let claimed = claim(db, 5, 10).await;
    assert_eq!(claimed.len(), 3);
    let outcomes: Vec<SendOutcome> = claimed
        .iter()
        .map(|(phone, _, id)| SendOutcome::Sent {
            id: *id,
            provider_id: if phone == "+623" {
                "wamid.SAME".into()
            } else {
                format!("wamid.{phone}")
            },
        })
        .collect();
    db.record_send_outcomes(&outcomes, 6).await.unwrap();
    for phone in phones {
        let rows = db.outbox_records(phone).await.unwrap();
        assert_eq!(rows[0].status, Status::Sent, "{phone}");
        if phone == "+623" {
            assert_eq!(rows[0].provider_id, None);
            assert!(rows[0]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("wamid.SAME")));
        } else {
            assert_eq!(rows[0].provider_id, Some(format!("wamid.{phone}")));
        }
    }
    // Nothing comes back, even once every lease has run out.
    db.release_expired_leases(Channel::WhatsApp, 100_000)
        .await
        .unwrap();
    assert!(claim(db, 100_000, 10).await.is_empty());
}

/// A phone's rows go out one at a time in (priority, id) order, and a reply queued while the
/// phone's broadcast row is on the wire goes next, before the phone's other broadcast rows.
async fn a_phones_next_row_follows_its_send_in_priority_order(db: &Db) {
    queue(
        db,
        &[
            msg("+621", "broadcast 1", Priority::Broadcast),
            msg("+621", "broadcast 2", Priority::Broadcast),
            msg("+622", "other", Priority::Notice),
        ],
        1,
    )
    .await;
    let first = claim(db, 2, 10).await;
    assert_eq!(texts(&first), ["other", "broadcast 1"]);
    queue(db, &[msg("+621", "reply", Priority::Reply)], 3).await;
    assert!(claim(db, 4, 10).await.is_empty(), "+621 is being sent");
    let b1 = first.iter().find(|r| r.0 == "+621").unwrap().2;
    db.outbox_sent(b1, "wamid.b1", 5).await.unwrap();
    assert_eq!(texts(&claim(db, 6, 10).await), ["reply"]);
}

/// A retry holds back the rows after it; a reply queued meanwhile comes before it.
async fn a_retry_holds_back_what_comes_after_it(db: &Db) {
    queue(
        db,
        &[
            msg("+621", "notice", Priority::Notice),
            msg("+621", "broadcast", Priority::Broadcast),
        ],
        1,
    )
    .await;
    let notice = claim(db, 2, 10).await;
    db.outbox_retry(notice[0].2, 1_000, "timeout", 3)
        .await
        .unwrap();
    assert!(claim(db, 10, 10).await.is_empty(), "waits for its retry");
    queue(db, &[msg("+621", "reply", Priority::Reply)], 11).await;
    let reply = claim(db, 12, 10).await;
    assert_eq!(texts(&reply), ["reply"]);
    db.outbox_sent(reply[0].2, "wamid.r", 13).await.unwrap();
    assert!(claim(db, 14, 10).await.is_empty());
    assert_eq!(texts(&claim(db, 1_000, 10).await), ["notice"]);
}

/// Rows no longer queued (cancelled, taken by the terminal) never block their phone.
async fn rows_taken_elsewhere_do_not_block_their_phone(db: &Db) {
    queue(db, &[msg("+621", "first", Priority::Reply)], 1).await;
    let taken = db
        .take_outbox_for_phone(KelurahanId::DEFAULT, "+621", 2)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    queue(db, &[msg("+621", "second", Priority::Broadcast)], 3).await;
    assert_eq!(texts(&claim(db, 4, 10).await), ["second"]);
}

/// Claims running at once (two servers) never hand out two rows of one phone, and every row
/// goes out once.
async fn concurrent_claims_never_share_a_phone(db: &Db) {
    let mut all = Vec::new();
    for p in 0..40 {
        for i in 0..3 {
            all.push(msg(&format!("+62{p:03}"), &format!("{i}"), Priority::Reply));
        }
    }
    queue(db, &all, 1).await;
    let mut sent = HashSet::new();
    for round in 0..20 {
        let (a, b) = tokio::join!(claim(db, 10 + round, 15), claim(db, 10 + round, 15));
        let phones: Vec<&String> = a.iter().chain(&b).map(|r| &r.0).collect();
        let distinct: HashSet<&&String> = phones.iter().collect();
        assert_eq!(distinct.len(), phones.len(), "one row per phone at a time");
        let done: Vec<(i64, String)> = a
            .iter()
            .chain(&b)
            .map(|r| (r.2, format!("wamid.{}", r.2)))
            .collect();
        for (id, _) in &done {
            assert!(sent.insert(*id), "row {id} claimed twice");
        }
        db.outbox_sent_all(&done, 10 + round).await.unwrap();
    }
    assert_eq!(sent.len(), all.len());
}

/// A report moves the row only when it names that row's recipient, and a message delivered
/// or read never goes back to `failed`.
async fn statuses_match_the_recipient_and_never_go_back(db: &Db) {
    queue(db, &[msg("+6281200000001", "hi", Priority::Reply)], 1).await;
    let row = claim(db, 2, 10).await;
    db.outbox_sent(row[0].2, "wamid.X", 3).await.unwrap();
    let report = |status, recipient: Option<&str>| StatusUpdate {
        channel: Channel::WhatsApp,
        provider_id: "wamid.X".into(),
        status,
        error: None,
        at: 4,
        recipient: recipient.map(String::from),
        unsubscribed: false,
    };
    assert_eq!(
        db.apply_status(&report(Delivery::Delivered, Some("+6281299999999")))
            .await
            .unwrap(),
        StatusOutcome::Unknown,
        "another recipient's report"
    );
    assert_eq!(
        db.outbox_for_phone("+6281200000001").await.unwrap()[0].0,
        Status::Sent
    );
    assert_eq!(
        db.apply_status(&report(Delivery::Delivered, Some("+6281200000001")))
            .await
            .unwrap(),
        StatusOutcome::Applied
    );
    assert_eq!(
        db.apply_status(&report(Delivery::Failed, Some("+6281200000001")))
            .await
            .unwrap(),
        StatusOutcome::Stale
    );
    assert_eq!(
        db.apply_status(&report(Delivery::Read, None))
            .await
            .unwrap(),
        StatusOutcome::Applied
    );
    assert_eq!(
        db.apply_status(&report(Delivery::Failed, None))
            .await
            .unwrap(),
        StatusOutcome::Stale
    );
    assert_eq!(
        db.outbox_for_phone("+6281200000001").await.unwrap()[0].0,
        Status::Read
    );
    // A message only sent can still fail.
    queue(db, &[msg("+6281200000002", "hi", Priority::Reply)], 5).await;
    let row = claim(db, 6, 10).await;
    db.outbox_sent(row[0].2, "wamid.Y", 7).await.unwrap();
    let mut failed = report(Delivery::Failed, Some("+6281200000002"));
    failed.provider_id = "wamid.Y".into();
    assert_eq!(
        db.apply_status(&failed).await.unwrap(),
        StatusOutcome::Applied
    );
}

/// A report that comes before its send is recorded (the provider calls back within
/// milliseconds) is kept, and the sweep applies it once the send is recorded; a report whose send
/// never turns up is forgotten after a day.
async fn a_report_before_its_send_is_applied_when_the_send_is_recorded(db: &Db) {
    let report = |id: &str, status| StatusUpdate {
        channel: Channel::WhatsApp,
        provider_id: id.into(),
        status,
        error: None,
        at: 4,
        recipient: Some("+6281200000001".into()),
        unsubscribed: false,
    };
    queue(db, &[msg("+6281200000001", "hi", Priority::Reply)], 1).await;
    let row = claim(db, 2, 10).await;
    assert_eq!(
        db.apply_status(&report("wamid.EARLY", Delivery::Delivered))
            .await
            .unwrap(),
        StatusOutcome::Unknown
    );
    assert_eq!(
        db.apply_early_statuses(5).await.unwrap(),
        0,
        "the send is not recorded yet"
    );
    db.outbox_sent(row[0].2, "wamid.EARLY", 3).await.unwrap();
    assert_eq!(
        db.outbox_for_phone("+6281200000001").await.unwrap()[0].0,
        Status::Sent
    );
    assert_eq!(db.apply_early_statuses(6).await.unwrap(), 1);
    assert_eq!(
        db.outbox_for_phone("+6281200000001").await.unwrap()[0].0,
        Status::Delivered
    );
    assert_eq!(db.apply_early_statuses(7).await.unwrap(), 0, "applied once");

    // Never ours: forgotten after a day, so a later send with that id is not moved by it.
    assert_eq!(
        db.apply_status(&report("wamid.STRAY", Delivery::Failed))
            .await
            .unwrap(),
        StatusOutcome::Unknown
    );
    db.apply_early_statuses(4 + 25 * 3600 * 1000).await.unwrap();
    queue(db, &[msg("+6281200000001", "again", Priority::Reply)], 8).await;
    let row = claim(db, 9, 10).await;
    db.outbox_sent(row[0].2, "wamid.STRAY", 10).await.unwrap();
    assert_eq!(db.apply_early_statuses(11).await.unwrap(), 0);
}

/// The shared send schedule hands out slots in turn: a second booking right after a first starts
/// where the first ends (nothing is given twice), and channels have schedules of their own.
async fn send_slots_are_booked_in_turn(db: &Db) {
    const INTERVAL_US: i64 = 100_000;
    let first = db
        .book_send_slots(Channel::WhatsApp, 10, INTERVAL_US)
        .await
        .unwrap();
    let second = db
        .book_send_slots(Channel::WhatsApp, 1, INTERVAL_US)
        .await
        .unwrap();
    // The second starts a second (10 slots) after the first, less the time between the two.
    assert!(first < INTERVAL_US, "{first}");
    assert!(
        (900_000..=1_000_000).contains(&(second - first)),
        "{first} then {second}"
    );
    let sms = db
        .book_send_slots(Channel::Sms, 1, INTERVAL_US)
        .await
        .unwrap();
    assert!(sms < INTERVAL_US, "{sms}");
}

gotong::backend_tests!(
    a_report_before_its_send_is_applied_when_the_send_is_recorded,
    send_slots_are_booked_in_turn,
    one_clashing_provider_id_does_not_fail_the_others,
    a_phones_next_row_follows_its_send_in_priority_order,
    a_retry_holds_back_what_comes_after_it,
    rows_taken_elsewhere_do_not_block_their_phone,
    concurrent_claims_never_share_a_phone,
    statuses_match_the_recipient_and_never_go_back,
);
