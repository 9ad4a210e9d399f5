//! `candles`: OHLCV per market, resolution and bucket start, merged batch
//! by batch in event order.

use std::collections::BTreeMap;

use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, column, num, u128_text};
use crate::model::Candle;
use crate::model::effects::CandleChange;

/// A stored candle: `(resolution, bucket start)` and its values.
pub type CandleRow = ((i64, i64), Candle);

pub async fn upsert(
    t: &Transaction<'_>,
    market: &str,
    candles: &BTreeMap<(i64, i64), CandleChange>,
) -> Result<(), DbError> {
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

/// The columns [`candle_row`] reads, in its order.
const CANDLE_COLUMNS: &str =
    "resolution, bucket_start, open, high, low, close, base_lots::text, quote::text, trades";

fn candle_row(r: &tokio_postgres::Row) -> Result<CandleRow, DbError> {
    Ok((
        (r.get::<_, i32>(0) as i64, r.get(1)),
        Candle {
            open: r.get(2),
            high: r.get(3),
            low: r.get(4),
            close: r.get(5),
            base_lots: u128_text(r, 6)?,
            quote: u128_text(r, 7)?,
            trades: r.get::<_, i32>(8) as i64,
        },
    ))
}

/// The newest `per_resolution` candles of every resolution.
pub async fn newest(
    db: &impl GenericClient,
    market: &str,
    per_resolution: i64,
) -> Result<Vec<CandleRow>, DbError> {
    db.query(
        &format!(
            "SELECT {CANDLE_COLUMNS}
             FROM (SELECT *, row_number() OVER (PARTITION BY resolution ORDER BY bucket_start DESC) AS n
                   FROM candles WHERE market = $1) c
             WHERE n <= $2"
        ),
        &[&market, &per_resolution],
    )
    .await?
    .iter()
    .map(candle_row)
    .collect()
}

/// Up to `limit` candles of `resolution` starting before `before`, oldest first.
pub async fn before(
    db: &impl GenericClient,
    market: &str,
    resolution: i64,
    before: i64,
    limit: i64,
) -> Result<Vec<CandleRow>, DbError> {
    let mut rows = db
        .query(
            &format!(
                "SELECT {CANDLE_COLUMNS} FROM candles
                 WHERE market = $1 AND resolution = $2 AND bucket_start < $3
                 ORDER BY bucket_start DESC LIMIT $4"
            ),
            &[&market, &(resolution as i32), &before, &limit],
        )
        .await?
        .iter()
        .map(candle_row)
        .collect::<Result<Vec<_>, _>>()?;
    rows.reverse();
    Ok(rows)
}
