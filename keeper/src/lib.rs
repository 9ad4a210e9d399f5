//! The keeper: watches markets and cranks them.
//!
//! For each market with queued maker events it sends `consume_events`
//! transactions that pack as many events as the transaction size allows
//! (bounded by distinct maker accounts and `max_events_per_tx`), with a
//! compute-unit limit and a priority fee taken from recent prioritization
//! fees (a percentile, capped), retrying with a fresh blockhash when one
//! expires. Several keepers may run at once: a crank that finds its events
//! already consumed applies nothing and does not fail, so duplicate work only
//! costs fees; a random delay before each send spreads them out. It also
//! prunes expired orders, in the same transaction as the crank of the events
//! the prune queues. Every transaction passes [`spend`]'s rules first: its
//! rewards must cover its fee, within per-market and total caps per hour.
//! All chain access goes through [`Chain`].

pub mod spend;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::Discriminator;
use anchor_lang::prelude::Pubkey;
use orderbook::state::{Market, TraderAccount};
use orderbook_chain::{Chain, ChainError};
use orderbook_client::events::ProgramEvent;
use orderbook_client::{accounts as decode, ix};
use orderbook_engine::QueueEvent;
use orderbook_engine::matching::MAX_PRUNE_REMOVE;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::sync::watch;

use crate::spend::{Refusal, SpendLedger, SpendLimits, tx_fee};

/// Most distinct maker accounts per crank transaction: 24 keeps a
/// transaction with compute-budget instructions under the 1,232-byte packet
/// limit (checked by a test).
pub const MAX_MAKER_ACCOUNTS: usize = 24;

/// Keeper settings (the CLI maps flags and env onto this).
#[derive(Clone, Debug)]
pub struct KeeperConfig {
    /// Markets to crank; empty = every market of the program.
    pub markets: Vec<Pubkey>,
    /// Most events per transaction (the program caps a call at 64).
    pub max_events_per_tx: u8,
    /// Compute units budgeted per transaction, plus `cu_per_event` per event.
    pub cu_base: u32,
    pub cu_per_event: u32,
    /// Percentile of recent prioritization fees to pay (0 = no priority fee).
    pub priority_fee_percentile: u8,
    /// Cap on the priority fee, micro-lamports per CU.
    pub max_priority_fee: u64,
    /// Attempts per transaction (a fresh blockhash each time it expires).
    pub max_send_attempts: u32,
    /// Upper bound of the random delay before each send, for several keepers.
    pub jitter: Duration,
    /// Most crank transactions per market per pass (bounds one pass).
    pub max_txs_per_market: u32,
    /// Prune expired orders (by the chain's clock) when seen.
    pub prune: bool,
    /// Sleep between passes.
    pub poll: Duration,
    /// What the keeper may spend (see [`spend`]).
    pub spend: SpendLimits,
}

impl Default for KeeperConfig {
    fn default() -> Self {
        Self {
            markets: Vec::new(),
            max_events_per_tx: 32,
            cu_base: 40_000,
            cu_per_event: 6_000,
            priority_fee_percentile: 75,
            max_priority_fee: 100_000,
            max_send_attempts: 3,
            jitter: Duration::ZERO,
            max_txs_per_market: 16,
            prune: true,
            poll: Duration::from_millis(500),
            spend: SpendLimits::default(),
        }
    }
}

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
    fn settle(&self, market: &str, fee: u64, reward: u64) {
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

/// What one pass over the markets did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassStats {
    pub transactions: u32,
    pub failed: u32,
    /// Events this keeper's transactions applied.
    pub events: u32,
    /// Events still queued across the markets after the pass.
    pub remaining: u32,
}

pub struct Keeper<C: Chain> {
    chain: Arc<C>,
    payer: Keypair,
    pub cfg: KeeperConfig,
    pub metrics: Metrics,
    /// (market, trader id) → trader account.
    makers: HashMap<(Pubkey, u32), Pubkey>,
    /// (market, queue seq) → when first seen, for the lag metric.
    seen: BTreeMap<(Pubkey, u64), Instant>,
    /// Makes every crank transaction unique (see [`crank_ixs`]).
    nonce: u32,
    /// Fees paid recently, for the spend caps.
    ledger: SpendLedger,
}

