use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use orderbook_engine::{BaseAtoms, QuoteAtoms};

use crate::error::OrderbookError;
use crate::events::{EventBatch, Withdrew};
use crate::state::*;
use crate::token::TokenMove;
use crate::types::TokenKind;

#[event_cpi]
#[derive(Accounts)]
pub struct Withdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut,
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// Destination token account (any owner).
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub wallet: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Withdraw from the free balance. Allowed in every market status.
pub fn handler(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, OrderbookError::ZeroAmount);
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let (token, decimals) =
        market.token_for(&a.mint.key(), &a.vault.key(), &a.token_program.key())?;
    let mut trader = a.trader.load_mut()?;
    let (b, q) = match token {
        TokenKind::Base => (amount, 0),
        TokenKind::Quote => (0, amount),
    };
    trader
        .state_mut()
        .withdraw(BaseAtoms(b), QuoteAtoms(q))
        .map_err(OrderbookError::from)?;
    market.vault_out(token, amount)?;
    let mut batch = EventBatch::default();
    batch.push(&Withdrew {
        market: a.market.key(),
        seq: market.next_seq()?,
        trader_id: trader.state_mut().trader_id,
        token,
        amount,
    });
    let bump = market.authority_bump;
    drop((market, trader));
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.mint.to_account_info(),
        decimals,
        vault: &a.vault.to_account_info(),
        wallet: &a.wallet.to_account_info(),
    }
    .withdraw(
        &a.market_authority.to_account_info(),
        &a.market.key(),
        bump,
        amount,
    )?;
    batch.emit(&a.event_authority)
}
