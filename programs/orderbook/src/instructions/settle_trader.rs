use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use orderbook_engine::MarketStatus;

use crate::error::OrderbookError;
use crate::events::{EventBatch, TraderAccountClosed, Withdrew};
use crate::instructions::place_order::cancel_everything;
use crate::state::*;
use crate::token::TokenMove;
use crate::types::TokenKind;

#[event_cpi]
#[derive(Accounts)]
pub struct SettleTrader<'info> {
    /// Anyone for an empty trader account; the market authority otherwise.
    pub closer: Signer<'info>,
    /// CHECK: must be the trader account's owner; receives its rent, refunded
    /// crank rewards and (through its token accounts) its balances.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(
        mut,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub bids: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub asks: UncheckedAccount<'info>,
    #[account(
        mut,
        close = owner,
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongOwner,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    /// CHECK: the market's vault-owning PDA.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    /// The base accounts are needed when the trader holds base; the
    /// destination is the owner's token account.
    pub base_mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub base_vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub base_destination: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub base_token_program: Option<Interface<'info, TokenInterface>>,
    /// The quote accounts, needed when the trader holds quote.
    pub quote_mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub quote_vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub quote_destination: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub quote_token_program: Option<Interface<'info, TokenInterface>>,
}

/// One token's accounts for paying a settled balance out to the owner.
struct Payout<'a, 'info> {
    mint: &'a InterfaceAccount<'info, Mint>,
    vault: &'a InterfaceAccount<'info, TokenAccount>,
    destination: &'a InterfaceAccount<'info, TokenAccount>,
    token_program: &'a Interface<'info, TokenInterface>,
}

impl<'info> SettleTrader<'info> {
    fn payout(&self, token: TokenKind) -> Option<Payout<'_, 'info>> {
        let (mint, vault, destination, token_program) = match token {
            TokenKind::Base => (
                &self.base_mint,
                &self.base_vault,
                &self.base_destination,
                &self.base_token_program,
            ),
            TokenKind::Quote => (
                &self.quote_mint,
                &self.quote_vault,
                &self.quote_destination,
                &self.quote_token_program,
            ),
        };
        Some(Payout {
            mint: mint.as_deref()?,
            vault: vault.as_deref()?,
            destination: destination.as_deref()?,
            token_program: token_program.as_ref()?,
        })
    }
}

/// The way out of a Closed market for trader accounts whose owners are gone:
/// cancel the trader's resting orders, pay its free balances to the owner's
/// token accounts, and close the account with its rent to the owner. Without
/// it one abandoned trader account would keep the market open forever.
pub fn handler(ctx: Context<SettleTrader>) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let (bids, asks) = (a.bids.to_account_info(), a.asks.to_account_info());
    let mut data = MarketData::load(&a.market, &bids, &asks, None)?;
    require!(
        data.market
            .engine()
            .status()
            .map_err(OrderbookError::from)?
            == MarketStatus::Closed,
        OrderbookError::MarketNotActive
    );
    let mut trader = a.trader.load_mut()?;
    if !trader.state().is_empty() {
        require_keys_eq!(
            a.closer.key(),
            data.market.authority,
            OrderbookError::SettleNeedsAuthority
        );
    }
    let mut batch = EventBatch::default();
    let prepaid = cancel_everything(&mut data, &mut trader, market_key, &mut batch)?;
    let refund = data.market.release_pending_rewards(prepaid)?;
    let transfers = empty_balances(a, &mut data, &mut trader, &mut batch)?;
    data.market
        .engine_mut()
        .unregister_trader()
        .map_err(OrderbookError::from)?;
    batch.push(&TraderAccountClosed {
        market: market_key,
        seq: data.market.next_seq()?,
        owner: a.owner.key(),
        trader_id: trader.state().trader_id,
    });
    let bump = data.market.authority_bump;
    drop((data, trader));
    for (accounts, decimals, amount) in transfers {
        TokenMove {
            token_program: &accounts.token_program.to_account_info(),
            mint: &accounts.mint.to_account_info(),
            decimals,
            vault: &accounts.vault.to_account_info(),
            wallet: &accounts.destination.to_account_info(),
        }
        .withdraw(
            &a.market_authority.to_account_info(),
            &market_key,
            bump,
            amount,
        )?;
    }
    pay_lamports(
        &a.market.to_account_info(),
        &a.owner.to_account_info(),
        refund,
    )?;
    batch.emit(&a.event_authority)
}

/// Withdraw the trader's whole free balances (nothing may be locked once
/// its orders are cancelled and the queue owes it nothing); returns each
/// non-zero payout with its checked accounts and mint decimals.
fn empty_balances<'a, 'info>(
    a: &'a SettleTrader<'info>,
    data: &mut MarketData<'_, '_>,
    trader: &mut TraderAccount,
    batch: &mut EventBatch,
) -> Result<Vec<(Payout<'a, 'info>, u8, u64)>> {
    let state = trader.state_mut();
    let balances = state.balances;
    require!(
        state.open_orders == 0 && balances.locked_base.is_zero() && balances.locked_quote.is_zero(),
        OrderbookError::EventsPending
    );
    state
        .withdraw(balances.free_base, balances.free_quote)
        .map_err(OrderbookError::from)?;
    let payouts = [
        (TokenKind::Base, balances.free_base.get()),
        (TokenKind::Quote, balances.free_quote.get()),
    ];
    let mut transfers = Vec::new();
    for (token, amount) in payouts.into_iter().filter(|(_, amount)| *amount > 0) {
        let (accounts, decimals) = checked_payout(a, &data.market, token)?;
        data.market.vault_out(token, amount)?;
        batch.push(&Withdrew {
            market: a.market.key(),
            seq: data.market.next_seq()?,
            trader_id: state.trader_id,
            token,
            amount,
        });
        transfers.push((accounts, decimals, amount));
    }
    Ok(transfers)
}

/// `token`'s payout accounts, checked: the market's mint, vault and token
/// program, and a destination of that mint owned by the trader's owner.
fn checked_payout<'a, 'info>(
    a: &'a SettleTrader<'info>,
    market: &Market,
    token: TokenKind,
) -> Result<(Payout<'a, 'info>, u8)> {
    let accounts = a
        .payout(token)
        .ok_or(OrderbookError::SettleAccountsMissing)?;
    let (kind, decimals) = market.token_for(
        &accounts.mint.key(),
        &accounts.vault.key(),
        &accounts.token_program.key(),
    )?;
    require!(kind == token, OrderbookError::WrongMint);
    require_keys_eq!(
        accounts.destination.owner,
        a.owner.key(),
        OrderbookError::NotOwnersTokenAccount
    );
    require_keys_eq!(
        accounts.destination.mint,
        accounts.mint.key(),
        OrderbookError::WrongMint
    );
    Ok((accounts, decimals))
}
