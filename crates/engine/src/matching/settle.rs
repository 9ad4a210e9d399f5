//! Where funds move: a fill (taker at once, maker through the queue), a
//! maker order removed or shrunk with its `Out` event, and the crank's
//! application of queued events to makers.

use super::*;

impl Market<'_> {
    /// Apply one fill: taker settles now, maker's side goes to the queue.
    /// Every amount that can fail is computed before the first write.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn fill(
        &mut self,
        taker: &mut TraderState,
        taker_side: Side,
        at: &MakerAt<'_>,
        b: BaseLots,
        q: u64,
        tf: u64,
        per_lot: u64,
    ) -> Result<(), EngineError> {
        let maker = at.order;
        let mf = self.maker_fee(maker.base_lots, b, per_lot)?;
        let base = self.header.base_atoms(b)?;
        let (q, tf) = (QuoteAtoms(q), QuoteAtoms(tf));
        let mut bal = taker.balances;
        match taker_side {
            Side::Bid => {
                bal.free_quote = bal.free_quote.try_sub(q.try_add(tf)?)?;
                bal.free_base = bal.free_base.try_add(base)?;
            }
            Side::Ask => {
                bal.free_base = bal.free_base.try_sub(base)?;
                bal.free_quote = bal.free_quote.try_add(q.try_sub(tf)?)?;
            }
        }
        // Net fee tf + mf >= 0 because |maker_ppm| <= taker_ppm (see module docs).
        let net = if mf >= 0 {
            tf.try_add(QuoteAtoms(mf as u64))?
        } else {
            tf.try_sub(QuoteAtoms(mf.unsigned_abs()))?
        };
        let accrued = self.header.accrued_fees.try_add(net)?;
        let maker_out = b == maker.base_lots;
        let opp = taker_side.opposite();
        // Writes start here; the book and queue operations below cannot fail
        // for a live node and a queue whose room was checked by the caller.
        taker.balances = bal;
        self.header.accrued_fees = accrued;
        self.header.record_volume(b, q);
        if maker_out {
            self.book_mut(opp).remove_before(at.idx, at.next)?;
        } else {
            self.book_mut(opp).reduce(at.idx, b)?;
        }
        self.events.push(QueueEvent {
            kind: EventKind::Fill as u8,
            maker_side: opp as u8,
            maker_out: u8::from(maker_out),
            maker_slot: maker.slot,
            maker_expires: u8::from(maker.expiry != 0),
            maker_trader_id: maker.trader_id,
            taker_trader_id: taker.trader_id,
            maker_order_seq: maker.seq,
            price: maker.price,
            base_lots: b,
            quote: q,
            maker_fee: mf,
            ..QueueEvent::default()
        })?;
        Ok(())
    }

    /// Remove node `idx` of `side` and queue an `Out` releasing its whole lock.
    pub(crate) fn remove_with_out(
        &mut self,
        side: Side,
        idx: u32,
        reason: OutReason,
    ) -> Result<(), EngineError> {
        let node = *self.book(side).node(idx);
        let (_, lq) = self.lock_for(side, node.base_lots, node.price)?;
        self.book_mut(side).remove(idx)?;
        self.push_out(side, &node, node.base_lots, lq, true, reason)
    }

    /// Shrink node `idx` by `d` lots (self-trade decrement) and queue an `Out`
    /// releasing exactly `lock(R) - lock(R - d)`.
    pub(super) fn shrink_with_out(
        &mut self,
        side: Side,
        idx: u32,
        d: BaseLots,
    ) -> Result<(), EngineError> {
        let node = *self.book(side).node(idx);
        let (_, before) = self.lock_for(side, node.base_lots, node.price)?;
        let (_, after) = self.lock_for(side, node.base_lots.try_sub(d)?, node.price)?;
        self.book_mut(side).reduce(idx, d)?;
        self.push_out(
            side,
            &node,
            d,
            before.try_sub(after)?,
            false,
            OutReason::SelfTrade,
        )
    }

    pub(crate) fn push_out(
        &mut self,
        side: Side,
        node: &OrderNode,
        lots: BaseLots,
        quote_release: QuoteAtoms,
        gone: bool,
        reason: OutReason,
    ) -> Result<(), EngineError> {
        self.events.push(QueueEvent {
            kind: EventKind::Out as u8,
            maker_side: side as u8,
            maker_out: u8::from(gone),
            out_reason: reason as u8,
            maker_slot: node.slot,
            maker_expires: u8::from(node.expiry != 0),
            maker_trader_id: node.trader_id,
            maker_order_seq: node.seq,
            price: node.price,
            base_lots: lots,
            quote: quote_release,
            ..QueueEvent::default()
        })?;
        Ok(())
    }

    /// Apply the oldest queued event to its maker and drop it from the queue.
    pub fn consume_front(&mut self, maker: &mut TraderState) -> Result<QueueEvent, EngineError> {
        let ev = *self.events.front().ok_or(EngineError::EventQueueEmpty)?;
        apply_event(self.header, maker, &ev)?;
        self.events.pop_front()
    }
}

