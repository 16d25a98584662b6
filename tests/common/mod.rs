//! Shared by the webhook and delivery tests: an echo conversation, and a running server pointed at
//! the test kit's fake provider (`gotong::testing::fake_provider`, re-exported here).

#![allow(dead_code)]

use async_trait::async_trait;
use gotong::app::App;
use gotong::channels::Providers;
use gotong::channels::{twilio, whatsapp};
use gotong::config::Config;
use gotong::dispatch::Dispatcher;
use gotong::error::StoreResult;
use gotong::http::HttpState;
use gotong::i18n::Texts;
use gotong::inbox::{Conversation, Handled};
use gotong::message::{Body, Channel, Outbound, Priority, StoredInbound};
use gotong::outbox::{Backoff, OutboxOptions, OutboxWake};
use gotong::server::{self, Running, ServeOptions};
use gotong::store::{Db, Tx};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

// Each test file uses some of them.
#[allow(unused_imports)]
pub use gotong::testing::fake_provider::{Answer, FakeProvider, Recorded};

pub mod load;
pub mod officer;
pub mod web;

pub const APP_SECRET: &str = "gotong-test-app-secret";
pub const VERIFY_TOKEN: &str = "gotong-test-verify-token";
pub const ACCESS_TOKEN: &str = "gotong-test-access-token";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const AUTH_TOKEN: &str = "gotong-test-auth-token";
pub const TWILIO_FROM: &str = "+15005550006";
pub const PUBLIC_URL: &str = "https://gotong.example.id";
pub const ADMIN_TOKEN: &str = "gotong-test-admin-token";
pub const ANDROID_SIGNING_KEY: &str = "gotong-test-signing-key";
pub const ANDROID_USERNAME: &str = "sms";
pub const ANDROID_PASSWORD: &str = "gotong-test-gateway-password";

/// A test-only conversation: answers every message with `echo: <input text>`.
pub struct Echo;

#[async_trait]
impl Conversation for Echo {
    async fn handle(&self, _tx: &mut Tx, msg: &StoredInbound, _now: i64) -> StoreResult<Handled> {
        Ok(Handled {
            replies: vec![Body::text(format!("echo: {}", msg.content.input_text()))],
            ..Handled::default()
        })
    }
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/webhook-fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Waits until `check` holds, polling; fails the test after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// What to configure.
#[derive(Clone, Debug)]
pub struct Setup {
    pub whatsapp: bool,
    pub sms: bool,
    /// SMS Gateway for Android instead of Twilio (`SMS_PROVIDER=android`), against the fake.
    pub android: Option<AndroidSetup>,
    pub admin: bool,
    pub whatsapp_mps: u32,
    pub sms_mps: u32,
    pub options: ServeOptions,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            whatsapp: true,
            sms: true,
            android: None,
            admin: true,
            whatsapp_mps: 80,
            sms_mps: 10,
            options: fast_options(),
        }
    }
}

/// The gateway's per-SIM caps in a test.
#[derive(Clone, Copy, Debug)]
pub struct AndroidSetup {
    pub per_minute: u32,
    pub per_day: u32,
}

impl Default for AndroidSetup {
    fn default() -> Self {
        AndroidSetup {
            per_minute: 20,
            per_day: 400,
        }
    }
}

/// Short leases, polls and backoffs, so the tests take seconds.
pub fn fast_options() -> ServeOptions {
    ServeOptions {
        dispatch_workers: 2,
        sweep_every: Duration::from_secs(1),
        outbox: OutboxOptions {
            lease_ms: 2_000,
            poll: Duration::from_millis(50),
            max_in_flight: 16,
            backoff: Backoff {
                base_ms: 50,
                cap_ms: 200,
                max_attempts: 5,
            },
        },
        send_timeout: Duration::from_millis(500),
        daily_jobs: false,
        warm_figures: false,
    }
}

