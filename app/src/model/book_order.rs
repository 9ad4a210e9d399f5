//! A resting order as the book shows it.

use orderbook::types::Side;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookOrder {
    pub order_id: u64,
    pub side: Side,
    pub price_ticks: u64,
    pub trader_id: u32,
    /// Still open.
    pub base_lots: u64,
}
