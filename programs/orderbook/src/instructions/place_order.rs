use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use orderbook_engine::event_queue::rewards_owed;
use orderbook_engine::{
    BaseAtoms, BaseLots, CancelOutcome, OrderParams, QueueEvent, QuoteAtoms, Side as EngineSide,
    Ticks,
};

use crate::error::OrderbookError;
use crate::events::{EventBatch, OrderPlaced};
use crate::instructions::deposit::credit;
use crate::state::*;
use crate::token::TokenMove;
use crate::types::{OrderType, SelfTradeMode, Side, TokenKind};

/// Most orders in one `place_orders` / `cancel_all_and_place` call.
pub const MAX_ORDERS_PER_BATCH: usize = 8;

/// One order. `max_quote` = `u64::MAX` means no quote limit (required for
/// orders that can rest); for bids it caps quote spent including the taker
/// fee, for asks gross quote received.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlaceOrderArgs {
    pub side: Side,
    pub order_type: OrderType,
    pub self_trade: SelfTradeMode,
    /// Limit price in ticks (ignored for `Market`).
    pub price: u64,
    pub max_base_lots: u64,
    pub max_quote: u64,
    pub client_order_id: u64,
    /// Unix seconds; 0 = good till cancelled.
    pub expiry: u64,
    /// Most makers to match, 1..=64 for orders that take.
    pub match_limit: u8,
}

impl PlaceOrderArgs {
    /// An order with the common defaults: `DecrementTake`, no quote limit,
    /// client id 0, no expiry, match limit 16.
    pub fn new(side: Side, order_type: OrderType, price: u64, max_base_lots: u64) -> Self {
        Self {
            side,
            order_type,
            self_trade: SelfTradeMode::DecrementTake,
            price,
            max_base_lots,
            max_quote: u64::MAX,
            client_order_id: 0,
            expiry: 0,
            match_limit: orderbook_engine::order::DEFAULT_MATCH_LIMIT,
        }
    }

    pub fn to_engine(&self) -> OrderParams {
        OrderParams {
            side: self.side.into(),
            order_type: self.order_type.into(),
            self_trade: self.self_trade.into(),
            price: Ticks(self.price),
            max_base: BaseLots(self.max_base_lots),
            max_quote: QuoteAtoms(self.max_quote),
            client_order_id: self.client_order_id,
            expiry: self.expiry,
            match_limit: self.match_limit,
        }
    }
}

#[event_cpi]
#[derive(Accounts)]
pub struct PlaceOrder<'info> {
    /// Signs, and pre-pays the crank reward for every event the order queues
    /// (except final events of orders whose owners pre-paid them) and, for a
    /// resting order with an expiry, for that order's own final event.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        has_one = bids @ OrderbookError::WrongMarketAccount,
        has_one = asks @ OrderbookError::WrongMarketAccount,
        has_one = event_queue @ OrderbookError::WrongMarketAccount,
    )]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub bids: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub asks: UncheckedAccount<'info>,
    /// CHECK: the market's (`has_one` on `market`).
    #[account(mut)]
    pub event_queue: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = trader.load()?.market == market.key() @ OrderbookError::WrongTraderAccount,
        constraint = trader.load()?.owner == owner.key() @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    /// Top-up (optional): the mint of the token the order spends (quote for
    /// bids, base for asks). With `wallet`, `vault` and `token_program`, any
    /// shortfall of the free balance is deposited from the wallet first.
    pub mint: Option<Box<InterfaceAccount<'info, Mint>>>,
    #[account(mut)]
    pub wallet: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    #[account(mut)]
    pub vault: Option<Box<InterfaceAccount<'info, TokenAccount>>>,
    pub token_program: Option<Interface<'info, TokenInterface>>,
    pub system_program: Program<'info, System>,
}

/// Cancel everything first (when `cancel_first`), then place `orders` in order.
pub fn place_many(
    ctx: Context<PlaceOrder>,
    cancel_first: bool,
    orders: &[PlaceOrderArgs],
) -> Result<()> {
    require!(
        orders.len() <= MAX_ORDERS_PER_BATCH,
        OrderbookError::TooManyOrders
    );
    let a = &ctx.accounts;
    require!(
        !a.market.load()?.is_batch_market(),
        OrderbookError::SealedBatchMarket
    );
    let now = u64::try_from(Clock::get()?.unix_timestamp).unwrap_or(0);
    let bids = a.bids.to_account_info();
    let asks = a.asks.to_account_info();
    let queue = a.event_queue.to_account_info();
    let mut data = MarketData::load(&a.market, &bids, &asks, Some(&queue))?;
    let mut trader = a.trader.load_mut()?;
    let mut batch = EventBatch::default();
    // Crank rewards this call owes, and pre-paid ones its cancels refund.
    let mut owed: u32 = 0;
    let refunded = if cancel_first {
        cancel_everything(&mut data, &mut trader, a.market.key(), &mut batch)?
    } else {
        0
    };
    for args in orders {
        let order = args.to_engine();
        top_up(a, &mut data, &mut trader, &order, &mut batch)?;
        let order_owes = place_one(
            &mut data,
            &mut trader,
            a.market.key(),
            &order,
            now,
            &mut batch,
        )?;
        owed = owed
            .checked_add(order_owes)
            .ok_or(OrderbookError::ArithmeticOverflow)?;
    }
    settle_rewards(a, data, trader, owed, refunded)?;
    batch.emit(&a.event_authority)
}

