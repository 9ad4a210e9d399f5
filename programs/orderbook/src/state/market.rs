use std::cell::RefMut;

use anchor_lang::prelude::*;
use orderbook_engine::{
    BookSide, EventQueue, Market as EngineMarket, MarketHeader, QueueHeader, SideHeader,
};

use crate::error::OrderbookError;
use crate::types::{GrowTarget, TokenKind};

/// Most orders a book side may be created with.
#[constant]
pub const MAX_ORDERS_PER_SIDE: u32 = 16_384;
/// Fewest orders a book side may be created with.
#[constant]
pub const MIN_ORDERS_PER_SIDE: u32 = 16;
/// Most events an event queue may be created with.
#[constant]
pub const MAX_QUEUE_EVENTS: u32 = 16_384;
/// Fewest events an event queue may be created with (room for one full match).
#[constant]
pub const MIN_QUEUE_EVENTS: u32 = 128;
/// Highest crank reward a market may set, in lamports per queued event.
#[constant]
pub const MAX_CRANK_REWARD_LAMPORTS: u64 = 1_000_000;

/// A market. Byte budget: 600 = 128 engine header + 12 × 32 keys
/// + 2 × 8 crank lamports + 8 (decimals, bump, padding) + 2 × 8 vault
/// obligations + 32 batch account key + 2 × 4 growth maxima + 8 reserved.
#[account(zero_copy)]
#[repr(C)]
pub struct Market {
    /// The engine's `MarketHeader` (lot sizes, tick, fees, status, sequence
    /// counters, accrued fees), kept as bytes so the engine stays free of
    /// Anchor; use [`Market::engine`] / [`Market::engine_mut`].
    pub engine: [u8; 128],
    /// May change the market status (the kill switch) and close the market.
    pub authority: Pubkey,
    /// May sweep accrued fees.
    pub fee_authority: Pubkey,
    /// Paid for the market's accounts; receives their rent on close.
    pub creator: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub base_vault: Pubkey,
    pub quote_vault: Pubkey,
    pub bids: Pubkey,
    pub asks: Pubkey,
    pub event_queue: Pubkey,
    pub base_token_program: Pubkey,
    pub quote_token_program: Pubkey,
    /// Lamports a cranker earns per event consumed (pre-paid by whoever queued it).
    pub crank_reward_lamports: u64,
    /// Lamports held by this account for crank rewards not yet paid out:
    /// `crank_reward_lamports × (queued events + resting orders with an
    /// expiry)`, since an order with an expiry pre-pays its final event.
    pub pending_crank_lamports: u64,
    pub base_decimals: u8,
    pub quote_decimals: u8,
    /// Bump of the market authority PDA.
    pub authority_bump: u8,
    pub _pad: [u8; 5],
    /// Base atoms the base vault owes: deposits − withdrawals. Anything the
    /// vault holds beyond this was sent to it directly and is surplus.
    pub base_vault_owed: u64,
    /// Quote atoms the quote vault owes: deposits − withdrawals − swept fees.
    pub quote_vault_owed: u64,
    /// A sealed batch market's batch account (`enable_batch_mode`); the
    /// default key for a continuous market.
    pub batch: Pubkey,
    /// Most orders `grow_market` may give a book side, chosen at creation
    /// (0: a market created before growth existed, which may grow to
    /// `MAX_ORDERS_PER_SIDE`).
    pub max_orders_per_side: u32,
    /// Most events `grow_market` may give the event queue (0: as above,
    /// `MAX_QUEUE_EVENTS`).
    pub max_queue_events: u32,
    pub _reserved: [u8; 8],
}
const _: () = assert!(std::mem::size_of::<Market>() == 600);
// 8-aligned so `engine` (offset 0) stays aligned in off-chain copies too.
const _: () = assert!(std::mem::align_of::<Market>() == 8);

/// A book side: the engine's `SideHeader` (64 bytes) followed by its node
/// pool; decoded with `orderbook_engine::BookSide`.
#[account(zero_copy)]
#[repr(C)]
pub struct BookSideAccount {
    pub header: [u8; 64],
}
const _: () = assert!(std::mem::size_of::<SideHeader>() == 64);

