//! The program's public enums: instruction arguments and event fields.
//!
//! Each mirrors an `orderbook-engine` enum variant for variant, in the same
//! order, so its borsh byte equals the engine's `repr(u8)` value (the byte
//! the engine persists and the indexer stores). The engine stays free of
//! Anchor; these are the types clients and the IDL see.

use anchor_lang::prelude::*;
use orderbook_engine as engine;

/// Defines an Anchor enum that mirrors an engine enum, with conversions
/// both ways, so no caller matches variants by hand.
macro_rules! mirror_engine_enum {
    ($(#[$doc:meta])* $name:ident = $engine:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
        )]
        pub enum $name {
            $($variant),+
        }

        impl From<$name> for $engine {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$engine>::$variant),+
                }
            }
        }

        impl From<$engine> for $name {
            fn from(value: $engine) -> Self {
                match value {
                    $(<$engine>::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_engine_enum! {
    /// Book side: a bid buys base with quote, an ask sells base for quote.
    Side = engine::Side { Bid, Ask }
}

impl Side {
    pub fn opposite(self) -> Self {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }
}

mirror_engine_enum! {
    /// What an order does when it meets the book (see the engine's `OrderType`).
    OrderType = engine::OrderType {
        Limit,
        PostOnly,
        PostOnlySlide,
        ImmediateOrCancel,
        FillOrKill,
        Market,
    }
}

mirror_engine_enum! {
    /// What happens when a taker would match its owner's resting order.
    SelfTradeMode = engine::SelfTradeMode { DecrementTake, CancelProvide, AbortTransaction }
}

mirror_engine_enum! {
    /// Why a resting order left the book without its owner, or (batch
    /// markets, not built yet) a queued cancel removed it (`Cancelled`) or a
    /// batch entry's lock came back (`Released`).
    OutReason = engine::OutReason { Expired, Evicted, SelfTrade, Cancelled, Released }
}

mirror_engine_enum! {
    /// Market lifecycle status (the kill switch): Active takes every order
    /// type, PostOnly only resting ones, Paused and Closed none; Closed is final.
    MarketStatus = engine::MarketStatus { Active, PostOnly, Paused, Closed }
}

mirror_engine_enum! {
    /// A part of a market `grow_market` grows in place.
    GrowTarget = engine::layout::GrowTarget { Bids, Asks, EventQueue }
}

// The engine's limits a client needs, named in the IDL's constants.

/// Most makers one order may match (`PlaceOrderArgs::match_limit`, 1..=this).
#[constant]
pub const MAX_MATCH_LIMIT: u8 = engine::order::MAX_MATCH_LIMIT;
/// Highest price in ticks.
#[constant]
pub const MAX_PRICE_TICKS: u64 = engine::market::MAX_PRICE_TICKS;
/// Longest life (seconds) an order with an expiry may ask for.
#[constant]
pub const MAX_ORDER_LIFETIME_SECS: u64 = engine::order::MAX_ORDER_LIFETIME_SECS;
/// A good default `match_limit` for orders that take (the engine's).
#[constant]
pub const DEFAULT_MATCH_LIMIT: u8 = engine::order::DEFAULT_MATCH_LIMIT;
/// `max_quote` meaning "no quote limit".
#[constant]
pub const NO_QUOTE_LIMIT: u64 = engine::order::NO_QUOTE_LIMIT.get();

// The sealed batch mode's protocol (issue 25; docs/batch-auction.md): what a
// client needs to build a commitment and follow a batch market's clock. The
// mode's instructions are not built yet.

/// Domain separator that opens a sealed order's commitment preimage.
#[constant]
pub const COMMITMENT_DOMAIN: &[u8] = &engine::auction::COMMITMENT_DOMAIN;
/// Default commit window of a batch market, in slots.
#[constant]
pub const DEFAULT_COMMIT_SLOTS: u16 = engine::auction::DEFAULT_COMMIT_SLOTS;
/// Default cancel grace between a batch's commits and its reveals, in slots.
#[constant]
pub const DEFAULT_GRACE_SLOTS: u16 = engine::auction::DEFAULT_GRACE_SLOTS;
/// Default reveal window of a batch market, in slots.
#[constant]
pub const DEFAULT_REVEAL_SLOTS: u16 = engine::auction::DEFAULT_REVEAL_SLOTS;
/// Longest commit, grace or reveal window a batch market may choose, in slots.
#[constant]
pub const MAX_WINDOW_SLOTS: u16 = engine::auction::MAX_WINDOW_SLOTS;

/// Which of the market's two tokens an instruction moves or an event names.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Base,
    Quote,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borsh byte of each variant is the engine's stored byte, so events
    /// and the indexer's columns keep the values they had as bare `u8`.
    fn borsh_byte_is_engine_byte<T: AnchorSerialize + Copy>(
        variants: &[T],
        engine_byte: fn(T) -> u8,
    ) {
        for variant in variants {
            assert_eq!(borsh::to_vec(variant).unwrap(), [engine_byte(*variant)]);
        }
    }

    #[test]
    fn borsh_bytes_equal_the_engine_discriminants() {
        borsh_byte_is_engine_byte(&[Side::Bid, Side::Ask], |v| engine::Side::from(v) as u8);
        borsh_byte_is_engine_byte(
            &[
                OutReason::Expired,
                OutReason::Evicted,
                OutReason::SelfTrade,
                OutReason::Cancelled,
                OutReason::Released,
            ],
            |v| engine::OutReason::from(v) as u8,
        );
        borsh_byte_is_engine_byte(
            &[
                MarketStatus::Active,
                MarketStatus::PostOnly,
                MarketStatus::Paused,
                MarketStatus::Closed,
            ],
            |v| engine::MarketStatus::from(v) as u8,
        );
        borsh_byte_is_engine_byte(
            &[
                OrderType::Limit,
                OrderType::PostOnly,
                OrderType::PostOnlySlide,
                OrderType::ImmediateOrCancel,
                OrderType::FillOrKill,
                OrderType::Market,
            ],
            |v| engine::OrderType::from(v) as u8,
        );
        borsh_byte_is_engine_byte(
            &[
                SelfTradeMode::DecrementTake,
                SelfTradeMode::CancelProvide,
                SelfTradeMode::AbortTransaction,
            ],
            |v| engine::SelfTradeMode::from(v) as u8,
        );
    }
}
