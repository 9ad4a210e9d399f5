//! `balances`: each open trader's balances as last read from its account.

use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, num, pubkey, u64_text};
use crate::model::BalanceRow;

/// Write `row` (a closed trader's row is deleted).
pub async fn store(
    t: &Transaction<'_>,
    market: &str,
    row: &BalanceRow,
    as_of_seq: i64,
) -> Result<(), DbError> {
    let trader_id = row.trader_id as i32;
    if row.closed {
        t.execute(
            "DELETE FROM balances WHERE market = $1 AND trader_id = $2",
            &[&market, &trader_id],
        )
        .await?;
        return Ok(());
    }
    t.execute(
        "INSERT INTO balances (market, trader_id, owner, base_free, base_locked, quote_free, quote_locked,
             open_orders, as_of_seq)
         VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7::text::numeric, $8, $9)
         ON CONFLICT (market, trader_id) DO UPDATE SET base_free = EXCLUDED.base_free,
             base_locked = EXCLUDED.base_locked, quote_free = EXCLUDED.quote_free,
             quote_locked = EXCLUDED.quote_locked, open_orders = EXCLUDED.open_orders,
             as_of_seq = EXCLUDED.as_of_seq",
        &[
            &market,
            &trader_id,
            &row.owner.to_string(),
            &num(row.base_free),
            &num(row.base_locked),
            &num(row.quote_free),
            &num(row.quote_locked),
            &(row.open_orders as i32),
            &as_of_seq,
        ],
    )
    .await?;
    Ok(())
}

const BALANCE_COLUMNS: &str = "trader_id, owner, base_free::text, base_locked::text, quote_free::text, \
     quote_locked::text, open_orders, as_of_seq";

/// A row and the market sequence number it is current as of.
fn balance_row(r: &tokio_postgres::Row) -> Result<(BalanceRow, i64), DbError> {
    let row = BalanceRow {
        trader_id: r.get::<_, i32>(0) as u32,
        owner: pubkey(r, 1)?,
        base_free: u64_text(r, 2)?,
        base_locked: u64_text(r, 3)?,
        quote_free: u64_text(r, 4)?,
        quote_locked: u64_text(r, 5)?,
        open_orders: r.get::<_, i32>(6) as u32,
        closed: false,
    };
    Ok((row, r.get(7)))
}

/// Every trader's balances on `market`.
pub async fn all(db: &impl GenericClient, market: &str) -> Result<Vec<BalanceRow>, DbError> {
    db.query(
        &format!("SELECT {BALANCE_COLUMNS} FROM balances WHERE market = $1"),
        &[&market],
    )
    .await?
    .iter()
    .map(|r| Ok(balance_row(r)?.0))
    .collect()
}

/// One trader's balances and the sequence number they are current as of.
pub async fn of_trader(
    db: &impl GenericClient,
    market: &str,
    trader_id: i32,
) -> Result<Option<(BalanceRow, i64)>, DbError> {
    db.query_opt(
        &format!("SELECT {BALANCE_COLUMNS} FROM balances WHERE market = $1 AND trader_id = $2"),
        &[&market, &trader_id],
    )
    .await?
    .as_ref()
    .map(balance_row)
    .transpose()
}
