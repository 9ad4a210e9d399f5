//! Clearing sealed batch markets (issue 25): once a batch's reveal window is
//! over, `clear_batch` trades it at one price and queues its settlement.
//!
//! The keeper appends the clear to its crank transaction (after the crank,
//! which makes room in the queue for what the clear pushes), so a market
//! whose batches close every 2 slots costs one transaction per batch and
//! never falls behind its clock. A clear pre-pays the crank rewards of the
//! events it queues (the keeper earns them back with the next crank) and is
//! paid the batch's commit fees, one per commitment; the spend rules count
//! those fees as the transaction's earnings, with the crank's rewards.

use orderbook::state::Market;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::accounts as decode;
use orderbook_engine::batch::EntryKind;

use crate::Keeper;

/// A batch ready to be cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DueBatch {
    pub batch: u64,
    /// What clearing it earns: the commit fee of each of its commitments.
    pub commit_fees: u64,
    /// The queue room its clear needs.
    pub queue_room: u32,
}

impl<C: Chain> Keeper<C> {
    /// `m`'s batch that a clear would trade now, if it is a sealed batch
    /// market and its oldest batch holding entries is past its reveal window.
    pub(crate) async fn due_batch(&self, m: &Market) -> Result<Option<DueBatch>, ChainError> {
        if !m.is_batch_market() {
            return Ok(None);
        }
        let Some(acc) = self.chain.account(&m.batch).await? else {
            return Ok(None);
        };
        let rpc = |e: orderbook_client::DecodeError| ChainError::Rpc(e.to_string());
        let batches = decode::batch_account(&acc.data).map_err(rpc)?;
        let slot = self.chain_clock().await?.slot;
        let Some(batch) = batches.clearable(slot).map_err(rpc)? else {
            return Ok(None);
        };
        let commitments = batches
            .entries_of(batch)
            .filter(|e| matches!(e.kind(), Ok(EntryKind::Committed | EntryKind::Revealed)))
            .count() as u64;
        Ok(Some(DueBatch {
            batch,
            commit_fees: batches
                .header
                .commit_fee_lamports
                .saturating_mul(commitments),
            queue_room: batches.clear_event_bound(batch),
        }))
    }
}

/// The label of a keeper transaction in metrics and logs.
pub(crate) fn kind(events: usize, clear: Option<DueBatch>) -> &'static str {
    match (events, clear) {
        (0, Some(_)) => "clear",
        (_, Some(_)) => "crank_clear",
        _ => "crank",
    }
}
