use anchor_lang::prelude::*;
use anchor_lang::system_program;
use orderbook_engine::batch::BatchBook;
use orderbook_engine::event_queue::rewards_owed;
use orderbook_engine::{OwnedClearBuffers, QueueEvent};

use crate::error::OrderbookError;
use crate::events::{BatchCleared, EventBatch, RestingOrigin};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct ClearBatch<'info> {
    /// Anyone: pre-pays the crank rewards of the events the clear queues
    /// (as a pruner does) and receives the batch's commit fees.
    #[account(mut)]
    pub clearer: Signer<'info>,
    #[account(
        mut,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
        has_one = batch @ OrderbookError::NotBatchMarket,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub bids: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub asks: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub event_queue: UncheckedAccount<'info>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    pub system_program: Program<'info, System>,
}

/// Clear the oldest batch holding entries once its reveal window is over
/// (passing empty batches): see `orderbook_engine::batch::BatchBook::clear`.
pub fn handler(ctx: Context<ClearBatch>) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let now = batch_now()?;
    let (bids, asks, queue) = (
        a.bids.to_account_info(),
        a.asks.to_account_info(),
        a.event_queue.to_account_info(),
    );
    let batch_info = a.batch.to_account_info();
    let mut data = MarketData::load(&a.market, &bids, &asks, Some(&queue))?;
    let (out, pushed, commit_fee, origins) = {
        let mut batch_data = batch_info.try_borrow_mut_data()?;
        let mut book = BatchBook::load(&mut batch_data[8..]).map_err(OrderbookError::from)?;
        // Read before the clear frees the entries it rests.
        let origins = RestingOrigin::of(book.entries())?;
        let mut buffers = OwnedClearBuffers::new(book.header.entries_per_batch);
        let mut view = data.engine()?;
        let out = book
            .clear(&mut view, now, &mut buffers.buffers())
            .map_err(OrderbookError::from)?;
        let head = view.events.head_seq();
        let pushed: Vec<QueueEvent> = (out.first_event_seq
            ..out.first_event_seq + u64::from(out.events_pushed))
            .filter_map(|s| view.events.get((s - head) as u32).copied())
            .collect();
        (out, pushed, book.header.commit_fee_lamports, origins)
    };
    let clearer_paid = commit_fee
        .checked_mul(u64::from(out.revealed + out.forfeited))
        .ok_or(OrderbookError::ArithmeticOverflow)?;
    let mut events = EventBatch::default();
    events.push(&BatchCleared {
        market: market_key,
        seq: data.market.next_seq()?,
        batch: out.batch,
        price: out.price.map_or(0, |p| p.get()),
        volume_base_lots: out.volume.get(),
        revealed: out.revealed,
        forfeited: out.forfeited,
        forfeited_lamports: out.forfeited_lamports,
        clearer: a.clearer.key(),
        clearer_paid_lamports: clearer_paid,
    });
    for ev in &pushed {
        events.batch_event(&mut data.market, market_key, ev, &origins)?;
    }
    let rewards = data.market.add_pending_rewards(rewards_owed(&pushed))?;
    drop(data);
    if rewards > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.clearer.to_account_info(),
                    to: a.market.to_account_info(),
                },
            ),
            rewards,
        )?;
    }
    pay_lamports(&batch_info, &a.clearer.to_account_info(), clearer_paid)?;
    events.emit(&a.event_authority)
}
