use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use orderbook_engine::{BookSide, EventQueue, MarketStatus};

use crate::error::OrderbookError;
use crate::events::{EventBatch, MarketClosed};
use crate::state::*;
use crate::token::close_vault;

#[event_cpi]
#[derive(Accounts)]
pub struct CloseMarket<'info> {
    pub authority: Signer<'info>,
    #[account(
        mut,
        close = creator,
        constraint = market.load()?.authority == authority.key() @ OrderbookError::NotMarketAuthority,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: receives all rent; must be the market's creator.
    #[account(mut, constraint = market.load()?.creator == creator.key() @ OrderbookError::WrongCreator)]
    pub creator: UncheckedAccount<'info>,
    #[account(mut, close = creator, constraint = market.load()?.bids == bids.key() @ OrderbookError::WrongMarketAccount)]
    pub bids: AccountLoader<'info, BookSideAccount>,
    #[account(mut, close = creator, constraint = market.load()?.asks == asks.key() @ OrderbookError::WrongMarketAccount)]
    pub asks: AccountLoader<'info, BookSideAccount>,
    #[account(
        mut,
        close = creator,
        constraint = market.load()?.event_queue == event_queue.key() @ OrderbookError::WrongMarketAccount,
    )]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    #[account(mut, constraint = market.load()?.base_vault == base_vault.key() @ OrderbookError::WrongVault)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, constraint = market.load()?.quote_vault == quote_vault.key() @ OrderbookError::WrongVault)]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(constraint = market.load()?.base_token_program == base_token_program.key() @ OrderbookError::WrongTokenProgram)]
    pub base_token_program: Interface<'info, TokenInterface>,
    #[account(constraint = market.load()?.quote_token_program == quote_token_program.key() @ OrderbookError::WrongTokenProgram)]
    pub quote_token_program: Interface<'info, TokenInterface>,
}

/// Delete a Closed, empty market and return every lamport of rent (market,
/// books, queue, both vaults) to its creator.
pub fn handler(ctx: Context<CloseMarket>) -> Result<()> {
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let empty_books = BookSide::load(&mut a.bids.to_account_info().try_borrow_mut_data()?[8..])
        .map_err(OrderbookError::from)?
        .is_empty()
        && BookSide::load(&mut a.asks.to_account_info().try_borrow_mut_data()?[8..])
            .map_err(OrderbookError::from)?
            .is_empty();
    let empty_queue =
        EventQueue::load(&mut a.event_queue.to_account_info().try_borrow_mut_data()?[8..])
            .map_err(OrderbookError::from)?
            .is_empty();
    require!(
        market.engine_mut().status().map_err(OrderbookError::from)? == MarketStatus::Closed
            && empty_books
            && empty_queue
            && market.engine_mut().open_traders == 0
            && market.engine_mut().accrued_fees.is_zero()
            && market.pending_crank_lamports == 0
            && a.base_vault.amount == 0
            && a.quote_vault.amount == 0,
        OrderbookError::MarketNotEmpty
    );
    let mut batch = EventBatch::default();
    batch.push(&MarketClosed {
        market: a.market.key(),
        seq: market.next_seq()?,
    });
    let bump = market.authority_bump;
    drop(market);
    let authority = a.market_authority.to_account_info();
    let creator = a.creator.to_account_info();
    close_vault(
        &a.base_token_program,
        &a.base_vault.to_account_info(),
        &creator,
        &authority,
        &a.market.key(),
        bump,
    )?;
    close_vault(
        &a.quote_token_program,
        &a.quote_vault.to_account_info(),
        &creator,
        &authority,
        &a.market.key(),
        bump,
    )?;
    batch.emit(&a.event_authority)
}
