//! A loopback stand-in for the providers: the WhatsApp Cloud API
//! (`POST /{version}/{phone_number_id}/messages` answers `{"messages":[{"id":"wamid.<n>"}]}`) and
//! Twilio's SMS API (`POST /2010-04-01/Accounts/{sid}/Messages.json` answers 201
//! `{"sid":"SM<n>","status":"queued"}`), both at once, telling the bench who was written to.
//!
//! It does as little as possible (read `to`, count, answer) so that the figures measure gotong,
//! not the fake.

use crate::message::Channel;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Phone (as the provider sees it: digits) → the sender waiting for that phone's next reply.
pub type Waiting =
    Arc<std::sync::Mutex<std::collections::HashMap<String, oneshot::Sender<Instant>>>>;

impl FakeProvider {
    /// A provider that hands each reply to the sender waiting for its phone and counts the
    /// messages nobody waits for (notices to other residents, strays) in `others`.
    pub async fn start_for_waiters(
        waiting: Waiting,
        others: Arc<AtomicU64>,
    ) -> std::io::Result<FakeProvider> {
        FakeProvider::start(Arc::new(move |d: Delivered| {
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
}

/// One message the provider accepted.
#[derive(Clone, Debug)]
pub struct Delivered {
    /// The recipient as the provider gets it: digits without '+' (WhatsApp), `+` and digits (SMS).
    pub to: String,
    pub channel: Channel,
    /// When the request reached the provider.
    pub at: Instant,
}

/// Called for every accepted message, on the provider's request task: keep it short.
pub type OnDelivered = Arc<dyn Fn(Delivered) + Send + Sync>;

struct Shared {
    on_delivered: OnDelivered,
    ids: AtomicU64,
    refused: AtomicU64,
}

/// A running fake provider.
pub struct FakeProvider {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// A WhatsApp message (JSON) or an SMS (form): only the recipient is read.
#[derive(Deserialize)]
struct Message {
    #[serde(alias = "To")]
    to: String,
}

impl FakeProvider {
    /// Listens on `127.0.0.1:0`.
    pub async fn start(on_delivered: OnDelivered) -> std::io::Result<FakeProvider> {
        let shared = Arc::new(Shared {
            on_delivered,
            ids: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        });
        let router = Router::new()
            .route(
                "/{version}/{phone_number_id}/messages",
                post(accept_whatsapp),
            )
            .route(
                "/2010-04-01/Accounts/{account_sid}/Messages.json",
                post(accept_sms),
            )
            .with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(FakeProvider {
            base,
            shared,
            stop,
            task,
        })
    }

    /// What `WHATSAPP_API_BASE` should be (`TWILIO_API_BASE` is [`FakeProvider::base`]).
    pub fn api_base(&self) -> String {
        format!("{}/v21.0", self.base)
    }

    /// Messages accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.ids.load(Ordering::Relaxed)
    }

    /// Requests that were not a message with a recipient (answered 400).
    pub fn refused(&self) -> u64 {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Stops listening once the requests under way are answered.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "fake provider failed"),
            Err(e) => tracing::warn!(error = %e, "fake provider task failed"),
        }
    }
}

async fn accept_whatsapp(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let at = Instant::now();
    let Ok(msg) = serde_json::from_slice::<Message>(&body) else {
        return shared.refuse(r#"{"error":{"code":100,"message":"(#100) Invalid parameter"}}"#);
    };
    let n = shared.deliver(msg.to, Channel::WhatsApp, at);
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!(r#"{{"messaging_product":"whatsapp","messages":[{{"id":"wamid.{n}"}}]}}"#),
    )
        .into_response()
}

async fn accept_sms(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let at = Instant::now();
    let Ok(msg) = serde_urlencoded::from_bytes::<Message>(&body) else {
        return shared
            .refuse(r#"{"code":21604,"message":"A 'To' phone number is required.","status":400}"#);
    };
    let n = shared.deliver(msg.to, Channel::Sms, at);
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        format!(r#"{{"sid":"SM{n:032}","status":"queued"}}"#),
    )
        .into_response()
}

impl Shared {
    /// Counts and reports one accepted message; answers its number (from 1).
    fn deliver(&self, to: String, channel: Channel, at: Instant) -> u64 {
        let n = self.ids.fetch_add(1, Ordering::Relaxed) + 1;
        (self.on_delivered)(Delivered { to, channel, at });
        n
    }

    /// A 400 with the provider's own kind of error body.
    fn refuse(&self, error: &'static str) -> Response {
        self.refused.fetch_add(1, Ordering::Relaxed);
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            error,
        )
            .into_response()
    }
}