/// Apply a queued event to the trader it names (the crank's work).
/// All-or-nothing: on error the trader is unchanged.
pub fn apply_event(
    header: &MarketHeader,
    trader: &mut TraderState,
    ev: &QueueEvent,
) -> Result<(), EngineError> {
    if ev.maker_trader_id != trader.trader_id {
        return Err(EngineError::EventTraderMismatch);
    }
    let side = ev.maker_side()?;
    let mut t = trader.balances;
    match ev.kind()? {
        // A sealed order's fill pays from its lock as a maker's does; its
        // fee is the taker fee (never a rebate).
        EventKind::Fill | EventKind::SealedFill => {
            let base = header.base_atoms(ev.base_lots)?;
            let (fee, rebate) = split_fee(ev.maker_fee);
            match side {
                Side::Bid => {
                    t.locked_quote = t.locked_quote.try_sub(ev.quote.try_add(fee)?)?;
                    t.free_quote = t.free_quote.try_add(rebate)?;
                    t.free_base = t.free_base.try_add(base)?;
                }
                Side::Ask => {
                    t.locked_base = t.locked_base.try_sub(base)?;
                    t.free_quote = t
                        .free_quote
                        .try_add(ev.quote.try_sub(fee)?.try_add(rebate)?)?;
                }
            }
        }
        EventKind::Out => {
            OutReason::try_from(ev.out_reason)?;
            let base = header.base_atoms(ev.base_lots)?;
            t.unlock(side, base, ev.quote)?;
        }
        EventKind::AuctionFill => apply_auction_fill(header, &mut t, side, ev)?,
        EventKind::Posted => return trader.settle_posted(ev),
    }
    trader.balances = t;
    if ev.maker_out != 0 {
        trader.release_slot_if(ev.maker_slot, ev.maker_order_seq);
    }
    Ok(())
}

/// A resting order's fill at a batch's uniform price: the bid locked its
/// value at its own price and pays the (lower or equal) clearing price, so
/// the difference comes back.
fn apply_auction_fill(
    header: &MarketHeader,
    t: &mut crate::trader::Balances,
    side: Side,
    ev: &QueueEvent,
) -> Result<(), EngineError> {
    let base = header.base_atoms(ev.base_lots)?;
    let (fee, rebate) = split_fee(ev.maker_fee);
    match side {
        Side::Bid => {
            let lock = header.quote_for(ev.base_lots, ev.price)?;
            t.locked_quote = t.locked_quote.try_sub(lock)?;
            let back = lock.try_sub(ev.quote)?.try_add(rebate)?.try_sub(fee)?;
            t.free_quote = t.free_quote.try_add(back)?;
            t.free_base = t.free_base.try_add(base)?;
        }
        Side::Ask => {
            t.locked_base = t.locked_base.try_sub(base)?;
            t.free_quote = t
                .free_quote
                .try_add(ev.quote.try_add(rebate)?.try_sub(fee)?)?;
        }
    }
    Ok(())
}

/// A signed maker fee as (fee charged, rebate paid), both >= 0.
fn split_fee(maker_fee: i64) -> (QuoteAtoms, QuoteAtoms) {
    if maker_fee >= 0 {
        (QuoteAtoms(maker_fee as u64), QuoteAtoms::ZERO)
    } else {
        (QuoteAtoms::ZERO, QuoteAtoms(maker_fee.unsigned_abs()))
    }
}
