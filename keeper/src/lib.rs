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
//! On a sealed batch market it also clears each batch once its reveal
//! window is over ([`clear`]), in the same transaction as the crank of what
//! is queued (which makes room for the clear's events); the next crank
//! applies the clear's settlement. With a beacon configured it reveals the
//! encrypted orders of the batch markets that name it ([`reveal`]). It
//! reports each market's capacity and fill, and grows the markets its
//! growth policy names before a side or the queue fills ([`grow`]).
//! All chain access goes through [`Chain`].

mod beacon;
mod clear;
pub mod config;
mod crank;
mod grow;
pub mod metrics;
mod prune;
mod reveal;
mod send;
pub mod spend;
pub mod tx;

use orderbook_service::health::{Dependency, Readiness};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use anchor_lang::Discriminator;
use anchor_lang::prelude::Pubkey;
use orderbook::state::{Market, TraderAccount};
use orderbook_chain::{Chain, ChainError};
use orderbook_client::accounts as decode;
use orderbook_engine::QueueEvent;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::watch;

pub use crate::config::KeeperConfig;
pub use crate::metrics::Metrics;
use crate::spend::SpendLedger;
pub use crate::tx::{
    ClearAfter, MAX_MAKER_ACCOUNTS, MAX_MAKER_ACCOUNTS_WITH_CLEAR, batch, crank_cu_limit, crank_ixs,
};

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
    /// `/readyz`: whether the last pass reached the node.
    pub readiness: Readiness,
    /// (market, trader id) → trader account.
    makers: HashMap<(Pubkey, u32), Pubkey>,
    /// (market, queue seq) → when first seen, for the lag metric.
    seen: BTreeMap<(Pubkey, u64), Instant>,
    /// Makes every crank transaction unique (see [`crank_ixs`]).
    nonce: u32,
    /// Fees paid recently, for the spend caps.
    ledger: SpendLedger,
    /// Rent and fees paid growing markets recently, for the growth caps.
    growth_ledger: SpendLedger,
    /// Encrypted orders to reveal, with a beacon configured.
    reveals: Option<reveal::Reveals>,
}

impl<C: Chain> Keeper<C> {
    pub fn new(chain: Arc<C>, payer: Keypair, cfg: KeeperConfig) -> Self {
        let reveals = cfg.beacon_url.as_deref().map(reveal::Reveals::new);
        Self {
            chain,
            payer,
            cfg,
            metrics: Metrics::new(),
            readiness: Readiness::new(&[Dependency::Node]),
            makers: HashMap::new(),
            seen: BTreeMap::new(),
            nonce: 0,
            ledger: SpendLedger::default(),
            growth_ledger: SpendLedger::default(),
            reveals,
        }
    }

    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Crank until `shutdown` turns true; a transaction in flight finishes first.
    pub async fn run(&mut self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(keeper = %self.payer(), markets = self.cfg.markets.len(), "keeper started");
        while !*shutdown.borrow() {
            let pass = self.pass().await;
            self.readiness.set(Dependency::Node, pass.is_ok());
            match pass {
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
            // Reveals first: they must land before the clear this pass may send.
            if self.reveals.is_some() {
                let (m, _, _) = self.load(&market).await?;
                if let Err(e) = self.reveal_market(&market, &m, &mut total).await {
                    tracing::warn!(%market, error = %e, "revealing encrypted orders failed");
                }
            }
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
            let g = self.grow_market(&market).await?;
            total.transactions += g.transactions;
            total.failed += g.failed;
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
        let (events, capacity) = decode::event_queue_with_capacity(&q.data)
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
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
}
