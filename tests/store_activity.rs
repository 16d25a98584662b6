//! The dashboard's activity figures, on both backends: messages in, sent and failed per Jakarta
//! day and channel, each kelurahan its own.

use gotong::message::{Body, Channel, Content, Inbound, Outbound, Priority};
use gotong::store::{Db, KelurahanId, MessageDay};
use gotong::testing::kelurahan::another_kelurahan;

/// 2026-11-25 08:00 in Jakarta.
const NOW: i64 = 1_795_568_400_000;
const DAY: i64 = 86_400_000;

fn inbound(k: KelurahanId, channel: Channel, id: &str, at: i64) -> Inbound {
    Inbound {
        channel,
        phone: Some("+6281300000009".into()),
        provider_id: id.into(),
        content: Content::Text {
            text: "SALDO".into(),
        },
        sent_at: at,
        to: None,
        kelurahan: k,
    }
}

async fn queue(db: &Db, k: KelurahanId, channel: Channel, at: i64) -> i64 {
    let mut tx = db.begin(k).await.unwrap();
    let id = tx
        .enqueue(
            &Outbound {
                kelurahan: k,
                channel,
                phone: "+6281300000009".into(),
                body: Body::text("Saldo Anda Rp0"),
                priority: Priority::Reply,
            },
            at,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn messages_are_counted_per_day_and_channel(db: &Db) {
    let k = KelurahanId::DEFAULT;
    let other = another_kelurahan(db, "3201010002", "Sukamaju")
        .await
        .unwrap();
    let yesterday = NOW - DAY;
    for (i, (kel, channel, at)) in [
        (k, Channel::WhatsApp, yesterday),
        (k, Channel::WhatsApp, NOW),
        (k, Channel::Sms, NOW),
        (other, Channel::Sms, NOW),
    ]
    .into_iter()
    .enumerate()
    {
        db.record_inbound(&inbound(kel, channel, &format!("in-{i}"), at), at)
            .await
            .unwrap();
    }
    let sent = queue(db, k, Channel::WhatsApp, NOW).await;
    db.outbox_sent(sent, "wamid.1", NOW).await.unwrap();
    let failed = queue(db, k, Channel::Sms, NOW).await;
    db.outbox_failed(failed, "30003 unreachable", NOW)
        .await
        .unwrap();
    let _still_queued = queue(db, k, Channel::Sms, NOW).await;

    let days = db.message_days(k, yesterday - DAY).await.unwrap();
    let today = gotong::store::day_of(NOW);
    let row = |day: i64, channel: &str| {
        days.iter()
            .find(|d| d.day == day && d.channel == channel)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        row(today - 1, "whatsapp"),
        MessageDay {
            day: today - 1,
            channel: "whatsapp".into(),
            received: 1,
            sent: 0,
            failed: 0
        }
    );
    let wa = row(today, "whatsapp");
    assert_eq!((wa.received, wa.sent, wa.failed), (1, 1, 0), "{days:?}");
    let sms = row(today, "sms");
    assert_eq!(
        (sms.received, sms.sent, sms.failed),
        (1, 0, 1),
        "the other kelurahan's SMS and the queued one are not counted: {days:?}"
    );
    assert_eq!(days.len(), 3, "{days:?}");
    let since_today = db.message_days(k, NOW - 1).await.unwrap();
    assert!(
        since_today.iter().all(|d| d.day == today),
        "{since_today:?}"
    );
}

async fn payments_are_counted_by_the_payers_rw(db: &Db) {
    use gotong::ledger::payment::{pay, PaymentRequest};
    use gotong::testing::kelurahan::{payer_household, shop_household, top_up};
    let (_, shop) = shop_household(db, "3201010101009001", 1, NOW)
        .await
        .unwrap();
    let (payer, _) = payer_household(db, "3201010101009002", 10).await.unwrap();
    top_up(db, "3201010101009002", 50_000, "top-up")
        .await
        .unwrap();
    for (key, at) in [("old", NOW - 40 * DAY), ("new", NOW)] {
        let mut tx = db.begin(KelurahanId::DEFAULT).await.unwrap();
        pay(
            &mut tx,
            &PaymentRequest {
                payer_nik: &payer,
                merchant_code: &shop.code,
                amount: 10_000,
                key,
                social_fund_percent: 5.into(),
                minor_limit: 50_000,
                now: at,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let rows = db
        .rw_activity(KelurahanId::DEFAULT, NOW - 30 * DAY, "2026-11-25")
        .await
        .unwrap();
    let rw01 = rows.iter().find(|r| r.rw == "01").expect("RW 01");
    assert_eq!(
        rw01.payments, 1,
        "only the payment of the last 30 days: {rows:?}"
    );
    assert_eq!((rw01.loans, rw01.overdue), (0, 0));
}

gotong::backend_tests!(
    messages_are_counted_per_day_and_channel,
    payments_are_counted_by_the_payers_rw
);
