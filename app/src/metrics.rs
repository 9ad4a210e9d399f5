//! Prometheus metrics of the feed, the indexer and the broker between
//! them, on one registry served at `/metrics` (`ops/prometheus/alerts.yml`
//! alerts on them).

use orderbook_service::telemetry::MetricsRegistry;
use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec};

#[derive(Clone)]
pub struct FeedMetrics {
    pub registry: MetricsRegistry,
    pub connections: IntGauge,
    pub subscriptions: IntGauge,
    /// Channels the hub keeps state for (subscribers, a cached snapshot,
    /// a sequence number): per-owner channels leave with their last subscriber.
    pub channels: IntGauge,
    /// Bytes of large frames being written to sockets (bounded by `--ws-in-flight-bytes`).
    pub in_flight_bytes: IntGauge,
    pub messages_sent: IntCounter,
    pub slow_disconnects: IntCounter,
    pub bad_requests: IntCounter,
    pub ingested_events: IntCounter,
    pub snapshots_built: IntCounter,
    pub rate_limited: IntCounterVec,
    pub refused_connections: IntCounter,
    pub http_requests: IntCounterVec,
    /// Batches appended to a market's stream.
    pub broker_published: IntCounter,
    /// Batches the stream already held (Redis refused the ID).
    pub broker_refused: IntCounter,
    /// Batches not published (Redis unreachable).
    pub broker_failures: IntCounter,
    /// Stream entries a replica refused (inconsistent, or ahead of the database).
    pub broker_rejected: IntCounter,
    /// Streams the publisher replaced because they were ahead of the
    /// database (a forged entry, or a stream of another chain).
    pub broker_stream_resets: IntCounter,
    /// Stream reads that failed (replica side).
    pub broker_read_failures: IntCounter,
    /// Stream entries that did not continue a replica's view.
    pub replica_gaps: IntCounter,
    /// Market views reloaded from PostgreSQL.
    pub replica_reloads: IntCounter,
    pub indexer: IndexerMetrics,
}

/// What an operator watches of the indexers, per market.
#[derive(Clone)]
pub struct IndexerMetrics {
    /// 1 while this process leads the market's indexing.
    pub leading: IntGaugeVec,
    /// The last event sequence number ingested.
    pub seq: IntGaugeVec,
    /// The slot of the last transaction ingested.
    pub slot: IntGaugeVec,
    /// The slot of the newest transaction the chain lists for the market.
    pub chain_slot: IntGaugeVec,
    /// Unix time of the last sync that ended without an error.
    pub last_sync: IntGaugeVec,
    /// Sequence gaps met (each answered by re-reading the market's history).
    pub gaps: IntCounterVec,
    pub sync_failures: IntCounterVec,
    /// 1 when the last health probe of the node answered. A vector without
    /// labels so that it is absent until the first probe: a replica given
    /// no node (`feed` without `--rpc-url`) exports no `orderbook_node_up`
    /// rather than a 0 that would page "node unreachable". Set it through
    /// [`IndexerMetrics::set_node_up`].
    pub node_up: IntGaugeVec,
    /// 1 when the last health probe of the database answered.
    pub database_up: IntGauge,
}

impl IndexerMetrics {
    /// Record a probe of the node.
    pub fn set_node_up(&self, up: bool) {
        self.node_up
            .with_label_values(&[] as &[&str])
            .set(up as i64);
    }

