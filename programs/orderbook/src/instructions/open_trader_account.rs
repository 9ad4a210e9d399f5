use anchor_lang::prelude::*;
use orderbook_engine::{MarketStatus, TraderState};

use crate::error::OrderbookError;
use crate::events::{EventBatch, TraderAccountOpened};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct OpenTraderAccount<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        init,
        payer = owner,
        space = 8 + std::mem::size_of::<TraderAccount>(),
        seeds = [TRADER_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<OpenTraderAccount>) -> Result<()> {
    let mut market = ctx.accounts.market.load_mut()?;
    require!(
        market.engine_mut().status().map_err(OrderbookError::from)? != MarketStatus::Closed,
        OrderbookError::MarketNotActive
    );
    let trader_id = market
        .engine_mut()
        .register_trader()
        .map_err(OrderbookError::from)?;
    let mut trader = ctx.accounts.trader.load_init()?;
    trader.market = ctx.accounts.market.key();
    trader.owner = ctx.accounts.owner.key();
    trader.bump = ctx.bumps.trader;
    *trader.state_mut() = TraderState::new(trader_id);
    let mut batch = EventBatch::default();
    batch.push(&TraderAccountOpened {
        market: ctx.accounts.market.key(),
        seq: market.next_seq()?,
        owner: ctx.accounts.owner.key(),
        trader_account: ctx.accounts.trader.key(),
        trader_id,
    });
    drop((market, trader));
    batch.emit(&ctx.accounts.event_authority)
}