/// The event queue: the engine's `QueueHeader` (64 bytes) followed by its
/// ring; decoded with `orderbook_engine::EventQueue`.
#[account(zero_copy)]
#[repr(C)]
pub struct EventQueueAccount {
    pub header: [u8; 64],
}
const _: () = assert!(std::mem::size_of::<QueueHeader>() == 64);
const _: () = assert!(std::mem::size_of::<MarketHeader>() == 128);

impl Market {
    /// Is this a sealed batch market (orders only through the batch)?
    pub fn is_batch_market(&self) -> bool {
        self.batch != Pubkey::default()
    }

    pub fn engine(&self) -> &MarketHeader {
        bytemuck::from_bytes(&self.engine)
    }

    pub fn engine_mut(&mut self) -> &mut MarketHeader {
        bytemuck::from_bytes_mut(&mut self.engine)
    }

    /// Resolve `mint` to the market's base or quote token, checking that
    /// `vault` and `token_program` are the ones recorded for it. Returns the
    /// token and its decimals.
    pub fn token_for(
        &self,
        mint: &Pubkey,
        vault: &Pubkey,
        token_program: &Pubkey,
    ) -> Result<(TokenKind, u8)> {
        let (kind, want_vault, want_program, decimals) = if *mint == self.base_mint {
            (
                TokenKind::Base,
                self.base_vault,
                self.base_token_program,
                self.base_decimals,
            )
        } else if *mint == self.quote_mint {
            (
                TokenKind::Quote,
                self.quote_vault,
                self.quote_token_program,
                self.quote_decimals,
            )
        } else {
            return err!(OrderbookError::WrongMint);
        };
        require_keys_eq!(*vault, want_vault, OrderbookError::WrongVault);
        require_keys_eq!(
            *token_program,
            want_program,
            OrderbookError::WrongTokenProgram
        );
        Ok((kind, decimals))
    }

    /// Take the next event sequence number.
    /// The most a book side (`Bids`, `Asks`) or the event queue may grow to.
    pub fn max_capacity(&self, target: GrowTarget) -> u32 {
        let (chosen, program_max) = match target {
            GrowTarget::Bids | GrowTarget::Asks => (self.max_orders_per_side, MAX_ORDERS_PER_SIDE),
            GrowTarget::EventQueue => (self.max_queue_events, MAX_QUEUE_EVENTS),
        };
        if chosen == 0 { program_max } else { chosen }
    }

    /// The account `target` names.
    pub fn account_of(&self, target: GrowTarget) -> Pubkey {
        match target {
            GrowTarget::Bids => self.bids,
            GrowTarget::Asks => self.asks,
            GrowTarget::EventQueue => self.event_queue,
        }
    }

    pub fn next_seq(&mut self) -> Result<u64> {
        Ok(self
            .engine_mut()
            .next_emit()
            .map_err(OrderbookError::from)?)
    }

    /// Lamports of `n` crank rewards.
    fn rewards(&self, n: u32) -> Result<u64> {
        Ok(self
            .crank_reward_lamports
            .checked_mul(u64::from(n))
            .ok_or(OrderbookError::ArithmeticOverflow)?)
    }

    /// Take `n` crank rewards' worth of lamports into this account's pending
    /// pool; returns the lamports the payer must transfer in.
    pub fn add_pending_rewards(&mut self, n: u32) -> Result<u64> {
        let lamports = self.rewards(n)?;
        self.pending_crank_lamports = self
            .pending_crank_lamports
            .checked_add(lamports)
            .ok_or(OrderbookError::ArithmeticOverflow)?;
        Ok(lamports)
    }

    /// Release `n` crank rewards from the pending pool (paid to a cranker,
    /// or refunded for a cancelled order that pre-paid its final event);
    /// returns the lamports to move out of this account.
    pub fn release_pending_rewards(&mut self, n: u32) -> Result<u64> {
        let lamports = self.rewards(n)?;
        self.pending_crank_lamports = self
            .pending_crank_lamports
            .checked_sub(lamports)
            .ok_or(OrderbookError::ArithmeticOverflow)?;
        Ok(lamports)
    }

