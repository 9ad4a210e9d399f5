use anchor_lang::prelude::*;
use orderbook_engine::auction::commitment_preimage;
use orderbook_engine::batch::BatchBook;

use crate::error::OrderbookError;
use crate::events::{EventBatch, OrderRevealed};
use crate::instructions::PlaceOrderArgs;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct RevealOrder<'info> {
    /// Anyone holding the order and its salt: the commitment binds the
    /// owner, so no second signature of the trader is needed.
    pub revealer: Signer<'info>,
    #[account(mut, has_one = batch @ OrderbookError::NotBatchMarket)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    #[account(
        mut,
        has_one = market @ OrderbookError::WrongTraderAccount,
        has_one = owner @ OrderbookError::WrongOwner,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    /// CHECK: the trader account's owner (`has_one`): receives the bond back.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
}

/// Reveal entry `entry`'s sealed order: the program rebuilds the commitment
/// from `order`, `salt`, the market, the owner and the entry's batch, and
/// compares. Locks the order's worst case (and reserves a slot for a limit
/// order), refunds the bond to the owner.
pub fn handler(
    ctx: Context<RevealOrder>,
    entry: u32,
    order: PlaceOrderArgs,
    salt: [u8; 32],
) -> Result<()> {
    let a = &ctx.accounts;
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    require!(market.is_batch_market(), OrderbookError::NotBatchMarket);
    let p = order.to_engine();
    let now = batch_now()?;
    let batch_info = a.batch.to_account_info();
    let mut trader = a.trader.load_mut()?;
    let (batch, bond) = {
        let mut data = batch_info.try_borrow_mut_data()?;
        let mut book = BatchBook::load(&mut data[8..]).map_err(OrderbookError::from)?;
        let batch = book
            .entry(entry)
            .map(|e| e.batch)
            .ok_or(OrderbookError::NotCommitted)?;
        let preimage = commitment_preimage(
            &market_key.to_bytes(),
            &a.owner.key().to_bytes(),
            batch,
            &p,
            &salt,
        );
        let commitment = solana_sha256_hasher::hashv(&[&preimage]).to_bytes();
        let bond = book
            .reveal(
                market.engine(),
                trader.state_mut(),
                entry,
                &p,
                &commitment,
                now,
            )
            .map_err(OrderbookError::from)?;
        (batch, bond)
    };
    let trader_id = trader.state().trader_id;
    drop(trader);
    let mut events = EventBatch::default();
    events.push(&OrderRevealed {
        market: market_key,
        seq: market.next_seq()?,
        trader_id,
        batch,
        entry,
        side: order.side,
        order_type: order.order_type,
        price: order.price,
        max_base_lots: order.max_base_lots,
        client_order_id: order.client_order_id,
        revealer: a.revealer.key(),
        bond_refunded_lamports: bond,
    });
    drop(market);
    pay_lamports(&batch_info, &a.owner.to_account_info(), bond)?;
    events.emit(&a.event_authority)
}
