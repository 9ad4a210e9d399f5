//! A trade (one fill) as the feed and REST show it.

use orderbook::events::OrderFilled;
use orderbook::types::Side;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trade {
    pub seq: u64,
    pub price_ticks: u64,
    pub base_lots: u64,
    pub quote_atoms: u64,
    pub taker_side: Side,
    pub maker_order_id: u64,
    pub taker_order_id: u64,
    pub maker_trader_id: u32,
    pub taker_trader_id: u32,
    pub taker_fee: u64,
    /// Positive: fee; negative: rebate.
    pub maker_fee: i64,
    pub slot: u64,
    pub block_time: Option<i64>,
}

impl Trade {
    /// The trade an `OrderFilled` event (market sequence `seq`) records.
    pub fn of_fill(fill: &OrderFilled, seq: u64, slot: u64, block_time: Option<i64>) -> Self {
        Self {
            seq,
            price_ticks: fill.price,
            base_lots: fill.base_lots,
            quote_atoms: fill.quote,
            taker_side: fill.taker_side,
            maker_order_id: fill.maker_order_id,
            taker_order_id: fill.taker_order_id,
            maker_trader_id: fill.maker_trader_id,
            taker_trader_id: fill.taker_trader_id,
            taker_fee: fill.taker_fee,
            maker_fee: fill.maker_fee,
            slot,
            block_time,
        }
    }
}
