use anchor_lang::prelude::*;

use crate::error::OrderbookError;
use crate::events::{EventBatch, TraderAccountClosed};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct CloseTraderAccount<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut,
        close = owner,
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
}

/// Close an empty trader account (no funds, no open orders; a zero locked
/// balance also means no queued event still refers to it) and refund its rent.
pub fn handler(ctx: Context<CloseTraderAccount>) -> Result<()> {
    let trader = ctx.accounts.trader.load()?;
    require!(
        trader.state().is_empty(),
        OrderbookError::TraderAccountNotEmpty
    );
    let trader_id = trader.state().trader_id;
    drop(trader);
    let mut market = ctx.accounts.market.load_mut()?;
    market
        .engine_mut()
        .unregister_trader()
        .map_err(OrderbookError::from)?;
    let mut batch = EventBatch::default();
    batch.push(&TraderAccountClosed {
        market: ctx.accounts.market.key(),
        seq: market.next_seq()?,
        owner: ctx.accounts.owner.key(),
        trader_id,
    });
    drop(market);
    batch.emit(&ctx.accounts.event_authority)
}
