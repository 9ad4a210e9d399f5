//! Pruning: remove orders expired by the chain's clock, cranking the events
//! the prune queues in the same transaction.

use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::solana_program::sysvar::SysvarId;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::{accounts as decode, ix};
use orderbook_engine::matching::MAX_PRUNE_REMOVE;
use solana_signer::Signer;

use crate::spend::tx_fee;
use crate::tx::{compute_budget_ixs, crank_cu_limit};
use crate::{Keeper, PassStats};

impl<C: Chain> Keeper<C> {
    /// Prune the orders expired by the chain's clock, each side in one
    /// transaction that also cranks the events the prune queues (the orders
    /// pre-paid those rewards, so the prune itself costs only the fee, and
    /// no one can take the rewards between the two).
    pub(crate) async fn prune_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        let now = self.chain_time().await?;
        let Some(acc) = self.chain.account(market).await? else {
            return Ok(stats);
        };
        let m = decode::market(&acc.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let keys = ix::MarketKeys::from_market(*market, &m);
        for (side, key) in [
            (orderbook::types::Side::Bid, m.bids),
            (orderbook::types::Side::Ask, m.asks),
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
            let cu = crank_cu_limit(&self.cfg, 2 * n, false, self.nonce);
            let fee = tx_fee(cu, priority);
            let earned = m.crank_reward_lamports.saturating_mul(n as u64);
            if self.approve(market, "prune", earned, fee).is_err() {
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

    /// The chain's clock (unix seconds), from the Clock sysvar account.
    async fn chain_time(&self) -> Result<u64, ChainError> {
        let clock = self.chain_clock().await?;
        Ok(u64::try_from(clock.unix_timestamp).unwrap_or(0))
    }

    /// The Clock sysvar.
    pub(crate) async fn chain_clock(&self) -> Result<Clock, ChainError> {
        let account = self
            .chain
            .account(&Clock::id())
            .await?
            .ok_or_else(|| ChainError::Rpc("clock sysvar not found".into()))?;
        bincode::deserialize(&account.data)
            .map_err(|e| ChainError::Rpc(format!("clock sysvar: {e}")))
    }
}
