//! `gotong serve`: the webhook server with its background tasks.
//!
//! [`start`] wires everything on a bound listener and returns a [`Running`] server (tests use it on
//! `127.0.0.1:0`); [`serve`] does that on `GOTONG_LISTEN` and stops gracefully on ctrl-c / SIGTERM.
//! The conversation engine comes in through the [`App`].

use crate::app::App;
use crate::channels::Providers;
use crate::config::Config;
use crate::dispatch::{spawn_recovery_sweep, Dispatcher};
use crate::http::{self, HttpState};
use crate::message::Channel;
use crate::outbox::{OutboxOptions, OutboxWake, OutboxWorker};
use crate::recorder::Recorder;
use crate::shutdown::{stop_signal, StopTrigger};
use crate::telemetry;
use anyhow::Context;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Tunables of the background work; the defaults are for production, tests shorten them.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Tasks running conversation steps.
    pub dispatch_workers: usize,
    /// How often the recovery sweep looks for messages left unhandled.
    pub sweep_every: Duration,
    pub outbox: OutboxOptions,
    /// Bound on one send request to a provider (must stay well under the outbox lease).
    pub send_timeout: Duration,
    /// Run the daily jobs (the stimulus at `GOTONG_STIMULUS_HOUR`). Tests of other things turn
    /// them off so a server start credits nothing.
    pub daily_jobs: bool,
    /// Compute the web pages' figures at start, in the background (tests that change the data
    /// after a start and then read the figures turn it off: figures are kept for a minute).
    pub warm_figures: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            // Each worker handles the phones queued for it in batches; two keep batches large
            // (one unit of work for many phones) while one waits for the database
            // (`gotong bench`: 2 did as well as 4 or better on both backends, 1 and 8 worse).
            dispatch_workers: 2,
            sweep_every: Duration::from_secs(5),
            outbox: OutboxOptions::default(),
            send_timeout: Duration::from_secs(20),
            daily_jobs: true,
            warm_figures: true,
        }
    }
}

impl ServeOptions {
    /// The production tunables with the send timeout of the configuration
    /// (`GOTONG_SEND_TIMEOUT_SECONDS`) and an outbox lease of three times it, so a send always
    /// ends (or times out) well within its lease.
    pub fn from_config(config: &Config) -> Self {
        let defaults = ServeOptions::default();
        let send_timeout = Duration::from_secs(u64::from(config.send_timeout_seconds));
        ServeOptions {
            send_timeout,
            outbox: OutboxOptions {
                lease_ms: 3 * send_timeout.as_millis() as i64,
                ..defaults.outbox
            },
            ..defaults
        }
    }
}

/// `serve` refuses to start without `GOTONG_SECRET_KEY`.
pub fn require_secret_key(config: &Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        config.secret_key.is_some(),
        "GOTONG_SECRET_KEY is required by `gotong serve`: 64 hexadecimal characters (32 bytes), \
         e.g. from `openssl rand -hex 32`"
    );
    Ok(())
}

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    stop: StopTrigger,
    server: JoinHandle<std::io::Result<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Registers the configured numbers as the default kelurahan's (when no kelurahan has them),
