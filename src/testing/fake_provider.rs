//! The fake providers of the tests and of `gotong bench`, in one loopback HTTP server: the
//! WhatsApp Cloud API (`POST /{version}/{phone_number_id}/messages`, answered 200
//! `{"messages":[{"id":"wamid.FAKE<n>"}]}`) and Twilio's SMS API
//! (`POST /2010-04-01/Accounts/{sid}/Messages.json`, answered 201 `{"sid":"SMfake<n>"}`), and
//! SMS Gateway for Android's send API (`POST …/message`, JSON `phoneNumbers`, answered 202
//! `{"id":"asgfake<n>","state":"Pending"}`).
//!
//! One server with two uses:
//!
//! - **tests** ([`FakeProvider::start`]) see every request it got ([`FakeProvider::requests`]:
//!   path, headers, body, answer, times), script its answers ([`Answer`]: errors, hangs), make it
//!   slow ([`FakeProvider::set_latency`]), take it down and up again
//!   ([`FakeProvider::stop_listening`], [`FakeProvider::resume`]) and ask whether one phone ever
//!   had two sends in flight at once ([`FakeProvider::overlaps`]);
//! - **benchmarks** ([`FakeProvider::start_reporting`], [`FakeProvider::start_for_waiters`]) are
//!   told of each accepted message as it arrives ([`Delivered`]), so a sender waiting for its
//!   reply is woken at once, and only count. Nothing is recorded, so the fake stays small and
//!   fast over hundreds of thousands of messages and the figures measure gotong, not the fake.
//!
//! Every path is served (the send path decides the provider: one ending in `/Messages.json` is
//! Twilio); a request without a recipient is answered 400 in the provider's own error shape.

use crate::message::Channel;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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

