//! Prometheus metrics of the feed and the indexer, on one registry served at
//! `/metrics`.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

#[derive(Clone)]
pub struct FeedMetrics {
    pub registry: Registry,
    pub connections: IntGauge,
    pub subscriptions: IntGauge,
    pub messages_sent: IntCounter,
    pub slow_disconnects: IntCounter,
    pub bad_requests: IntCounter,
    pub ingested_events: IntCounter,
    pub snapshots_built: IntCounter,
    pub rate_limited: IntCounterVec,
    pub refused_connections: IntCounter,
    pub http_requests: IntCounterVec,
}

impl Default for FeedMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedMetrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let gauge = |n: &str, h: &str| {
            let g = IntGauge::new(n, h).expect("valid metric");
            registry
                .register(Box::new(g.clone()))
                .expect("unique metric");
            g
        };
        let counter = |n: &str, h: &str| {
            let c = IntCounter::new(n, h).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let http_requests = IntCounterVec::new(
            Opts::new(
                "orderbook_http_requests_total",
                "REST requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(http_requests.clone()))
            .expect("unique metric");
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "orderbook_rate_limited_total",
                "Requests refused by a rate limit, by where (ws, rest, tx)",
            ),
            &["where"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(rate_limited.clone()))
            .expect("unique metric");
        Self {
            connections: gauge("orderbook_ws_connections", "Open WebSocket connections"),
            subscriptions: gauge("orderbook_ws_subscriptions", "Active channel subscriptions"),
            messages_sent: counter(
                "orderbook_ws_messages_total",
                "Messages queued to WebSocket clients",
            ),
            slow_disconnects: counter(
                "orderbook_ws_slow_disconnects_total",
                "Clients dropped because their queue was full",
            ),
            bad_requests: counter(
                "orderbook_ws_bad_requests_total",
                "Malformed or refused client messages",
            ),
            ingested_events: counter(
                "orderbook_feed_events_total",
                "Ingested events applied by the feed",
            ),
            snapshots_built: counter(
                "orderbook_ws_snapshots_built_total",
                "Snapshot messages serialised (once per channel and view version)",
            ),
            refused_connections: counter(
                "orderbook_ws_refused_connections_total",
                "WebSocket upgrades refused by the connection limits",
            ),
            rate_limited,
            http_requests,
            registry,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}
