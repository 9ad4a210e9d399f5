//! The indexer's SQL, one function per table, each a set-based statement
//! (`UNNEST` arrays) so a batch of thousands of events costs a dozen round
//! trips. Every insert is `ON CONFLICT DO NOTHING`: replaying a batch
//! changes nothing.

use std::collections::HashSet;

use tokio_postgres::Transaction;

use super::effects::{
    CandleChange, Effects, Fill, MarketChange, OrderChange, PlacedOrder, QueueOwner, TraderChange,
    Transfer,
};
use crate::db::i64_of;
use crate::indexer::IndexError;
use crate::model::{MARKET_DELETED_STATUS, StoredEnum};

/// Numeric columns travel as text (u64 and u128 do not fit bigint).
pub(super) fn num(v: impl ToString) -> String {
    v.to_string()
}

/// A column of `rows` mapped by `f`.
fn column<'r, T, R>(rows: &'r [R], f: impl Fn(&'r R) -> T) -> Vec<T> {
    rows.iter().map(f).collect()
}

/// A bigint column of u64 values, refusing any past i64::MAX.
fn bigint_column<R>(rows: &[R], f: impl Fn(&R) -> u64) -> Result<Vec<i64>, IndexError> {
    Ok(rows
        .iter()
        .map(|r| i64_of(f(r)))
        .collect::<Result<_, _>>()?)
}

/// One stored event (`events` row).
pub struct EventRow {
    pub seq: i64,
    pub kind: &'static str,
    pub signature: String,
    pub slot: i64,
    pub block_time: Option<i64>,
    pub data: Vec<u8>,
}

/// The last sequence number ingested for `market`, locked for this transaction (-1: none).
pub async fn lock_cursor(t: &Transaction<'_>, market: &str) -> Result<i64, IndexError> {
    Ok(t.query_opt(
        "SELECT last_seq FROM ingest_cursor WHERE market = $1 FOR UPDATE",
        &[&market],
    )
    .await?
    .map_or(-1, |r| r.get(0)))
}

pub async fn advance_cursor(
    t: &Transaction<'_>,
    market: &str,
    last_seq: i64,
    signature: &str,
    slot: i64,
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO ingest_cursor (market, last_seq, last_signature, last_slot) VALUES ($1, $2, $3, $4)
         ON CONFLICT (market) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_signature = EXCLUDED.last_signature,
             last_slot = EXCLUDED.last_slot, updated_at = now()
         WHERE ingest_cursor.last_seq <= EXCLUDED.last_seq",
        &[&market, &last_seq, &signature, &slot],
    )
    .await?;
    Ok(())
}

