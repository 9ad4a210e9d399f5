//! `fills`: every trade, keyed by its market sequence number.

use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, bigint_column, column, num, u64_text};
use crate::model::effects::Fill;
use crate::model::{StoredEnum, Trade};

pub async fn insert(t: &Transaction<'_>, market: &str, fills: &[Fill<'_>]) -> Result<(), DbError> {
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

/// The columns [`trade`] reads, in its order.
const TRADE_COLUMNS: &str = "seq, price, base_lots::text, quote::text, taker_side, maker_order_id, \
     taker_order_id, maker_trader_id, taker_trader_id, taker_fee::text, maker_fee::text, slot, block_time";

fn trade(r: &tokio_postgres::Row) -> Result<Trade, DbError> {
    let maker_fee: String = r.get(10);
    Ok(Trade {
        seq: r.get::<_, i64>(0) as u64,
        price_ticks: r.get::<_, i64>(1) as u64,
        base_lots: u64_text(r, 2)?,
        quote_atoms: u64_text(r, 3)?,
        taker_side: super::enum_column(r, 4)?,
        maker_order_id: r.get::<_, i64>(5) as u64,
        taker_order_id: r.get::<_, i64>(6) as u64,
        maker_trader_id: r.get::<_, i32>(7) as u32,
        taker_trader_id: r.get::<_, i32>(8) as u32,
        taker_fee: u64_text(r, 9)?,
        maker_fee: maker_fee
            .parse()
            .map_err(|_| DbError::Corrupt(format!("maker fee {maker_fee} is not an i64")))?,
        slot: r.get::<_, i64>(11) as u64,
        block_time: r.get(12),
    })
}

/// Up to `limit` trades before sequence number `before_seq`, newest first.
pub async fn before(
    db: &impl GenericClient,
    market: &str,
    before_seq: i64,
    limit: i64,
) -> Result<Vec<Trade>, DbError> {
    db.query(
        &format!(
            "SELECT {TRADE_COLUMNS} FROM fills WHERE market = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
        ),
        &[&market, &before_seq, &limit],
    )
    .await?
    .iter()
    .map(trade)
    .collect()
}
