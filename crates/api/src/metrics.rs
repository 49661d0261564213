//! `/metrics` in Prometheus' text format: request counts and latency histograms per route pattern and
//! status (actix-web-prom), database pool use, and the backlog of the background work (webhook
//! deliveries, notification mail, SLA checks) with its lag, read from the database at each scrape so
//! that every replica reports the shared queues.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use helpdesk_persistence::backlog::{self, Backlog};
use prometheus::{Encoder, GaugeVec, IntGaugeVec, Opts, Registry, TextEncoder};

const NAMESPACE: &str = "helpdesk";

/// One registry per application (tests run many in one process).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// The request middleware, recording into `registry`.
    pub http: PrometheusMetrics,
    pool_connections: IntGaugeVec,
    backlog_due: IntGaugeVec,
    backlog_lag_seconds: GaugeVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, String> {
        let registry = Registry::new();
        let http = PrometheusMetricsBuilder::new(NAMESPACE)
            .registry(registry.clone())
            .exclude("/metrics")
            .mask_unmatched_patterns("UNKNOWN")
            .buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .build()
            .map_err(|error| format!("metrics: {error}"))?;
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            let gauge = IntGaugeVec::new(Opts::new(name, help).namespace(NAMESPACE), labels)
                .map_err(|error| format!("metrics: {error}"))?;
            registry
                .register(Box::new(gauge.clone()))
                .map_err(|error| format!("metrics: {error}"))?;
            Ok::<_, String>(gauge)
        };
        let pool_connections = gauge(
            "db_pool_connections",
            "Database connections per pool, by state (idle or in_use)",
            &["pool", "state"],
        )?;
        let backlog_due = gauge(
            "backlog_due",
            "Background work due now: webhook deliveries, notification mail, SLA checks",
            &["queue"],
        )?;
        let backlog_lag_seconds = GaugeVec::new(
            Opts::new(
                "backlog_lag_seconds",
                "How long the oldest due item of each queue has waited (0 when none is due)",
            )
            .namespace(NAMESPACE),
            &["queue"],
        )
        .map_err(|error| format!("metrics: {error}"))?;
        registry
            .register(Box::new(backlog_lag_seconds.clone()))
            .map_err(|error| format!("metrics: {error}"))?;
        Ok(Metrics {
            registry,
            http,
            pool_connections,
            backlog_due,
            backlog_lag_seconds,
        })
    }

    fn observe_backlog(&self, queue: &str, backlog: Backlog, now: chrono::DateTime<chrono::Utc>) {
        self.backlog_due
            .with_label_values(&[queue])
            .set(backlog.due);
        let lag = backlog.oldest_due_at.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        });
        self.backlog_lag_seconds
            .with_label_values(&[queue])
            .set(lag);
    }
}

/// The scrape: checks the scraper's token (when one is configured), refreshes the gauges, then renders
/// every metric.
pub async fn render(
    http: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.config.metrics_token {
        let sent = http
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        let matches = sent.is_some_and(|sent| {
            sent.len() == expected.len()
                && sent
                    .bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0
        });
        if !matches {
            return Err(ApiError::unauthorized("/metrics wants the metrics token"));
        }
    }
    let metrics = state.metrics.clone();
    for (pool, connections, idle) in state.db.pool_states() {
        let gauge = &metrics.pool_connections;
        gauge
            .with_label_values(&[pool, "idle"])
            .set(i64::from(idle));
        gauge
            .with_label_values(&[pool, "in_use"])
            .set(i64::from(connections.saturating_sub(idle)));
    }
    let now = state.clock.now();
    let (webhooks, mail, sla) = state
        .read(move |c| {
            Ok((
                backlog::webhook_deliveries(c, now)?,
                backlog::notification_mail(c, now)?,
                backlog::sla_checks(c, now)?,
            ))
        })
        .await?;
    metrics.observe_backlog("webhook_deliveries", webhooks, now);
    metrics.observe_backlog("notification_mail", mail, now);
    metrics.observe_backlog("sla_checks", sla, now);
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut text)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
