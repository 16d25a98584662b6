//! The HTTP server's routes (DESIGN §3), built from the [`App`] and the configured providers.
//!
//! | route | module |
//! | --- | --- |
//! | `GET`/`POST /webhooks/whatsapp` | [`webhooks_whatsapp`] (404 when WhatsApp is not configured) |
//! | `POST /webhooks/sms`, `POST /webhooks/sms/status` | [`webhooks_sms`] (404 when Twilio is not configured) |
//! | `POST /webhooks/android-sms` | [`webhooks_android`] (404 when SMS Gateway for Android is not configured) |
//! | `GET /healthz` | [`health`] |
//! | `GET /metrics` | [`metrics`] |
//! | `/api/…` | [`api`], guarded by [`admin_auth`] |
//! | `/`, `/admin/…` | the web pages, [`crate::web`] |
//!
//! Every webhook POST goes through [`intake`]. Request bodies over 4 MiB get 413. Errors are
//! mapped to answers once, in [`error`].

pub mod admin_auth;
pub mod api;
pub mod api_accounts;
pub mod api_broadcasts;
pub mod api_events;
pub mod api_kelurahan;
pub mod api_kindness;
pub mod api_ledger;
pub mod api_letters;
pub mod api_market;
pub mod api_proposals;
pub mod api_registry;
pub mod api_services;
pub mod api_sms_devices;
pub mod api_tickets;
pub mod error;
pub mod health;
pub mod intake;
pub mod kelurahan_param;
pub mod metrics;
pub mod webhooks_android;
pub mod webhooks_sms;
pub mod webhooks_whatsapp;

use crate::app::App;
use crate::channels::Providers;
use crate::dispatch::Dispatcher;
use crate::recorder::Recorder;
use axum::extract::{DefaultBodyLimit, Request};
use axum::routing::{get, post};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub app: App,
    pub providers: Providers,
    pub dispatcher: Dispatcher,
    pub recorder: Recorder,
    pub prometheus: PrometheusHandle,
    /// The web pages' figures, kept for a minute ([`crate::web::figures`]).
    pub figures: crate::web::figures::FigureCache,
}

pub fn router(state: HttpState) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::render))
        .nest("/api", api::router(state.clone()));
    if state.providers.whatsapp_webhook.is_some() {
        router = router.route(
            "/webhooks/whatsapp",
            get(webhooks_whatsapp::verify_subscription).post(webhooks_whatsapp::receive),
        );
    }
    if state.providers.sms_webhook.is_some() {
        router = router.route("/webhooks/sms", post(webhooks_sms::receive_message));
    }
    if state.providers.android_webhook.is_some() {
        router = router.route("/webhooks/android-sms", post(webhooks_android::receive));
    }
    if state.providers.sms_status_webhook.is_some() {
        router = router.route("/webhooks/sms/status", post(webhooks_sms::receive_status));
    }
    // The web pages set their own limits (a registry upload is larger than any webhook).
    router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(crate::web::router(state.clone()))
        .layer(DefaultBodyLimit::disable())
        // Only method and path: a query string may hold the handshake's verify token.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            tracing::info_span!("http", method = %req.method(), path = req.uri().path())
        }))
        .with_state(state)
}