impl<C: Chain> Keeper<C> {
    pub fn new(chain: Arc<C>, payer: Keypair, cfg: KeeperConfig) -> Self {
        Self {
            chain,
            payer,
            cfg,
            metrics: Metrics::new(),
            makers: HashMap::new(),
            seen: BTreeMap::new(),
            nonce: 0,
            ledger: SpendLedger::default(),
        }
    }

    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Crank until `shutdown` turns true; a transaction in flight finishes first.
    pub async fn run(&mut self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(keeper = %self.payer(), markets = self.cfg.markets.len(), "keeper started");
        while !*shutdown.borrow() {
            match self.pass().await {
                Ok(s) if s.transactions > 0 => {
                    tracing::info!(
                        txs = s.transactions,
                        failed = s.failed,
                        events = s.events,
                        remaining = s.remaining,
                        "pass"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.cfg.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("keeper stopped");
    }

    /// The markets to crank.
    pub async fn markets(&self) -> Result<Vec<Pubkey>, ChainError> {
        if !self.cfg.markets.is_empty() {
            return Ok(self.cfg.markets.clone());
        }
        let found = self
            .chain
            .program_accounts(Market::DISCRIMINATOR.try_into().expect("8 bytes"), None)
            .await?;
        Ok(found.into_iter().map(|(k, _)| k).collect())
    }

    /// One pass: crank every market (bounded), prune if enabled.
    pub async fn pass(&mut self) -> Result<PassStats, ChainError> {
        let mut total = PassStats::default();
        for market in self.markets().await? {
            let s = self.crank_market(&market).await?;
            total.transactions += s.transactions;
            total.failed += s.failed;
            total.events += s.events;
            total.remaining += s.remaining;
            // Prune only into an empty queue: the prune's crank then applies
            // exactly the events the prune queued.
            if self.cfg.prune && s.remaining == 0 {
                let p = self.prune_market(&market).await?;
                total.transactions += p.transactions;
                total.failed += p.failed;
                total.events += p.events;
            }
        }
        Ok(total)
    }

    async fn load(&self, market: &Pubkey) -> Result<(Market, Vec<QueueEvent>, u32), ChainError> {
        let m = self
            .chain
            .account(market)
            .await?
            .ok_or_else(|| ChainError::Rpc(format!("market {market} not found")))?;
        let m = decode::market(&m.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let q = self
            .chain
            .account(&m.event_queue)
            .await?
            .ok_or_else(|| ChainError::Rpc("event queue not found".into()))?;
        let capacity = ((q.data.len().saturating_sub(8 + 64)) / 64) as u32;
        let events = decode::event_queue(&q.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        Ok((m, events, capacity))
    }

    /// Trader accounts of these maker ids (refreshing the cache once on a miss).
    async fn resolve(
        &mut self,
        market: &Pubkey,
        ids: &[u32],
    ) -> Result<Vec<Option<Pubkey>>, ChainError> {
        if ids
            .iter()
            .any(|id| !self.makers.contains_key(&(*market, *id)))
        {
            let found = self
                .chain
                .program_accounts(
                    TraderAccount::DISCRIMINATOR.try_into().expect("8 bytes"),
                    Some(*market),
                )
                .await?;
            for (key, acc) in found {
                if let Ok(t) = decode::trader(&acc.data) {
                    self.makers.insert((*market, t.state().trader_id), key);
                }
            }
        }
        Ok(ids
            .iter()
            .map(|id| self.makers.get(&(*market, *id)).copied())
            .collect())
    }

    fn observe_queue(&mut self, market: &Pubkey, head: u64, events: &[QueueEvent], capacity: u32) {
        let now = Instant::now();
        let done: Vec<(Pubkey, u64)> = self
            .seen
            .range((*market, 0)..(*market, head))
            .map(|(k, _)| *k)
            .collect();
        for k in done {
            if let Some(t) = self.seen.remove(&k) {
                self.metrics
                    .lag
                    .observe(now.duration_since(t).as_secs_f64());
            }
        }
        for ev in events {
            self.seen.entry((*market, ev.seq)).or_insert(now);
        }
        let fill = if capacity == 0 {
            0
        } else {
            events.len() as i64 * 1000 / capacity as i64
        };
        self.metrics
            .queue_fill
            .with_label_values(&[&market.to_string()])
            .set(fill);
    }

    /// The priority fee to pay for a transaction locking `accounts`.
    async fn priority_fee(&self, accounts: &[Pubkey]) -> u64 {
        if self.cfg.priority_fee_percentile == 0 {
            return 0;
        }
        let mut fees = match self.chain.prioritization_fees(accounts).await {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(error = %e, "no prioritization fees; paying none");
                return 0;
            }
        };
        if fees.is_empty() {
            return 0;
        }
        fees.sort_unstable();
        let i = (fees.len() - 1) * usize::from(self.cfg.priority_fee_percentile.min(100)) / 100;
        fees[i].min(self.cfg.max_priority_fee)
    }

    /// Sign and send, retrying with a fresh blockhash when it expires.
    async fn send(
        &self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> Result<Signature, ChainError> {
        if !self.cfg.jitter.is_zero() {
            let ms = rand::random_range(0..=self.cfg.jitter.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let mut last = ChainError::BlockhashExpired;
        for _ in 0..self.cfg.max_send_attempts.max(1) {
            let blockhash = self.chain.latest_blockhash().await?;
            let tx = Transaction::new_signed_with_payer(
                ixs,
                Some(&self.payer.pubkey()),
                &[&self.payer],
                blockhash,
            );
            match self.chain.send_and_confirm(&tx).await {
                Ok((sig, _)) => return Ok(sig),
                Err(ChainError::BlockhashExpired) => last = ChainError::BlockhashExpired,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Crank one market until its queue is empty or the per-pass bound is hit.
    pub async fn crank_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        // Queue length as last read, when nothing was sent since: saves a re-read.
        let mut unchanged_len: Option<usize> = None;
        for _ in 0..self.cfg.max_txs_per_market {
            let (m, events, capacity) = self.load(market).await?;
            unchanged_len = Some(events.len());
            // An empty queue means every event seen so far is gone.
            let head = events.first().map_or(u64::MAX, |e| e.seq);
            self.observe_queue(market, head, &events, capacity);
            if events.is_empty() {
                break;
            }
            let (n, ids) = batch(&events, self.cfg.max_events_per_tx.clamp(1, 64));
            let accounts = self.resolve(market, &ids).await?;
            // Only a prefix whose makers are all known can be applied.
            let known = accounts.iter().take_while(|a| a.is_some()).count();
            let makers: Vec<Pubkey> = accounts.iter().take(known).flatten().copied().collect();
            let n = events
                .iter()
                .take(n)
                .take_while(|e| ids[..known].contains(&e.maker_trader_id))
                .count();
            if n == 0 {
                tracing::warn!(%market, trader_id = ids[0], "maker account of the oldest event not found");
                break;
            }
            let priority = self.priority_fee(&[*market, m.event_queue]).await;
            self.nonce = self.nonce.wrapping_add(1);
            let cu = crank_cu_limit(&self.cfg, n, self.nonce);
            let fee = tx_fee(cu, priority);
            if let Err(refusal) = self.approve(market, "crank", m.crank_reward_lamports, n, fee) {
                tracing::debug!(%market, events = n, fee, reason = refusal.label(), "crank not sent");
                break;
            }
            unchanged_len = None;
            let ixs = crank_ixs(
                &self.cfg,
                &self.payer.pubkey(),
                market,
                &m.event_queue,
                &makers,
                n,
                priority,
                self.nonce,
            );
            let applied = self
                .send_counted(market, "crank", &ixs, fee, &mut stats)
                .await?;
            if applied == Some(0) || applied.is_none() {
                break; // another keeper got there first, or the send failed
            }
        }
        stats.remaining = match unchanged_len {
            Some(n) => n as u32,
            None => self.load(market).await?.1.len() as u32,
        };
        Ok(stats)
    }

    /// (events applied, reward) according to a crank transaction's `EventsConsumed` event.
    async fn consumed_by(&self, sig: &Signature) -> Result<(u32, u64), ChainError> {
        let events = self
            .chain
            .transaction_events(sig)
            .await?
            .map(|t| t.events)
            .unwrap_or_default();
        Ok(events
            .iter()
            .find_map(|e| match e {
                ProgramEvent::EventsConsumed(c) => Some((c.count, c.reward_lamports)),
                _ => None,
            })
            .unwrap_or((0, 0)))
    }

    /// The chain's clock (unix seconds) from the Clock sysvar account.
    async fn chain_time(&self) -> Result<u64, ChainError> {
        let clock = self
            .chain
            .account(
                &<anchor_lang::prelude::Clock as anchor_lang::solana_program::sysvar::SysvarId>::id(
                ),
            )
            .await?
            .ok_or_else(|| ChainError::Rpc("clock sysvar not found".into()))?;
        // Clock: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp (8 bytes each).
        let ts = clock
            .data
            .get(32..40)
            .ok_or_else(|| ChainError::Rpc("clock sysvar too short".into()))?;
        Ok(u64::try_from(i64::from_le_bytes(ts.try_into().expect("8 bytes"))).unwrap_or(0))
    }

    /// Check a transaction against the spend rules, counting a refusal.
    fn approve(
        &mut self,
        market: &Pubkey,
        kind: &str,
        reward_per_event: u64,
        events: usize,
        fee: u64,
    ) -> Result<(), Refusal> {
        let events = u32::try_from(events).unwrap_or(u32::MAX);
        self.ledger
            .judge(&self.cfg.spend, market, reward_per_event, events, fee)
            .inspect_err(|refusal| {
                self.metrics
                    .refused
                    .with_label_values(&[&market.to_string(), kind, refusal.label()])
                    .inc();
            })
    }

    /// Send a transaction that ends in `consume_events`, book its fee and
    /// reward, and return how many events it applied (`None` if it failed).
    async fn send_counted(
        &mut self,
        market: &Pubkey,
        kind: &str,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        fee: u64,
        stats: &mut PassStats,
    ) -> Result<Option<u32>, ChainError> {
        let label = market.to_string();
        // Counted whether or not it lands: a failed transaction may still pay.
        self.ledger.record(market, fee);
        match self.send(ixs).await {
            Ok(sig) => {
                stats.transactions += 1;
                self.metrics
                    .transactions
                    .with_label_values(&[&label, kind, "ok"])
                    .inc();
                // What this transaction applied, from the program's own event (another
                // keeper may have consumed some of the same events first).
                let (applied, reward) = self.consumed_by(&sig).await?;
                stats.events += applied;
                self.metrics
                    .events_consumed
                    .with_label_values(&[&label])
                    .inc_by(u64::from(applied));
                self.metrics.settle(&label, fee, reward);
                Ok(Some(applied))
            }
            Err(e) => {
                stats.failed += 1;
                let result = if e == ChainError::BlockhashExpired {
                    "expired"
                } else {
                    "failed"
                };
                self.metrics
                    .transactions
                    .with_label_values(&[&label, kind, result])
                    .inc();
                self.metrics.settle(&label, fee, 0);
                tracing::warn!(%market, kind, error = %e, "transaction failed");
                Ok(None)
            }
        }
    }

    /// Prune the orders expired by the chain's clock, each side in one
    /// transaction that also cranks the events the prune queues (the orders
    /// pre-paid those rewards, so the prune itself costs only the fee, and
    /// no one can take the rewards between the two).
    async fn prune_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        let now = self.chain_time().await?;
        let Some(acc) = self.chain.account(market).await? else {
            return Ok(stats);
        };
        let m = decode::market(&acc.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let keys = ix::MarketKeys::from_market(*market, &m);
        for (side, key) in [
            (orderbook::instructions::Side::Bid, m.bids),
            (orderbook::instructions::Side::Ask, m.asks),
        ] {
            let Some(book) = self.chain.account(&key).await? else {
                continue;
            };
            let owners = decode::prune_preview(&book.data, now, MAX_PRUNE_REMOVE)
                .map_err(|e| ChainError::Rpc(e.to_string()))?;
            let accounts = self.resolve(market, &owners).await?;
            // Prune only as many as the crank can apply in the same transaction.
            let n = accounts.iter().take_while(|a| a.is_some()).count();
            if n == 0 {
                continue;
            }
            let mut makers: Vec<Pubkey> = accounts.iter().take(n).flatten().copied().collect();
            makers.sort_unstable();
            makers.dedup();
            let priority = self.priority_fee(&[*market, m.event_queue, key]).await;
            self.nonce = self.nonce.wrapping_add(1);
            // The prune and the crank each cost about one event's units per order.
            let cu = crank_cu_limit(&self.cfg, 2 * n, self.nonce);
            let fee = tx_fee(cu, priority);
            if self
                .approve(market, "prune", m.crank_reward_lamports, n, fee)
                .is_err()
            {
                continue;
            }
            let mut ixs = compute_budget_ixs(cu, priority);
            ixs.push(ix::prune_expired(
                &self.payer.pubkey(),
                &keys,
                side,
                n as u8,
            ));
            ixs.push(ix::consume_events(
                &self.payer.pubkey(),
                market,
                &m.event_queue,
                &makers,
                n as u8,
            ));
            self.send_counted(market, "prune", &ixs, fee, &mut stats)
                .await?;
        }
        Ok(stats)
    }
}

/// Choose the events of the next crank transaction: a prefix of the queue
/// with at most `max_events` events and `MAX_MAKER_ACCOUNTS` distinct makers.
/// Returns the event count and the makers' trader ids in first-seen order.
pub fn batch(events: &[QueueEvent], max_events: u8) -> (usize, Vec<u32>) {
    let mut makers: Vec<u32> = Vec::new();
    let mut n = 0;
    for ev in events.iter().take(usize::from(max_events)) {
        if !makers.contains(&ev.maker_trader_id) {
            if makers.len() == MAX_MAKER_ACCOUNTS {
                break;
            }
            makers.push(ev.maker_trader_id);
        }
        n += 1;
    }
    (n, makers)
}

/// The instructions of a crank transaction for `n` events: a compute-unit
/// limit of `cu_base + n × cu_per_event` plus `nonce % 1024` (so two cranks of
/// the same events within one blockhash are not byte-identical, which the
/// cluster would drop as a duplicate), a priority fee when non-zero, and
/// `consume_events` with the makers' trader accounts.
#[allow(clippy::too_many_arguments)]
pub fn crank_ixs(
    cfg: &KeeperConfig,
    cranker: &Pubkey,
    market: &Pubkey,
    queue: &Pubkey,
    makers: &[Pubkey],
    n: usize,
    priority_fee: u64,
    nonce: u32,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let mut ixs = compute_budget_ixs(crank_cu_limit(cfg, n, nonce), priority_fee);
    ixs.push(ix::consume_events(cranker, market, queue, makers, n as u8));
    ixs
}

/// The compute units a crank of `n` events requests (see [`crank_ixs`]).
pub fn crank_cu_limit(cfg: &KeeperConfig, n: usize, nonce: u32) -> u32 {
    cfg.cu_base
        .saturating_add(cfg.cu_per_event.saturating_mul(n as u32))
        .saturating_add(nonce % 1024)
        .min(MAX_COMPUTE_UNIT_LIMIT)
}

/// Most compute units a transaction may request.
const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// A compute-unit limit, and a price when non-zero.
fn compute_budget_ixs(
    cu_limit: u32,
    priority_fee: u64,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let mut ixs = vec![ComputeBudgetInstruction::set_compute_unit_limit(cu_limit)];
    if priority_fee > 0 {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_price(
            priority_fee,
        ));
    }
    ixs
}

/// Turn `tx` true on SIGINT or SIGTERM (graceful shutdown of the binaries).
pub async fn shutdown_on_signal(tx: watch::Sender<bool>) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot install a SIGTERM handler; only Ctrl-C stops");
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutdown requested; finishing the work in flight");
    let _ = tx.send(true);
}