    fn register(registry: &MetricsRegistry) -> Self {
        let gauge = |n: &str, h: &str| registry.gauge_vec(n, h, &["market"]);
        let counter = |n: &str, h: &str| registry.counter_vec(n, h, &["market"]);
        Self {
            leading: gauge(
                "orderbook_indexer_leading",
                "1 while this process leads the market's indexing",
            ),
            seq: gauge(
                "orderbook_indexer_seq",
                "Last event sequence number ingested",
            ),
            slot: gauge(
                "orderbook_indexer_slot",
                "Slot of the last transaction ingested",
            ),
            chain_slot: gauge(
                "orderbook_indexer_chain_slot",
                "Slot of the newest transaction the chain lists for the market",
            ),
            last_sync: gauge(
                "orderbook_indexer_last_sync_timestamp_seconds",
                "Unix time of the last sync that ended without an error",
            ),
            gaps: counter(
                "orderbook_indexer_gaps_total",
                "Sequence gaps met (the market's history re-read)",
            ),
            sync_failures: counter(
                "orderbook_indexer_sync_failures_total",
                "Syncs that ended with an error",
            ),
            node_up: registry.gauge_vec(
                "orderbook_node_up",
                "1 when the last probe of the node's JSON-RPC answered",
                &[],
            ),
            database_up: registry.gauge(
                "orderbook_database_up",
                "1 when the last probe of PostgreSQL answered",
            ),
        }
    }
}

impl Default for FeedMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedMetrics {
    pub fn new() -> Self {
        let registry = MetricsRegistry::new();
        let gauge = |n: &str, h: &str| registry.gauge(n, h);
        let counter = |n: &str, h: &str| registry.counter(n, h);
        let http_requests = registry.counter_vec(
            "orderbook_http_requests_total",
            "REST requests by route and status",
            &["route", "status"],
        );
        let rate_limited = registry.counter_vec(
            "orderbook_rate_limited_total",
            "Requests refused by a rate limit, by where (ws, rest, tx)",
            &["where"],
        );
        Self {
            connections: gauge("orderbook_ws_connections", "Open WebSocket connections"),
            subscriptions: gauge("orderbook_ws_subscriptions", "Active channel subscriptions"),
            channels: gauge(
                "orderbook_feed_channels",
                "Channels the hub keeps state for",
            ),
            in_flight_bytes: gauge(
                "orderbook_ws_in_flight_bytes",
                "Bytes of frames being written to WebSocket sockets",
            ),
            messages_sent: counter(
                "orderbook_ws_messages_total",
                "Messages queued to WebSocket clients",
            ),
            slow_disconnects: counter(
                "orderbook_ws_slow_disconnects_total",
                "Clients dropped as slow consumers (bytes queued, time behind, or a frame not written in time)",
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
            broker_published: counter(
                "orderbook_broker_published_total",
                "Ingested batches appended to a market's Redis stream",
            ),
            broker_refused: counter(
                "orderbook_broker_refused_total",
                "Batches the stream already held (duplicate sequence refused by Redis)",
            ),
            broker_failures: counter(
                "orderbook_broker_publish_failures_total",
                "Batches not published because Redis did not answer",
            ),
            broker_rejected: counter(
                "orderbook_broker_rejected_entries_total",
                "Stream entries a feed replica refused (inconsistent, or ahead of the database)",
            ),
            broker_stream_resets: counter(
                "orderbook_broker_stream_resets_total",
                "Streams replaced because their last entry was ahead of the indexed batch",
            ),
            broker_read_failures: counter(
                "orderbook_broker_read_failures_total",
                "Failed stream reads of a feed replica",
            ),
            replica_gaps: counter(
                "orderbook_replica_gaps_total",
                "Stream entries that did not continue a replica's view",
            ),
            replica_reloads: counter(
                "orderbook_replica_reloads_total",
                "Market views a feed replica reloaded from PostgreSQL",
            ),
            indexer: IndexerMetrics::register(&registry),
            rate_limited,
            http_requests,
            registry,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

#[cfg(test)]
mod tests {
    use super::FeedMetrics;

    #[test]
    fn node_up_is_absent_until_a_probe_sets_it() {
        let metrics = FeedMetrics::new();
        let before = metrics.render();
        assert!(!before.contains("orderbook_node_up"), "{before}");
        assert!(before.contains("orderbook_database_up 0"), "{before}");
        metrics.indexer.set_node_up(false);
        assert!(metrics.render().contains("orderbook_node_up 0"));
        metrics.indexer.set_node_up(true);
        assert!(metrics.render().contains("orderbook_node_up 1"));
    }
}
