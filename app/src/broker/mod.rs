//! The broker between indexers and feed replicas: one Redis Stream per
//! market, one entry per committed ingest batch.
//!
//! An entry's ID is `<seq>-0` where `seq` is the number of market events the
//! batch brings the market to (its last event's sequence number + 1, the same
//! number the feed calls a channel's `seq`). Redis refuses an `XADD` whose ID
//! is not above the stream's last, so the broker itself keeps a duplicate or
//! an out-of-order batch (an old leader's late publish) from ever reaching a
//! replica. Streams are capped with `MAXLEN ~` [`STREAM_MAXLEN`]: a replica
//! further behind than that catches up from PostgreSQL instead
//! ([`replica`]).
//!
//! [`publisher`] is the indexer's side, [`replica`] the feed's.

pub mod publisher;
pub mod replica;

use anchor_lang::prelude::Pubkey;
use orderbook_client::events::decode_event;
use serde::{Deserialize, Serialize};
use solana_signature::Signature;

use crate::ingest::{BalanceRow, Ingested, NewEvent};

/// Entries a market's stream keeps (approximately: `MAXLEN ~` trims whole
/// macro nodes). At the demo's pace (a batch per transaction, ~20 a second)
/// that is several minutes of history; an entry is a few hundred bytes, so
/// a market's stream stays within a few MiB of Redis memory.
pub const STREAM_MAXLEN: usize = 10_000;

/// The stream of `market`'s batches.
pub fn stream_key(market: &Pubkey) -> String {
    format!("orderbook:events:{market}")
}

/// The entry ID for a batch that brings the market to `seq` events.
pub fn entry_id(seq: u64) -> String {
    format!("{seq}-0")
}

/// The market event count an entry ID stands for.
pub fn seq_of_id(id: &str) -> Option<u64> {
    id.split_once('-')?.0.parse().ok()
}

/// Events since the last applied: the count after the batch (`None` for a
/// batch without events, which is never published).
pub fn seq_after(batch: &Ingested) -> Option<u64> {
    batch.events.last().map(|e| e.seq + 1)
}

/// One batch as it travels through Redis (bincode): event bytes exactly as
/// the program logged them, so the replica decodes what the indexer did.
#[derive(Serialize, Deserialize)]
struct WireBatch {
    market: [u8; 32],
    events: Vec<WireEvent>,
    balances: Vec<WireBalance>,
}

#[derive(Serialize, Deserialize)]
struct WireEvent {
    seq: u64,
    signature: Vec<u8>,
    slot: u64,
    block_time: Option<i64>,
    data: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct WireBalance {
    trader_id: u32,
    owner: [u8; 32],
    base_free: u64,
    base_locked: u64,
    quote_free: u64,
    quote_locked: u64,
    open_orders: u32,
    closed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("entry without a `batch` field")]
    Missing,
    #[error("undecodable batch: {0}")]
    Encoding(#[from] bincode::Error),
    #[error("undecodable event {seq}: {message}")]
    Event { seq: u64, message: String },
    #[error("bad signature in event {0}")]
    Signature(u64),
}

/// The bytes of an entry's `batch` field.
pub fn encode(batch: &Ingested) -> Vec<u8> {
    let wire = WireBatch {
        market: batch.market.to_bytes(),
        events: batch
            .events
            .iter()
            .map(|e| WireEvent {
                seq: e.seq,
                signature: e.signature.as_ref().to_vec(),
                slot: e.slot,
                block_time: e.block_time,
                data: e.event.to_bytes(),
            })
            .collect(),
        balances: batch
            .balances
            .iter()
            .map(|b| WireBalance {
                trader_id: b.trader_id,
                owner: b.owner.to_bytes(),
                base_free: b.base_free,
                base_locked: b.base_locked,
                quote_free: b.quote_free,
                quote_locked: b.quote_locked,
                open_orders: b.open_orders,
                closed: b.closed,
            })
            .collect(),
    };
    bincode::serialize(&wire).expect("plain data serialises")
}

/// The batch an entry's `batch` field holds.
pub fn decode(bytes: &[u8]) -> Result<Ingested, EntryError> {
    let wire: WireBatch = bincode::deserialize(bytes)?;
    let mut events = Vec::with_capacity(wire.events.len());
    for e in wire.events {
        let event = decode_event(&e.data).map_err(|err| EntryError::Event {
            seq: e.seq,
            message: err.to_string(),
        })?;
        let signature = Signature::try_from(e.signature.as_slice())
            .map_err(|_| EntryError::Signature(e.seq))?;
        events.push(NewEvent {
            seq: e.seq,
            signature,
            slot: e.slot,
            block_time: e.block_time,
            event,
        });
    }
    let balances = wire
        .balances
        .into_iter()
        .map(|b| BalanceRow {
            trader_id: b.trader_id,
            owner: Pubkey::new_from_array(b.owner),
            base_free: b.base_free,
            base_locked: b.base_locked,
            quote_free: b.quote_free,
            quote_locked: b.quote_locked,
            open_orders: b.open_orders,
            closed: b.closed,
        })
        .collect();
    Ok(Ingested {
        market: Pubkey::new_from_array(wire.market),
        events,
        balances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_decodes_to_the_batch_it_was_made_from() {
        let market = Pubkey::new_unique();
        let tx = crate::synthetic::Synthetic::new(market).tx(5);
        let mut batch = Ingested {
            market,
            events: tx
                .events
                .iter()
                .map(|event| NewEvent {
                    seq: event.seq().1,
                    signature: tx.signature,
                    slot: tx.slot,
                    block_time: tx.block_time,
                    event: event.clone(),
                })
                .collect(),
            balances: Vec::new(),
        };
        batch.balances.push(BalanceRow {
            trader_id: 3,
            owner: Pubkey::new_unique(),
            base_free: 1,
            base_locked: 2,
            quote_free: u64::MAX,
            quote_locked: 4,
            open_orders: 5,
            closed: false,
        });
        let back = decode(&encode(&batch)).unwrap();
        assert_eq!(back, batch);
        assert_eq!(seq_after(&back), Some(5));
        assert_eq!(seq_of_id(&entry_id(12)), Some(12));
        assert!(matches!(decode(b"\x01\x02"), Err(EntryError::Encoding(_))));
    }
}
