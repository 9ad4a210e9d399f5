//! A trader's operations on a batch market besides committing: revealing a
//! sealed order, queueing a post-only order, queueing a cancel. Each checks
//! everything before it writes, so a refusal changes nothing.

use super::{BatchBook, BatchEntry, BatchError, EntryKind, NO_SLOT, Now};
use crate::book::NIL;
use crate::error::EngineError;
use crate::market::{MAX_PRICE_TICKS, MarketHeader};
use crate::matching::Market;
use crate::order::{MAX_ORDER_LIFETIME_SECS, NO_QUOTE_LIMIT, OrderParams, OrderType, Side};
use crate::quantity::{BaseAtoms, QuoteAtoms, fee_ceil};
use crate::trader::{OpenOrder, TraderState};

impl BatchBook<'_> {
    /// Reveal entry `index`'s sealed order `p`, whose commitment (the
    /// SHA-256 of `auction::commitment_preimage`, computed by the caller)
    /// is `commitment`, at `now`. Locks the order's worst case and, for a limit
    /// order, reserves an open-order slot. Returns the bond to refund.
    pub fn reveal(
        &mut self,
        market: &MarketHeader,
        trader: &mut TraderState,
        index: u32,
        p: &OrderParams,
        commitment: &[u8; 32],
        now: Now,
    ) -> Result<u64, BatchError> {
        let entry = *self.entry(index).ok_or(BatchError::NotCommitted)?;
        if entry.kind()? != EntryKind::Committed {
            return Err(BatchError::NotCommitted);
        }
        if entry.trader_id != trader.trader_id {
            return Err(BatchError::ForeignEntry);
        }
        if self.schedule()?.phase(entry.batch, now.slot) != crate::auction::BatchPhase::Revealing {
            return Err(BatchError::WrongWindow);
        }
        if entry.commitment != *commitment {
            return Err(BatchError::CommitmentMismatch);
        }
        if !matches!(
            p.order_type,
            OrderType::Limit | OrderType::ImmediateOrCancel
        ) {
            return Err(BatchError::UnsupportedOrderType);
        }
        validate(p, now.unix_time)?;
        let (base, quote) = sealed_lock(market, p)?;
        let reserved = self.reserve(trader, p, p.order_type == OrderType::Limit, base, quote)?;
        self.entries[index as usize] = BatchEntry {
            bond_lamports: 0,
            ..entry.with_order(EntryKind::Revealed, p, reserved, base, quote)
        };
        Ok(entry.bond_lamports)
    }

    /// Queue post-only order `p` for the batch whose commit window is open
    /// at `now`: its funds lock and its slot is reserved now, it rests at
    /// that batch's clear. `rank` is the post's ranking hash (the caller's
    /// SHA-256 of its content): posts of one batch rest in its order.
    /// Returns (batch, entry index).
    pub fn queue_post(
        &mut self,
        market: &MarketHeader,
        trader: &mut TraderState,
        p: &OrderParams,
        rank: [u8; 32],
        now: Now,
    ) -> Result<(u64, u32), BatchError> {
        if p.order_type != OrderType::PostOnly {
            return Err(BatchError::UnsupportedOrderType);
        }
        validate(p, now.unix_time)?;
        let batch = self
            .schedule()?
            .committing_batch(now.slot)
            .ok_or(BatchError::NotStarted)?;
        let index = self.admit(batch, trader.trader_id, &rank, false)?;
        // A batch market's maker fee is <= 0 (checked at init): the lock is
        // the order's value alone.
        let (base, quote) = match p.side {
            Side::Ask => (market.base_atoms(p.max_base)?, QuoteAtoms::ZERO),
            Side::Bid => (BaseAtoms::ZERO, market.quote_for(p.max_base, p.price)?),
        };
        let reserved = self.reserve(trader, p, true, base, quote)?;
        self.entries[index as usize] = BatchEntry {
            batch,
            commitment: rank,
            trader_id: trader.trader_id,
            ..BatchEntry::default()
        }
        .with_order(EntryKind::Post, p, reserved, base, quote);
        Ok((batch, index))
    }

    /// Queue a cancel of the trader's resting order `order_id` for the
    /// oldest batch whose reveals have not opened at `slot`. Returns
    /// (batch, entry index).
    pub fn queue_cancel(
        &mut self,
        market: &Market<'_>,
        trader: &TraderState,
        order_id: u64,
        slot: u64,
    ) -> Result<(u64, u32), BatchError> {
        let (side, node) = market
            .live_order(trader, order_id)
            .ok_or(EngineError::OrderNotFound)?;
        if self
            .entries
            .iter()
            .any(|e| e.is(EntryKind::Cancel) && e.order_id == order_id)
        {
            return Err(BatchError::CancelQueued);
        }
        let batch = self
            .schedule()?
            .cancelling_batch(slot)
            .ok_or(BatchError::NotStarted)?;
        // Cancels carry no ranking key: the uniqueness check skips them.
        let index = self.admit(batch, trader.trader_id, &[0; 32], false)?;
        self.entries[index as usize] = BatchEntry {
            batch,
            trader_id: trader.trader_id,
            kind: EntryKind::Cancel as u8,
            side: side as u8,
            slot: NO_SLOT,
            price: market.book(side).node(node).price,
            order_id,
            ..BatchEntry::default()
        };
        Ok((batch, index))
    }

    /// Lock `base`/`quote` and, when `with_slot`, reserve an open-order slot
    /// (in use, order id 0 until the order rests); returns the slot or `NO_SLOT`.
    fn reserve(
        &self,
        trader: &mut TraderState,
        p: &OrderParams,
        with_slot: bool,
        base: BaseAtoms,
        quote: QuoteAtoms,
    ) -> Result<u8, BatchError> {
        let slot = if with_slot {
            Some(trader.free_slot().ok_or(EngineError::TooManyOpenOrders)?)
        } else {
            None
        };
        let mut balances = trader.balances;
        balances
            .lock(base, quote)
            .map_err(|_| EngineError::InsufficientFunds)?;
        trader.balances = balances;
        let Some(slot) = slot else {
            return Ok(NO_SLOT);
        };
        trader.occupy(
            slot,
            OpenOrder {
                order_seq: 0,
                client_order_id: p.client_order_id,
                price: p.price,
                node: NIL,
                side: p.side as u8,
                ..OpenOrder::default()
            },
        );
        Ok(slot as u8)
    }
}

