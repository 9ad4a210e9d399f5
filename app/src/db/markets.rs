//! `markets`: one row per market, from `MarketCreated`, its status kept
//! current by `MarketStatusChanged` and `MarketClosed`, its capacities by
//! `MarketGrown`.

use orderbook::events::MarketGrown;
use orderbook::types::GrowTarget;
use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, num, u64_text};
use crate::model::effects::MarketChange;
use crate::model::{MARKET_DELETED_STATUS, StoredEnum};

/// A market as listed, with its ingest cursor.
pub struct MarketRow {
    pub market: String,
    pub base_mint: String,
    pub quote_mint: String,
    pub base_lot_size: u64,
    pub quote_lot_size: u64,
    pub tick_size: u64,
    pub taker_fee_ppm: i32,
    pub maker_fee_ppm: i32,
    /// The mints' decimals (`None` for markets indexed before schema v5).
    pub base_decimals: Option<i16>,
    pub quote_decimals: Option<i16>,
    /// The mints' symbols, when their metadata names them (`token_names`).
    pub base_symbol: Option<String>,
    pub quote_symbol: Option<String>,
    /// The program's `MarketStatus` code, or [`MARKET_DELETED_STATUS`].
    pub status: i16,
    pub last_seq: Option<i64>,
    /// Orders each book side can hold and events the queue can (as
    /// `MarketCreated` and `MarketGrown` said), and the orders resting on
    /// each side now.
    pub bids_capacity: i32,
    pub asks_capacity: i32,
    pub event_capacity: i32,
    pub bids_resting: i64,
    pub asks_resting: i64,
}

pub async fn write(
    t: &Transaction<'_>,
    market: &str,
    change: &MarketChange<'_>,
) -> Result<(), DbError> {
    let status = match change {
        MarketChange::Created { event: e, slot } => {
            t.execute(
                "INSERT INTO markets (market, base_mint, quote_mint, base_lot_size, quote_lot_size, tick_size, taker_fee_ppm,
                     maker_fee_ppm, orders_per_side, event_capacity, crank_reward_lamports, authority, fee_authority, created_slot,
                     base_decimals, quote_decimals, bids_capacity, asks_capacity)
                 VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7, $8, $9, $10,
                     $11::text::numeric, $12, $13, $14, $15, $16, $9, $9)
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
                    &i16::from(e.base_decimals),
                    &i16::from(e.quote_decimals),
                ],
            )
            .await?;
            return Ok(());
        }
        MarketChange::Status(status) => status.code(),
        MarketChange::Deleted => MARKET_DELETED_STATUS,
        MarketChange::Grown(e) => return grown(t, market, e).await,
    };
    t.execute(
        "UPDATE markets SET status = $2 WHERE market = $1",
        &[&market, &status],
    )
    .await?;
    Ok(())
}

/// Record a side's or the queue's new capacity.
async fn grown(t: &Transaction<'_>, market: &str, e: &MarketGrown) -> Result<(), DbError> {
    let column = match e.target {
        GrowTarget::Bids => "bids_capacity",
        GrowTarget::Asks => "asks_capacity",
        GrowTarget::EventQueue => "event_capacity",
    };
    let capacity = i32::try_from(e.new_capacity)
        .map_err(|_| DbError::Corrupt(format!("capacity {} is not an i32", e.new_capacity)))?;
    t.execute(
        &format!("UPDATE markets SET {column} = $2 WHERE market = $1"),
        &[&market, &capacity],
    )
    .await?;
    Ok(())
}

/// `[bids, asks, event queue]` capacities of an indexed market.
pub async fn capacities(
    db: &impl GenericClient,
    market: &str,
) -> Result<Option<[u32; 3]>, DbError> {
    let Some(row) = db
        .query_opt(
            "SELECT bids_capacity, asks_capacity, event_capacity FROM markets WHERE market = $1",
            &[&market],
        )
        .await?
    else {
        return Ok(None);
    };
    let mut out = [0u32; 3];
    for (i, slot) in out.iter_mut().enumerate() {
        let value: i32 = row.get(i);
        *slot = u32::try_from(value)
            .map_err(|_| DbError::Corrupt(format!("market {market} capacity {value}")))?;
    }
    Ok(Some(out))
}

/// Whether `market` is indexed.
pub async fn exists(db: &impl GenericClient, market: &str) -> Result<bool, DbError> {
    Ok(db
        .query_opt("SELECT 1 FROM markets WHERE market = $1", &[&market])
        .await?
        .is_some())
}

/// Up to `limit` markets after `after` (exclusive; "" = from the first), in key order.
pub async fn page(
    db: &impl GenericClient,
    after: &str,
    limit: i64,
) -> Result<Vec<MarketRow>, DbError> {
    db.query(
        "SELECT m.market, base_mint, quote_mint, base_lot_size::text, quote_lot_size::text, tick_size::text,
             taker_fee_ppm, maker_fee_ppm, status, c.last_seq, base_decimals, quote_decimals, b.symbol, q.symbol,
             bids_capacity, asks_capacity, event_capacity, o.bids, o.asks
         FROM markets m LEFT JOIN ingest_cursor c ON c.market = m.market
             LEFT JOIN token_names b ON b.mint = m.base_mint LEFT JOIN token_names q ON q.mint = m.quote_mint
             CROSS JOIN LATERAL (
                 SELECT count(*) FILTER (WHERE side = 0) AS bids, count(*) FILTER (WHERE side = 1) AS asks
                 FROM orders WHERE market = m.market AND status = 'open') o
         WHERE m.market > $1 ORDER BY m.market LIMIT $2",
        &[&after, &limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(MarketRow {
            market: r.get(0),
            base_mint: r.get(1),
            quote_mint: r.get(2),
            base_lot_size: u64_text(r, 3)?,
            quote_lot_size: u64_text(r, 4)?,
            tick_size: u64_text(r, 5)?,
            taker_fee_ppm: r.get(6),
            maker_fee_ppm: r.get(7),
            status: r.get(8),
            last_seq: r.get(9),
            base_decimals: r.get(10),
            quote_decimals: r.get(11),
            base_symbol: r.get(12),
            quote_symbol: r.get(13),
            bids_capacity: r.get(14),
            asks_capacity: r.get(15),
            event_capacity: r.get(16),
            bids_resting: r.get(17),
            asks_resting: r.get(18),
        })
    })
    .collect()
}