/// One request the fake provider received (kept by a provider started with
/// [`FakeProvider::start`]).
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
    /// The body as JSON (a WhatsApp send); panics otherwise, failing the test.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("fake provider got JSON")
    }

    /// The body as a form (a Twilio send); panics otherwise, failing the test.
    pub fn form(&self) -> HashMap<String, String> {
        serde_urlencoded::from_bytes(&self.body).expect("fake provider got a form")
    }

    fn is_sms(&self) -> bool {
        is_sms_path(&self.path)
    }

    /// The recipient, whatever the provider.
    pub fn to(&self) -> String {
        recipient(kind_of(&self.path), &self.body).unwrap_or_default()
    }

    /// The text sent, whatever the provider.
    pub fn text(&self) -> String {
        if kind_of(&self.path) == Kind::Android {
            self.json()["textMessage"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else if self.is_sms() {
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

/// One message the provider accepted, as told to a benchmark.
#[derive(Clone, Debug)]
pub struct Delivered {
    /// The recipient as the provider gets it: digits without '+' (WhatsApp), `+` and digits (SMS).
    pub to: String,
    /// The number it was sent from: the WhatsApp `phone_number_id` of the URL, the Twilio `From`,
    /// the gateway send's `deviceId`.
    pub from: String,
    pub channel: Channel,
    /// When the request reached the provider.
    pub at: Instant,
}

/// Called for every accepted message, on the provider's request task: keep it short.
pub type OnDelivered = Arc<dyn Fn(Delivered) + Send + Sync>;

/// Phone (as the provider sees it: digits) → the sender waiting for that phone's next reply.
pub type Waiting =
    Arc<std::sync::Mutex<std::collections::HashMap<String, oneshot::Sender<Instant>>>>;

#[derive(Default)]
struct FakeState {
    /// Whether every request is kept in `requests` (tests) or only counted (benchmarks).
    recording: bool,
    on_delivered: Option<OnDelivered>,
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Answer>>,
    /// Added to every answer (to keep sends in flight for a while).
    latency: Mutex<Duration>,
    /// How requests are answered when the script is empty (`None`: accepted).
    failing: Mutex<Option<Answer>>,
    in_flight: Mutex<HashSet<String>>,
    /// Recipients that had two requests in flight at once (recording only).
    overlaps: Mutex<Vec<String>>,
    /// Messages accepted so far (the last id given).
    ids: AtomicU64,
    /// Requests without a recipient.
    refused: AtomicU64,
}

/// A running fake provider; clones share it.
#[derive(Clone)]
pub struct FakeProvider {
    /// `http://127.0.0.1:<port>`: what `TWILIO_API_BASE` should be.
    pub base: String,
    state: Arc<FakeState>,
    addr: SocketAddr,
    /// Stops the listener (and closes idle connections) when sent.
    listening: Arc<Mutex<Option<ListenerHandle>>>,
}

struct ListenerHandle {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

fn listen(listener: TcpListener, state: Arc<FakeState>) -> ListenerHandle {
    let router = axum::Router::new().fallback(fake_send).with_state(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "fake provider failed");
        }
    });
    ListenerHandle { stop, task }
}

/// A poisoned lock only means another request task panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeProvider {
    /// A recording provider on `127.0.0.1:0`, for tests (panics if it cannot listen).
    pub async fn start() -> FakeProvider {
        let state = FakeState {
            recording: true,
            ..FakeState::default()
        };
        FakeProvider::launch(state)
            .await
            .expect("the fake provider listens on 127.0.0.1")
    }

    /// A provider that records nothing and tells `on_delivered` of every accepted message.
    pub async fn start_reporting(on_delivered: OnDelivered) -> std::io::Result<FakeProvider> {
        FakeProvider::launch(FakeState {
            on_delivered: Some(on_delivered),
            ..FakeState::default()
        })
        .await
    }

    /// A provider that hands each reply to the sender waiting for its phone and counts the
    /// messages nobody waits for (notices to other residents, strays) in `others`.
    pub async fn start_for_waiters(
        waiting: Waiting,
        others: Arc<AtomicU64>,
    ) -> std::io::Result<FakeProvider> {
        FakeProvider::start_reporting(Arc::new(move |d: Delivered| {
            let tx = waiting
                .lock()
                .ok()
                .and_then(|mut m| m.remove(d.to.trim_start_matches('+')));
            match tx {
                Some(tx) => {
                    let _ = tx.send(d.at);
                }
                None => {
                    others.fetch_add(1, Ordering::Relaxed);
                }
            }
        }))
        .await
    }

    async fn launch(state: FakeState) -> std::io::Result<FakeProvider> {
        let state = Arc::new(state);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let handle = listen(listener, state.clone());
        Ok(FakeProvider {
            base: format!("http://{addr}"),
            state,
            addr,
            listening: Arc::new(Mutex::new(Some(handle))),
        })
    }

    /// What `WHATSAPP_API_BASE` should be (`TWILIO_API_BASE` is [`FakeProvider::base`]).
    pub fn api_base(&self) -> String {
        format!("{}/v21.0", self.base)
    }

    /// Closes the listener: new connections are refused until [`FakeProvider::resume`]. Waits
    /// (bounded) for the requests under way to be answered and idle connections to close.
    pub async fn stop_listening(&self) {
        let handle = lock(&self.listening).take();
        if let Some(h) = handle {
            let _ = h.stop.send(());
            let _ = tokio::time::timeout(Duration::from_secs(5), h.task).await;
        }
    }

    /// Stops for good once the requests under way are answered.
    pub async fn stop(self) {
        self.stop_listening().await;
    }

    /// Listens again on the same address (panics if it cannot within 5 s, failing the test).
    pub async fn resume(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
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
        *lock(&self.listening) = Some(listen(listener, self.state.clone()));
    }

    /// From now on, requests (after the script) are answered like this; `None` accepts again.
    pub fn set_failing(&self, answer: Option<Answer>) {
        *lock(&self.state.failing) = answer;
    }

    /// The next requests are answered like this, in order; then requests are accepted.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        lock(&self.state.script).extend(answers);
    }

    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.state.latency) = latency;
    }

    /// Every request so far (empty unless started with [`FakeProvider::start`]).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }

    /// The requests accepted so far (recorded ones only, see [`FakeProvider::requests`]).
    pub fn accepted(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.accepted())
            .collect()
    }

    /// How many messages were accepted so far, recorded or not.
    pub fn accepted_count(&self) -> u64 {
        self.state.ids.load(Ordering::Relaxed)
    }

    /// Requests that were not a message with a recipient (answered 400).
    pub fn refused(&self) -> u64 {
        self.state.refused.load(Ordering::Relaxed)
    }

    /// The recipients that had two sends in flight at once (recording providers only).
    pub fn overlaps(&self) -> Vec<String> {
        lock(&self.state.overlaps).clone()
    }
}

fn is_sms_path(path: &str) -> bool {
    path.ends_with("/Messages.json")
}

/// Which provider a send path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    WhatsApp,
    Twilio,
    Android,
}

fn kind_of(path: &str) -> Kind {
    if is_sms_path(path) {
        Kind::Twilio
    } else if path.ends_with("/message") {
        // The gateway's send path (WhatsApp's ends in `/messages`).
        Kind::Android
    } else {
        Kind::WhatsApp
    }
}

/// A WhatsApp message (JSON `to`, or `recipient` for a user id) or an SMS (form `To`): only the
/// recipient is read.
#[derive(Deserialize)]
struct Message {
    #[serde(alias = "To", alias = "recipient")]
    to: String,
}

