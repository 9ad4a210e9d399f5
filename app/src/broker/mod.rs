//! The broker between indexers and feed replicas: one Redis Stream per
//! market, one entry per committed ingest batch.
//!
//! An entry's ID is `<seq>-0` ([`EntryId`]) where `seq` is the number of market events the
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

use crate::model::{BalanceRow, Ingested, NewEvent};

/// Entries a market's stream keeps (approximately: `MAXLEN ~` trims whole
/// macro nodes). At the demo's pace (a batch per transaction, ~20 a second)
/// that is several minutes of history; an entry is a few hundred bytes, so
/// a market's stream stays within a few MiB of Redis memory.
pub const STREAM_MAXLEN: usize = 10_000;

/// `url` fit for a log line: the credentials (`redis://:password@host`)
/// replaced by `***`.
pub fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The stream of `market`'s batches.
pub fn stream_key(market: &Pubkey) -> String {
    format!("orderbook:events:{market}")
}

/// A stream entry ID, `<ms>-<seq>` as Redis orders them; ours are
/// `<market event count>-0` ([`EntryId::of_batch`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryId(pub u64, pub u64);

impl EntryId {
    /// The ID of a batch that brings the market to `seq` events.
    pub fn of_batch(seq: u64) -> Self {
        Self(seq, 0)
    }

    pub fn parse(id: &str) -> Option<Self> {
        let (ms, seq) = id.split_once('-')?;
        Some(Self(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
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
    market: Pubkey,
    events: Vec<WireEvent>,
    balances: Vec<BalanceRow>,
}

#[derive(Serialize, Deserialize)]
struct WireEvent {
    seq: u64,
    signature: Vec<u8>,
    slot: u64,
    block_time: Option<i64>,
    data: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("entry without a `batch` field")]
    Missing,
    #[error("entry of market {0} in another market's stream")]
    WrongMarket(Pubkey),
    #[error("entry without events")]
    Empty,
    #[error("event {found} where {expected} should follow")]
    NotContiguous { expected: u64, found: u64 },
    #[error("entry ID {id} does not match its batch (which brings the market to {seq})")]
    IdMismatch { id: String, seq: u64 },
    #[error("entry claims events up to {claims} beyond the database's {stored}")]
    AheadOfDatabase { claims: u64, stored: u64 },
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
        market: batch.market,
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
        balances: batch.balances.clone(),
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
    Ok(Ingested {
        market: wire.market,
        events,
        balances: wire.balances,
    })
}

/// The batch of `market`'s stream entry `id`, if the entry is consistent:
/// its market, contiguous events, and the ID its last event gives it
/// ([`EntryId::of_batch`]). Entries are untrusted input: anyone who can
/// write to Redis can add one, so nothing of an entry is used unchecked.
pub fn check_entry(market: &Pubkey, id: &str, batch: Ingested) -> Result<Ingested, EntryError> {
    if batch.market != *market {
        return Err(EntryError::WrongMarket(batch.market));
    }
    let first = batch.events.first().ok_or(EntryError::Empty)?.seq;
    for (expected, e) in (first..).zip(&batch.events) {
        if e.seq != expected {
            return Err(EntryError::NotContiguous {
                expected,
                found: e.seq,
            });
        }
    }
    let seq = seq_after(&batch).ok_or(EntryError::Empty)?;
    if EntryId::parse(id) != Some(EntryId::of_batch(seq)) {
        return Err(EntryError::IdMismatch {
            id: id.to_string(),
            seq,
        });
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_of(market: Pubkey, first: u64, n: u64) -> Ingested {
        let mut b = Ingested {
            market,
            events: Vec::new(),
            balances: Vec::new(),
        };
        let tx = orderbook_test_support::synthetic::Synthetic::new(market).tx(n as usize);
        for (i, event) in tx.events.iter().enumerate() {
            b.events.push(NewEvent {
                seq: first + i as u64,
                signature: tx.signature,
                slot: tx.slot,
                block_time: tx.block_time,
                event: event.clone(),
            });
        }
        b
    }

    #[test]
    fn an_entry_is_checked_against_its_stream_and_its_id() {
        let m = Pubkey::new_unique();
        assert!(check_entry(&m, "15-0", batch_of(m, 10, 5)).is_ok());
        // Forged IDs: far ahead of the batch, or the largest Redis takes.
        for id in ["1000000000000-0", "18446744073709551615-0", "15-1", "14-0"] {
            assert!(
                matches!(
                    check_entry(&m, id, batch_of(m, 10, 5)),
                    Err(EntryError::IdMismatch { .. })
                ),
                "{id}"
            );
        }
        let other = Pubkey::new_unique();
        assert!(matches!(
            check_entry(&m, "15-0", batch_of(other, 10, 5)),
            Err(EntryError::WrongMarket(_))
        ));
        let mut gap = batch_of(m, 10, 5);
        gap.events[3].seq = 40;
        assert!(matches!(
            check_entry(&m, "15-0", gap),
            Err(EntryError::NotContiguous {
                expected: 13,
                found: 40
            })
        ));
        assert!(matches!(
            check_entry(&m, "1-0", batch_of(m, 0, 0)),
            Err(EntryError::Empty)
        ));
    }

    #[test]
    fn an_entry_decodes_to_the_batch_it_was_made_from() {
        let market = Pubkey::new_unique();
        let tx = orderbook_test_support::synthetic::Synthetic::new(market).tx(5);
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
        assert!(matches!(decode(b"\x01\x02"), Err(EntryError::Encoding(_))));
    }
}

#[cfg(test)]
mod entry_id_tests {
    use super::{EntryId, redacted};

    #[test]
    fn a_logged_url_shows_no_password() {
        assert_eq!(
            redacted("redis://:s3cret@127.0.0.1:6379"),
            "redis://***@127.0.0.1:6379"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[test]
    fn entry_ids_read_back_and_order_as_redis_orders_them() {
        assert_eq!(EntryId::of_batch(12).to_string(), "12-0");
        assert_eq!(EntryId::parse("12-0"), Some(EntryId::of_batch(12)));
        assert!(EntryId::parse("9-5").unwrap() < EntryId::parse("10-0").unwrap());
        assert!(EntryId::parse("10-0").unwrap() < EntryId::parse("10-1").unwrap());
        assert_eq!(EntryId::parse("*"), None);
        assert_eq!(EntryId::parse("a-1"), None);
    }
}
