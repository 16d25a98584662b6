//! Shared by the webhook and delivery tests: an echo conversation, a fake provider imitating the
//! Graph API and Twilio, and a running server pointed at it.

#![allow(dead_code)]

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use gotong::app::App;
use gotong::channels::Providers;
use gotong::channels::{twilio, whatsapp};
use gotong::config::Config;
use gotong::dispatch::Dispatcher;
use gotong::error::StoreResult;
use gotong::http::HttpState;
use gotong::i18n::Texts;
use gotong::inbox::{Conversation, Handled};
use gotong::message::{Body, StoredInbound};
use gotong::outbox::{Backoff, OutboxOptions, OutboxWake};
use gotong::server::{self, Running, ServeOptions};
use gotong::store::{Db, Tx};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod load;

pub const APP_SECRET: &str = "gotong-test-app-secret";
pub const VERIFY_TOKEN: &str = "gotong-test-verify-token";
pub const ACCESS_TOKEN: &str = "gotong-test-access-token";
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const AUTH_TOKEN: &str = "gotong-test-auth-token";
pub const TWILIO_FROM: &str = "+15005550006";
pub const PUBLIC_URL: &str = "https://gotong.example.id";
pub const ADMIN_TOKEN: &str = "gotong-test-admin-token";

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
// The fake provider

/// How the fake provider answers one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Accepts the message (WhatsApp 200 with `messages[0].id`, Twilio 201 with `sid`).
    Accept,
    /// Answers this status and JSON body.
    Status(u16, &'static str),
    /// Waits this long, then accepts (longer than the client's timeout: a timeout).
    Hang(Duration),
}

/// One request the fake provider received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub at: Instant,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Bytes,
    /// The status it was answered with (0 for a hang the client gave up on).
    pub status: u16,
    /// The id it returned when it accepted.
    pub provider_id: Option<String>,
    /// When it was answered (None while in flight).
    pub answered_at: Option<Instant>,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("fake provider got JSON")
    }

    pub fn form(&self) -> HashMap<String, String> {
        serde_urlencoded::from_bytes(&self.body).expect("fake provider got a form")
    }

    /// The recipient, whatever the provider.
    pub fn to(&self) -> String {
        if self.path.ends_with("Messages.json") {
            self.form().get("To").cloned().unwrap_or_default()
        } else {
            self.json()["to"].as_str().unwrap_or_default().to_string()
        }
    }

    /// The text sent, whatever the provider.
    pub fn text(&self) -> String {
        if self.path.ends_with("Messages.json") {
            self.form().get("Body").cloned().unwrap_or_default()
        } else {
            self.json()["text"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    }

    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Default)]
struct FakeState {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Answer>>,
    /// Added to every answer (to keep sends in flight for a while).
    latency: Mutex<Duration>,
    /// How requests are answered when the script is empty (`None`: accepted).
    failing: Mutex<Option<Answer>>,
    in_flight: Mutex<HashSet<String>>,
    /// Recipients that had two requests in flight at once.
    overlaps: Mutex<Vec<String>>,
    ids: AtomicU64,
}

/// A small HTTP server imitating `POST /{phone_number_id}/messages` (Graph API) and
/// `POST /2010-04-01/Accounts/{sid}/Messages.json` (Twilio), recording every request.
#[derive(Clone)]
pub struct FakeProvider {
    pub base: String,
    state: Arc<FakeState>,
    addr: SocketAddr,
    /// Stops the listener (and closes idle connections) when sent.
    listening: Arc<Mutex<Option<ListenerHandle>>>,
}