/// Store `rows`; returns the sequence numbers that were new.
pub async fn insert_events(
    t: &Transaction<'_>,
    market: &str,
    rows: &[EventRow],
) -> Result<HashSet<i64>, IndexError> {
    Ok(t
        .query(
            "INSERT INTO events (market, seq, kind, signature, slot, block_time, data)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bytea[])
             ON CONFLICT DO NOTHING RETURNING seq",
            &[
                &market,
                &column(rows, |r| r.seq),
                &column(rows, |r| r.kind),
                &column(rows, |r| r.signature.as_str()),
                &column(rows, |r| r.slot),
                &column(rows, |r| r.block_time),
                &column(rows, |r| r.data.as_slice()),
            ],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// Write every read-model change of a batch. Markets first: the other
/// tables refer to them.
pub async fn write(
    t: &Transaction<'_>,
    market: &str,
    effects: &Effects<'_>,
) -> Result<(), IndexError> {
    for change in &effects.markets {
        write_market(t, market, change).await?;
    }
    for change in &effects.traders {
        write_trader(t, market, change).await?;
    }
    if !effects.placed.is_empty() {
        insert_orders(t, market, &effects.placed).await?;
    }
    if !effects.fills.is_empty() {
        insert_fills(t, market, &effects.fills).await?;
    }
    if !effects.queue_owners.is_empty() {
        insert_queue_owners(t, market, &effects.queue_owners).await?;
    }
    if !effects.transfers.is_empty() {
        insert_transfers(t, market, &effects.transfers).await?;
    }
    if !effects.order_changes.is_empty() {
        update_orders(t, market, &effects.order_changes).await?;
    }
    if !effects.candles.is_empty() {
        upsert_candles(t, market, &effects.candles).await?;
    }
    Ok(())
}

async fn write_market(
    t: &Transaction<'_>,
    market: &str,
    change: &MarketChange<'_>,
) -> Result<(), IndexError> {
    match change {
        MarketChange::Created { event: e, slot } => {
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
                    slot,
                ],
            )
            .await?;
        }
        MarketChange::Status(status) => {
            t.execute(
                "UPDATE markets SET status = $2 WHERE market = $1",
                &[&market, &status.code()],
            )
            .await?;
        }
        MarketChange::Deleted => {
            t.execute(
                "UPDATE markets SET status = $2 WHERE market = $1",
                &[&market, &MARKET_DELETED_STATUS],
            )
            .await?;
        }
    }
    Ok(())
}

async fn write_trader(
    t: &Transaction<'_>,
    market: &str,
    change: &TraderChange<'_>,
) -> Result<(), IndexError> {
    match change {
        TraderChange::Opened { event: e, seq } => {
            t.execute(
                "INSERT INTO traders (market, trader_id, owner, trader_account, opened_seq) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&market, &(e.trader_id as i32), &e.owner.to_string(), &e.trader_account.to_string(), seq],
            )
            .await?;
        }
        TraderChange::Closed { trader_id, seq } => {
            t.execute(
                "UPDATE traders SET closed_seq = $3 WHERE market = $1 AND trader_id = $2",
                &[&market, &(*trader_id as i32), seq],
            )
            .await?;
        }
    }
    Ok(())
}

async fn insert_orders(
    t: &Transaction<'_>,
    market: &str,
    placed: &[PlacedOrder<'_>],
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO orders (market, order_id, trader_id, client_order_id, side, order_type, price, max_base_lots,
             posted_base_lots, open_base_lots, filled_base_lots, status, expiry, placed_seq, updated_seq)
         SELECT $1, u.oid, u.tid, u.coid::numeric, u.side, u.ot, u.price, u.maxl, u.posted, u.posted, u.filled,
             u.status, u.expiry, u.seq, u.seq
         FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::int2[], $6::int2[], $7::bigint[],
             $8::text[]::numeric[], $9::text[]::numeric[], $10::text[]::numeric[], $11::text[],
             $12::text[]::numeric[], $13::bigint[])
             AS u(oid, tid, coid, side, ot, price, maxl, posted, filled, status, expiry, seq)
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &bigint_column(placed, |p| p.event.order_id)?,
            &column(placed, |p| p.event.trader_id as i32),
            &column(placed, |p| num(p.event.client_order_id)),
            &column(placed, |p| p.event.side.code()),
            &column(placed, |p| p.event.order_type.code()),
            &bigint_column(placed, |p| p.event.price)?,
            &column(placed, |p| num(p.event.max_base_lots)),
            &column(placed, |p| num(p.event.posted_base_lots)),
            &column(placed, |p| num(p.event.filled_base_lots)),
            &column(placed, |p| p.status.as_str()),
            &column(placed, |p| num(p.event.expiry)),
            &column(placed, |p| p.seq),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_fills(
    t: &Transaction<'_>,
    market: &str,
    fills: &[Fill<'_>],
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO fills (market, seq, queue_seq, maker_trader_id, taker_trader_id, maker_order_id, taker_order_id,
             taker_side, price, base_lots, slot, quote, taker_fee, maker_fee, block_time)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::bigint[], $7::bigint[],
             $8::int2[], $9::bigint[], $10::text[]::numeric[], $11::bigint[], $12::text[]::numeric[],
             $13::text[]::numeric[], $14::text[]::numeric[], $15::bigint[])
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &column(fills, |f| f.seq),
            &bigint_column(fills, |f| f.event.queue_seq)?,
            &column(fills, |f| f.event.maker_trader_id as i32),
            &column(fills, |f| f.event.taker_trader_id as i32),
            &bigint_column(fills, |f| f.event.maker_order_id)?,
            &bigint_column(fills, |f| f.event.taker_order_id)?,
            &column(fills, |f| f.event.taker_side.code()),
            &bigint_column(fills, |f| f.event.price)?,
            &column(fills, |f| num(f.event.base_lots)),
            &column(fills, |f| f.slot),
            &column(fills, |f| num(f.event.quote)),
            &column(fills, |f| num(f.event.taker_fee)),
            &column(fills, |f| num(f.event.maker_fee)),
            &column(fills, |f| f.block_time),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_queue_owners(
    t: &Transaction<'_>,
    market: &str,
    owners: &[QueueOwner],
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO queue_owners (market, queue_seq, trader_id)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::int[]) ON CONFLICT DO NOTHING",
        &[
            &market,
            &column(owners, |o| o.queue_seq),
            &column(owners, |o| o.trader_id as i32),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_transfers(
    t: &Transaction<'_>,
    market: &str,
    transfers: &[Transfer],
) -> Result<(), IndexError> {
    t.execute(
        "INSERT INTO transfers (market, seq, trader_id, kind, token, amount)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::int2[], $6::text[]::numeric[])
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &column(transfers, |x| x.seq),
            &column(transfers, |x| x.trader_id as i32),
            &column(transfers, |x| x.kind.as_str()),
            &column(transfers, |x| x.token.code()),
            &column(transfers, |x| num(x.amount)),
        ],
    )
    .await?;
    Ok(())
}

/// Lot counts stay within 0..=u64::MAX (the columns are numeric(20,0)):
/// the program never fills or reduces an order past its size, but an event
/// that claims to must not stop the indexer with a numeric overflow.
async fn update_orders(
    t: &Transaction<'_>,
    market: &str,
    changes: &std::collections::BTreeMap<i64, OrderChange>,
) -> Result<(), IndexError> {
    let ids: Vec<i64> = changes.keys().copied().collect();
    let changes: Vec<&OrderChange> = changes.values().collect();
    t.execute(
        "UPDATE orders o SET
             open_base_lots = CASE WHEN u.zero THEN 0 ELSE GREATEST(o.open_base_lots - u.reduce, 0) END,
             filled_base_lots = LEAST(o.filled_base_lots + u.filled, 18446744073709551615),
             status = u.status, updated_seq = u.seq
         FROM UNNEST($2::bigint[], $3::text[]::numeric[], $4::text[]::numeric[], $5::bool[], $6::text[],
             $7::bigint[])
             AS u(oid, reduce, filled, zero, status, seq)
         WHERE o.market = $1 AND o.order_id = u.oid",
        &[
            &market,
            &ids,
            &column(&changes, |c| num(c.reduce_lots)),
            &column(&changes, |c| num(c.filled_lots)),
            &column(&changes, |c| c.emptied),
            &column(&changes, |c| c.status.as_str()),
            &column(&changes, |c| c.seq),
        ],
    )
    .await?;
    Ok(())
}

async fn upsert_candles(
    t: &Transaction<'_>,
    market: &str,
    candles: &std::collections::BTreeMap<(i64, i64), CandleChange>,
) -> Result<(), IndexError> {
    let keys: Vec<(i64, i64)> = candles.keys().copied().collect();
    let values: Vec<&CandleChange> = candles.values().collect();
    t.execute(
        "INSERT INTO candles (market, resolution, bucket_start, open, high, low, close, base_lots, quote, trades,
             first_seq, last_seq)
         SELECT $1, * FROM UNNEST($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
             $8::text[]::numeric[], $9::text[]::numeric[], $10::int[], $11::bigint[], $12::bigint[])
         ON CONFLICT (market, resolution, bucket_start) DO UPDATE SET
             open = CASE WHEN EXCLUDED.first_seq < candles.first_seq THEN EXCLUDED.open ELSE candles.open END,
             high = GREATEST(candles.high, EXCLUDED.high), low = LEAST(candles.low, EXCLUDED.low),
             close = CASE WHEN EXCLUDED.last_seq > candles.last_seq THEN EXCLUDED.close ELSE candles.close END,
             base_lots = candles.base_lots + EXCLUDED.base_lots, quote = candles.quote + EXCLUDED.quote,
             trades = candles.trades + EXCLUDED.trades, first_seq = LEAST(candles.first_seq, EXCLUDED.first_seq),
             last_seq = GREATEST(candles.last_seq, EXCLUDED.last_seq)",
        &[
            &market,
            &column(&keys, |(resolution, _)| *resolution as i32),
            &column(&keys, |(_, start)| *start),
            &column(&values, |c| c.candle.open),
            &column(&values, |c| c.candle.high),
            &column(&values, |c| c.candle.low),
            &column(&values, |c| c.candle.close),
            &column(&values, |c| num(c.candle.base_lots)),
            &column(&values, |c| num(c.candle.quote)),
            &column(&values, |c| c.candle.trades as i32),
            &column(&values, |c| c.first_seq),
            &column(&values, |c| c.last_seq),
        ],
    )
    .await?;
    Ok(())
}
