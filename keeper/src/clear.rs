//! Clearing sealed batch markets (issue 25): once a batch's reveal window is
//! over, `clear_batch` trades it at one price and queues its settlement,
//! which the crank then applies.
//!
//! A clear pre-pays the crank rewards of the events it queues (the keeper
//! earns them back by cranking them, in the same pass) and is paid the
//! batch's commit fees, one per commitment; the spend rules weigh those fees
//! against the transaction's fee as they weigh crank rewards.

use anchor_lang::prelude::Pubkey;
use orderbook::state::Market;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::{accounts as decode, ix};
use orderbook_engine::batch::EntryKind;
use solana_signer::Signer;

use crate::spend::tx_fee;
use crate::tx::compute_budget_ixs;
use crate::{Keeper, PassStats};

impl<C: Chain> Keeper<C> {
    /// Clear `market`'s oldest batch holding entries if its reveal window is
    /// over. Returns whether a clear landed (its events then wait for the crank).
    pub(crate) async fn clear_market(
        &mut self,
        market: &Pubkey,
        m: &Market,
        stats: &mut PassStats,
    ) -> Result<bool, ChainError> {
        let Some(acc) = self.chain.account(&m.batch).await? else {
            return Ok(false);
        };
        let batches =
            decode::batch_account(&acc.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let slot = self.chain_clock().await?.slot;
        let Some(k) = batches
            .clearable(slot)
            .map_err(|e| ChainError::Rpc(e.to_string()))?
        else {
            return Ok(false);
        };
        // The clear's income: one commit fee per commitment, revealed or not.
        let commitments = batches
            .entries_of(k)
            .filter(|e| matches!(e.kind(), Ok(EntryKind::Committed) | Ok(EntryKind::Revealed)))
            .count();
        let keys = ix::MarketKeys::from_market(*market, m);
        let priority = self
            .priority_fee(&[*market, m.bids, m.asks, m.event_queue, m.batch])
            .await;
        let cu = self.cfg.clear_cu_limit;
        let fee = tx_fee(cu, priority);
        let commit_fee = batches.header.commit_fee_lamports;
        if let Err(refusal) = self.approve(market, "clear", commit_fee, commitments, fee) {
            tracing::debug!(%market, batch = k, fee, reason = refusal.label(), "clear not sent");
            return Ok(false);
        }
        let mut ixs = compute_budget_ixs(cu, priority);
        ixs.push(ix::clear_batch(&self.payer.pubkey(), &keys, &m.batch));
        let landed = self
            .send_counted(market, "clear", &ixs, fee, stats)
            .await?
            .is_some();
        if landed {
            tracing::debug!(%market, batch = k, commitments, "batch cleared");
        }
        Ok(landed)
    }
}
