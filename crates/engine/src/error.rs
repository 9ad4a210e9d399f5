//! Typed engine errors. Every error is returned before the engine mutates
//! anything, so a failed call leaves the book, queue and trader untouched.

use core::fmt;

/// Why an engine operation was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum EngineError {
    /// An amount computation overflowed u64 or went negative.
    Overflow = 0,
    /// The trader's free balance does not cover the order's worst case or the withdrawal.
    InsufficientFunds,
    /// A price is zero or above `MAX_PRICE_TICKS`.
    InvalidPrice,
    /// The order size is zero, or the quote limit is not allowed for this order type.
    InvalidSize,
    /// A market parameter (lot size, tick size, fee, capacity) is out of range.
    InvalidMarketParams,
    /// The match limit is zero for an order that takes, or above `MAX_MATCH_LIMIT`.
    InvalidMatchLimit,
    /// The expiry timestamp is already in the past.
    AlreadyExpired,
    /// A post-only order would cross the book.
    PostOnlyWouldCross,
    /// A fill-or-kill order cannot be filled completely.
    FillOrKillNotFilled,
    /// Self-trade prevention mode `AbortTransaction` met the trader's own order.
    SelfTradeAborted,
    /// The book side is full and the order is not better than the worst resting order.
    BookFull,
    /// The event queue has no room for the events this operation may produce.
    EventQueueFull,
    /// The event queue is empty.
    EventQueueEmpty,
    /// All open-order slots of the trader are in use.
    TooManyOpenOrders,
    /// No open order with that id or client id is resting on the book.
    OrderNotFound,
    /// The market status does not allow this operation.
    MarketNotActive,
    /// The market only accepts post-only orders right now.
    MarketPostOnly,
    /// An account's bytes have the wrong length or alignment for its layout.
    InvalidAccountData,
    /// A queued event does not belong to the trader it is applied to, or is malformed.
    EventTraderMismatch,
    /// A stored enum byte holds an unknown value.
    InvalidEnumValue,
    /// The expiry is further ahead than `MAX_ORDER_LIFETIME_SECS`.
    ExpiryTooFar,
    /// Growth would take a book side or the event queue past its maximum
    /// capacity, or shrink it.
    InvalidGrowth,
    /// The event queue wraps around past the room growth adds: the events at
    /// the start of the ring cannot move into it. Crank the queue, then grow.
    EventQueueWrapped,
}

impl EngineError {
    /// A short human-readable message for logs and client errors.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Overflow => "amount arithmetic overflowed",
            Self::InsufficientFunds => "free balance does not cover this order or withdrawal",
            Self::InvalidPrice => "price must be between 1 and MAX_PRICE_TICKS",
            Self::InvalidSize => "order size is zero or the quote limit is not allowed here",
            Self::InvalidMarketParams => "market parameters are out of range",
            Self::InvalidMatchLimit => "match limit must be between 1 and MAX_MATCH_LIMIT",
            Self::AlreadyExpired => "expiry timestamp is already in the past",
            Self::PostOnlyWouldCross => "post-only order would cross the book",
            Self::FillOrKillNotFilled => "fill-or-kill order cannot be filled completely",
            Self::SelfTradeAborted => "order would trade against the trader's own order",
            Self::BookFull => "book side is full and the order does not beat the worst order",
            Self::EventQueueFull => "event queue is full: crank it before trading",
            Self::EventQueueEmpty => "event queue is empty",
            Self::TooManyOpenOrders => "all open-order slots are in use",
            Self::OrderNotFound => "no such open order on the book",
            Self::MarketNotActive => "market status does not allow this operation",
            Self::MarketPostOnly => "market accepts post-only orders only",
            Self::InvalidAccountData => "account data has the wrong size or alignment",
            Self::EventTraderMismatch => "event does not belong to this trader",
            Self::InvalidEnumValue => "stored enum value is invalid",
            Self::ExpiryTooFar => "expiry is more than MAX_ORDER_LIFETIME_SECS ahead",
            Self::InvalidGrowth => "growth would shrink the account or pass its maximum capacity",
            Self::EventQueueWrapped => "event queue wraps past the added room: crank it, then grow",
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for EngineError {}
