//! Engine rules that a transcript cannot show: what is stored, what never is, and that any text
//! at any step gets an answer.

use gotong::app::App;
use gotong::chat::say;
use gotong::clock::FakeClock;
use gotong::config::Config;
use gotong::message::{Body, Channel, Content};
use gotong::store::{Db, Session};
use gotong::testing::example_actions::engine_with_example;
use gotong::testing::transcript::START_MS;
use gotong::text::gsm7::{is_gsm7, sms_segments};
use std::sync::Arc;

fn app(db: &Db) -> App {
    app_with_clock(db).0
}

fn app_with_clock(db: &Db) -> (App, FakeClock) {
    let config = Config::for_database("sqlite::memory:");
    let engine = engine_with_example(Arc::new(config.clone()));
    let clock = FakeClock::new(START_MS);
    let app = App::new(config, db.clone(), engine.texts().clone(), Arc::new(engine))
        .with_clock(Arc::new(clock.clone()));
    (app, clock)
}

fn text(t: &str) -> Content {
    Content::Text {
        text: t.to_string(),
    }
}

async fn a_pin_is_never_stored(db: &Db) {
    let (app, clock) = app_with_clock(db);
    let phone = "+6281100000009";
    for input in [
        "CONTOH",
        "1",
        "3",
        "10rb",
        "081234567890",
        "3201014501900001",
    ] {
        say(&app, Channel::Sms, phone, text(input)).await.unwrap();
    }
    let replies = say(&app, Channel::Sms, phone, text("975310"))
        .await
        .unwrap();
    assert!(replies[0].main_text().contains("catatan"), "{replies:?}");
    let stored = db.inbound_contents_for_phone(phone).await.unwrap();
    assert!(stored.iter().all(|c| !c.contains("975310")), "{stored:?}");
    assert!(stored.last().unwrap().contains("******"));
    let session = db.session_of(phone).await.unwrap().unwrap();
    assert!(
        session.values.values().all(|v| !v.contains("975310")),
        "{session:?}"
    );
    // A wrong PIN is masked too.
    say(&app, Channel::Sms, phone, text("CONTOH 1"))
        .await
        .unwrap();
    for input in ["3", "10rb", "081234567890", "3201014501900001"] {
        say(&app, Channel::Sms, phone, text(input)).await.unwrap();
    }
    say(&app, Channel::Sms, phone, text("97531")).await.unwrap();
    let stored = db.inbound_contents_for_phone(phone).await.unwrap();
    assert!(stored.iter().all(|c| !c.contains("97531")), "{stored:?}");
    // A PIN typed after the PIN step timed out is masked too.
    clock.advance_ms(31 * 60_000);
    let replies = say(&app, Channel::Sms, phone, text("864213"))
        .await
        .unwrap();
    assert!(replies[0].main_text().contains("30 menit"), "{replies:?}");
    let stored = db.inbound_contents_for_phone(phone).await.unwrap();
    assert!(stored.iter().all(|c| !c.contains("864213")), "{stored:?}");
}

async fn five_thousand_characters_get_a_short_answer(db: &Db) {
    let app = app(db);
    let phone = "+6281100000010";
    say(&app, Channel::Sms, phone, text("CONTOH 1"))
        .await
        .unwrap();
    say(&app, Channel::Sms, phone, text("3")).await.unwrap();
    say(&app, Channel::Sms, phone, text("10rb")).await.unwrap();
    for _ in 0..3 {
        say(&app, Channel::Sms, phone, text("1")).await.unwrap();
    }
    // At the free-text step (5 to 80 characters).
    let mut replies = Vec::new();
    for input in [
        "CONTOH 1",
        "3",
        "10rb",
        "081234567890",
        "3201014501900001",
        "975310",
        "1",
    ] {
        replies = say(&app, Channel::Sms, phone, text(input)).await.unwrap();
    }
    assert!(replies[0].main_text().contains("catatan"));
    let long = "a".repeat(5000);
    let replies = say(&app, Channel::Sms, phone, text(&long)).await.unwrap();
    assert_eq!(replies.len(), 1);
    let t = replies[0].main_text();
    assert!(
        t.starts_with("Terlalu panjang: 5000 huruf, paling banyak 80."),
        "{t}"
    );
    assert!(is_gsm7(t) && sms_segments(t) <= 3);
    assert_eq!(
        db.session_of(phone).await.unwrap().unwrap().step,
        "note",
        "step kept"
    );
}

