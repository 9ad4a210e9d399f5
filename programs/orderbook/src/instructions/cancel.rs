use anchor_lang::prelude::*;

use crate::error::OrderbookError;
use crate::events::EventBatch;
use crate::instructions::place_order::prepaid_count;
use crate::state::*;
use crate::types::Side;

/// Accounts of the owner's cancel instructions. The event queue is not
/// needed (a cancel frees the lock at once), so cancels do not write-lock it.
#[event_cpi]
#[derive(Accounts)]
pub struct CancelOrders<'info> {
    /// Receives the pre-paid crank reward of each cancelled order with an expiry.
    #[account(mut)]
    pub owner: Signer<'info>,
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
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
}

/// Which resting orders a cancel targets.
pub enum CancelTarget {
    OrderId(u64),
    ClientId(u64),
    All { side: Option<Side>, limit: u8 },
}

pub fn handler(ctx: Context<CancelOrders>, target: CancelTarget) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let (bids, asks) = (a.bids.to_account_info(), a.asks.to_account_info());
    let mut data = MarketData::load(&a.market, &bids, &asks, None)?;
    // A batch market's cancels are queued to a batch (not built yet).
    require!(
        !data.market.is_batch_market(),
        OrderbookError::SealedBatchMarket
    );
    let mut trader = a.trader.load_mut()?;
    let mut cancelled = Vec::new();
    {
        let mut view = data.engine()?;
        match target {
            CancelTarget::OrderId(id) => cancelled.push(view.cancel_order(trader.state_mut(), id)),
            CancelTarget::ClientId(id) => {
                cancelled.push(view.cancel_by_client_id(trader.state_mut(), id))
            }
            CancelTarget::All { side, limit } => {
                view.cancel_all(trader.state_mut(), side.map(Into::into), limit, |c| {
                    cancelled.push(Ok(*c))
                })
                .map_err(OrderbookError::from)?;
            }
        }
    }
    let cancelled = cancelled
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(OrderbookError::from)?;
    let mut batch = EventBatch::default();
    let trader_id = trader.state_mut().trader_id;
    for c in &cancelled {
        batch.order_cancelled(&mut data.market, market_key, trader_id, c)?;
    }
    let refund = data
        .market
        .release_pending_rewards(prepaid_count(&cancelled))?;
    drop((data, trader));
    pay_lamports(
        &a.market.to_account_info(),
        &a.owner.to_account_info(),
        refund,
    )?;
    if batch.is_empty() {
        return Ok(());
    }
    batch.emit(&a.event_authority)
}
