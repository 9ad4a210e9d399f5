//! Writing a batch of transactions' events into PostgreSQL in one database
//! transaction, with set-based statements (`UNNEST` arrays) so a batch of
//! thousands of events costs a dozen round trips, not one per event.
//!
//! Events are inserted keyed by `(market, seq)` with `ON CONFLICT DO
//! NOTHING ... RETURNING seq`; the read models are then updated only from
//! the events that were new, so replaying a batch changes nothing. The
//! cursor is advanced in the same transaction.
//!
//! [`effects`] interprets each new event (no I/O), [`write`] hands each
//! table its share (the SQL lives in `crate::db`, one module per table),
//! [`balances`] re-reads the touched traders' accounts.

mod balances;
pub mod effects;
mod write;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, TxEvents};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use tokio_postgres::Client;

pub use crate::db::balances::BalanceRow;

use self::effects::Effects;
use crate::db::events::EventRow;
use crate::db::{cursor, i64_of};
use crate::indexer::IndexError;

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

/// Ingest `txs` (in chain order) for `market` atomically. With `allow_gaps`
/// (a full rescan) a jump in the sequence is not an error. With `chain`,
/// the balances of every trader the new events touched are re-read from
/// their accounts.
pub async fn ingest_batch<C: Chain + ?Sized>(
    db: &mut Client,
    market: &Pubkey,
    txs: &[TxEvents],
    allow_gaps: bool,
    chain: Option<&C>,
) -> Result<Ingested, IndexError> {
    let m = market.to_string();
    let mut events: Vec<(u64, &TxEvents, &ProgramEvent)> = Vec::new();
    for tx in txs {
        for ev in &tx.events {
            let (em, seq) = ev.seq();
            if em == *market {
                events.push((seq, tx, ev));
            }
        }
    }
    let mut out = Ingested {
        market: *market,
        ..Default::default()
    };
    if events.is_empty() {
        return Ok(out);
    }
    let t = db.transaction().await?;
    let mut max_seq = cursor::lock(&t, &m).await?;
    let mut rows = Vec::with_capacity(events.len());
    for &(seq, tx, ev) in &events {
        let seq = i64_of(seq)?;
        if !allow_gaps && seq > max_seq + 1 {
            return Err(IndexError::Gap {
                market: *market,
                expected: max_seq + 1,
                got: seq,
            });
        }
        max_seq = max_seq.max(seq);
        rows.push(EventRow {
            seq,
            kind: ev.kind(),
            signature: tx.signature.to_string(),
            slot: i64_of(tx.slot)?,
            block_time: tx.block_time,
            data: ev.to_bytes(),
        });
    }
    let inserted = crate::db::events::insert(&t, &m, &rows).await?;
    for &(seq, tx, ev) in &events {
        if inserted.contains(&(seq as i64)) {
            out.events.push(NewEvent {
                seq,
                signature: tx.signature,
                slot: tx.slot,
                block_time: tx.block_time,
                event: ev.clone(),
            });
        }
    }
    let effects = Effects::of(&out.events)?;
    write::tables(&t, &m, &effects).await?;
    if let Some(chain) = chain {
        out.balances = balances::refresh(&t, market, &effects, max_seq, chain).await?;
    }
    let tail = txs.last().expect("events came from a transaction");
    let (signature, slot) = (tail.signature.to_string(), i64_of(tail.slot)?);
    cursor::advance(&t, &m, max_seq, &signature, slot).await?;
    t.commit().await?;
    Ok(out)
}
