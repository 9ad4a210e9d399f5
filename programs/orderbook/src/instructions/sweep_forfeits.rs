use anchor_lang::prelude::*;
use orderbook_engine::batch::BatchBook;

use crate::error::OrderbookError;
use crate::events::{EventBatch, ForfeitsSwept};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct SweepForfeits<'info> {
    pub fee_authority: Signer<'info>,
    #[account(
        mut,
        has_one = fee_authority @ OrderbookError::NotFeeAuthority,
        has_one = batch @ OrderbookError::NotBatchMarket,
    )]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    /// CHECK: any account that may receive lamports.
    #[account(mut)]
    pub destination: UncheckedAccount<'info>,
}

/// Send the bonds forfeited by unrevealed sealed orders, held in the batch
/// account, to `destination`.
pub fn handler(ctx: Context<SweepForfeits>) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let batch_info = a.batch.to_account_info();
    let lamports = {
        let mut data = batch_info.try_borrow_mut_data()?;
        BatchBook::load(&mut data[8..])
            .map_err(OrderbookError::from)?
            .sweep_forfeits()
    };
    let mut market = a.market.load_mut()?;
    let mut events = EventBatch::default();
    events.push(&ForfeitsSwept {
        market: market_key,
        seq: market.next_seq()?,
        lamports,
        destination: a.destination.key(),
    });
    drop(market);
    pay_lamports(&batch_info, &a.destination.to_account_info(), lamports)?;
    events.emit(&a.event_authority)
}
