use anchor_lang::prelude::*;
use orderbook_engine::MarketStatus;
use orderbook_engine::auction::commitment_preimage;
use orderbook_engine::batch::BatchBook;

use crate::error::OrderbookError;
use crate::events::{EventBatch, PostQueued};
use crate::instructions::PlaceOrderArgs;
use crate::state::*;

/// Domain of a queued post's ranking hash (distinct from commitments').
const POST_RANK_DOMAIN: &[u8] = b"orderbook/post-rank/v1";

#[event_cpi]
#[derive(Accounts)]
pub struct QueuePostOnly<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = batch @ OrderbookError::NotBatchMarket)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    #[account(
        mut,
        has_one = market @ OrderbookError::WrongTraderAccount,
        has_one = owner @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
}

/// Queue a post-only order to the batch whose commit window is open: its
/// funds lock and an open-order slot is reserved now; it rests at that
/// batch's clear, before anything crosses, ranked among the batch's posts
/// by the hash of its content (not by arrival). Refused on a paused or
/// closed market.
pub fn handler(ctx: Context<QueuePostOnly>, order: PlaceOrderArgs) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    require!(
        matches!(
            market.engine().status().map_err(OrderbookError::from)?,
            MarketStatus::Active | MarketStatus::PostOnly
        ),
        OrderbookError::MarketNotActive
    );
    let p = order.to_engine();
    let now = batch_now()?;
    let batch_info = a.batch.to_account_info();
    let mut trader = a.trader.load_mut()?;
    let (batch, entry) = {
        let mut data = batch_info.try_borrow_mut_data()?;
        let mut book = BatchBook::load(&mut data[8..]).map_err(OrderbookError::from)?;
        let batch = book
            .schedule()
            .map_err(OrderbookError::from)?
            .committing_batch(now.slot)
            .ok_or(OrderbookError::BatchWindow)?;
        let content = commitment_preimage(
            &market_key.to_bytes(),
            &a.owner.key().to_bytes(),
            batch,
            &p,
            &[0; 32],
        );
        let rank = solana_sha256_hasher::hashv(&[POST_RANK_DOMAIN, &content]).to_bytes();
        book.queue_post(market.engine(), trader.state_mut(), &p, rank, now)
            .map_err(OrderbookError::from)?
    };
    let trader_id = trader.state().trader_id;
    drop(trader);
    let mut events = EventBatch::default();
    events.push(&PostQueued {
        market: market_key,
        seq: market.next_seq()?,
        trader_id,
        batch,
        entry,
        side: order.side,
        price: order.price,
        base_lots: order.max_base_lots,
        client_order_id: order.client_order_id,
        expiry: order.expiry,
    });
    drop(market);
    events.emit(&a.event_authority)
}
