//! The vocabulary the indexer, the database layer, the feed and the broker
//! share, with no I/O and no dependency on any other module of this crate:
//! a batch of new events and what it does to each table ([`effects`]), a
//! resting order, a batch entry not yet cleared, an order's status, a trade, a candle, the program's enums
//! as stored, and the `markets.status` value of a deleted market.

pub mod batch_trades;
pub mod book_order;
pub mod candle;
pub mod effects;
pub mod ingested;
pub mod order_status;
pub mod pending_entry;
pub mod stored_enum;
pub mod trade;

pub use book_order::BookOrder;
pub use candle::{CANDLE_RESOLUTIONS, Candle, bucket_start};
pub use effects::Effects;
pub use ingested::{BalanceRow, Ingested, NewEvent};
pub use order_status::OrderStatus;
pub use pending_entry::PendingEntry;
pub use stored_enum::{StoredEnum, side_name};
pub use trade::Trade;

/// `markets.status` once the market's accounts are closed (`MarketClosed`):
/// one past the engine's `MarketStatus` values (0 active … 3 closed), which
/// the other rows carry as the program reports them.
pub const MARKET_DELETED_STATUS: i16 = 4;

/// A u64 that does not fit a signed 64-bit (`bigint`) column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("value {0} does not fit a signed 64-bit column")]
pub struct OutOfRange(pub u64);

/// `v` as a `bigint` column holds it.
pub fn i64_of(v: u64) -> Result<i64, OutOfRange> {
    i64::try_from(v).map_err(|_| OutOfRange(v))
}
