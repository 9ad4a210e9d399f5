//! Chain → PostgreSQL, idempotent and resumable.
//!
//! For one market, [`Indexer::sync`] lists the market's confirmed
//! transactions newer than the stored cursor (`signatures_for_address`),
//! oldest first, reads each one's program events and ingests them. Each
//! transaction is ingested in one database transaction that inserts its
//! events keyed by `(market, seq)` (`ON CONFLICT DO NOTHING`), applies the
//! projections (orders, fills, transfers, candles, traders, markets) only
//! for events that were new, and advances the cursor. Replaying a
//! transaction therefore changes nothing, and a crash at any point leaves
//! either all or none of a transaction's effects. A jump in the sequence
//! (an event later than `last_seq + 1`) means transactions were missed: the
//! next sync re-reads the market's whole history, which is safe because
//! ingestion is idempotent.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, ChainError, TxEvents};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use tokio_postgres::{Client, Transaction};

use crate::db::{DbError, i64_of};

/// Signatures per `signatures_for_address` page.
const SIGNATURE_PAGE: usize = 1_000;
/// Candle resolutions maintained, in seconds.
pub const CANDLE_RESOLUTIONS: [i64; 4] = [60, 300, 3_600, 86_400];

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
}

impl From<tokio_postgres::Error> for IndexError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(DbError::Postgres(e))
    }
}

/// What one sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStats {
    pub transactions: usize,
    /// Events inserted (not counting replays).
    pub new_events: usize,
    /// The whole history was re-read after a gap.
    pub rescanned: bool,
}

pub struct Indexer<C: Chain> {
    chain: Arc<C>,
    market: Pubkey,
}

impl<C: Chain> Indexer<C> {
    pub fn new(chain: Arc<C>, market: Pubkey) -> Self {
        Self { chain, market }
    }

    /// `(last_seq, last_signature)` stored for this market.
    pub async fn cursor(&self, db: &Client) -> Result<Option<(i64, Signature)>, IndexError> {
        let row = db
            .query_opt(
                "SELECT last_seq, last_signature FROM ingest_cursor WHERE market = $1",
                &[&self.market.to_string()],
            )
            .await?;
        Ok(row.and_then(|r| {
            let sig: String = r.get(1);
            sig.parse().ok().map(|s| (r.get::<_, i64>(0), s))
        }))
    }

    /// Ingest everything newer than the cursor (or, after a gap, everything).
    pub async fn sync(&self, db: &mut Client) -> Result<SyncStats, IndexError> {
        match self
            .sync_from(db, self.cursor(db).await?.map(|c| c.1))
            .await
        {
            Err(IndexError::Gap { expected, got, .. }) => {
                tracing::warn!(market = %self.market, expected, got, "sequence gap: re-reading the market's history");
                let mut stats = self.sync_from(db, None).await?;
                stats.rescanned = true;
                Ok(stats)
            }
            other => other,
        }
    }

    async fn sync_from(
        &self,
        db: &mut Client,
        until: Option<Signature>,
    ) -> Result<SyncStats, IndexError> {
        let mut sigs = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .chain
                .signatures_for_address(&self.market, before, until, SIGNATURE_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.signature);
            let full = page.len() == SIGNATURE_PAGE;
            sigs.extend(page);
            if !full {
                break;
            }
        }
        let mut stats = SyncStats::default();
        for s in sigs.iter().rev().filter(|s| !s.failed) {
            let Some(tx) = self.chain.transaction_events(&s.signature).await? else {
                tracing::warn!(signature = %s.signature, "listed transaction not found; will retry next sync");
                break;
            };
            stats.new_events += self.ingest(db, &tx, until.is_none()).await?;
            stats.transactions += 1;
        }
        Ok(stats)
    }

    /// Ingest one transaction's events for this market atomically; returns
    /// how many were new. With `allow_gaps` (a full rescan) sequence jumps
    /// are not errors.
    pub async fn ingest(
        &self,
        db: &mut Client,
        tx: &TxEvents,
        allow_gaps: bool,
    ) -> Result<usize, IndexError> {
        let market = self.market.to_string();
        let events: Vec<&ProgramEvent> = tx
            .events
            .iter()
            .filter(|e| e.seq().0 == self.market)
            .collect();
        if events.is_empty() {
            return Ok(0);
        }
        let t = db.transaction().await?;
        let last: Option<i64> = t
            .query_opt(
                "SELECT last_seq FROM ingest_cursor WHERE market = $1 FOR UPDATE",
                &[&market],
            )
            .await?
            .map(|r| r.get(0));
        let mut new = 0;
        let mut max_seq = last.unwrap_or(-1);
        for ev in events {
            let seq = i64_of(ev.seq().1)?;
            if !allow_gaps && seq > max_seq + 1 {
                return Err(IndexError::Gap {
                    market: self.market,
                    expected: max_seq + 1,
                    got: seq,
                });
            }
            let inserted = t
                .execute(
                    "INSERT INTO events (market, seq, kind, signature, slot, block_time, data)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[
                        &market,
                        &seq,
                        &ev.kind(),
                        &tx.signature.to_string(),
                        &i64_of(tx.slot)?,
                        &tx.block_time,
                        &ev.to_bytes(),
                    ],
                )
                .await?;
            if inserted == 1 {
                project(&t, &market, seq, ev, tx).await?;
                new += 1;
            }
            max_seq = max_seq.max(seq);
        }
        t.execute(
            "INSERT INTO ingest_cursor (market, last_seq, last_signature, last_slot) VALUES ($1, $2, $3, $4)
             ON CONFLICT (market) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_signature = EXCLUDED.last_signature,
                 last_slot = EXCLUDED.last_slot, updated_at = now()
             WHERE ingest_cursor.last_seq <= EXCLUDED.last_seq",
            &[&market, &max_seq, &tx.signature.to_string(), &i64_of(tx.slot)?],
        )
        .await?;
        t.commit().await?;
        Ok(new)
    }
}

