//! Fuzzing the webhook parsers as property tests: random bytes, every truncation of every fixture
//! in `webhook-fixtures/`, random bytes spliced into fixtures, huge fields and deeply nested JSON.
//! The parsers (`channels::whatsapp::inbound`, `channels::twilio::inbound`) never panic and answer
//! a parse result or a clean error; over HTTP (the router, through `tower::ServiceExt::oneshot`)
//! signed bodies of the same kinds never get a 5xx.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{fixture, router_for, FakeProvider, Setup, APP_SECRET, AUTH_TOKEN, PUBLIC_URL};
use gotong::channels::twilio::inbound::{form_params, parse_message, parse_status};
use gotong::channels::whatsapp::inbound::parse_payload;
use gotong::channels::{twilio, whatsapp};
use proptest::prelude::*;
use std::sync::OnceLock;
use tower::ServiceExt;

const WHATSAPP: &[&str] = &[
    "whatsapp/audio.json",
    "whatsapp/button_reply.json",
    "whatsapp/change_errors.json",
    "whatsapp/document.json",
    "whatsapp/group_text.json",
    "whatsapp/image.json",
    "whatsapp/list_reply.json",
    "whatsapp/location.json",
    "whatsapp/status_delivered.json",
    "whatsapp/status_failed.json",
    "whatsapp/status_failed_stopped_marketing.json",
    "whatsapp/status_read.json",
    "whatsapp/status_sent.json",
    "whatsapp/status_sent_user_id.json",
    "whatsapp/sticker.json",
    "whatsapp/text.json",
    "whatsapp/text_other_business.json",
    "whatsapp/unsupported.json",
    "whatsapp/username_only.json",
    "whatsapp/video.json",
];
const TWILIO: &[&str] = &[
    "twilio/inbound_mms_no_body.form",
    "twilio/inbound_sms.form",
    "twilio/status_delivered.form",
    "twilio/status_failed.form",
    "twilio/status_sent.form",
    "twilio/status_undelivered.form",
    "twilio/status_unsubscribed.form",
];

/// Everything the Twilio side does with a body.
fn twilio_parse(body: &[u8]) {
    if let Ok(params) = form_params(body) {
        let _ = parse_message(&params, 0);
        let _ = parse_status(&params, 0);
    }
}

#[test]
fn every_truncation_of_every_fixture_parses_or_errs() {
    for name in WHATSAPP {
        let body = fixture(name);
        assert!(parse_payload(&body, 0).is_ok(), "{name} parses whole");
        for end in 0..body.len() {
            let _ = parse_payload(&body[..end], 0);
        }
    }
    for name in TWILIO {
        let body = fixture(name);
        for end in 0..=body.len() {
            twilio_parse(&body[..end]);
        }
    }
}

#[test]
fn deep_nesting_and_huge_fields_are_clean_errors_or_results() {
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    for n in [100, 1_000, 100_000] {
        for nested in [deep("[", "]", n), deep("{\"a\":", "}", n)] {
            let _ = parse_payload(nested.as_bytes(), 0);
            // Inside the free-form `value` of a change, and as a message's text.
            let in_value = format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{nested}}}]}}]}}"#
            );
            let _ = parse_payload(in_value.as_bytes(), 0);
            let text = String::from_utf8(fixture("whatsapp/text.json"))
                .unwrap()
                .replace("\"SALDO\"", &nested);
            let _ = parse_payload(text.as_bytes(), 0);
        }
    }
    // A 2 MB text, a 100 kB id and phone, a million messages' worth of empty objects.
    let base = String::from_utf8(fixture("whatsapp/text.json")).unwrap();
    let huge = base.replace("SALDO", &"x".repeat(2 << 20));
    let events = parse_payload(huge.as_bytes(), 0).expect("a long text is still a message");
    assert_eq!(events.messages.len(), 1);
    let long_id = base.replace(
        "wamid.HBgNNjI4MTIzNDU2NzAwMRUCABIYFDNBMDAwMDAwMDAwMDAwMDAwMDAxAA==",
        &"i".repeat(100_000),
    );
    let _ = parse_payload(long_id.as_bytes(), 0);
    let long_phone = base.replace("6281234567001", &"9".repeat(100_000));
    let _ = parse_payload(long_phone.as_bytes(), 0);
    let many = base.replace(
        "\"messages\": [",
        &format!("\"messages\": [{}", "{},".repeat(200_000)),
    );
    let _ = parse_payload(many.as_bytes(), 0);
    let form = format!("MessageSid=SM1&From=%2B6281&Body={}", "y".repeat(2 << 20));
    twilio_parse(form.as_bytes());
    twilio_parse("a=".repeat(200_000).as_bytes());
}

