use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use orderbook_engine::{BaseAtoms, MarketStatus, QuoteAtoms};

use crate::error::OrderbookError;
use crate::events::{Deposited, EventBatch};
use crate::state::*;
use crate::token::TokenMove;
use crate::types::TokenKind;

#[event_cpi]
#[derive(Accounts)]
pub struct Deposit<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    #[account(
        mut,
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// The owner's token account (the token program checks its authority).
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub wallet: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Credit `amount` of `token` to `trader` and record the event.
pub(crate) fn credit(
    market: &mut Market,
    market_key: Pubkey,
    trader: &mut TraderAccount,
    token: TokenKind,
    amount: u64,
    batch: &mut EventBatch,
) -> Result<()> {
    let (b, q) = match token {
        TokenKind::Base => (amount, 0),
        TokenKind::Quote => (0, amount),
    };
    trader
        .state_mut()
        .deposit(BaseAtoms(b), QuoteAtoms(q))
        .map_err(OrderbookError::from)?;
    market.vault_in(token, amount)?;
    batch.push(&Deposited {
        market: market_key,
        seq: market.next_seq()?,
        trader_id: trader.state_mut().trader_id,
        token,
        amount,
    });
    Ok(())
}

pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, OrderbookError::ZeroAmount);
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    require!(
        market.engine_mut().status().map_err(OrderbookError::from)? != MarketStatus::Closed,
        OrderbookError::MarketNotActive
    );
    let (token, decimals) =
        market.token_for(&a.mint.key(), &a.vault.key(), &a.token_program.key())?;
    let mut batch = EventBatch::default();
    let mut trader = a.trader.load_mut()?;
    credit(
        &mut market,
        a.market.key(),
        &mut trader,
        token,
        amount,
        &mut batch,
    )?;
    drop((market, trader));
    TokenMove {
        token_program: &a.token_program.to_account_info(),
        mint: &a.mint.to_account_info(),
        decimals,
        vault: &a.vault.to_account_info(),
        wallet: &a.wallet.to_account_info(),
    }
    .deposit(&a.owner.to_account_info(), amount)?;
    batch.emit(&a.event_authority)
}