/// loads the number directory, then starts the HTTP server on `listener`, the dispatcher, the
/// recovery sweep and one outbox sender per configured channel.
pub async fn start(
    app: App,
    listener: TcpListener,
    options: ServeOptions,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let providers = Providers::from_config(&app.config, options.send_timeout, app.numbers.clone())
        .context("building the provider HTTP client")?;
    // A deployment of one kelurahan runs from the environment alone: its numbers become the
    // default kelurahan's. Then the numbers are loaded before anything is received or sent.
    crate::kelurahan::setup::apply_environment(&app.db, &app.config, app.now())
        .await
        .context("registering the configured numbers (GOTONG_KELURAHAN_CODE, WHATSAPP_PHONE_NUMBER_ID, TWILIO_FROM)")?;
    app.numbers
        .reload()
        .await
        .context("loading the kelurahan numbers")?;
    let wake = OutboxWake::default();
    let (stop, stop_rx) = stop_signal();
    let (dispatcher, mut tasks) =
        Dispatcher::start(app.clone(), options.dispatch_workers, wake.clone());
    tasks.push(spawn_recovery_sweep(
        app.clone(),
        options.sweep_every,
        wake.clone(),
        stop_rx.clone(),
    ));
    for sender in &providers.senders {
        let channel = sender.channel();
        let worker = OutboxWorker {
            db: app.db.clone(),
            clock: app.clock.clone(),
            sender: sender.clone(),
            numbers: app.numbers.clone(),
            options: options.outbox.clone(),
            mps: mps(&app.config, channel),
            wake: wake.for_channel(channel),
        };
        tasks.push(tokio::spawn(worker.run(stop_rx.clone())));
    }
    if options.daily_jobs {
        tasks.push(crate::ledger::daily::spawn_daily_stimulus(
            app.clone(),
            stop_rx.clone(),
        ));
        tasks.push(crate::market::jobs::spawn_market_jobs(
            app.clone(),
            stop_rx.clone(),
        ));
        tasks.push(crate::events::jobs::spawn_event_jobs(
            app.clone(),
            stop_rx.clone(),
        ));
    }
    let (recorder, recording) = Recorder::start(app.db.clone());
    tasks.push(recording);
    let figures = crate::web::figures::FigureCache::default();
    if options.warm_figures {
        tasks.push(figures.warm(&app));
    }
    let router = http::router(HttpState {
        app,
        providers,
        dispatcher,
        recorder,
        prometheus: telemetry::prometheus(),
        figures,
    });
    let mut server_stop = stop_rx;
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { server_stop.stopped().await })
            .await
    });
    Ok(Running {
        addr,
        stop,
        server,
        tasks,
    })
}

fn mps(config: &Config, channel: Channel) -> u32 {
    match channel {
        Channel::WhatsApp => config.whatsapp_mps,
        Channel::Sms => config.sms_mps,
    }
}

impl Running {
    /// Stops accepting requests, lets the dispatcher finish its queue and the senders finish the
    /// sends under way. Whatever is left stays in the database for the next start.
    pub async fn shutdown(self) {
        self.stop.stop();
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "http server failed"),
            Err(e) => tracing::error!(error = %e, "http server task failed"),
        }
        // The router (and with it the dispatcher's queues and the recorder) is gone: the workers
        // and the recorder drain and end.
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "background task failed");
            }
        }
    }
}

/// Runs the server on `GOTONG_LISTEN` until ctrl-c or SIGTERM.
pub async fn serve(app: App) -> anyhow::Result<()> {
    require_secret_key(&app.config)?;
    let listen = app.config.listen.clone();
    let listener = TcpListener::bind(&listen)
        .await
        .with_context(|| format!("binding GOTONG_LISTEN={listen}"))?;
    let app_config_whatsapp = app.config.whatsapp.clone();
    let whatsapp = app_config_whatsapp.is_some();
    let sms = app.config.twilio.is_some();
    let backend = app.db.backend_name();
    let options = ServeOptions::from_config(&app.config);
    let running = start(app, listener, options).await?;
    tracing::info!(
        addr = %running.addr,
        database = backend,
        whatsapp = if whatsapp { "enabled" } else { "disabled (no WHATSAPP_APP_SECRET)" },
        sms = if sms { "enabled" } else { "disabled (no TWILIO_* settings)" },
        "gotong serving"
    );
    if let Some(wa) = &app_config_whatsapp {
        if wa.access_token.is_empty() || wa.phone_number_id.is_empty() {
            tracing::warn!(
                "WHATSAPP_ACCESS_TOKEN or WHATSAPP_PHONE_NUMBER_ID is not set: WhatsApp replies will fail"
            );
        }
        if wa.verify_token.is_empty() {
            tracing::warn!(
                "WHATSAPP_VERIFY_TOKEN is not set: Meta's subscription handshake will be refused"
            );
        }
    }
    if !whatsapp && !sms {
        tracing::warn!(
            "no channel is configured: only /healthz, /metrics, /api and the web pages answer"
        );
    }
    stop_requested().await;
    tracing::info!("stopping: finishing the work under way");
    running.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

async fn stop_requested() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
