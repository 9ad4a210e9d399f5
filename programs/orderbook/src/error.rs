//! Program errors. Engine errors map one-to-one onto the first variants.

use anchor_lang::prelude::*;
use orderbook_engine::EngineError;

#[error_code]
pub enum OrderbookError {
    // ---- engine (same order as `EngineError`) ----
    #[msg("amount arithmetic overflowed")]
    ArithmeticOverflow,
    #[msg("free balance does not cover this order or withdrawal")]
    InsufficientFunds,
    #[msg("price must be between 1 and MAX_PRICE_TICKS")]
    InvalidPrice,
    #[msg("order size is zero or the quote limit is not allowed here")]
    InvalidSize,
    #[msg("market parameters are out of range")]
    InvalidMarketParams,
    #[msg("match limit must be between 1 and MAX_MATCH_LIMIT")]
    InvalidMatchLimit,
    #[msg("expiry timestamp is already in the past")]
    AlreadyExpired,
    #[msg("post-only order would cross the book")]
    PostOnlyWouldCross,
    #[msg("fill-or-kill order cannot be filled completely")]
    FillOrKillNotFilled,
    #[msg("order would trade against the trader's own order")]
    SelfTradeAborted,
    #[msg("book side is full and the order does not beat the worst order")]
    BookFull,
    #[msg("event queue is full: crank it before trading")]
    EventQueueFull,
    #[msg("event queue is empty")]
    EventQueueEmpty,
    #[msg("all open-order slots are in use")]
    TooManyOpenOrders,
    #[msg("no such open order on the book")]
    OrderNotFound,
    #[msg("market status does not allow this operation")]
    MarketNotActive,
    #[msg("market accepts post-only orders only")]
    MarketPostOnly,
    #[msg("account data has the wrong size or alignment")]
    InvalidAccountData,
    #[msg("event does not belong to this trader")]
    EventTraderMismatch,
    #[msg("stored enum value is invalid")]
    InvalidEnumValue,
    // ---- program ----
    #[msg("book side or event queue capacity is out of range")]
    InvalidCapacity,
    #[msg("crank reward is above MAX_CRANK_REWARD_LAMPORTS")]
    InvalidCrankReward,
    #[msg("base and quote mint must differ")]
    SameMints,
    #[msg("mint has a Token-2022 extension that breaks escrow accounting")]
    UnsupportedMintExtension,
    #[msg("account does not belong to this market")]
    WrongMarketAccount,
    #[msg("mint is neither the market's base nor quote mint")]
    WrongMint,
    #[msg("token program does not match the mint")]
    WrongTokenProgram,
    #[msg("vault does not match the market and mint")]
    WrongVault,
    #[msg("signer is not the market authority")]
    NotMarketAuthority,
    #[msg("signer is not the fee authority")]
    NotFeeAuthority,
    #[msg("a closed market cannot change status")]
    MarketClosed,
    #[msg("status change is not allowed")]
    InvalidStatus,
    #[msg("amount must be greater than zero")]
    ZeroAmount,
    #[msg("wallet token accounts are required to top up the free balance")]
    TopUpAccountsMissing,
    #[msg("trader account still holds funds or open orders")]
    TraderAccountNotEmpty,
    #[msg("market must be Closed, with empty books, queue, vaults, fees and no trader accounts")]
    MarketNotEmpty,
    #[msg("too many orders in one batch")]
    TooManyOrders,
    #[msg("account is not this market's trader account")]
    WrongTraderAccount,
    #[msg("creator account does not match the market")]
    WrongCreator,
    #[msg("order side or type byte is invalid")]
    InvalidOrderArgs,
    #[msg("expiry is more than MAX_ORDER_LIFETIME_SECS ahead")]
    ExpiryTooFar,
    #[msg("only the market authority may settle a trader account that holds funds or orders")]
    SettleNeedsAuthority,
    #[msg("the trader still has queued events: crank the market first")]
    EventsPending,
    #[msg(
        "the trader holds this token: pass its mint, vault, owner's token account and token program"
    )]
    SettleAccountsMissing,
    #[msg("token account does not belong to the trader's owner")]
    NotOwnersTokenAccount,
    #[msg("lamport recipient is not the trader account's owner")]
    WrongOwner,
    // ---- sealed batch markets ----
    #[msg(
        "a sealed batch market takes sealed orders (commit_order, reveal_order), not this instruction"
    )]
    SealedBatchMarket,
    #[msg("this market is not a sealed batch market")]
    NotBatchMarket,
    #[msg("batch mode needs an Active market with empty books")]
    BatchModeNotAllowed,
    #[msg("the batch is not in the window this instruction needs")]
    BatchWindow,
    #[msg("the batch holds its most entries")]
    BatchFull,
    #[msg("the trader holds its most commitments in this batch")]
    BatchEntryCap,
    #[msg("this commitment is already in the batch")]
    DuplicateCommitment,
    #[msg("the entry is not a commitment awaiting its reveal")]
    NotCommitted,
    #[msg("the entry belongs to another trader")]
    ForeignEntry,
    #[msg("the revealed order and salt do not hash to the commitment")]
    CommitmentMismatch,
    #[msg("sealed orders are Limit or ImmediateOrCancel without a quote limit")]
    SealedOrderType,
    #[msg("a cancel of this order is already queued")]
    CancelQueued,
    #[msg("a sealed batch market needs a maker fee of zero or a rebate")]
    BatchMakerFee,
    #[msg("batch windows, caps or account sizes are out of range")]
    InvalidBatchParams,
    // ---- encrypted orders ----
    #[msg("this market names no beacon: its sealed orders cannot be encrypted")]
    NoBeacon,
    #[msg("an encrypted order's ciphertext is 1 to MAX_ORDER_CIPHERTEXT_BYTES (704) bytes")]
    CiphertextLength,
    // ---- growable markets ----
    #[msg("growth would shrink the account or pass its maximum capacity")]
    InvalidGrowth,
    #[msg("event queue wraps past the added room: crank it, then grow")]
    EventQueueWrapped,
}

