use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use orderbook_engine::batch::BatchBook;
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
        has_one = authority @ OrderbookError::NotMarketAuthority,
        has_one = creator @ OrderbookError::WrongCreator,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
        has_one = base_vault @ OrderbookError::WrongVault,
        has_one = quote_vault @ OrderbookError::WrongVault,
        has_one = base_token_program @ OrderbookError::WrongTokenProgram,
        has_one = quote_token_program @ OrderbookError::WrongTokenProgram,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: receives all rent; the market's creator (`has_one`).
    #[account(mut)]
    pub creator: UncheckedAccount<'info>,
    #[account(mut, close = creator)]
    pub bids: AccountLoader<'info, BookSideAccount>,
    #[account(mut, close = creator)]
    pub asks: AccountLoader<'info, BookSideAccount>,
    #[account(mut, close = creator)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
    pub quote_token_program: Interface<'info, TokenInterface>,
    /// A sealed batch market's batch account (`Market.batch`), deleted with
    /// the market; omitted for a continuous market.
    #[account(mut, close = creator)]
    pub batch: Option<AccountLoader<'info, BatchAccount>>,
}

/// Whether the market's batch account, if it has one, is the one passed and
/// owes nothing (every batch cleared, the forfeited bonds swept).
fn batch_settled(a: &CloseMarket, market: &Market) -> Result<bool> {
    let Some(batch) = &a.batch else {
        require!(
            !market.is_batch_market(),
            OrderbookError::WrongMarketAccount
        );
        return Ok(true);
    };
    require_keys_eq!(
        batch.key(),
        market.batch,
        OrderbookError::WrongMarketAccount
    );
    let info = batch.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let book = BatchBook::load(&mut data[8..]).map_err(OrderbookError::from)?;
    Ok(book.is_settled())
}

/// Delete a Closed, empty market and return every lamport of rent (market,
/// books, queue, both vaults, a batch market's batch account) to its
/// creator.
pub fn handler(ctx: Context<CloseMarket>) -> Result<()> {
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let batch_settled = batch_settled(a, &market)?;
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
            && batch_settled
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