/// Fixture bytes with `junk` spliced in at `at` (a share of the length) over `cut` bytes.
fn spliced(body: &[u8], at: f64, cut: usize, junk: &[u8]) -> Vec<u8> {
    let i = ((body.len() as f64) * at) as usize;
    let j = (i + cut).min(body.len());
    [&body[..i], junk, &body[j..]].concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_a_parser(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_payload(&body, 0);
        twilio_parse(&body);
    }

    #[test]
    fn spliced_fixtures_never_panic_a_parser(
        w in 0..WHATSAPP.len(),
        t in 0..TWILIO.len(),
        at in 0.0..1.0f64,
        cut in 0usize..64,
        junk in proptest::collection::vec(any::<u8>(), 0..64),
        text in ".{0,64}",
    ) {
        let _ = parse_payload(&spliced(&fixture(WHATSAPP[w]), at, cut, &junk), 0);
        let _ = parse_payload(&spliced(&fixture(WHATSAPP[w]), at, cut, text.as_bytes()), 0);
        twilio_parse(&spliced(&fixture(TWILIO[t]), at, cut, &junk));
        twilio_parse(&spliced(&fixture(TWILIO[t]), at, cut, text.as_bytes()));
    }

    #[test]
    fn json_values_of_any_shape_never_panic_the_whatsapp_parser(
        w in 0..WHATSAPP.len(),
        replacement in prop_oneof![
            Just("null".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
            Just("true".to_string()),
            Just("-1e400".to_string()),
            Just("18446744073709551616".to_string()),
            Just("\"\\ud800\"".to_string()),
            ".{0,16}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        ],
        nth in 0usize..64,
    ) {
        // Replaces the nth JSON string value of a fixture with another value of any type.
        let body = String::from_utf8(fixture(WHATSAPP[w])).unwrap();
        let quotes: Vec<usize> = body.match_indices(": \"").map(|(i, _)| i + 2).collect();
        if let Some(&start) = quotes.get(nth % quotes.len().max(1)) {
            let end = body[start + 1..].find('"').map(|e| start + e + 2).unwrap_or(body.len());
            let mutated = format!("{}{}{}", &body[..start], replacement, &body[end..]);
            let _ = parse_payload(mutated.as_bytes(), 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Over HTTP: signed bodies never get a 5xx

struct Http {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    _db: gotong::testing::TestDb,
}

fn http() -> &'static Http {
    static HTTP: OnceLock<Http> = OnceLock::new();
    HTTP.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (router, db) = rt.block_on(async {
            let db = gotong::testing::TestDb::sqlite().await;
            let provider = FakeProvider::start().await;
            (router_for(&db.db, &Setup::default(), &provider), db)
        });
        Http {
            rt,
            router,
            _db: db,
        }
    })
}

/// Posts `body` signed as the provider would (unsigned if it is not a form, for Twilio); the status.
fn post_signed(path: &str, body: Vec<u8>) -> u16 {
    let h = http();
    let mut req = Request::post(path);
    if path.contains("whatsapp") {
        req = req.header("content-type", "application/json").header(
            "x-hub-signature-256",
            whatsapp::signature::sign(APP_SECRET, &body),
        );
    } else {
        let sig = form_params(&body)
            .map(|p| twilio::signature::sign(AUTH_TOKEN, &format!("{PUBLIC_URL}{path}"), &p))
            .unwrap_or_else(|_| "bm90LWEtZm9ybQ==".into());
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig);
    }
    let req = req.body(Body::from(body)).unwrap();
    h.rt.block_on(h.router.clone().oneshot(req))
        .unwrap()
        .status()
        .as_u16()
}

const PATHS: &[&str] = &[
    "/webhooks/whatsapp",
    "/webhooks/sms",
    "/webhooks/sms/status",
];

#[test]
fn signed_truncations_of_every_fixture_get_no_5xx() {
    for name in WHATSAPP {
        let body = fixture(name);
        assert_eq!(
            post_signed("/webhooks/whatsapp", body.clone()),
            200,
            "{name}"
        );
        for end in (0..=body.len()).step_by(7) {
            let s = post_signed("/webhooks/whatsapp", body[..end].to_vec());
            assert!(s < 500, "{name}[..{end}] answered {s}");
        }
    }
    for name in TWILIO {
        let body = fixture(name);
        for path in &PATHS[1..] {
            for end in (0..=body.len()).step_by(5) {
                let s = post_signed(path, body[..end].to_vec());
                assert!(s < 500, "{name}[..{end}] to {path} answered {s}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn signed_random_or_spliced_bodies_get_no_5xx(
        p in 0..PATHS.len(),
        f in 0..WHATSAPP.len().max(TWILIO.len()),
        at in 0.0..1.0f64,
        cut in 0usize..64,
        junk in proptest::collection::vec(any::<u8>(), 0..256),
        random in any::<bool>(),
    ) {
        let path = PATHS[p];
        let body = if random {
            junk
        } else if path.contains("whatsapp") {
            spliced(&fixture(WHATSAPP[f % WHATSAPP.len()]), at, cut, &junk)
        } else {
            spliced(&fixture(TWILIO[f % TWILIO.len()]), at, cut, &junk)
        };
        let s = post_signed(path, body);
        prop_assert!(s < 500, "{path} answered {s}");
    }
}
