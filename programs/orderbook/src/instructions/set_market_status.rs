use anchor_lang::prelude::*;
use orderbook_engine::MarketStatus;

use crate::error::OrderbookError;
use crate::events::{EventBatch, MarketStatusChanged};
use crate::state::Market;

#[event_cpi]
#[derive(Accounts)]
pub struct SetMarketStatus<'info> {
    pub authority: Signer<'info>,
    #[account(mut, constraint = market.load()?.authority == authority.key() @ OrderbookError::NotMarketAuthority)]
    pub market: AccountLoader<'info, Market>,
}

pub fn handler(ctx: Context<SetMarketStatus>, status: u8) -> Result<()> {
    let new = MarketStatus::try_from(status).map_err(|_| OrderbookError::InvalidStatus)?;
    let mut market = ctx.accounts.market.load_mut()?;
    let old = market.engine_mut().status().map_err(OrderbookError::from)?;
    require!(old != MarketStatus::Closed, OrderbookError::MarketClosed);
    require!(old != new, OrderbookError::InvalidStatus);
    market.engine_mut().status = new as u8;
    let mut batch = EventBatch::default();
    batch.push(&MarketStatusChanged {
        market: ctx.accounts.market.key(),
        seq: market.next_seq()?,
        old_status: old as u8,
        new_status: new as u8,
    });
    drop(market);
    batch.emit(&ctx.accounts.event_authority)
}
