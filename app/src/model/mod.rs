//! The vocabulary the indexer, the database layer and the feed share, with
//! no I/O: a resting order, an order's status, a trade, a candle, the
//! program's enums as stored, and the `markets.status` value of a deleted market.

pub mod book_order;
pub mod candle;
pub mod order_status;
pub mod stored_enum;
pub mod trade;

pub use book_order::BookOrder;
pub use candle::{CANDLE_RESOLUTIONS, Candle, bucket_start};
pub use order_status::OrderStatus;
pub use stored_enum::{StoredEnum, side_name};
pub use trade::Trade;

/// `markets.status` once the market's accounts are closed (`MarketClosed`):
/// one past the engine's `MarketStatus` values (0 active … 3 closed), which
/// the other rows carry as the program reports them.
pub const MARKET_DELETED_STATUS: i16 = 4;
