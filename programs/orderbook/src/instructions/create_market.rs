use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use orderbook_engine::{BookSide, EventQueue, MarketHeader, MarketParams, QuoteLots, Side};

use crate::error::OrderbookError;
use crate::events::{EventBatch, MarketCreated};
use crate::state::*;
use crate::token::check_mint_extensions;

/// Parameters of a new market.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateMarketArgs {
    /// Base atoms per base lot.
    pub base_lot_size: u64,
    /// Quote atoms per quote lot.
    pub quote_lot_size: u64,
    /// Quote lots per base lot per tick.
    pub tick_size: u64,
    /// Taker fee, ppm of quote traded (≤ 100,000 = 10%).
    pub taker_fee_ppm: u32,
    /// Maker fee in ppm; negative is a rebate; |maker| ≤ taker.
    pub maker_fee_ppm: i32,
    /// Lamports paid to the cranker per consumed event, pre-paid by whoever queues it.
    pub crank_reward_lamports: u64,
    /// May pause/close the market.
    pub authority: Pubkey,
    /// May sweep fees.
    pub fee_authority: Pubkey,
    /// Most orders `grow_market` may give a book side: from the side's
    /// capacity at creation up to `MAX_ORDERS_PER_SIDE`.
    pub max_orders_per_side: u32,
    /// Most events `grow_market` may give the event queue: from its capacity
    /// at creation up to `MAX_QUEUE_EVENTS`.
    pub max_queue_events: u32,
}

#[event_cpi]
#[derive(Accounts)]
pub struct CreateMarket<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Pre-allocated by the client (owner = this program), zeroed.
    #[account(zero)]
    pub market: AccountLoader<'info, Market>,
    /// Pre-allocated; its size fixes the side's capacity.
    #[account(zero)]
    pub bids: AccountLoader<'info, BookSideAccount>,
    #[account(zero)]
    pub asks: AccountLoader<'info, BookSideAccount>,
    /// Pre-allocated; its size fixes the queue's capacity.
    #[account(zero)]
    pub event_queue: AccountLoader<'info, EventQueueAccount>,
    /// CHECK: PDA that owns the vaults; never holds data.
    #[account(seeds = [MARKET_AUTHORITY_SEED, market.key().as_ref()], bump)]
    pub market_authority: UncheckedAccount<'info>,
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mint::token_program = quote_token_program)]
    pub quote_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = payer,
        seeds = [VAULT_SEED, market.key().as_ref(), BASE_VAULT_SEED],
        bump,
        token::mint = base_mint,
        token::authority = market_authority,
        token::token_program = base_token_program,
    )]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init,
        payer = payer,
        seeds = [VAULT_SEED, market.key().as_ref(), QUOTE_VAULT_SEED],
        bump,
        token::mint = quote_mint,
        token::authority = market_authority,
        token::token_program = quote_token_program,
    )]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub base_token_program: Interface<'info, TokenInterface>,
    pub quote_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

fn capacity(data_len: usize, header: usize, record: usize, min: u32, max: u32) -> Result<u32> {
    let body = data_len
        .checked_sub(8 + header)
        .ok_or(OrderbookError::InvalidCapacity)?;
    require!(body % record == 0, OrderbookError::InvalidCapacity);
    let n = body / record;
    require!(
        n >= min as usize && n <= max as usize,
        OrderbookError::InvalidCapacity
    );
    Ok(n as u32)
}

