//! The call auction of the sealed batch auction mode (issue 25): a batch's
//! revealed orders and the resting book cross at one price, whatever order
//! they arrived in.
//!
//! * [`clearing_price`] — the uniform price p* and the volume that trades.
//! * [`allocate`] — who trades how much of that volume on one side: better
//!   prices first; at the marginal price resting orders by time priority,
//!   then sealed orders pro rata, the odd lots in commitment-hash order (no
//!   randomness a cranker could bias).
//! * [`BatchSchedule`] — the pipelined commit, grace and reveal windows, in slots.
//! * [`commitment_preimage`] — the bytes a sealed order's hash binds.
//!
//! Both are pure functions of their inputs, bounded by
//! [`MAX_AUCTION_LEVELS`], in u64 checked arithmetic (the engine's
//! SBF-portable subset: no u128, see [`crate::quantity`]).

mod allocation;
mod commitment;
mod price;
mod schedule;

pub use allocation::{AuctionOrder, Priority, Ranked, allocate};
pub use commitment::{COMMITMENT_DOMAIN, COMMITMENT_PREIMAGE_LEN, commitment_preimage};
pub use price::clearing_price;
pub use schedule::{
    BatchPhase, BatchSchedule, DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS, DEFAULT_REVEAL_SLOTS,
    InvalidSchedule, MAX_WINDOW_SLOTS,
};

use crate::quantity::{BaseLots, Ticks};

/// Most bids or asks one clearing considers per side: a full book side
/// (1,024 orders) and as many batch orders. Callers bound their inputs by it;
/// it bounds the work of a clear.
pub const MAX_AUCTION_LEVELS: usize = 2_048;

/// Something with a price and a size that can trade in the auction.
pub trait Priced {
    fn price(&self) -> Ticks;
    fn lots(&self) -> BaseLots;
}

/// An order, or several at one price, that can trade in the auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionLevel {
    pub price: Ticks,
    pub lots: BaseLots,
}

impl Priced for AuctionLevel {
    fn price(&self) -> Ticks {
        self.price
    }
    fn lots(&self) -> BaseLots {
        self.lots
    }
}

/// The auction's outcome at its clearing price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clearing {
    pub price: Ticks,
    /// Lots that trade: `min(demand, supply)` at `price`.
    pub volume: BaseLots,
    /// Lots bid at or above `price`.
    pub demand: BaseLots,
    /// Lots offered at or below `price`.
    pub supply: BaseLots,
}

/// Why the auction cannot be computed from the inputs given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuctionError {
    /// More than [`MAX_AUCTION_LEVELS`] bids or asks.
    TooManyLevels,
    /// Bids are not in descending or asks not in ascending price order, or
    /// orders at one price are not in priority order.
    Unsorted,
    /// The lots of one side add up past u64.
    Overflow,
    /// The orders cannot supply the clearing's volume at its price (the
    /// clearing was computed from other orders).
    Inconsistent,
    /// The output slice is not as long as the orders.
    OutputLength,
}
