//! Metric names and the Prometheus recorder. Counters are recorded where things happen (webhooks,
//! dispatcher, outbox); `GET /metrics` renders them with the database-backed gauges.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Inbound messages recorded (redeliveries not counted), by `channel` and `kelurahan` (its code:
/// one label value per kelurahan of the deployment).
pub const INBOUND: &str = "gotong_inbound_messages_total";
/// Send outcomes by `channel`, `kelurahan` and `status` (sent, retried, waited: no route could
/// take it and no try was counted, failed).
pub const OUTBOUND: &str = "gotong_outbound_messages_total";
/// Provider delivery reports by `channel` and `status`.
pub const DELIVERY_STATUS: &str = "gotong_delivery_status_total";
/// Rows waiting in the outbox (queued or being sent).
pub const OUTBOX_DEPTH: &str = "gotong_outbox_depth";
/// Rows waiting in the outbox per `kelurahan` (its code; 0 for a kelurahan with none waiting).
pub const KELURAHAN_OUTBOX_DEPTH: &str = "gotong_kelurahan_outbox_depth";
/// Age of the oldest waiting outbox row, in seconds (0 when none waits).
pub const OUTBOX_OLDEST_AGE: &str = "gotong_outbox_oldest_age_seconds";
/// Time to verify, parse and record one webhook request, by `channel`.
pub const WEBHOOK_SECONDS: &str = "gotong_webhook_duration_seconds";
/// Time to run the pending conversation steps of the phones a dispatcher worker took together.
pub const HANDLING_SECONDS: &str = "gotong_handling_duration_seconds";
/// Conversation analytics from the database, by `flow`, `step` and `event`.
pub const FLOW_STEP_EVENTS: &str = "gotong_flow_step_events_total";
/// Gauge per SMS Gateway for Android phone (`device`): 1 when it sent an event (ping, message,
/// status) within 15 minutes, else 0.
pub const SMS_DEVICE_ONLINE: &str = "gotong_sms_device_online";
/// Gauges per gateway SIM (`device`, `sim`): sends today, and 1 when it may send now.
pub const SMS_SIM_SENT_TODAY: &str = "gotong_sms_sim_sent_today";
pub const SMS_SIM_USABLE: &str = "gotong_sms_sim_usable";

const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process-wide recorder, installed on first use.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_duration_seconds".into()),
                    &LATENCY_BUCKETS,
                )
                .expect("bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed: /metrics may be empty");
            }
            handle
        })
        .clone()
}
