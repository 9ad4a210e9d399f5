//! The one way off-chain code talks to the orderbook program: PDAs, typed
//! instruction builders for every instruction, decoders for every account
//! (books as L2 levels and L3 orders through the engine crate), and a decoder
//! for the program's batched events.

pub mod accounts;
#[cfg(feature = "tlock")]
pub mod encrypted;
pub mod events;
pub mod ix;
pub mod pda;
pub mod sealed;
pub mod setup;

pub use anchor_lang::prelude::Pubkey;
pub use orderbook::ID as PROGRAM_ID;
pub use orderbook::instructions::{CreateMarketArgs, PlaceOrderArgs};
pub use orderbook::types::{MarketStatus, OrderType, OutReason, SelfTradeMode, Side, TokenKind};

/// Errors decoding accounts or events.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("account data is too short or misaligned")]
    BadLength,
    #[error("account discriminator does not match {0}")]
    WrongDiscriminator(&'static str),
    #[error("engine layout error: {0}")]
    Engine(#[from] orderbook_engine::EngineError),
    #[error("instruction data is not an event batch")]
    NotEventBatch,
    #[error("unknown event discriminator {0:?}")]
    UnknownEvent([u8; 8]),
    #[error("event data is malformed: {0}")]
    Malformed(String),
}