/// The checks `place_order` makes that do not depend on the book.
fn validate(p: &OrderParams, now: u64) -> Result<(), EngineError> {
    if p.price.is_zero() || p.price.get() > MAX_PRICE_TICKS {
        return Err(EngineError::InvalidPrice);
    }
    if p.max_base.is_zero() || p.max_quote != NO_QUOTE_LIMIT {
        return Err(EngineError::InvalidSize);
    }
    if p.expiry != 0 && p.expiry <= now {
        return Err(EngineError::AlreadyExpired);
    }
    if p.expiry > now.saturating_add(MAX_ORDER_LIFETIME_SECS) {
        return Err(EngineError::ExpiryTooFar);
    }
    Ok(())
}

/// The worst case a sealed order locks: a bid its whole size at its limit
/// plus the taker fee on it (rounded up), an ask its base. It covers any
/// fill at a uniform price at or better than the limit.
fn sealed_lock(
    market: &MarketHeader,
    p: &OrderParams,
) -> Result<(BaseAtoms, QuoteAtoms), EngineError> {
    match p.side {
        Side::Ask => Ok((market.base_atoms(p.max_base)?, QuoteAtoms::ZERO)),
        Side::Bid => {
            let value = market
                .quote_for(p.max_base, p.price)
                .map_err(|_| EngineError::InvalidSize)?;
            let fee = fee_ceil(value.get(), market.taker_fee_ppm)?;
            Ok((BaseAtoms::ZERO, value.try_add(QuoteAtoms::new(fee))?))
        }
    }
}
