use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::error::OrderbookError;
use crate::events::{EventBatch, FeesSwept, SurplusSwept};
use crate::state::*;
use crate::token::TokenMove;
use crate::types::TokenKind;

#[event_cpi]
#[derive(Accounts)]
pub struct SweepFees<'info> {
    pub fee_authority: Signer<'info>,
    #[account(mut, has_one = fee_authority @ OrderbookError::NotFeeAuthority)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    /// The market's quote mint (fees and quote surplus) or base mint (base surplus).
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Send to `destination` everything in `vault` the market does not owe its
/// traders: for the quote vault all accrued fees, and for either vault any
/// surplus (tokens transferred straight into it, which no trader owns and
/// which would otherwise keep the market from ever closing).
pub fn handler(ctx: Context<SweepFees>) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    let (token, decimals) =
        market.token_for(&a.mint.key(), &a.vault.key(), &a.token_program.key())?;
    let mut batch = EventBatch::default();
    // The obligation still includes the accrued fees here, so the surplus
    // is only what no trader and no fee account owns.
    let surplus = a.vault.amount.saturating_sub(*market.vault_owed_mut(token));
    let fees = match token {
        TokenKind::Quote => market.engine_mut().sweep_fees().get(),
        TokenKind::Base => 0,
    };
    market.vault_out(token, fees)?;
    if token == TokenKind::Quote {
        batch.push(&FeesSwept {
            market: market_key,
            seq: market.next_seq()?,
            amount: fees,
            destination: a.destination.key(),
        });
    }
    if surplus > 0 {
        batch.push(&SurplusSwept {
            market: market_key,
            seq: market.next_seq()?,
            token,
            amount: surplus,
            destination: a.destination.key(),
        });
    }
    let bump = market.authority_bump;
    drop(market);
    let amount = fees
        .checked_add(surplus)
        .ok_or(OrderbookError::ArithmeticOverflow)?;
    if amount > 0 {
        TokenMove {
            token_program: &a.token_program.to_account_info(),
            mint: &a.mint.to_account_info(),
            decimals,
            vault: &a.vault.to_account_info(),
            wallet: &a.destination.to_account_info(),
        }
        .withdraw(
            &a.market_authority.to_account_info(),
            &market_key,
            bump,
            amount,
        )?;
    }
    if batch.is_empty() {
        return Ok(());
    }
    batch.emit(&a.event_authority)
}
