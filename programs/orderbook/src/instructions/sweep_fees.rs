use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::OrderbookError;
use crate::events::{EventBatch, FeesSwept};
use crate::state::*;
use crate::token::TokenMove;

#[event_cpi]
#[derive(Accounts)]
pub struct SweepFees<'info> {
    pub fee_authority: Signer<'info>,
    #[account(mut, constraint = market.load()?.fee_authority == fee_authority.key() @ OrderbookError::NotFeeAuthority)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    pub quote_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = quote_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Send all accrued fees (quote) to `destination`.
pub fn handler(ctx: Context<SweepFees>) -> Result<()> {
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let (token, decimals) = market.token_for(
        &a.quote_mint.key(),
        &a.quote_vault.key(),
        &a.token_program.key(),
    )?;
    require!(token == TokenKind::Quote, OrderbookError::WrongMint);
    let amount = market
        .engine_mut()
        .sweep_fees()
        .map_err(OrderbookError::from)?
        .get();
    let mut batch = EventBatch::default();
    batch.push(&FeesSwept {
        market: a.market.key(),
        seq: market.next_seq()?,
        amount,
        destination: a.destination.key(),
    });
    let bump = market.authority_bump;
    drop(market);
    if amount > 0 {
        TokenMove {
            token_program: &a.token_program.to_account_info(),
            mint: &a.quote_mint.to_account_info(),
            decimals,
            vault: &a.quote_vault.to_account_info(),
            wallet: &a.destination.to_account_info(),
        }
        .withdraw(
            &a.market_authority.to_account_info(),
            &a.market.key(),
            bump,
            amount,
        )?;
    }
    batch.emit(&a.event_authority)
}