/// A gateway send: `phoneNumbers`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GatewayMessage {
    phone_numbers: Vec<String>,
}

fn recipient(kind: Kind, body: &[u8]) -> Option<String> {
    match kind {
        Kind::Twilio => serde_urlencoded::from_bytes::<Message>(body)
            .ok()
            .map(|m| m.to),
        Kind::WhatsApp => serde_json::from_slice::<Message>(body).ok().map(|m| m.to),
        Kind::Android => serde_json::from_slice::<GatewayMessage>(body)
            .ok()
            .and_then(|m| m.phone_numbers.into_iter().next()),
    }
}

/// The number a send came from: `From` of a Twilio form, the `deviceId` of a gateway send (the
/// phone it goes out of), the `phone_number_id` of a WhatsApp URL
/// (`/{version}/{phone_number_id}/messages`).
fn sender(kind: Kind, path: &str, body: &[u8]) -> String {
    match kind {
        Kind::Twilio => serde_urlencoded::from_bytes::<HashMap<String, String>>(body)
            .ok()
            .and_then(|f| f.get("From").cloned())
            .unwrap_or_default(),
        Kind::Android => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["deviceId"].as_str().map(String::from))
            .unwrap_or_default(),
        Kind::WhatsApp => path.rsplit('/').nth(1).unwrap_or_default().to_string(),
    }
}

async fn fake_send(
    State(state): State<Arc<FakeState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let kind = kind_of(uri.path());
    let sms = kind != Kind::WhatsApp;
    let Some(to) = recipient(kind, &body) else {
        state.refused.fetch_add(1, Ordering::Relaxed);
        let error = match kind {
            Kind::Twilio => {
                r#"{"code":21604,"message":"A 'To' phone number is required.","status":400}"#
            }
            Kind::Android => r#"{"message":"phoneNumbers is required"}"#,
            Kind::WhatsApp => r#"{"error":{"code":100,"message":"(#100) Invalid parameter"}}"#,
        };
        return json_response(StatusCode::BAD_REQUEST, error.to_string());
    };
    let from = sender(kind, uri.path(), &body);
    // Overlaps are a test's question; a benchmark's fake does as little as it can.
    if state.recording && !lock(&state.in_flight).insert(to.clone()) {
        lock(&state.overlaps).push(to.clone());
    }
    let answer = lock(&state.script)
        .pop_front()
        .or_else(|| lock(&state.failing).clone())
        .unwrap_or(Answer::Accept);
    let latency = *lock(&state.latency);
    let index = state.recording.then(|| {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let mut requests = lock(&state.requests);
        requests.push(Recorded {
            at,
            path: uri.path().to_string(),
            authorization: header("authorization"),
            content_type: header("content-type"),
            body,
            status: 0,
            provider_id: None,
            answered_at: None,
        });
        requests.len() - 1
    });
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (status, provider_id, body) = match answer {
        Answer::Status(status, body) => (status, None, body.to_string()),
        Answer::Hang(d) => {
            tokio::time::sleep(d).await;
            (0, None, String::new())
        }
        Answer::Accept => {
            let n = state.ids.fetch_add(1, Ordering::SeqCst) + 1;
            let (status, id, body) = if kind == Kind::Android {
                let id = format!("asgfake{n}");
                let body = serde_json::json!({
                    "id": id,
                    "state": "Pending",
                    "recipients": [{ "phoneNumber": to, "state": "Pending" }]
                });
                (202, id, body)
            } else if sms {
                let id = format!("SMfake{n:032}");
                let body = serde_json::json!({ "sid": id, "status": "queued" });
                (201, id, body)
            } else {
                let id = format!("wamid.FAKE{n}");
                let body = serde_json::json!({
                    "messaging_product": "whatsapp",
                    "contacts": [{ "input": to, "wa_id": to }],
                    "messages": [{ "id": id }]
                });
                (200, id, body)
            };
            if let Some(tell) = &state.on_delivered {
                let channel = if sms { Channel::Sms } else { Channel::WhatsApp };
                tell(Delivered {
                    to: to.clone(),
                    from: from.clone(),
                    channel,
                    at,
                });
            }
            (status, Some(id), body.to_string())
        }
    };
    if let Some(i) = index {
        let mut requests = lock(&state.requests);
        requests[i].status = status;
        requests[i].provider_id = provider_id;
        requests[i].answered_at = Some(Instant::now());
    }
    if state.recording {
        lock(&state.in_flight).remove(&to);
    }
    match StatusCode::from_u16(status) {
        Ok(status) => json_response(status, body),
        // 0, a hang: the client gave up long ago; answer something.
        Err(_) => StatusCode::GATEWAY_TIMEOUT.into_response(),
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [("content-type", "application/json")], body).into_response()
}
