//! The keeper's Prometheus metrics (served by `main.rs` on `--metrics-addr`).

use orderbook_service::telemetry::MetricsRegistry;
use prometheus::{GaugeVec, Histogram, IntCounterVec, IntGaugeVec};

/// Prometheus metrics of one keeper.
#[derive(Clone)]
pub struct Metrics {
    pub registry: MetricsRegistry,
    pub events_consumed: IntCounterVec,
    pub transactions: IntCounterVec,
    pub queue_fill: IntGaugeVec,
    pub reward_lamports: IntCounterVec,
    pub fee_lamports: IntCounterVec,
    pub net_lamports: IntGaugeVec,
    pub refused: IntCounterVec,
    pub reveals: IntCounterVec,
    pub reveal_delay: Histogram,
    pub lag: Histogram,
    pub market_capacity: IntGaugeVec,
    pub market_fill_ratio: GaugeVec,
    pub growths: IntCounterVec,
    pub growth_lamports: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = MetricsRegistry::new();
        let by_market = &["market"];
        Self {
            events_consumed: registry.counter_vec(
                "orderbook_keeper_events_consumed_total",
                "Queue events applied by this keeper's cranks",
                by_market,
            ),
            reveals: registry.counter_vec(
                "orderbook_keeper_reveals_total",
                "Encrypted orders by outcome: revealed, failed (the reveal transaction), undecryptable or mismatched (left to forfeit), window_closed (held unopened to the end of its reveal window: its round came late, or the keeper was away; it forfeits unless someone else revealed it)",
                &["market", "outcome"],
            ),
            reveal_delay: registry.histogram(
                "orderbook_keeper_reveal_delay_seconds",
                "From the publication of an encrypted order's round (the beacon's clock) to this keeper's reveal confirmed",
                vec![0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0],
            ),
            transactions: registry.counter_vec(
                "orderbook_keeper_transactions_total",
                "Crank and prune transactions by result",
                &["market", "kind", "result"],
            ),
            queue_fill: registry.gauge_vec(
                "orderbook_keeper_queue_fill_permille",
                "Event queue fill, per mille of capacity",
                by_market,
            ),
            reward_lamports: registry.counter_vec(
                "orderbook_keeper_reward_lamports_total",
                "Crank rewards and the commit fees of cleared batches earned",
                by_market,
            ),
            fee_lamports: registry.counter_vec(
                "orderbook_keeper_fee_lamports_total",
                "Transaction fees paid (base and priority), as estimated before sending",
                by_market,
            ),
            net_lamports: registry.gauge_vec(
                "orderbook_keeper_net_lamports",
                "The keeper's balance change through its own transactions since start: rewards and commit fees earned, minus fees and the crank rewards a clear pre-pays",
                by_market,
            ),
            refused: registry.counter_vec(
                "orderbook_keeper_refused_total",
                "Transactions not sent by the spend rules, by kind and reason",
                &["market", "kind", "reason"],
            ),
            lag: registry.histogram(
                "orderbook_keeper_event_lag_seconds",
                "From when this keeper first saw an event in a queue to when it was gone",
                vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0],
            ),
            market_capacity: registry.gauge_vec(
                "orderbook_market_capacity",
                "Orders a book side (part bids, asks) or events the queue (part event_queue) can hold",
                &["market", "part"],
            ),
            market_fill_ratio: registry.float_gauge_vec(
                "orderbook_market_fill_ratio",
                "Resting orders or queued events over capacity, per part (bids, asks, event_queue)",
                &["market", "part"],
            ),
            growths: registry.counter_vec(
                "orderbook_keeper_growths_total",
                "grow_market transactions by part and result (ok, failed, at_maximum, over_budget)",
                &["market", "part", "result"],
            ),
            growth_lamports: registry.counter_vec(
                "orderbook_keeper_growth_lamports_total",
                "Rent and fees this keeper paid growing markets",
                by_market,
            ),
            registry,
        }
    }

    /// Account for one sent transaction: its estimated fee, what it earned,
    /// and the keeper's balance change through it.
    pub(crate) fn settle(&self, market: &str, fee: u64, earned: u64, change: i64) {
        self.fee_lamports.with_label_values(&[market]).inc_by(fee);
        self.reward_lamports
            .with_label_values(&[market])
            .inc_by(earned);
        self.net_lamports.with_label_values(&[market]).add(change);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
