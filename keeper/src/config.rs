//! What a keeper does and may spend, as the CLI (`main.rs`) sets it.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;

use crate::spend::SpendLimits;

/// Compute units a `clear_batch` requests by default: the engine's clear of
/// 64 entries measured 113,598 on SBF (docs/sbf.md), plus the program's
/// accounts and one event per settlement, with room.
pub const DEFAULT_CLEAR_CU_LIMIT: u32 = 400_000;

/// Keeper settings (the CLI maps flags and env onto this).
#[derive(Clone, Debug)]
pub struct KeeperConfig {
    /// Markets to crank; empty = every market of the program.
    pub markets: Vec<Pubkey>,
    /// Most events per transaction (the program caps a call at
    /// `MAX_CONSUME_EVENTS`).
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
    /// Compute units requested by a `clear_batch` transaction.
    pub clear_cu_limit: u32,
    /// Prune expired orders (by the chain's clock) when seen.
    pub prune: bool,
    /// Sleep between passes.
    pub poll: Duration,
    /// What the keeper may spend (see [`spend`]).
    pub spend: SpendLimits,
    /// A drand beacon's HTTP API (drand's relays, or `orderbook-beacon`):
    /// with it the keeper reveals encrypted orders of the batch markets
    /// that name this beacon (issue 26).
    pub beacon_url: Option<String>,
    /// Which markets the keeper grows, and when (see [`crate::grow`]).
    pub growth: GrowthPolicy,
}

/// When the keeper grows a market's book sides and event queue
/// (`grow_market`), paying their rent (issue 29). The rent goes to the
/// market's creator when the market closes, not to the keeper, so only
/// the markets named here are grown, within caps per rolling hour.
#[derive(Clone, Debug)]
pub struct GrowthPolicy {
    /// Markets to grow; none by default.
    pub markets: Vec<Pubkey>,
    /// Grow a side or the queue once it is this full, per mille of its capacity.
    pub fill_permille: u32,
    /// Orders or events one growth adds (1..=`MAX_GROWTH_PER_INSTRUCTION`).
    pub step: u32,
    /// Most lamports (rent and fees) spent growing one market in any rolling hour.
    pub max_per_market_hour: u64,
    /// Most lamports spent growing all markets in any rolling hour.
    pub max_per_hour: u64,
}

impl Default for GrowthPolicy {
    fn default() -> Self {
        Self {
            markets: Vec::new(),
            fill_permille: 750,
            step: orderbook::instructions::MAX_GROWTH_PER_INSTRUCTION,
            // 160 nodes cost ~0.071 SOL of rent: about seven steps an hour.
            max_per_market_hour: 500_000_000,
            max_per_hour: 2_000_000_000,
        }
    }
}

impl GrowthPolicy {
    /// The same caps as [`SpendLimits`], with every grown market
    /// "subsidized": growth earns nothing, only the caps bound it.
    pub fn limits(&self) -> SpendLimits {
        SpendLimits {
            max_per_market_hour: self.max_per_market_hour,
            max_per_hour: self.max_per_hour,
            max_subsidized_per_hour: self.max_per_hour,
            min_profit_lamports: 0,
            subsidized: self.markets.clone(),
        }
    }
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
            clear_cu_limit: DEFAULT_CLEAR_CU_LIMIT,
            prune: true,
            poll: Duration::from_millis(500),
            spend: SpendLimits::default(),
            beacon_url: None,
            growth: GrowthPolicy::default(),
        }
    }
}
