//! Writing a batch of transactions' events into PostgreSQL in one database
//! transaction, with set-based statements (`UNNEST` arrays) so a batch of
//! thousands of events costs a dozen round trips, not one per event.
//!
//! Events are inserted keyed by `(market, seq)` with `ON CONFLICT DO
//! NOTHING ... RETURNING seq`; the read models are then updated only from
//! the events that were new, so replaying a batch changes nothing. The
//! cursor is advanced in the same transaction.
//!
//! `model::effects` interprets each new event (no I/O), [`write`] hands each
//! table its share (the SQL lives in `crate::db`, one module per table),
//! [`balances`] re-reads the touched traders' accounts.

mod balances;
mod write;

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, ChainError, TxEvents};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use tokio_postgres::Client;

use crate::db::events::EventRow;
use crate::db::{DbError, cursor};
use crate::model::{Effects, Ingested, NewEvent, OutOfRange, i64_of};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    #[error("sequence gap in market {market}: expected {expected}, got {got}")]
    Gap {
        market: Pubkey,
        expected: i64,
        got: i64,
    },
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<OutOfRange> for IndexError {
    fn from(e: OutOfRange) -> Self {
        Self::Db(DbError::OutOfRange(e))
    }
}

impl From<tokio_postgres::Error> for IndexError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(DbError::Postgres(e))
    }
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
    // Base58 of a signature costs microseconds: once per transaction.
    let signatures: HashMap<&Signature, String> = txs
        .iter()
        .map(|tx| (&tx.signature, tx.signature.to_string()))
        .collect();
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
            signature: signatures[&tx.signature].as_str(),
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
