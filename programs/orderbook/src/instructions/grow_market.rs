use anchor_lang::prelude::*;
use anchor_lang::solana_program::entrypoint::MAX_PERMITTED_DATA_INCREASE;
use anchor_lang::system_program;
use orderbook_engine::{BookSide, EventQueue, MarketStatus};

use crate::error::OrderbookError;
use crate::events::{EventBatch, MarketGrown};
use crate::state::Market;
use crate::types::GrowTarget;

/// Most nodes or events one `grow_market` adds: Solana lets an instruction
/// grow an account by at most 10 KiB, and both are 64 bytes.
#[constant]
pub const MAX_GROWTH_PER_INSTRUCTION: u32 = (MAX_PERMITTED_DATA_INCREASE / 64) as u32;

#[event_cpi]
#[derive(Accounts)]
pub struct GrowMarket<'info> {
    /// Pays the rent of the added bytes; anyone may.
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's bids, asks or event queue, as `target` names
    /// (checked against the market's keys in the handler); this program's.
    #[account(mut, owner = crate::ID)]
    pub grown: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<GrowMarket>, target: GrowTarget, additional: u32) -> Result<()> {
    let a = &ctx.accounts;
    let mut market = a.market.load_mut()?;
    let status = market.engine().status().map_err(OrderbookError::from)?;
    require!(status != MarketStatus::Closed, OrderbookError::MarketClosed);
    require_keys_eq!(
        a.grown.key(),
        market.account_of(target),
        OrderbookError::WrongMarketAccount
    );
    require!(
        (1..=MAX_GROWTH_PER_INSTRUCTION).contains(&additional),
        OrderbookError::InvalidGrowth
    );
    let grown = a.grown.to_account_info();
    // Refuse growth past the maximum before any lamport moves, so that is
    // the error a caller sees (the engine checks again after the resize).
    let capacity = {
        let mut data = grown.try_borrow_mut_data()?;
        match target {
            GrowTarget::Bids | GrowTarget::Asks => {
                BookSide::load(&mut data[8..]).map(|s| s.capacity())
            }
            GrowTarget::EventQueue => EventQueue::load(&mut data[8..]).map(|q| q.header.capacity),
        }
        .map_err(OrderbookError::from)?
    };
    let max = market.max_capacity(target);
    require!(
        capacity.saturating_add(additional) <= max,
        OrderbookError::InvalidGrowth
    );
    let unit = orderbook_engine::layout::GrowTarget::from(target).unit_bytes();
    let new_len = grown.data_len() + additional as usize * unit;
    let lamports = Rent::get()?
        .minimum_balance(new_len)
        .saturating_sub(grown.lamports());
    if lamports > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.payer.to_account_info(),
                    to: grown.clone(),
                },
            ),
            lamports,
        )?;
    }
    grown.resize(new_len)?;
    let growth = {
        let mut data = grown.try_borrow_mut_data()?;
        // After Anchor's 8-byte discriminator: the engine's layout.
        match target {
            GrowTarget::Bids | GrowTarget::Asks => BookSide::grow(&mut data[8..], max),
            GrowTarget::EventQueue => EventQueue::grow(&mut data[8..], max),
        }
        .map_err(OrderbookError::from)?
    };
    let mut batch = EventBatch::default();
    batch.push(&MarketGrown {
        market: a.market.key(),
        seq: market.next_seq()?,
        target,
        old_capacity: growth.old_capacity,
        new_capacity: growth.new_capacity,
        payer: a.payer.key(),
        lamports,
    });
    drop(market);
    batch.emit(&a.event_authority)
}
