//! A loopback stand-in for the WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages`
//! answers `{"messages":[{"id":"wamid.<n>"}]}` at once and tells the bench who was written to.
//!
//! It does as little as possible (read `to`, count, answer) so that the figures measure gotong,
//! not the fake.

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
    /// The recipient as the Graph API gets it: digits, no '+'.
    pub to: String,
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

#[derive(Deserialize)]
struct Message {
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
            .route("/{version}/{phone_number_id}/messages", post(accept))
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

    /// What `WHATSAPP_API_BASE` should be.
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

async fn accept(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let at = Instant::now();
    let Ok(msg) = serde_json::from_slice::<Message>(&body) else {
        shared.refused.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":{"code":100,"message":"(#100) Invalid parameter"}}"#,
        )
            .into_response();
    };
    let n = shared.ids.fetch_add(1, Ordering::Relaxed) + 1;
    (shared.on_delivered)(Delivered { to: msg.to, at });
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!(r#"{{"messaging_product":"whatsapp","messages":[{{"id":"wamid.{n}"}}]}}"#),
    )
        .into_response()
}
