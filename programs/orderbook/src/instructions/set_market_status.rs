use anchor_lang::prelude::*;

use crate::error::OrderbookError;
use crate::events::{EventBatch, MarketStatusChanged};
use crate::state::Market;
use crate::types::MarketStatus;

#[event_cpi]
#[derive(Accounts)]
pub struct SetMarketStatus<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ OrderbookError::NotMarketAuthority)]
    pub market: AccountLoader<'info, Market>,
}

pub fn handler(ctx: Context<SetMarketStatus>, new: MarketStatus) -> Result<()> {
    let mut market = ctx.accounts.market.load_mut()?;
    let old = MarketStatus::from(market.engine_mut().status().map_err(OrderbookError::from)?);
    require!(old != MarketStatus::Closed, OrderbookError::MarketClosed);
    require!(old != new, OrderbookError::InvalidStatus);
    market.engine_mut().status = orderbook_engine::MarketStatus::from(new) as u8;
    let mut batch = EventBatch::default();
    batch.push(&MarketStatusChanged {
        market: ctx.accounts.market.key(),
        seq: market.next_seq()?,
        old_status: old,
        new_status: new,
    });
    drop(market);
    batch.emit(&ctx.accounts.event_authority)
}
