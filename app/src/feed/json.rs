//! How the feed writes each model type, on WebSocket channels and in REST
//! responses alike.
//!
//! Every quantity a JavaScript number could round travels as a decimal
//! string: prices (ticks), sizes (lots), atoms, fees, volumes and order ids,
//! whose high bits hold the price (docs/feed-protocol.md#numbers). Counters
//! that stay below 2^53 (`seq`, `slot`, `block_time`, `orders`, `trades`,
//! trader ids) are JSON numbers.

use orderbook::types::Side;
use serde_json::{Value, json};

use crate::model::BalanceRow;
use crate::model::{BookOrder, Candle, OrderStatus, Trade, side_name};

pub fn book_order(order: &BookOrder) -> Value {
    json!({
        "order_id": order.order_id.to_string(),
        "side": side_name(order.side),
        "price": order.price_ticks.to_string(),
        "trader_id": order.trader_id,
        "base_lots": order.base_lots.to_string(),
    })
}

/// An order's new state on the L3 and account channels.
pub fn order_update(order: &BookOrder, status: OrderStatus) -> Value {
    let mut value = book_order(order);
    value["status"] = json!(status.as_str());
    value
}

/// A price level in an L2 snapshot (its side is the list it is in).
pub fn level(price_ticks: u64, base_lots: u64, orders: u32) -> Value {
    json!({ "price": price_ticks.to_string(), "base_lots": base_lots.to_string(), "orders": orders })
}

/// A price level in an L2 delta: its new totals (0 orders: gone).
pub fn level_change(side: Side, price_ticks: u64, base_lots: u64, orders: u32) -> Value {
    let mut value = level(price_ticks, base_lots, orders);
    value["side"] = json!(side_name(side));
    value
}

pub fn trade(trade: &Trade) -> Value {
    json!({
        "seq": trade.seq,
        "price": trade.price_ticks.to_string(),
        "base_lots": trade.base_lots.to_string(),
        "quote": trade.quote_atoms.to_string(),
        "taker_side": side_name(trade.taker_side),
        "maker_order_id": trade.maker_order_id.to_string(),
        "taker_order_id": trade.taker_order_id.to_string(),
        "maker_trader_id": trade.maker_trader_id,
        "taker_trader_id": trade.taker_trader_id,
        "taker_fee": trade.taker_fee.to_string(),
        "maker_fee": trade.maker_fee.to_string(),
        "slot": trade.slot,
        "block_time": trade.block_time,
    })
}

pub fn candle(resolution: i64, start: i64, candle: &Candle) -> Value {
    json!({
        "resolution": resolution,
        "start": start,
        "open": candle.open.to_string(),
        "high": candle.high.to_string(),
        "low": candle.low.to_string(),
        "close": candle.close.to_string(),
        "base_lots": candle.base_lots.to_string(),
        "quote": candle.quote.to_string(),
        "trades": candle.trades,
    })
}

pub fn balances(row: &BalanceRow) -> Value {
    json!({
        "trader_id": row.trader_id,
        "base_free": row.base_free.to_string(),
        "base_locked": row.base_locked.to_string(),
        "quote_free": row.quote_free.to_string(),
        "quote_locked": row.quote_locked.to_string(),
        "open_orders": row.open_orders,
        "closed": row.closed,
    })
}
