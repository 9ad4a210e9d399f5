//! A `no_std`, zero-copy central limit order book.
//!
//! The engine knows nothing about Solana: it works on byte slices (account
//! data on-chain, `Vec`s in tests and in the indexer) through `bytemuck`
//! views, so the same code matches orders on-chain, decodes books off-chain
//! and is tested in memory.
//!
//! * [`market::MarketHeader`] — lot sizes, tick size, fees, status, counters.
//! * [`book::BookSide`] — one side of the book: a red-black tree in a fixed
//!   pool of 64-byte nodes, ordered by (price, sequence).
//! * [`event_queue::EventQueue`] — the ring of maker `Fill`/`Out` events the crank applies.
//! * [`trader::TraderState`] — free/locked balances and open-order slots.
//! * [`batch::BatchBook`] — a batch market's sealed commitments, reveals and
//!   queued orders (the sealed batch auction mode; its clear comes next).
//! * [`matching::Market`] — placement (every order type and self-trade mode),
//!   cancels, expiry pruning; [`matching::apply_event`] settles a maker.
//!
//! Arithmetic stays inside the SBF-portable subset: no u128, no signed
//! division, no `checked_mul` (see [`quantity::mul_u64`]), no floats.
#![no_std]

pub mod auction;
pub mod batch;
pub mod book;
pub mod error;
pub mod event_queue;
pub mod growth;
pub mod layout;
pub mod market;
pub mod matching;
pub mod order;
#[cfg(feature = "alloc")]
pub mod owned;
pub mod quantity;
pub mod trader;

pub use book::{BookSide, OrderNode, SideHeader};
pub use error::EngineError;
pub use event_queue::{EventKind, EventQueue, OutReason, QueueEvent, QueueHeader};
pub use market::{MarketHeader, MarketParams, MarketStatus};
pub use matching::{CancelOutcome, Market, PrunePreview, apply_event, prune_preview};
pub use order::{OrderParams, OrderType, PlaceOutcome, SelfTradeMode, Side};
#[cfg(feature = "alloc")]
pub use owned::{OwnedClearBuffers, OwnedMarket};
pub use quantity::{BaseAtoms, BaseLots, QuoteAtoms, QuoteLots, Ticks};
pub use trader::{Balances, OpenOrder, TraderState};