pub fn config(setup: &Setup, provider: &FakeProvider) -> Config {
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("GOTONG_PUBLIC_URL", PUBLIC_URL.into());
    env.insert("GOTONG_SECRET_KEY", "00".repeat(32));
    env.insert("WHATSAPP_MPS", setup.whatsapp_mps.to_string());
    env.insert("SMS_MPS", setup.sms_mps.to_string());
    if setup.admin {
        env.insert("GOTONG_ADMIN_TOKEN", ADMIN_TOKEN.into());
    }
    if setup.whatsapp {
        env.insert("WHATSAPP_APP_SECRET", APP_SECRET.into());
        env.insert("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN.into());
        env.insert("WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN.into());
        env.insert("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID.into());
        env.insert("WHATSAPP_API_BASE", provider.api_base());
        env.insert("WHATSAPP_BROADCAST_TEMPLATE", "pengumuman".into());
    }
    if setup.sms {
        env.insert("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into());
        env.insert("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into());
        env.insert("TWILIO_FROM", TWILIO_FROM.into());
        env.insert("TWILIO_API_BASE", provider.base.clone());
    }
    if let Some(android) = setup.android {
        env.insert("SMS_PROVIDER", "android".into());
        env.insert(
            "ANDROID_SMS_API_URL",
            format!("{}/3rdparty/v1", provider.base),
        );
        env.insert("ANDROID_SMS_USERNAME", ANDROID_USERNAME.into());
        env.insert("ANDROID_SMS_PASSWORD", ANDROID_PASSWORD.into());
        env.insert("ANDROID_SMS_SIGNING_KEY", ANDROID_SIGNING_KEY.into());
        env.insert(
            "ANDROID_SMS_PER_SIM_PER_MINUTE",
            android.per_minute.to_string(),
        );
        env.insert("ANDROID_SMS_PER_SIM_PER_DAY", android.per_day.to_string());
    }
    Config::from_lookup(|k| env.get(k).cloned()).expect("test configuration")
}

/// The server on 127.0.0.1:0 with the echo conversation, sending to a fake provider.
pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub provider: FakeProvider,
    pub http: reqwest::Client,
    running: Option<Running>,
}

impl TestServer {
    pub async fn start(db: &Db, setup: Setup) -> TestServer {
        Self::start_with(db, setup, FakeProvider::start().await).await
    }

    pub async fn start_with(db: &Db, setup: Setup, provider: FakeProvider) -> TestServer {
        Self::start_conversing(db, setup, provider, Arc::new(Echo)).await
    }

    /// The server with the given conversation (the real engine in end-to-end tests).
    pub async fn start_conversing(
        db: &Db,
        setup: Setup,
        provider: FakeProvider,
        conversation: Arc<dyn Conversation>,
    ) -> TestServer {
        let app = App::new(config(&setup, &provider), db.clone(), texts(), conversation);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = server::start(app, listener, setup.options.clone())
            .await
            .expect("server starts");
        TestServer {
            base: format!("http://{}", running.addr),
            db: db.clone(),
            provider,
            http: reqwest::Client::new(),
            running: Some(running),
        }
    }

    pub async fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    pub async fn post_whatsapp(&self, body: &[u8], signature: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhooks/whatsapp", self.base))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        req.send().await.expect("request reaches the server")
    }

    /// Posts `body` signed as Meta would.
    pub async fn whatsapp(&self, body: &[u8]) -> reqwest::Response {
        let sig = whatsapp::signature::sign(APP_SECRET, body);
        self.post_whatsapp(body, Some(&sig)).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-twilio-signature", s);
        }
        req.send().await.expect("request reaches the server")
    }

    /// Posts a gateway event with these headers (`None`: left out).
    pub async fn post_android(
        &self,
        body: &[u8],
        timestamp: Option<&str>,
        signature: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhooks/android-sms", self.base))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(t) = timestamp {
            req = req.header("x-timestamp", t);
        }
        if let Some(s) = signature {
            req = req.header("x-signature", s);
        }
        req.send().await.expect("request reaches the server")
    }

    /// Posts a gateway event signed now, as the app would.
    pub async fn android(&self, body: &[u8]) -> reqwest::Response {
        let ts = (chrono::Utc::now().timestamp()).to_string();
        let sig = gotong::channels::android::signature::sign(ANDROID_SIGNING_KEY, body, &ts);
        self.post_android(body, Some(&ts), Some(&sig)).await
    }

    /// Posts a form to `path` signed as Twilio would (URL = public URL + path).
    pub async fn twilio(&self, path: &str, body: &[u8]) -> reqwest::Response {
        self.post_form(path, body, Some(&twilio_signature(path, body)))
            .await
    }
}

/// `POST` to the admin API with the test token: (status, the JSON answer or `Null`).
pub async fn admin_post(
    s: &TestServer,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = s
        .http
        .post(format!("{}{path}", s.base))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// `GET` from the admin API with the test token: (status, the JSON answer or `Null`).
pub async fn admin_get(s: &TestServer, path: &str) -> (u16, serde_json::Value) {
    let r = s
        .http
        .get(format!("{}{path}", s.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Queues one message and marks it sent with `provider_id`, as the outbox would have.
pub async fn sent_message(db: &Db, channel: Channel, phone: &str, provider_id: &str) -> i64 {
    let mut tx = db.begin(gotong::store::KelurahanId::DEFAULT).await.unwrap();
    let id = tx
        .enqueue(
            &Outbound {
                kelurahan: gotong::store::KelurahanId::DEFAULT,
                channel,
                phone: phone.into(),
                body: Body::text("Saldo: Rp25.000"),
                priority: Priority::Reply,
            },
            1,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let claimed = db.claim_outbox(channel, 2, 10, 60_000).await.unwrap();
    assert_eq!(claimed[0].id, id);
    db.outbox_sent(id, provider_id, 3).await.unwrap();
    id
}

/// The shipped texts, loaded for one test server.
pub fn texts() -> Arc<Texts> {
    Arc::new(Texts::load_shipped().expect("the shipped locales load"))
}

/// The router alone (no socket, no outbox senders), for requests sent with `tower::ServiceExt`.
pub fn router_for(db: &Db, setup: &Setup, provider: &FakeProvider) -> axum::Router {
    let app = App::new(config(setup, provider), db.clone(), texts(), Arc::new(Echo));
    let providers =
        Providers::from_config(&app.config, Duration::from_secs(1), app.numbers.clone()).unwrap();
    let (dispatcher, _workers) = Dispatcher::start(app.clone(), 1, OutboxWake::default());
    let (recorder, _recording) = gotong::recorder::Recorder::start(db.clone());
    gotong::http::router(HttpState {
        app,
        providers,
        dispatcher,
        recorder,
        prometheus: gotong::telemetry::prometheus(),
        figures: Default::default(),
    })
}

pub fn twilio_signature(path: &str, body: &[u8]) -> String {
    let params = twilio::inbound::form_params(body).expect("a form");
    twilio::signature::sign(AUTH_TOKEN, &format!("{PUBLIC_URL}{path}"), &params)
}