/// Cancel all the trader's orders; returns how many had pre-paid their
/// final event's reward (refunded now).
pub(crate) fn cancel_everything(
    data: &mut MarketData<'_, '_>,
    trader: &mut TraderAccount,
    market_key: Pubkey,
    batch: &mut EventBatch,
) -> Result<u32> {
    let mut cancelled: Vec<CancelOutcome> = Vec::new();
    data.engine()?
        .cancel_all(trader.state_mut(), None, u8::MAX, |c| cancelled.push(*c))
        .map_err(OrderbookError::from)?;
    let trader_id = trader.state_mut().trader_id;
    for c in &cancelled {
        batch.order_cancelled(&mut data.market, market_key, trader_id, c)?;
    }
    Ok(prepaid_count(&cancelled))
}

/// Deposit from the wallet whatever the free balance lacks for `order`
/// (nothing for orders with no bounded cost).
fn top_up(
    a: &PlaceOrder<'_>,
    data: &mut MarketData<'_, '_>,
    trader: &mut TraderAccount,
    order: &OrderParams,
    batch: &mut EventBatch,
) -> Result<()> {
    let (need_base, need_quote) = data.engine()?.required_funds(order);
    if need_base == BaseAtoms::MAX || need_quote == QuoteAtoms::MAX {
        return Ok(());
    }
    let free = trader.state_mut().balances;
    let (token, short) = match order.side {
        EngineSide::Bid => (
            TokenKind::Quote,
            need_quote.get().saturating_sub(free.free_quote.get()),
        ),
        EngineSide::Ask => (
            TokenKind::Base,
            need_base.get().saturating_sub(free.free_base.get()),
        ),
    };
    if short == 0 {
        return Ok(());
    }
    let (Some(mint), Some(wallet), Some(vault), Some(program)) =
        (&a.mint, &a.wallet, &a.vault, &a.token_program)
    else {
        return err!(OrderbookError::TopUpAccountsMissing);
    };
    let (kind, decimals) = data
        .market
        .token_for(&mint.key(), &vault.key(), &program.key())?;
    require!(kind == token, OrderbookError::WrongMint);
    credit(
        &mut data.market,
        a.market.key(),
        trader,
        token,
        short,
        batch,
    )?;
    TokenMove {
        token_program: &program.to_account_info(),
        mint: &mint.to_account_info(),
        decimals,
        vault: &vault.to_account_info(),
        wallet: &wallet.to_account_info(),
    }
    .deposit(&a.owner.to_account_info(), short)
}

/// Place one order and record its events; returns the crank rewards it owes.
fn place_one(
    data: &mut MarketData<'_, '_>,
    trader: &mut TraderAccount,
    market_key: Pubkey,
    order: &OrderParams,
    now: u64,
    batch: &mut EventBatch,
) -> Result<u32> {
    let mut view = data.engine()?;
    let out = view
        .place_order(trader.state_mut(), order, now)
        .map_err(OrderbookError::from)?;
    let head = view.events.head_seq();
    let pushed: Vec<QueueEvent> = (0..out.events_pushed)
        .filter_map(|i| {
            view.events
                .get((out.first_event_seq + u64::from(i) - head) as u32)
                .copied()
        })
        .collect();
    let taker_fee_ppm = view.header.taker_fee_ppm;
    batch.push(&OrderPlaced {
        market: market_key,
        seq: data.market.next_seq()?,
        trader_id: trader.state_mut().trader_id,
        order_id: out.order_id,
        client_order_id: order.client_order_id,
        side: order.side.into(),
        order_type: order.order_type.into(),
        price: out.posted_price.get(),
        max_base_lots: order.max_base.get(),
        posted_base_lots: out.posted.get(),
        filled_base_lots: out.filled_base.get(),
        filled_quote: out.filled_quote.get(),
        taker_fee: out.taker_fee.get(),
        expiry: order.expiry,
    });
    for ev in &pushed {
        batch.queue_event(
            &mut data.market,
            market_key,
            ev,
            order.side,
            out.order_id,
            taker_fee_ppm,
        )?;
    }
    let prepays_own_exit = order.expiry != 0 && !out.posted.is_zero();
    Ok(rewards_owed(&pushed) + u32::from(prepays_own_exit))
}

/// Move only the difference between the rewards owed and those refunded:
/// a requote that cancels and re-places orders with an expiry costs nothing
/// for them. Releases the market and trader borrows before the transfers.
fn settle_rewards(
    a: &PlaceOrder<'_>,
    mut data: MarketData<'_, '_>,
    trader: std::cell::RefMut<'_, TraderAccount>,
    owed: u32,
    refunded: u32,
) -> Result<()> {
    let (charge, refund) = if owed >= refunded {
        (data.market.add_pending_rewards(owed - refunded)?, 0)
    } else {
        (0, data.market.release_pending_rewards(refunded - owed)?)
    };
    drop((data, trader));
    if charge > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.owner.to_account_info(),
                    to: a.market.to_account_info(),
                },
            ),
            charge,
        )?;
    }
    pay_lamports(
        &a.market.to_account_info(),
        &a.owner.to_account_info(),
        refund,
    )
}

/// How many of the cancelled orders had pre-paid their final event's reward.
pub(crate) fn prepaid_count(cancelled: &[CancelOutcome]) -> u32 {
    cancelled.iter().filter(|c| c.expiry != 0).count() as u32
}
