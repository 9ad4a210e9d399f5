use anchor_lang::prelude::*;
use orderbook_engine::{EventQueue, apply_event};

use crate::error::OrderbookError;
use crate::events::{EventBatch, EventsConsumed};
use crate::state::*;

/// Most events one `consume_events` call applies.
#[constant]
pub const MAX_CONSUME_EVENTS: u8 = 64;

#[event_cpi]
#[derive(Accounts)]
pub struct ConsumeEvents<'info> {
    /// Anyone; receives the crank reward.
    #[account(mut)]
    pub cranker: Signer<'info>,
    #[account(
        mut,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub event_queue: UncheckedAccount<'info>,
    // remaining_accounts: the makers' trader accounts (writable), any order.
}

/// Returns the trader id of a valid, writable trader account of `market`.
fn trader_id_of(info: &AccountInfo<'_>, market: &Pubkey) -> Option<u32> {
    if info.owner != &crate::ID || !info.is_writable {
        return None;
    }
    let data = info.try_borrow_data().ok()?;
    if data.get(..8)? != TraderAccount::DISCRIMINATOR {
        return None;
    }
    let t: &TraderAccount =
        bytemuck::try_from_bytes(data.get(8..8 + std::mem::size_of::<TraderAccount>())?).ok()?;
    (t.market == *market).then_some(t.state().trader_id)
}

pub fn handler<'info>(ctx: Context<'info, ConsumeEvents<'info>>, limit: u8) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    require_keys_eq!(
        market.event_queue,
        a.event_queue.key(),
        OrderbookError::WrongMarketAccount
    );
    let makers: Vec<(u32, &AccountInfo<'info>)> = ctx
        .remaining_accounts
        .iter()
        .filter_map(|info| trader_id_of(info, &market_key).map(|id| (id, info)))
        .collect();

    let queue_info = a.event_queue.to_account_info();
    let mut queue_data = queue_info.try_borrow_mut_data()?;
    let mut queue = EventQueue::load(&mut queue_data[8..]).map_err(OrderbookError::from)?;
    let first_queue_seq = queue.head_seq();
    let mut count: u32 = 0;
    for _ in 0..limit.min(MAX_CONSUME_EVENTS) {
        let Some(ev) = queue.front().copied() else {
            break;
        };
        // A maker account that was not passed stops the crank here (the
        // events before it are still applied): it never fails the call.
        let Some((_, info)) = makers.iter().find(|(id, _)| *id == ev.maker_trader_id) else {
            break;
        };
        let mut data = info.try_borrow_mut_data()?;
        let trader: &mut TraderAccount =
            bytemuck::from_bytes_mut(&mut data[8..8 + std::mem::size_of::<TraderAccount>()]);
        apply_event(market.engine(), trader.state_mut(), &ev).map_err(OrderbookError::from)?;
        queue.pop_front().map_err(OrderbookError::from)?;
        count += 1;
    }
    drop(queue_data);
    if count == 0 {
        return Ok(());
    }

    let reward = market.release_pending_rewards(count)?;
    let mut batch = EventBatch::default();
    batch.push(&EventsConsumed {
        market: market_key,
        seq: market.next_seq()?,
        cranker: a.cranker.key(),
        first_queue_seq,
        count,
        reward_lamports: reward,
    });
    drop(market);
    pay_lamports(
        &a.market.to_account_info(),
        &a.cranker.to_account_info(),
        reward,
    )?;
    batch.emit(&a.event_authority)
}
