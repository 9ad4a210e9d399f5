//! Order parameters, order types, self-trade modes and placement outcomes.

use crate::error::EngineError;
use crate::quantity::{BaseLots, QuoteAtoms, Ticks};

/// Most makers one order may match (or self-trade-cancel) in one call.
pub const MAX_MATCH_LIMIT: u8 = 64;
/// Most expired makers one order removes lazily while matching.
pub const MAX_EXPIRED_PER_MATCH: u8 = 5;
/// Longest life an order with an expiry may ask for (366 days): keeps every
/// expiry a sane timestamp that any consumer can store as a signed 64-bit time.
pub const MAX_ORDER_LIFETIME_SECS: u64 = 366 * 24 * 60 * 60;
/// Match limit used by [`OrderParams::new`].
pub const DEFAULT_MATCH_LIMIT: u8 = 16;
/// `max_quote` value meaning "no quote limit".
pub const NO_QUOTE_LIMIT: QuoteAtoms = QuoteAtoms::MAX;

/// Book side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Side {
    /// Buy base with quote.
    Bid = 0,
    /// Sell base for quote.
    Ask = 1,
}

impl Side {
    #[inline(always)]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }

    /// Does an order on `self` at `limit` trade with a resting order at `resting`?
    #[inline(always)]
    pub fn crosses(self, limit: Ticks, resting: Ticks) -> bool {
        match self {
            Side::Bid => limit >= resting,
            Side::Ask => limit <= resting,
        }
    }
}

impl TryFrom<u8> for Side {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        match v {
            0 => Ok(Side::Bid),
            1 => Ok(Side::Ask),
            _ => Err(EngineError::InvalidEnumValue),
        }
    }
}

/// What an order does when it meets the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OrderType {
    /// Take what crosses, rest the remainder at the limit price.
    Limit = 0,
    /// Rest at the limit price; refused if it would cross.
    PostOnly = 1,
    /// Rest; if it would cross, re-price one tick behind the best opposite order.
    PostOnlySlide = 2,
    /// Take what crosses up to the limit price, cancel the remainder.
    ImmediateOrCancel = 3,
    /// Take the full size up to the limit price or fail with no effect.
    FillOrKill = 4,
    /// Take at any price, bounded by `max_base` and/or `max_quote`; cancel the remainder.
    Market = 5,
}

impl OrderType {
    /// Can the remainder of this order rest on the book?
    #[inline(always)]
    pub const fn can_rest(self) -> bool {
        matches!(self, Self::Limit | Self::PostOnly | Self::PostOnlySlide)
    }
    /// Can this order take liquidity?
    #[inline(always)]
    pub const fn can_take(self) -> bool {
        !matches!(self, Self::PostOnly | Self::PostOnlySlide)
    }
}

impl TryFrom<u8> for OrderType {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        Ok(match v {
            0 => Self::Limit,
            1 => Self::PostOnly,
            2 => Self::PostOnlySlide,
            3 => Self::ImmediateOrCancel,
            4 => Self::FillOrKill,
            5 => Self::Market,
            _ => return Err(EngineError::InvalidEnumValue),
        })
    }
}

/// What happens when an order meets a resting order of the same trader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SelfTradeMode {
    /// Both orders shrink by the overlap; no funds change hands and no fee is charged.
    DecrementTake = 0,
    /// The resting order is cancelled; the taker continues against the next maker.
    CancelProvide = 1,
    /// The whole call fails with [`EngineError::SelfTradeAborted`] and changes nothing.
    AbortTransaction = 2,
}

impl TryFrom<u8> for SelfTradeMode {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        Ok(match v {
            0 => Self::DecrementTake,
            1 => Self::CancelProvide,
            2 => Self::AbortTransaction,
            _ => return Err(EngineError::InvalidEnumValue),
        })
    }
}

/// A new order.
///
/// Size limits: the order stops when `max_base` lots are filled or when the
/// quote limit is reached. For bids `max_quote` caps quote *spent including
/// the taker fee*; for asks it caps gross quote *received*. Orders that can
/// rest (`Limit`, `PostOnly*`) must use [`NO_QUOTE_LIMIT`]. A market buy must
/// set a real `max_quote`: it is the budget the trader's free balance must cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderParams {
    pub side: Side,
    pub order_type: OrderType,
    pub self_trade: SelfTradeMode,
    /// Limit price (ignored for `Market`).
    pub price: Ticks,
    pub max_base: BaseLots,
    pub max_quote: QuoteAtoms,
    /// Caller-chosen id, stored with the resting order (0 is allowed).
    pub client_order_id: u64,
    /// Unix seconds after which the resting order is dead; 0 = good till
    /// cancelled; at most `now + MAX_ORDER_LIFETIME_SECS`.
    pub expiry: u64,
    /// Most makers to match, `1..=MAX_MATCH_LIMIT` for orders that take.
    pub match_limit: u8,
}

impl OrderParams {
    /// An order with the common defaults: `DecrementTake`, no quote limit,
    /// client id 0, no expiry, match limit [`DEFAULT_MATCH_LIMIT`].
    pub const fn new(side: Side, order_type: OrderType, price: Ticks, max_base: BaseLots) -> Self {
        Self {
            side,
            order_type,
            self_trade: SelfTradeMode::DecrementTake,
            price,
            max_base,
            max_quote: NO_QUOTE_LIMIT,
            client_order_id: 0,
            expiry: 0,
            match_limit: DEFAULT_MATCH_LIMIT,
        }
    }
}

/// The result of placing an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaceOutcome {
    /// The order id (sequence number) given to this order.
    pub order_id: u64,
    /// Lots that rest on the book (0 if nothing rested).
    pub posted: BaseLots,
    /// The price the rest was posted at (differs from the limit after a
    /// slide); for a market order its effective limit (`MAX_PRICE_TICKS` for
    /// a bid, 1 for an ask), never the ignored price field.
    pub posted_price: Ticks,
    /// Open-order slot of the resting order (meaningful when `posted > 0`).
    pub slot: u8,
    /// Base lots traded against other traders.
    pub filled_base: BaseLots,
    /// Quote atoms traded against other traders, before fees.
    pub filled_quote: QuoteAtoms,
    /// Taker fee paid.
    pub taker_fee: QuoteAtoms,
    /// Lots removed from the taker by `DecrementTake` self-trade prevention.
    pub self_trade_decremented: BaseLots,
    /// Makers matched (fills and self-trade cancels).
    pub matches: u8,
    /// Expired makers removed on the way.
    pub expired_removed: u8,
    /// Sequence number of the first event this call pushed, if any.
    pub first_event_seq: u64,
    /// Number of events this call pushed (fills, outs, eviction).
    pub events_pushed: u32,
}