impl From<orderbook_engine::batch::BatchError> for OrderbookError {
    fn from(e: orderbook_engine::batch::BatchError) -> Self {
        use orderbook_engine::batch::BatchError as B;
        match e {
            B::Engine(e) => e.into(),
            B::NotStarted | B::WrongWindow => Self::BatchWindow,
            B::BatchFull => Self::BatchFull,
            B::TooManyEntries => Self::BatchEntryCap,
            B::Duplicate => Self::DuplicateCommitment,
            B::NotCommitted => Self::NotCommitted,
            B::ForeignEntry => Self::ForeignEntry,
            B::CommitmentMismatch => Self::CommitmentMismatch,
            B::UnsupportedOrderType => Self::SealedOrderType,
            B::CancelQueued => Self::CancelQueued,
            B::PositiveMakerFee => Self::BatchMakerFee,
            B::InvalidSchedule => Self::InvalidBatchParams,
        }
    }
}

impl From<EngineError> for OrderbookError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Overflow => Self::ArithmeticOverflow,
            EngineError::InsufficientFunds => Self::InsufficientFunds,
            EngineError::InvalidPrice => Self::InvalidPrice,
            EngineError::InvalidSize => Self::InvalidSize,
            EngineError::InvalidMarketParams => Self::InvalidMarketParams,
            EngineError::InvalidMatchLimit => Self::InvalidMatchLimit,
            EngineError::AlreadyExpired => Self::AlreadyExpired,
            EngineError::PostOnlyWouldCross => Self::PostOnlyWouldCross,
            EngineError::FillOrKillNotFilled => Self::FillOrKillNotFilled,
            EngineError::SelfTradeAborted => Self::SelfTradeAborted,
            EngineError::BookFull => Self::BookFull,
            EngineError::EventQueueFull => Self::EventQueueFull,
            EngineError::EventQueueEmpty => Self::EventQueueEmpty,
            EngineError::TooManyOpenOrders => Self::TooManyOpenOrders,
            EngineError::OrderNotFound => Self::OrderNotFound,
            EngineError::MarketNotActive => Self::MarketNotActive,
            EngineError::MarketPostOnly => Self::MarketPostOnly,
            EngineError::InvalidAccountData => Self::InvalidAccountData,
            EngineError::EventTraderMismatch => Self::EventTraderMismatch,
            EngineError::InvalidEnumValue => Self::InvalidEnumValue,
            EngineError::ExpiryTooFar => Self::ExpiryTooFar,
            EngineError::InvalidGrowth => Self::InvalidGrowth,
            EngineError::EventQueueWrapped => Self::EventQueueWrapped,
        }
    }
}
