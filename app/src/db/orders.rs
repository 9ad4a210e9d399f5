//! `orders`: every order placed, its open and filled lots and its status
//! kept current by fills, outs and cancels.

use std::collections::BTreeMap;

use orderbook::types::{OrderType, Side};
use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, bigint_column, column, num, u64_text};
use crate::model::effects::{OrderChange, PlacedOrder};
use crate::model::{BookOrder, OrderStatus, StoredEnum};

/// An order as a trader's order list shows it.
pub struct OrderRow {
    pub order_id: i64,
    pub client_order_id: u64,
    pub side: Side,
    pub order_type: OrderType,
    pub price_ticks: i64,
    pub max_base_lots: u64,
    pub open_base_lots: u64,
    pub filled_base_lots: u64,
    pub status: OrderStatus,
    pub expiry: u64,
    pub placed_seq: i64,
    pub updated_seq: i64,
}

/// One price level of a side.
pub struct DepthLevel {
    pub price_ticks: u64,
    pub base_lots: u64,
    pub orders: u32,
}

pub async fn insert(
    t: &Transaction<'_>,
    market: &str,
    placed: &[PlacedOrder],
) -> Result<(), DbError> {
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
            &bigint_column(placed, |p| p.order_id)?,
            &column(placed, |p| p.trader_id as i32),
            &column(placed, |p| num(p.client_order_id)),
            &column(placed, |p| p.side.code()),
            &column(placed, |p| p.order_type.code()),
            &bigint_column(placed, |p| p.price)?,
            &column(placed, |p| num(p.max_base_lots)),
            &column(placed, |p| num(p.posted_base_lots)),
            &column(placed, |p| num(p.filled_base_lots)),
            &column(placed, |p| p.status.as_str()),
            &column(placed, |p| num(p.expiry)),
            &column(placed, |p| p.seq),
        ],
    )
    .await?;
    Ok(())
}

/// Apply the batch's changes by order id. Lot counts stay within
/// 0..=u64::MAX (the columns are numeric(20,0)): the program never fills or
/// reduces an order past its size, but an event that claims to must not
/// stop the indexer with a numeric overflow.
pub async fn update(
    t: &Transaction<'_>,
    market: &str,
    changes: &BTreeMap<i64, OrderChange>,
) -> Result<(), DbError> {
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

/// Every order resting on the book (what the chain's book sides hold).
pub async fn resting(db: &impl GenericClient, market: &str) -> Result<Vec<BookOrder>, DbError> {
    db.query(
        "SELECT order_id, side, price, trader_id, open_base_lots::text FROM orders
         WHERE market = $1 AND status = 'open' AND open_base_lots > 0",
        &[&market],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(BookOrder {
            order_id: r.get::<_, i64>(0) as u64,
            side: super::enum_column(r, 1)?,
            price_ticks: r.get::<_, i64>(2) as u64,
            trader_id: r.get::<_, i32>(3) as u32,
            base_lots: u64_text(r, 4)?,
        })
    })
    .collect()
}

/// The best `levels` price levels of `side`. A level's lots fit a u64:
/// every resting order is backed by vault tokens, whose supply is a u64.
pub async fn depth(
    db: &impl GenericClient,
    market: &str,
    side: Side,
    levels: i64,
) -> Result<Vec<DepthLevel>, DbError> {
    let best_first = match side {
        Side::Bid => "DESC",
        Side::Ask => "ASC",
    };
    db.query(
        &format!(
            "SELECT price, sum(open_base_lots)::text, count(*) FROM orders
             WHERE market = $1 AND side = $2 AND status = 'open' AND open_base_lots > 0
             GROUP BY price ORDER BY price {best_first} LIMIT $3"
        ),
        &[&market, &side.code(), &levels],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(DepthLevel {
            price_ticks: r.get::<_, i64>(0) as u64,
            base_lots: u64_text(r, 1)?,
            orders: u32::try_from(r.get::<_, i64>(2)).unwrap_or(u32::MAX),
        })
    })
    .collect()
}

/// A trader's newest `limit` orders, only the open ones unless `all`.
pub async fn of_trader(
    db: &impl GenericClient,
    market: &str,
    trader_id: i32,
    all: bool,
    limit: i64,
) -> Result<Vec<OrderRow>, DbError> {
    db.query(
        "SELECT order_id, client_order_id::text, side, order_type, price, max_base_lots::text,
             open_base_lots::text, filled_base_lots::text, status, expiry::text, placed_seq, updated_seq
         FROM orders WHERE market = $1 AND trader_id = $2 AND ($3 OR status = 'open')
         ORDER BY order_id DESC LIMIT $4",
        &[&market, &trader_id, &all, &limit],
    )
    .await?
    .iter()
    .map(|r| {
        Ok(OrderRow {
            order_id: r.get(0),
            client_order_id: u64_text(r, 1)?,
            side: super::enum_column(r, 2)?,
            order_type: super::enum_column(r, 3)?,
            price_ticks: r.get(4),
            max_base_lots: u64_text(r, 5)?,
            open_base_lots: u64_text(r, 6)?,
            filled_base_lots: u64_text(r, 7)?,
            status: {
                let name: String = r.get(8);
                OrderStatus::from_name(&name)
                    .ok_or_else(|| DbError::Corrupt(format!("orders.status holds {name:?}")))?
            },
            expiry: u64_text(r, 9)?,
            placed_seq: r.get(10),
            updated_seq: r.get(11),
        })
    })
    .collect()
}
