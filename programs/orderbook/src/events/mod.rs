//! Every event the program emits; [`recorder`] builds and emits them.
//!
//! Each event carries the market and its sequence number (`seq`), strictly
//! +1 per event per market, so a consumer can detect gaps. Events are not
//! logged (log lines get truncated and are invisible off-chain in tests):
//! each instruction makes one self-CPI whose data is Anchor's event tag
//! followed by every event it emitted (discriminator + borsh, back to back),
//! split into several self-CPIs only if one would exceed
//! [`MAX_EVENT_CPI_BYTES`]. The client crate decodes such batches from a
//! transaction's inner instructions.

use anchor_lang::prelude::*;

pub mod recorder;

pub use recorder::{EventBatch, RestingOrigin};

use crate::types::{GrowTarget, MarketStatus, OrderType, OutReason, Side, TokenKind};

/// Most instruction-data bytes one event self-CPI carries (CPI data limit is 10 KiB).
pub const MAX_EVENT_CPI_BYTES: usize = 8 * 1024;
/// Seed of Anchor's event authority PDA.
const EVENT_AUTHORITY_SEED: &[u8] = b"__event_authority";

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketCreated {
    pub market: Pubkey,
    pub seq: u64,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    /// The mints' decimals: what a client needs to show prices and sizes.
    pub base_decimals: u8,
    pub quote_decimals: u8,
    pub base_lot_size: u64,
    pub quote_lot_size: u64,
    pub tick_size: u64,
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: i32,
    pub orders_per_side: u32,
    pub event_capacity: u32,
    pub crank_reward_lamports: u64,
    pub authority: Pubkey,
    pub fee_authority: Pubkey,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketStatusChanged {
    pub market: Pubkey,
    pub seq: u64,
    pub old_status: MarketStatus,
    pub new_status: MarketStatus,
}

/// `grow_market` gave a book side or the event queue more capacity.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketGrown {
    pub market: Pubkey,
    pub seq: u64,
    pub target: GrowTarget,
    pub old_capacity: u32,
    pub new_capacity: u32,
    /// Paid the added rent (returned to the market's creator at `close_market`).
    pub payer: Pubkey,
    /// Rent paid for the added bytes.
    pub lamports: u64,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraderAccountOpened {
    pub market: Pubkey,
    pub seq: u64,
    pub owner: Pubkey,
    pub trader_account: Pubkey,
    pub trader_id: u32,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraderAccountClosed {
    pub market: Pubkey,
    pub seq: u64,
    pub owner: Pubkey,
    pub trader_id: u32,
}

/// A deposit (also the wallet top-up inside `place_order`).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposited {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub token: TokenKind,
    pub amount: u64,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrew {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub token: TokenKind,
    pub amount: u64,
}

/// An order was accepted: what it took and what rests.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPlaced {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub order_id: u64,
    pub client_order_id: u64,
    pub side: Side,
    pub order_type: OrderType,
    /// Limit price, or the slid price for `PostOnlySlide`.
    pub price: u64,
    pub max_base_lots: u64,
    pub posted_base_lots: u64,
    pub filled_base_lots: u64,
    pub filled_quote: u64,
    pub taker_fee: u64,
    pub expiry: u64,
}

/// One fill. The taker settled at once; the maker settles when the queue
/// event `queue_seq` is consumed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFilled {
    pub market: Pubkey,
    pub seq: u64,
    pub queue_seq: u64,
    pub maker_trader_id: u32,
    pub taker_trader_id: u32,
    pub maker_order_id: u64,
    pub taker_order_id: u64,
    /// Side of the taker.
    pub taker_side: Side,
    pub price: u64,
    pub base_lots: u64,
    pub quote: u64,
    pub taker_fee: u64,
    /// Positive: fee; negative: rebate.
    pub maker_fee: i64,
    /// The maker order is gone from the book.
    pub maker_out: bool,
}

/// A resting order left the book without its owner (expired, evicted, or
/// cancelled by self-trade prevention). Funds return when `queue_seq` is consumed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderOut {
    pub market: Pubkey,
    pub seq: u64,
    pub queue_seq: u64,
    pub trader_id: u32,
    pub order_id: u64,
    pub side: Side,
    pub price: u64,
    pub base_lots: u64,
    pub reason: OutReason,
    pub order_gone: bool,
}

/// The owner cancelled; the lock returned to the free balance at once.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderCancelled {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub order_id: u64,
    pub client_order_id: u64,
    pub side: Side,
    pub price: u64,
    pub base_lots: u64,
}

/// A crank applied queue events `first_queue_seq .. first_queue_seq + count`.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventsConsumed {
    pub market: Pubkey,
    pub seq: u64,
    pub cranker: Pubkey,
    pub first_queue_seq: u64,
    pub count: u32,
    pub reward_lamports: u64,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeesSwept {
    pub market: Pubkey,
    pub seq: u64,
    pub amount: u64,
    pub destination: Pubkey,
}

