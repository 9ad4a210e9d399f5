use anchor_lang::prelude::*;
use orderbook_engine::batch::BatchBook;

use crate::error::OrderbookError;
use crate::events::{CancelQueued, EventBatch};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct QueueCancel<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = batch @ OrderbookError::NotBatchMarket,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one` on `market`); read to find the order.
    pub bids: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`); read to find the order.
    pub asks: UncheckedAccount<'info>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    #[account(
        has_one = market @ OrderbookError::WrongTraderAccount,
        has_one = owner @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
}

/// Queue a cancel of the owner's resting order `order_id` to the oldest
/// batch whose reveals have not opened: the order leaves the book at that
/// batch's clear, before anything crosses, and its lock returns through the
/// crank.
pub fn handler(ctx: Context<QueueCancel>, order_id: u64) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let slot = Clock::get()?.slot;
    let (bids, asks) = (a.bids.to_account_info(), a.asks.to_account_info());
    let mut data = MarketData::load(&a.market, &bids, &asks, None)?;
    let trader = a.trader.load()?;
    let batch_info = a.batch.to_account_info();
    let (batch, entry) = {
        let mut batch_data = batch_info.try_borrow_mut_data()?;
        let mut book = BatchBook::load(&mut batch_data[8..]).map_err(OrderbookError::from)?;
        let view = data.engine()?;
        book.queue_cancel(&view, trader.state(), order_id, slot)
            .map_err(OrderbookError::from)?
    };
    let trader_id = trader.state().trader_id;
    drop(trader);
    let mut events = EventBatch::default();
    events.push(&CancelQueued {
        market: market_key,
        seq: data.market.next_seq()?,
        trader_id,
        batch,
        entry,
        order_id,
    });
    drop(data);
    events.emit(&a.event_authority)
}