fn num(v: u64) -> String {
    v.to_string()
}

/// Apply one newly inserted event to the read models.
async fn project(
    t: &Transaction<'_>,
    market: &str,
    seq: i64,
    ev: &ProgramEvent,
    tx: &TxEvents,
) -> Result<(), IndexError> {
    match ev {
        ProgramEvent::MarketCreated(e) => {
            t.execute(
                "INSERT INTO markets (market, base_mint, quote_mint, base_lot_size, quote_lot_size, tick_size, taker_fee_ppm,
                     maker_fee_ppm, orders_per_side, event_capacity, crank_reward_lamports, authority, fee_authority, created_slot)
                 VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7, $8, $9, $10,
                     $11::text::numeric, $12, $13, $14)
                 ON CONFLICT (market) DO NOTHING",
                &[
                    &market,
                    &e.base_mint.to_string(),
                    &e.quote_mint.to_string(),
                    &num(e.base_lot_size),
                    &num(e.quote_lot_size),
                    &num(e.tick_size),
                    &(e.taker_fee_ppm as i32),
                    &e.maker_fee_ppm,
                    &(e.orders_per_side as i32),
                    &(e.event_capacity as i32),
                    &num(e.crank_reward_lamports),
                    &e.authority.to_string(),
                    &e.fee_authority.to_string(),
                    &i64_of(tx.slot)?,
                ],
            )
            .await?;
        }
        ProgramEvent::MarketStatusChanged(e) => {
            t.execute(
                "UPDATE markets SET status = $2 WHERE market = $1",
                &[&market, &i16::from(e.new_status)],
            )
            .await?;
        }
        ProgramEvent::MarketClosed(_) => {
            t.execute(
                "UPDATE markets SET status = 4 WHERE market = $1",
                &[&market],
            )
            .await?;
        }
        ProgramEvent::TraderAccountOpened(e) => {
            t.execute(
                "INSERT INTO traders (market, trader_id, owner, trader_account, opened_seq) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&market, &(e.trader_id as i32), &e.owner.to_string(), &e.trader_account.to_string(), &seq],
            )
            .await?;
        }
        ProgramEvent::TraderAccountClosed(e) => {
            t.execute(
                "UPDATE traders SET closed_seq = $3 WHERE market = $1 AND trader_id = $2",
                &[&market, &(e.trader_id as i32), &seq],
            )
            .await?;
        }
        ProgramEvent::Deposited(e) => {
            transfer(t, market, seq, e.trader_id, "deposit", e.token, e.amount).await?
        }
        ProgramEvent::Withdrew(e) => {
            transfer(t, market, seq, e.trader_id, "withdraw", e.token, e.amount).await?
        }
        ProgramEvent::OrderPlaced(e) => {
            let status = if e.posted_base_lots > 0 {
                "open"
            } else if e.filled_base_lots == e.max_base_lots {
                "filled"
            } else {
                "cancelled"
            };
            t.execute(
                "INSERT INTO orders (market, order_id, trader_id, client_order_id, side, order_type, price, max_base_lots,
                     posted_base_lots, open_base_lots, filled_base_lots, status, expiry, placed_seq, updated_seq)
                 VALUES ($1, $2, $3, $4::text::numeric, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $13)
                 ON CONFLICT DO NOTHING",
                &[
                    &market,
                    &i64_of(e.order_id)?,
                    &(e.trader_id as i32),
                    &num(e.client_order_id),
                    &i16::from(e.side),
                    &i16::from(e.order_type),
                    &i64_of(e.price)?,
                    &i64_of(e.max_base_lots)?,
                    &i64_of(e.posted_base_lots)?,
                    &i64_of(e.filled_base_lots)?,
                    &status,
                    &i64_of(e.expiry)?,
                    &seq,
                ],
            )
            .await?;
        }
        ProgramEvent::OrderFilled(e) => {
            t.execute(
                "INSERT INTO fills (market, seq, queue_seq, maker_trader_id, taker_trader_id, maker_order_id, taker_order_id,
                     taker_side, price, base_lots, quote, taker_fee, maker_fee, slot, block_time)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::numeric, $12::text::numeric, $13::text::numeric, $14, $15)
                 ON CONFLICT DO NOTHING",
                &[
                    &market,
                    &seq,
                    &i64_of(e.queue_seq)?,
                    &(e.maker_trader_id as i32),
                    &(e.taker_trader_id as i32),
                    &i64_of(e.maker_order_id)?,
                    &i64_of(e.taker_order_id)?,
                    &i16::from(e.taker_side),
                    &i64_of(e.price)?,
                    &i64_of(e.base_lots)?,
                    &num(e.quote),
                    &num(e.taker_fee),
                    &e.maker_fee.to_string(),
                    &i64_of(tx.slot)?,
                    &tx.block_time,
                ],
            )
            .await?;
            let status = if e.maker_out { "filled" } else { "open" };
            t.execute(
                "UPDATE orders SET open_base_lots = open_base_lots - $3, filled_base_lots = filled_base_lots + $3,
                     status = $4, updated_seq = $5 WHERE market = $1 AND order_id = $2",
                &[&market, &i64_of(e.maker_order_id)?, &i64_of(e.base_lots)?, &status, &seq],
            )
            .await?;
            if let Some(time) = tx.block_time {
                for r in CANDLE_RESOLUTIONS {
                    let price = i64_of(e.price)?;
                    t.execute(
                        "INSERT INTO candles (market, resolution, bucket_start, open, high, low, close, base_lots, quote, trades,
                             first_seq, last_seq)
                         VALUES ($1, $2, $3, $4, $4, $4, $4, $5::text::numeric, $6::text::numeric, 1, $7, $7)
                         ON CONFLICT (market, resolution, bucket_start) DO UPDATE SET
                             high = GREATEST(candles.high, EXCLUDED.high), low = LEAST(candles.low, EXCLUDED.low),
                             close = EXCLUDED.close, base_lots = candles.base_lots + EXCLUDED.base_lots,
                             quote = candles.quote + EXCLUDED.quote, trades = candles.trades + 1, last_seq = EXCLUDED.last_seq",
                        &[&market, &(r as i32), &(time - time.rem_euclid(r)), &price, &num(e.base_lots), &num(e.quote), &seq],
                    )
                    .await?;
                }
            }
        }
        ProgramEvent::OrderOut(e) => {
            let reason = match e.reason {
                0 => "expired",
                1 => "evicted",
                _ => "self_trade",
            };
            let status = if e.order_gone { reason } else { "open" };
            t.execute(
                "UPDATE orders SET open_base_lots = open_base_lots - $3, status = $4, updated_seq = $5
                 WHERE market = $1 AND order_id = $2",
                &[&market, &i64_of(e.order_id)?, &i64_of(e.base_lots)?, &status, &seq],
            )
            .await?;
        }
        ProgramEvent::OrderCancelled(e) => {
            t.execute(
                "UPDATE orders SET open_base_lots = 0, status = 'cancelled', updated_seq = $3 WHERE market = $1 AND order_id = $2",
                &[&market, &i64_of(e.order_id)?, &seq],
            )
            .await?;
        }
        ProgramEvent::EventsConsumed(_) | ProgramEvent::FeesSwept(_) => {}
    }
    Ok(())
}

async fn transfer(
    t: &Transaction<'_>,
    market: &str,
    seq: i64,
    trader_id: u32,
    kind: &str,
    token: u8,
    amount: u64,
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO transfers (market, seq, trader_id, kind, token, amount) VALUES ($1, $2, $3, $4, $5, $6::text::numeric)
         ON CONFLICT DO NOTHING",
        &[&market, &seq, &(trader_id as i32), &kind, &i16::from(token), &num(amount)],
    )
    .await?;
    Ok(())
}