/// Bonds forfeited by sealed orders never revealed, swept from the batch
/// account to the fee authority's `destination` (never to a clearer or a
/// leader, so censoring a reveal earns nothing).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForfeitsSwept {
    pub market: Pubkey,
    pub seq: u64,
    pub lamports: u64,
    pub destination: Pubkey,
}

/// Tokens a vault held beyond what the market owes (sent to it directly,
/// outside any deposit), swept to the fee authority's `destination`.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurplusSwept {
    pub market: Pubkey,
    pub seq: u64,
    pub token: TokenKind,
    pub amount: u64,
    pub destination: Pubkey,
}

#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketClosed {
    pub market: Pubkey,
    pub seq: u64,
}

/// A market became a sealed batch market (`enable_batch_mode`).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchModeEnabled {
    pub market: Pubkey,
    pub seq: u64,
    pub batch_account: Pubkey,
    /// First slot of batch 0's commit window.
    pub start_slot: u64,
    pub commit_slots: u16,
    pub grace_slots: u16,
    pub reveal_slots: u16,
    pub entries_per_batch: u32,
    pub entries_per_trader: u16,
    pub bond_lamports: u64,
    pub commit_fee_lamports: u64,
}

/// A sealed order's commitment: only the trader and the batch are visible.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderCommitted {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub batch: u64,
    /// The batch account entry it took (what `reveal_order` names).
    pub entry: u32,
    pub commitment: [u8; 32],
    pub bond_lamports: u64,
}

/// An encrypted sealed order's ciphertext (issue 26), emitted right after
/// its `OrderCommitted`: the order and salt time-lock encrypted to a round
/// of the market's beacon. Not stored on chain; any keeper decrypts it once
/// the round is published, checks it against the commitment and reveals.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEncrypted {
    pub market: Pubkey,
    pub seq: u64,
    pub batch: u64,
    pub entry: u32,
    pub ciphertext: Vec<u8>,
}

/// A sealed order revealed: its funds are locked until its batch clears.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRevealed {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub batch: u64,
    pub entry: u32,
    pub side: Side,
    pub order_type: OrderType,
    pub price: u64,
    pub max_base_lots: u64,
    pub client_order_id: u64,
    /// Who sent the reveal (anyone holding the plaintext may).
    pub revealer: Pubkey,
    pub bond_refunded_lamports: u64,
}

/// A batch cleared: one uniform price for everything that traded in it.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchCleared {
    pub market: Pubkey,
    pub seq: u64,
    pub batch: u64,
    /// The clearing price in ticks; 0 when nothing traded.
    pub price: u64,
    pub volume_base_lots: u64,
    pub revealed: u32,
    /// Commitments never revealed: their bonds went to the forfeit pool.
    pub forfeited: u32,
    pub forfeited_lamports: u64,
    pub clearer: Pubkey,
    /// Commit fees of the batch, paid to the clearer.
    pub clearer_paid_lamports: u64,
}

/// A resting order traded at a batch's clearing price; the maker settles
/// when the queue event `queue_seq` is consumed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionFilled {
    pub market: Pubkey,
    pub seq: u64,
    pub queue_seq: u64,
    pub trader_id: u32,
    pub order_id: u64,
    pub side: Side,
    /// The order's own price (its lock is released at it).
    pub order_price: u64,
    pub base_lots: u64,
    /// Quote atoms at the clearing price.
    pub quote: u64,
    /// Maker fee (positive) or rebate (negative).
    pub maker_fee: i64,
    pub order_gone: bool,
}

/// A revealed sealed order traded at its batch's clearing price.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedFilled {
    pub market: Pubkey,
    pub seq: u64,
    pub queue_seq: u64,
    pub trader_id: u32,
    pub side: Side,
    pub price: u64,
    pub base_lots: u64,
    pub quote: u64,
    pub taker_fee: u64,
}

/// An order rested at a batch clear (a queued post, or a sealed limit
/// order's remainder): `order_id` is its new id; the client order id, type
/// and expiry are the trader's, as queued or revealed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderPosted {
    pub market: Pubkey,
    pub seq: u64,
    pub queue_seq: u64,
    pub trader_id: u32,
    pub order_id: u64,
    pub client_order_id: u64,
    pub side: Side,
    pub order_type: OrderType,
    pub price: u64,
    pub base_lots: u64,
    pub expiry: u64,
}

/// A post-only order queued to a batch: its funds are locked and it rests
/// at that batch's clear (ranked among the batch's posts by content).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostQueued {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub batch: u64,
    pub entry: u32,
    pub side: Side,
    pub price: u64,
    pub base_lots: u64,
    pub client_order_id: u64,
    pub expiry: u64,
}

/// A cancel queued to a batch: the order leaves the book at that batch's
/// clear, before anything crosses.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelQueued {
    pub market: Pubkey,
    pub seq: u64,
    pub trader_id: u32,
    pub batch: u64,
    pub entry: u32,
    pub order_id: u64,
}
