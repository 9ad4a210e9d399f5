//! What one committed batch of the indexer changed, as the feed and the
//! broker carry it: the new events and the balances refreshed.

use anchor_lang::prelude::Pubkey;
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;

/// An event stored for the first time.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub seq: u64,
    pub signature: Signature,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub event: ProgramEvent,
}

/// What one committed batch changed; the feed publishes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ingested {
    pub market: Pubkey,
    /// New events in sequence order.
    pub events: Vec<NewEvent>,
    /// Balances refreshed in this batch.
    pub balances: Vec<BalanceRow>,
}

/// A trader's balances as refreshed from its on-chain account (serde: the
/// broker carries them to feed replicas).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BalanceRow {
    pub trader_id: u32,
    pub owner: Pubkey,
    pub base_free: u64,
    pub base_locked: u64,
    pub quote_free: u64,
    pub quote_locked: u64,
    pub open_orders: u32,
    /// The trader account is gone (closed): the row is deleted.
    pub closed: bool,
}
