//! The vocabulary the indexer and the feed share, with no I/O: an order's
//! status, a candle, the program's enums as stored, and the `markets.status`
//! value of a deleted market.

pub mod candle;
pub mod order_status;
pub mod stored_enum;

pub use candle::{CANDLE_RESOLUTIONS, Candle, bucket_start};
pub use order_status::OrderStatus;
pub use stored_enum::{StoredEnum, side_name};

/// `markets.status` once the market's accounts are closed (`MarketClosed`):
/// one past the engine's `MarketStatus` values (0 active … 3 closed), which
/// the other rows carry as the program reports them.
pub const MARKET_DELETED_STATUS: i16 = 4;