async fn a_redelivered_message_is_answered_once(db: &Db) {
    use gotong::message::Inbound;
    let app = app(db);
    let msg = Inbound {
        kelurahan: gotong::store::KelurahanId::DEFAULT,
        channel: Channel::Sms,
        phone: Some("+6281100000011".into()),
        provider_id: "SMdup".into(),
        content: text("MENU"),
        sent_at: START_MS,
        to: None,
    };
    for _ in 0..3 {
        db.record_inbound(&msg, START_MS).await.unwrap();
        gotong::inbox::handle_all_pending(&app).await.unwrap();
    }
    let out = db.outbox_for_phone("+6281100000011").await.unwrap();
    assert_eq!(out.len(), 1, "{out:?}");
}

/// The SMS main menu fits one GSM-7 segment in every language (issue 17), so an old phone shows
/// it whole.
async fn the_sms_main_menu_is_one_segment(db: &Db) {
    let app = app(db);
    for (phone, first) in [
        ("+6281100000021", None),
        ("+6281100000022", Some("BAHASA EN")),
    ] {
        if let Some(t) = first {
            say(&app, Channel::Sms, phone, text(t)).await.unwrap();
        }
        let replies = say(&app, Channel::Sms, phone, text("MENU")).await.unwrap();
        assert_eq!(replies.len(), 1, "{replies:?}");
        let menu = replies[0].main_text();
        assert!(is_gsm7(menu) && sms_segments(menu) == 1, "{menu:?}");
        assert!(menu.contains("1. ") && menu.contains("5. "), "{menu:?}");
    }
}

gotong::backend_tests!(
    the_sms_main_menu_is_one_segment,
    a_pin_is_never_stored,
    five_thousand_characters_get_a_short_answer,
    a_redelivered_message_is_answered_once,
);

/// Random text at every step of every flow: never an error, always an answer; on SMS exactly one
/// GSM-7 message of at most 3 segments.
#[test]
fn any_text_at_any_step_gets_one_answer() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(gotong::testing::TestDb::sqlite());
    let app = app(&t.db);
    let engine = engine_with_example(Arc::new(Config::for_database("sqlite::memory:")));
    let steps: Vec<(String, String)> = engine
        .flows()
        .values()
        .flat_map(|f| {
            f.steps
                .iter()
                .map(move |s| (f.name.clone(), s.name.clone()))
        })
        .collect();
    let n = std::sync::atomic::AtomicU64::new(0);
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(step_index in 0..steps.len(), input in "\\PC{0,40}|[0-9 .,]{0,12}|[A-Za-z ]{0,20}", whatsapp in any::<bool>())| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let phone = format!("+62811{i:07}");
        let (flow, step) = &steps[step_index];
        let channel = if whatsapp { Channel::WhatsApp } else { Channel::Sms };
        let replies: Vec<Body> = rt.block_on(async {
            let mut tx = t.db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
            tx.save_session(&Session {
                phone: phone.clone(),
                flow: flow.clone(),
                step: step.clone(),
                updated_at: START_MS,
                ..Default::default()
            })
            .await
            .unwrap();
            tx.commit().await.unwrap();
            say(&app, channel, &phone, Content::Text { text: input.clone() }).await
        }).unwrap();
        prop_assert!(!replies.is_empty(), "no reply to {input:?} at {flow}/{step}");
        if channel == Channel::Sms {
            prop_assert_eq!(replies.len(), 1, "at {}/{}: {:?}", flow, step, replies);
            let t = replies[0].main_text();
            prop_assert!(is_gsm7(t) && sms_segments(t) <= 3, "{:?}", t);
        }
    });
}

/// Found by the property test: a step that echoes what was typed ("Ὀ bukan nomor usulan") must
/// still answer an SMS in GSM-7 (the character becomes `?`), never as UCS-2.
#[tokio::test]
async fn echoed_input_stays_gsm7_on_sms() {
    let t = gotong::testing::TestDb::sqlite().await;
    let app = app(&t.db);
    for input in ["STATUS Ὀ", "DUKUNG 😀", "STATUS “12”"] {
        let replies = say(&app, Channel::Sms, "+6281100000099", text(input))
            .await
            .unwrap();
        assert_eq!(replies.len(), 1, "{input}: {replies:?}");
        let t = replies[0].main_text();
        assert!(is_gsm7(t) && sms_segments(t) <= 3, "{input}: {t:?}");
    }
    t.drop_db().await;
}
