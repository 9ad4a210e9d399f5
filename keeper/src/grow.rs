//! Growth: report each market's capacity and fill, and grow the book sides
//! and event queue of the markets the operator names (`GrowthPolicy`)
//! before they fill, paying the rent within the policy's caps (issue 29;
//! ADR 0015).

use anchor_lang::prelude::Pubkey;
use orderbook::state::Market;
use orderbook::types::GrowTarget;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::{accounts as decode, ix};
use orderbook_engine::MarketStatus;
use solana_signer::Signer;

use crate::spend::{Refusal, tx_fee};
use crate::tx::compute_budget_ixs;
use crate::{Keeper, PassStats};

/// Compute units a `grow_market` transaction requests: the engine's part is
/// 6,456 CU for 160 nodes on SBF (docs/sbf.md), plus the resize, the rent
/// transfer and the event, with room.
const GROW_CU_LIMIT: u32 = 60_000;

/// One growable part of a market as the keeper read it.
struct Part {
    target: GrowTarget,
    label: &'static str,
    key: Pubkey,
    /// (resting orders or queued events, capacity, account bytes).
    used: u32,
    capacity: u32,
    len: usize,
}

impl<C: Chain> Keeper<C> {
    /// Export `market`'s capacities and fill; grow what passed the policy's
    /// fill if the policy names the market.
    pub(crate) async fn grow_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        let Some(acc) = self.chain.account(market).await? else {
            return Ok(stats);
        };
        let m = decode::market(&acc.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let parts = self.parts(&m).await?;
        let label = market.to_string();
        for p in &parts {
            self.metrics
                .market_capacity
                .with_label_values(&[&label, p.label])
                .set(i64::from(p.capacity));
            self.metrics
                .market_fill_ratio
                .with_label_values(&[&label, p.label])
                .set(f64::from(p.used) / f64::from(p.capacity.max(1)));
        }
        let policy = &self.cfg.growth;
        let status = m
            .engine()
            .status()
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        if !policy.markets.contains(market) || status == MarketStatus::Closed {
            return Ok(stats);
        }
        let threshold = u64::from(policy.fill_permille);
        for p in parts {
            if u64::from(p.used) * 1_000 < threshold * u64::from(p.capacity) {
                continue;
            }
            let room = m.max_capacity(p.target).saturating_sub(p.capacity);
            let additional = room.min(self.cfg.growth.step);
            if additional == 0 {
                self.count_growth(&label, p.label, "at_maximum");
                continue;
            }
            self.grow_part(market, &m, &p, additional, &mut stats)
                .await?;
        }
        Ok(stats)
    }

    /// The market's bids, asks and event queue, read.
    async fn parts(&self, m: &Market) -> Result<Vec<Part>, ChainError> {
        let keys = [m.bids, m.asks, m.event_queue];
        let accounts = self.chain.accounts(&keys).await?;
        let mut parts = Vec::new();
        for ((target, label), (key, account)) in [
            (GrowTarget::Bids, "bids"),
            (GrowTarget::Asks, "asks"),
            (GrowTarget::EventQueue, "event_queue"),
        ]
        .into_iter()
        .zip(keys.into_iter().zip(accounts))
        {
            let Some(account) = account else { continue };
            let decoded = match target {
                GrowTarget::EventQueue => decode::event_queue_with_capacity(&account.data)
                    .map(|(events, capacity)| (events.len() as u32, capacity)),
                GrowTarget::Bids | GrowTarget::Asks => decode::book_fill(&account.data),
            };
            let (used, capacity) = decoded.map_err(|e| ChainError::Rpc(e.to_string()))?;
            parts.push(Part {
                target,
                label,
                key,
                used,
                capacity,
                len: account.data.len(),
            });
        }
        Ok(parts)
    }

    /// Send one `grow_market` for `p`, if the policy's caps allow its rent and fee.
    async fn grow_part(
        &mut self,
        market: &Pubkey,
        m: &Market,
        p: &Part,
        additional: u32,
        stats: &mut PassStats,
    ) -> Result<(), ChainError> {
        let label = market.to_string();
        let unit = orderbook_engine::layout::GrowTarget::from(p.target).unit_bytes();
        let new_len = p.len + additional as usize * unit;
        let rent = self
            .chain
            .minimum_balance(new_len)
            .await?
            .saturating_sub(self.chain.minimum_balance(p.len).await?);
        let priority = self.priority_fee(&[*market, p.key]).await;
        let cost = rent.saturating_add(tx_fee(GROW_CU_LIMIT, priority));
        let limits = self.cfg.growth.limits();
        if let Err(refusal) = self.growth_ledger.judge(&limits, market, 0, cost) {
            debug_assert_eq!(refusal, Refusal::OverBudget);
            self.count_growth(&label, p.label, refusal.label());
            return Ok(());
        }
        self.growth_ledger.record(&limits, market, cost);
        let mut ixs = compute_budget_ixs(GROW_CU_LIMIT, priority);
        ixs.push(ix::grow_market(
            &self.payer.pubkey(),
            market,
            &p.key,
            p.target,
            additional,
        ));
        let result = self.send(&ixs).await;
        self.metrics
            .growth_lamports
            .with_label_values(&[&label])
            .inc_by(cost);
        match result {
            Ok(_) => {
                stats.transactions += 1;
                self.count_growth(&label, p.label, "ok");
                tracing::info!(%market, part = p.label, from = p.capacity, by = additional,
                    max = m.max_capacity(p.target), rent, "grew");
            }
            Err(e) => {
                stats.failed += 1;
                self.count_growth(&label, p.label, "failed");
                tracing::warn!(%market, part = p.label, error = %e, "growing failed");
            }
        }
        Ok(())
    }

    fn count_growth(&self, market: &str, part: &str, result: &str) {
        self.metrics
            .growths
            .with_label_values(&[market, part, result])
            .inc();
    }
}
