//! Writing a batch of transactions' events into PostgreSQL in one database
//! transaction, with set-based statements (`UNNEST` arrays) so a batch of
//! thousands of events costs a dozen round trips, not one per event.
//!
//! Events are inserted keyed by `(market, seq)` with `ON CONFLICT DO
//! NOTHING ... RETURNING seq`; the read models are then updated only from
//! the events that were new, so replaying a batch changes nothing. The
//! cursor is advanced in the same transaction.
//!
//! [`effects`] interprets each new event (no I/O), [`tables`] holds each
//! table's SQL, [`balances`] re-reads the touched traders' accounts.

mod balances;
mod effects;
mod tables;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, TxEvents};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use tokio_postgres::Client;

use self::effects::Effects;
use self::tables::EventRow;
use crate::db::i64_of;
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

/// A trader's balances as refreshed from its on-chain account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceRow {
    pub trader_id: u32,
    pub owner: Pubkey,
    pub base_free: u64,
    pub base_locked: u64,
    pub quote_free: u64,
    pub quote_locked: u64,
    pub open_orders: u32,
    /// `None`: the trader account is gone (closed).
    pub closed: bool,
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
    let mut max_seq = tables::lock_cursor(&t, &m).await?;
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
    let inserted = tables::insert_events(&t, &m, &rows).await?;
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
    tables::write(&t, &m, &effects).await?;
    if let Some(chain) = chain {
        out.balances = balances::refresh(&t, market, &effects, max_seq, chain).await?;
    }
    let tail = txs.last().expect("events came from a transaction");
    let (signature, slot) = (tail.signature.to_string(), i64_of(tail.slot)?);
    tables::advance_cursor(&t, &m, max_seq, &signature, slot).await?;
    t.commit().await?;
    Ok(out)
}