    /// The vault obligation of `token`.
    pub fn vault_owed_mut(&mut self, token: TokenKind) -> &mut u64 {
        match token {
            TokenKind::Base => &mut self.base_vault_owed,
            TokenKind::Quote => &mut self.quote_vault_owed,
        }
    }

    /// Record `amount` of `token` entering the vault on a trader's behalf.
    pub fn vault_in(&mut self, token: TokenKind, amount: u64) -> Result<()> {
        let owed = self.vault_owed_mut(token);
        *owed = owed
            .checked_add(amount)
            .ok_or(OrderbookError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Record `amount` of `token` leaving the vault (withdrawal or swept fees).
    pub fn vault_out(&mut self, token: TokenKind, amount: u64) -> Result<()> {
        let owed = self.vault_owed_mut(token);
        *owed = owed
            .checked_sub(amount)
            .ok_or(OrderbookError::ArithmeticOverflow)?;
        Ok(())
    }
}

/// Move `lamports` out of a program-owned account (the market) into `to`.
pub fn pay_lamports(from: &AccountInfo<'_>, to: &AccountInfo<'_>, lamports: u64) -> Result<()> {
    if lamports == 0 {
        return Ok(());
    }
    let mut from_lamports = from.try_borrow_mut_lamports()?;
    **from_lamports = from_lamports
        .checked_sub(lamports)
        .ok_or(OrderbookError::ArithmeticOverflow)?;
    let mut to_lamports = to.try_borrow_mut_lamports()?;
    **to_lamports = to_lamports
        .checked_add(lamports)
        .ok_or(OrderbookError::ArithmeticOverflow)?;
    Ok(())
}

/// Mutable borrows of a market's accounts, from which the engine view is built.
pub struct MarketData<'a, 'info> {
    pub market: RefMut<'a, Market>,
    bids: RefMut<'a, &'info mut [u8]>,
    asks: RefMut<'a, &'info mut [u8]>,
    /// `None` for instructions that never push events (owner cancels): they
    /// get an empty scratch queue so they need not write-lock the real one.
    events: Option<RefMut<'a, &'info mut [u8]>>,
    scratch: [u64; 16],
}

impl<'a, 'info> MarketData<'a, 'info> {
    /// Borrow a market and its book and queue accounts (already checked by
    /// the accounts struct to be this market's, owned by the program and
    /// initialised).
    pub fn load(
        market: &'a AccountLoader<'info, Market>,
        bids: &'a AccountInfo<'info>,
        asks: &'a AccountInfo<'info>,
        events: Option<&'a AccountInfo<'info>>,
    ) -> Result<Self> {
        let market = market.load_mut()?;
        if market.bids != bids.key() || market.asks != asks.key() {
            return err!(OrderbookError::WrongMarketAccount);
        }
        if let Some(e) = events {
            require_keys_eq!(
                market.event_queue,
                e.key(),
                OrderbookError::WrongMarketAccount
            );
        }
        Ok(MarketData {
            market,
            bids: bids.try_borrow_mut_data()?,
            asks: asks.try_borrow_mut_data()?,
            events: events.map(|e| e.try_borrow_mut_data()).transpose()?,
            scratch: [0; 16],
        })
    }

    /// The engine's zero-copy view. Program fields of the market are read
    /// before and updated after the view is used (`self.market`).
    pub fn engine(&mut self) -> Result<EngineMarket<'_>> {
        let events = match self.events.as_mut() {
            Some(e) => EventQueue::load(&mut e[8..]),
            None => EventQueue::init(bytemuck::cast_slice_mut(&mut self.scratch)),
        }
        .map_err(OrderbookError::from)?;
        Ok(EngineMarket::new(
            self.market.engine_mut(),
            BookSide::load(&mut self.bids[8..]).map_err(OrderbookError::from)?,
            BookSide::load(&mut self.asks[8..]).map_err(OrderbookError::from)?,
            events,
        )
        .map_err(OrderbookError::from)?)
    }
}