pub fn handler(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
    let a = &ctx.accounts;
    require_keys_neq!(
        a.base_mint.key(),
        a.quote_mint.key(),
        OrderbookError::SameMints
    );
    check_mint_extensions(&a.base_mint.to_account_info())?;
    check_mint_extensions(&a.quote_mint.to_account_info())?;
    require!(
        args.crank_reward_lamports <= MAX_CRANK_REWARD_LAMPORTS,
        OrderbookError::InvalidCrankReward
    );
    let engine = MarketHeader::new(&MarketParams {
        base_lot_size: args.base_lot_size,
        quote_lot_size: args.quote_lot_size,
        tick_size: QuoteLots(args.tick_size),
        taker_fee_ppm: args.taker_fee_ppm,
        maker_fee_ppm: args.maker_fee_ppm,
    })
    .map_err(OrderbookError::from)?;

    let (orders_per_side, event_capacity) = init_book_and_queue(a)?;
    require!(
        (orders_per_side..=MAX_ORDERS_PER_SIDE).contains(&args.max_orders_per_side)
            && (event_capacity..=MAX_QUEUE_EVENTS).contains(&args.max_queue_events),
        OrderbookError::InvalidCapacity
    );
    let market_key = a.market.key();
    let mut market = a.market.load_init()?;
    *market = Market {
        engine: bytemuck::cast(engine),
        authority: args.authority,
        fee_authority: args.fee_authority,
        creator: a.payer.key(),
        base_mint: a.base_mint.key(),
        quote_mint: a.quote_mint.key(),
        base_vault: a.base_vault.key(),
        quote_vault: a.quote_vault.key(),
        bids: a.bids.key(),
        asks: a.asks.key(),
        event_queue: a.event_queue.key(),
        base_token_program: a.base_token_program.key(),
        quote_token_program: a.quote_token_program.key(),
        crank_reward_lamports: args.crank_reward_lamports,
        pending_crank_lamports: 0,
        base_decimals: a.base_mint.decimals,
        quote_decimals: a.quote_mint.decimals,
        authority_bump: ctx.bumps.market_authority,
        _pad: [0; 5],
        base_vault_owed: 0,
        quote_vault_owed: 0,
        batch: Pubkey::default(),
        max_orders_per_side: args.max_orders_per_side,
        max_queue_events: args.max_queue_events,
        _reserved: [0; 8],
    };
    let mut batch = EventBatch::default();
    batch.push(&MarketCreated {
        market: market_key,
        seq: market
            .engine_mut()
            .next_emit()
            .map_err(OrderbookError::from)?,
        base_mint: a.base_mint.key(),
        quote_mint: a.quote_mint.key(),
        base_decimals: a.base_mint.decimals,
        quote_decimals: a.quote_mint.decimals,
        base_lot_size: args.base_lot_size,
        quote_lot_size: args.quote_lot_size,
        tick_size: args.tick_size,
        taker_fee_ppm: args.taker_fee_ppm,
        maker_fee_ppm: args.maker_fee_ppm,
        orders_per_side,
        event_capacity,
        crank_reward_lamports: args.crank_reward_lamports,
        authority: args.authority,
        fee_authority: args.fee_authority,
    });
    drop(market);
    batch.emit(&a.event_authority)
}

/// Initialise both book sides and the event queue in the accounts the
/// client allocated; their sizes fix the capacities, returned as
/// `(orders_per_side, event_capacity)`.
fn init_book_and_queue(a: &CreateMarket<'_>) -> Result<(u32, u32)> {
    let node = std::mem::size_of::<orderbook_engine::OrderNode>();
    let side_header = std::mem::size_of::<orderbook_engine::SideHeader>();
    let bids_len = a.bids.to_account_info().data_len();
    let orders_per_side = capacity(
        bids_len,
        side_header,
        node,
        MIN_ORDERS_PER_SIDE + 1,
        MAX_ORDERS_PER_SIDE + 1,
    )? - 1;
    require_eq!(
        a.asks.to_account_info().data_len(),
        bids_len,
        OrderbookError::InvalidCapacity
    );
    let event_capacity = capacity(
        a.event_queue.to_account_info().data_len(),
        std::mem::size_of::<orderbook_engine::QueueHeader>(),
        std::mem::size_of::<orderbook_engine::QueueEvent>(),
        MIN_QUEUE_EVENTS,
        MAX_QUEUE_EVENTS,
    )?;
    BookSide::init(
        &mut a.bids.to_account_info().try_borrow_mut_data()?[8..],
        Side::Bid,
    )
    .map_err(OrderbookError::from)?;
    BookSide::init(
        &mut a.asks.to_account_info().try_borrow_mut_data()?[8..],
        Side::Ask,
    )
    .map_err(OrderbookError::from)?;
    EventQueue::init(&mut a.event_queue.to_account_info().try_borrow_mut_data()?[8..])
        .map_err(OrderbookError::from)?;
    Ok((orders_per_side, event_capacity))
}