struct ListenerHandle {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

fn listen(listener: tokio::net::TcpListener, state: Arc<FakeState>) -> ListenerHandle {
    let router = axum::Router::new().fallback(fake_send).with_state(state);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    ListenerHandle { stop, task }
}

impl FakeProvider {
    pub async fn start() -> FakeProvider {
        let state = Arc::new(FakeState::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let handle = listen(listener, state.clone());
        FakeProvider {
            base: format!("http://{addr}"),
            state,
            addr,
            listening: Arc::new(Mutex::new(Some(handle))),
        }
    }

    /// Closes the listener: new connections are refused until [`FakeProvider::resume`]. Waits
    /// (bounded) for the requests under way to be answered and idle connections to close.
    pub async fn stop_listening(&self) {
        let handle = self.listening.lock().unwrap().take();
        if let Some(h) = handle {
            let _ = h.stop.send(());
            let _ = tokio::time::timeout(Duration::from_secs(5), h.task).await;
        }
    }

    /// Listens again on the same address.
    pub async fn resume(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    assert!(
                        Instant::now() < deadline,
                        "rebinding the fake provider: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        *self.listening.lock().unwrap() = Some(listen(listener, self.state.clone()));
    }

    /// From now on, requests (after the script) are answered like this; `None` accepts again.
    pub fn set_failing(&self, answer: Option<Answer>) {
        *self.state.failing.lock().unwrap() = answer;
    }

    /// The next requests are answered like this, in order; then requests are accepted.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.state.script.lock().unwrap().extend(answers);
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.state.latency.lock().unwrap() = latency;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn accepted(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.accepted())
            .collect()
    }

    pub fn overlaps(&self) -> Vec<String> {
        self.state.overlaps.lock().unwrap().clone()
    }
}

async fn fake_send(
    State(state): State<Arc<FakeState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let path = uri.path().to_string();
    let twilio = path.ends_with("/Messages.json");
    let mut recorded = Recorded {
        at: Instant::now(),
        path,
        authorization: header("authorization"),
        content_type: header("content-type"),
        body,
        status: 0,
        provider_id: None,
        answered_at: None,
    };
    let to = recorded.to();
    if !state.in_flight.lock().unwrap().insert(to.clone()) {
        state.overlaps.lock().unwrap().push(to.clone());
    }
    let answer = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| state.failing.lock().unwrap().clone())
        .unwrap_or(Answer::Accept);
    let latency = *state.latency.lock().unwrap();
    let index = {
        let mut requests = state.requests.lock().unwrap();
        requests.push(recorded.clone());
        requests.len() - 1
    };
    tokio::time::sleep(latency).await;
    let (status, body) = match answer {
        Answer::Status(status, body) => (status, body.to_string()),
        Answer::Hang(d) => {
            tokio::time::sleep(d).await;
            (0, String::new())
        }
        Answer::Accept => {
            let n = state.ids.fetch_add(1, Ordering::SeqCst) + 1;
            let id = if twilio {
                format!("SMfake{n:032}")
            } else {
                format!("wamid.FAKE{n}")
            };
            recorded.provider_id = Some(id.clone());
            if twilio {
                (
                    201,
                    serde_json::json!({ "sid": id, "status": "queued" }).to_string(),
                )
            } else {
                let to = recorded.json()["to"].clone();
                (
                    200,
                    serde_json::json!({
                        "messaging_product": "whatsapp",
                        "contacts": [{ "input": to, "wa_id": to }],
                        "messages": [{ "id": id }]
                    })
                    .to_string(),
                )
            }
        }
    };
    {
        let mut requests = state.requests.lock().unwrap();
        requests[index].status = status;
        requests[index].provider_id = recorded.provider_id.clone();
        requests[index].answered_at = Some(Instant::now());
    }
    state.in_flight.lock().unwrap().remove(&to);
    if status == 0 {
        // The client gave up long ago; answer something.
        return StatusCode::GATEWAY_TIMEOUT.into_response();
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// What to configure.
#[derive(Clone, Debug)]
pub struct Setup {
    pub whatsapp: bool,
    pub sms: bool,
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
            admin: true,
            whatsapp_mps: 80,
            sms_mps: 10,
            options: fast_options(),
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
        env.insert("WHATSAPP_API_BASE", format!("{}/v21.0", provider.base));
        env.insert("WHATSAPP_BROADCAST_TEMPLATE", "pengumuman".into());
    }
    if setup.sms {
        env.insert("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into());
        env.insert("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into());
        env.insert("TWILIO_FROM", TWILIO_FROM.into());
        env.insert("TWILIO_API_BASE", provider.base.clone());
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

/// The shipped texts, loaded for one test server.
pub fn texts() -> Arc<Texts> {
    Arc::new(Texts::load_shipped().expect("the shipped locales load"))
}

/// The router alone (no socket, no outbox senders), for requests sent with `tower::ServiceExt`.
pub fn router_for(db: &Db, setup: &Setup, provider: &FakeProvider) -> axum::Router {
    let app = App::new(config(setup, provider), db.clone(), texts(), Arc::new(Echo));
    let providers = Providers::from_config(&app.config, Duration::from_secs(1)).unwrap();
    let (dispatcher, _workers) = Dispatcher::start(app.clone(), 1, OutboxWake::default());
    let (recorder, _recording) = gotong::recorder::Recorder::start(db.clone());
    gotong::http::router(HttpState {
        app,
        providers,
        dispatcher,
        recorder,
        prometheus: gotong::telemetry::prometheus(),
    })
}

pub fn twilio_signature(path: &str, body: &[u8]) -> String {
    let params = twilio::inbound::form_params(body).expect("a form");
    twilio::signature::sign(AUTH_TOKEN, &format!("{PUBLIC_URL}{path}"), &params)
}
