use anchor_lang::prelude::*;
use orderbook_engine::EventQueue;
use orderbook_engine::auction::BatchSchedule;
use orderbook_engine::batch::{BatchBook, BatchParams, MAX_POOL_ENTRIES, max_clear_events};

use crate::error::OrderbookError;
use crate::events::{BatchModeEnabled, EventBatch};
use crate::state::*;
use crate::types::MarketStatus;

/// A batch market's parameters, fixed when batch mode is enabled.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchModeArgs {
    /// Commit window, `1..=MAX_WINDOW_SLOTS` (default `DEFAULT_COMMIT_SLOTS`).
    pub commit_slots: u16,
    /// Cancel grace, `0..=MAX_WINDOW_SLOTS` (default `DEFAULT_GRACE_SLOTS`).
    pub grace_slots: u16,
    /// Reveal window, `1..=MAX_WINDOW_SLOTS` (default `DEFAULT_REVEAL_SLOTS`).
    pub reveal_slots: u16,
    /// Lamports held per commitment until its reveal, forfeited without one.
    pub bond_lamports: u64,
    /// Lamports kept per commitment; paid to whoever clears its batch.
    pub commit_fee_lamports: u64,
    /// Entries one batch holds, `1..=MAX_BATCH_ENTRIES`; the event queue must
    /// hold what clearing a full batch can push.
    pub entries_per_batch: u32,
    /// Commitments one trader may hold in one batch.
    pub entries_per_trader: u16,
    /// The drand chain hash of the beacon sealed orders may be time-lock
    /// encrypted to (`commit_encrypted_order`); all zero: none.
    pub beacon_chain_hash: [u8; 32],
}

#[event_cpi]
#[derive(Accounts)]
pub struct EnableBatchMode<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority @ OrderbookError::NotMarketAuthority,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one`); must hold no order.
    pub bids: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one`); must hold no order.
    pub asks: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one`); its capacity is checked.
    pub event_queue: UncheckedAccount<'info>,
    /// Allocated by the client, owned by this program, zeroed: its size
    /// fixes the pool (three batches' worth at least).
    #[account(zero)]
    pub batch: AccountLoader<'info, BatchAccount>,
}

pub fn handler(ctx: Context<EnableBatchMode>, args: BatchModeArgs) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    let status = MarketStatus::from(market.engine().status().map_err(OrderbookError::from)?);
    require!(
        !market.is_batch_market() && status == MarketStatus::Active,
        OrderbookError::BatchModeNotAllowed
    );
    require!(books_empty(a)?, OrderbookError::BatchModeNotAllowed);
    let queue_capacity = {
        let mut data = a.event_queue.try_borrow_mut_data()?;
        EventQueue::load(&mut data[8..])
            .map_err(OrderbookError::from)?
            .header
            .capacity
    };
    let batch_info = a.batch.to_account_info();
    let mut data = batch_info.try_borrow_mut_data()?;
    let pool = (data
        .len()
        .saturating_sub(8 + std::mem::size_of::<orderbook_engine::batch::BatchHeader>())
        / std::mem::size_of::<orderbook_engine::batch::BatchEntry>()) as u32;
    let valid = queue_capacity >= max_clear_events(args.entries_per_batch)
        && pool >= 3 * args.entries_per_batch
        && pool <= MAX_POOL_ENTRIES;
    require!(valid, OrderbookError::InvalidBatchParams);
    let start_slot = Clock::get()?.slot + 1;
    let schedule = BatchSchedule::new(
        start_slot,
        args.commit_slots,
        args.grace_slots,
        args.reveal_slots,
    )
    .map_err(|_| OrderbookError::InvalidBatchParams)?;
    let params = BatchParams {
        schedule,
        bond_lamports: args.bond_lamports,
        commit_fee_lamports: args.commit_fee_lamports,
        entries_per_batch: args.entries_per_batch,
        entries_per_trader: args.entries_per_trader,
        beacon_chain_hash: args.beacon_chain_hash,
    };
    BatchBook::init(&mut data[8..], &params, market.engine()).map_err(|e| match e {
        orderbook_engine::batch::BatchError::Engine(_) => OrderbookError::InvalidBatchParams,
        other => other.into(),
    })?;
    drop(data);
    market.batch = a.batch.key();
    let mut batch = EventBatch::default();
    batch.push(&BatchModeEnabled {
        market: market_key,
        seq: market.next_seq()?,
        batch_account: a.batch.key(),
        start_slot,
        commit_slots: args.commit_slots,
        grace_slots: args.grace_slots,
        reveal_slots: args.reveal_slots,
        entries_per_batch: args.entries_per_batch,
        entries_per_trader: args.entries_per_trader,
        bond_lamports: args.bond_lamports,
        commit_fee_lamports: args.commit_fee_lamports,
    });
    drop(market);
    batch.emit(&a.event_authority)
}

/// Neither side holds an order.
fn books_empty(a: &EnableBatchMode) -> Result<bool> {
    for side in [&a.bids, &a.asks] {
        let mut data = side.try_borrow_mut_data()?;
        let book =
            orderbook_engine::BookSide::load(&mut data[8..]).map_err(OrderbookError::from)?;
        if !book.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}
