use anchor_lang::prelude::*;
use anchor_lang::system_program;
use orderbook_engine::MarketStatus;
use orderbook_engine::batch::BatchBook;

use crate::error::OrderbookError;
use crate::events::{EventBatch, OrderCommitted, OrderEncrypted};
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct CommitOrder<'info> {
    /// The trader's owner: pays the bond (refunded at the reveal) and the
    /// commit fee.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, has_one = batch @ OrderbookError::NotBatchMarket)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut)]
    pub batch: AccountLoader<'info, BatchAccount>,
    #[account(
        has_one = market @ OrderbookError::WrongTraderAccount,
        has_one = owner @ OrderbookError::WrongTraderAccount,
    )]
    pub trader: AccountLoader<'info, TraderAccount>,
    pub system_program: Program<'info, System>,
}

/// Record `commitment` (the SHA-256 of the order's commitment preimage, see
/// `orderbook_engine::auction::commitment_preimage`) in `batch`, whose
/// commit window must be open (the preimage binds the batch: a commitment
/// landing too late fails here, bond untouched, instead of being recorded
/// where it could never be revealed). Locks no funds: it shows only the
/// trader and the batch. Only an Active market takes sealed (taking) orders.
pub fn handler(ctx: Context<CommitOrder>, batch: u64, commitment: [u8; 32]) -> Result<()> {
    let a = &ctx.accounts;
    commit(a, batch, commitment, None)?.emit(&a.event_authority)
}

/// Record the commitment, take the bond and fee; with `ciphertext` (an
/// encrypted order) also check the market names a beacon and emit the
/// ciphertext after the commitment. Returns the events to emit.
pub(crate) fn commit(
    a: &CommitOrder,
    batch: u64,
    commitment: [u8; 32],
    ciphertext: Option<Vec<u8>>,
) -> Result<EventBatch> {
    let market_key = a.market.key();
    let mut market = a.market.load_mut()?;
    require!(market.is_batch_market(), OrderbookError::NotBatchMarket);
    require!(
        market.engine().status().map_err(OrderbookError::from)? == MarketStatus::Active,
        OrderbookError::MarketNotActive
    );
    let trader_id = a.trader.load()?.state().trader_id;
    let slot = Clock::get()?.slot;
    let batch_info = a.batch.to_account_info();
    let (entry, bond, fee) = {
        let mut data = batch_info.try_borrow_mut_data()?;
        let mut book = BatchBook::load(&mut data[8..]).map_err(OrderbookError::from)?;
        if ciphertext.is_some() {
            require!(
                book.header.beacon_chain_hash != [0; 32],
                OrderbookError::NoBeacon
            );
        }
        let entry = book
            .commit(trader_id, batch, commitment, slot)
            .map_err(OrderbookError::from)?;
        (
            entry,
            book.header.bond_lamports,
            book.header.commit_fee_lamports,
        )
    };
    let mut events = EventBatch::default();
    events.push(&OrderCommitted {
        market: market_key,
        seq: market.next_seq()?,
        trader_id,
        batch,
        entry,
        commitment,
        bond_lamports: bond,
    });
    if let Some(ciphertext) = ciphertext {
        events.push(&OrderEncrypted {
            market: market_key,
            seq: market.next_seq()?,
            batch,
            entry,
            ciphertext,
        });
    }
    drop(market);
    let lamports = bond
        .checked_add(fee)
        .ok_or(OrderbookError::ArithmeticOverflow)?;
    if lamports > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.owner.to_account_info(),
                    to: batch_info,
                },
            ),
            lamports,
        )?;
    }
    Ok(events)
}
