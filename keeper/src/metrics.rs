//! The keeper's Prometheus metrics (served by `main.rs` on `--metrics-addr`).

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};

/// Prometheus metrics of one keeper.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub events_consumed: IntCounterVec,
    pub transactions: IntCounterVec,
    pub queue_fill: IntGaugeVec,
    pub reward_lamports: IntCounterVec,
    pub fee_lamports: IntCounterVec,
    pub net_lamports: IntGaugeVec,
    pub refused: IntCounterVec,
    pub lag: Histogram,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let events_consumed = IntCounterVec::new(
            Opts::new(
                "orderbook_keeper_events_consumed_total",
                "Queue events applied by this keeper's cranks",
            ),
            &["market"],
        )
        .expect("metric");
        let transactions = IntCounterVec::new(
            Opts::new(
                "orderbook_keeper_transactions_total",
                "Crank and prune transactions by result",
            ),
            &["market", "kind", "result"],
        )
        .expect("metric");
        let queue_fill = IntGaugeVec::new(
            Opts::new(
                "orderbook_keeper_queue_fill_permille",
                "Event queue fill, per mille of capacity",
            ),
            &["market"],
        )
        .expect("metric");
        let reward_lamports = IntCounterVec::new(
            Opts::new(
                "orderbook_keeper_reward_lamports_total",
                "Crank rewards earned",
            ),
            &["market"],
        )
        .expect("metric");
        let fee_lamports = IntCounterVec::new(
            Opts::new(
                "orderbook_keeper_fee_lamports_total",
                "Transaction fees paid (base and priority), as estimated before sending",
            ),
            &["market"],
        )
        .expect("metric");
        let net_lamports = IntGaugeVec::new(
            Opts::new(
                "orderbook_keeper_net_lamports",
                "Rewards earned minus fees paid since start; the keeper only sends work that keeps this from falling",
            ),
            &["market"],
        )
        .expect("metric");
        let refused = IntCounterVec::new(
            Opts::new(
                "orderbook_keeper_refused_total",
                "Transactions not sent by the spend rules, by kind and reason",
            ),
            &["market", "kind", "reason"],
        )
        .expect("metric");
        let lag = Histogram::with_opts(
            HistogramOpts::new(
                "orderbook_keeper_event_lag_seconds",
                "From when this keeper first saw an event in a queue to when it was gone",
            )
            .buckets(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0]),
        )
        .expect("metric");
        for c in [
            Box::new(events_consumed.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(transactions.clone()),
            Box::new(queue_fill.clone()),
            Box::new(reward_lamports.clone()),
            Box::new(fee_lamports.clone()),
            Box::new(net_lamports.clone()),
            Box::new(refused.clone()),
            Box::new(lag.clone()),
        ] {
            registry.register(c).expect("register metric");
        }
        Self {
            registry,
            events_consumed,
            transactions,
            queue_fill,
            reward_lamports,
            fee_lamports,
            net_lamports,
            refused,
            lag,
        }
    }

    /// Account for one sent transaction: its fee, and the reward it earned.
    pub(crate) fn settle(&self, market: &str, fee: u64, reward: u64) {
        self.fee_lamports.with_label_values(&[market]).inc_by(fee);
        self.reward_lamports
            .with_label_values(&[market])
            .inc_by(reward);
        let net =
            i64::try_from(reward).unwrap_or(i64::MAX) - i64::try_from(fee).unwrap_or(i64::MAX);
        self.net_lamports.with_label_values(&[market]).add(net);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
