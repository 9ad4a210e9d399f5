use anchor_lang::prelude::*;
use anchor_lang::system_program;
use orderbook_engine::QueueEvent;
use orderbook_engine::event_queue::rewards_owed;

use crate::error::OrderbookError;
use crate::events::EventBatch;
use crate::state::*;
use crate::types::Side;

#[event_cpi]
#[derive(Accounts)]
pub struct PruneExpired<'info> {
    /// Anyone. Expired orders pre-paid the reward of their `Out` event at
    /// placement, so pruning costs the pruner only the transaction fee.
    #[account(mut)]
    pub pruner: Signer<'info>,
    #[account(
        mut,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
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
    pub system_program: Program<'info, System>,
}

/// Remove up to `limit` expired orders from `side` (bounded by the engine's
/// `MAX_PRUNE_SCAN` / `MAX_PRUNE_REMOVE`).
pub fn handler(ctx: Context<PruneExpired>, side: Side, limit: u8) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let now = u64::try_from(Clock::get()?.unix_timestamp).unwrap_or(0);
    let (bids, asks, queue) = (
        a.bids.to_account_info(),
        a.asks.to_account_info(),
        a.event_queue.to_account_info(),
    );
    let mut data = MarketData::load(&a.market, &bids, &asks, Some(&queue))?;
    let mut view = data.engine()?;
    let before = view.events.header.next_seq;
    let removed = view
        .prune_expired(side.into(), now, u32::from(limit))
        .map_err(OrderbookError::from)?;
    let head = view.events.head_seq();
    let pushed: Vec<QueueEvent> = (before..before + u64::from(removed))
        .filter_map(|s| view.events.get((s - head) as u32).copied())
        .collect();
    let mut batch = EventBatch::default();
    for ev in &pushed {
        batch.queue_event(&mut data.market, market_key, ev, side.into(), 0, 0)?;
    }
    let reward = data.market.add_pending_rewards(rewards_owed(&pushed))?;
    drop(data);
    if reward > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.pruner.to_account_info(),
                    to: a.market.to_account_info(),
                },
            ),
            reward,
        )?;
    }
    if batch.is_empty() {
        return Ok(());
    }
    batch.emit(&a.event_authority)
}
