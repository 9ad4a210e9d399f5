//! Orders leaving the book at their owner's request (cancel by id, by
//! client id, all) or because they expired (`prune_expired`, and the
//! read-only preview a keeper uses to price one).

use super::*;

impl Market<'_> {
    /// The book node of the order in `slot`, if it is resting. The slot's
    /// node index is a hint; an order that rested at a batch clear (its
    /// node unknown to the trader account) is found by its key.
    pub(super) fn live_node(&self, trader: &TraderState, slot: usize) -> Option<(Side, u32)> {
        let o = trader.orders.get(slot)?;
        if o.in_use == 0 {
            return None;
        }
        let side = Side::try_from(o.side).ok()?;
        let book = self.book(side);
        if book.is_order(o.node) {
            let n = book.node(o.node);
            if n.seq == o.order_seq && n.trader_id == trader.trader_id {
                return Some((side, o.node));
            }
        }
        // Order id 0: a slot reserved for a batch entry, not yet an order.
        if o.order_seq == 0 {
            return None;
        }
        let found = find_by_key(book, o, trader.trader_id)?;
        Some((side, found))
    }

    /// The side and node of the trader's resting order `order_id`.
    pub fn live_order(&self, trader: &TraderState, order_id: u64) -> Option<(Side, u32)> {
        (0..MAX_OPEN_ORDERS)
            .filter(|&s| trader.orders[s].order_seq == order_id)
            .find_map(|s| self.live_node(trader, s))
    }

    pub(super) fn cancel_slot(
        &mut self,
        trader: &mut TraderState,
        slot: usize,
    ) -> Result<CancelOutcome, EngineError> {
        let (side, idx) = self
            .live_node(trader, slot)
            .ok_or(EngineError::OrderNotFound)?;
        let node = *self.book(side).node(idx);
        let (lb, lq) = self.lock_for(side, node.base_lots, node.price)?;
        // Check the unlock can be applied before removing anything.
        let mut bal = trader.balances;
        bal.unlock(side, lb, lq)?;
        self.book_mut(side).remove(idx)?;
        trader.balances = bal;
        let client_order_id = trader.orders[slot].client_order_id;
        trader.release_slot_if(slot as u8, node.seq);
        Ok(CancelOutcome {
            order_id: node.seq,
            client_order_id,
            side,
            price: node.price,
            base_lots: node.base_lots,
            slot: slot as u8,
            expiry: node.expiry,
        })
    }

    /// Cancel the trader's resting order `order_id`; its lock becomes free at once.
    pub fn cancel_order(
        &mut self,
        trader: &mut TraderState,
        order_id: u64,
    ) -> Result<CancelOutcome, EngineError> {
        let slot = (0..MAX_OPEN_ORDERS)
            .find(|&s| {
                trader.orders[s].order_seq == order_id && self.live_node(trader, s).is_some()
            })
            .ok_or(EngineError::OrderNotFound)?;
        self.cancel_slot(trader, slot)
    }

    /// Cancel the trader's first resting order with `client_order_id`.
    pub fn cancel_by_client_id(
        &mut self,
        trader: &mut TraderState,
        client_order_id: u64,
    ) -> Result<CancelOutcome, EngineError> {
        let slot = (0..MAX_OPEN_ORDERS)
            .find(|&s| {
                trader.orders[s].client_order_id == client_order_id
                    && self.live_node(trader, s).is_some()
            })
            .ok_or(EngineError::OrderNotFound)?;
        self.cancel_slot(trader, slot)
    }

    /// Cancel up to `limit` of the trader's resting orders (on `side`, or both),
    /// calling `on_cancel` for each. Returns how many were cancelled.
    pub fn cancel_all(
        &mut self,
        trader: &mut TraderState,
        side: Option<Side>,
        limit: u8,
        mut on_cancel: impl FnMut(&CancelOutcome),
    ) -> Result<u8, EngineError> {
        let mut n = 0u8;
        for slot in 0..MAX_OPEN_ORDERS {
            if n >= limit {
                break;
            }
            match self.live_node(trader, slot) {
                Some((s, _)) if side.is_none_or(|want| want == s) => {
                    let c = self.cancel_slot(trader, slot)?;
                    on_cancel(&c);
                    n += 1;
                }
                _ => {}
            }
        }
        Ok(n)
    }

    /// Remove up to `max_remove` (capped at `MAX_PRUNE_REMOVE`) expired orders
    /// from `side`: those [`prune_preview`] finds, in its order, while the
    /// event queue has room. Returns the number removed.
    pub fn prune_expired(
        &mut self,
        side: Side,
        now: u64,
        max_remove: u32,
    ) -> Result<u32, EngineError> {
        let preview = prune_preview(self.book(side), now, max_remove);
        let mut cursor = preview.cursor_after;
        let mut removed = 0;
        for &idx in preview.nodes() {
            if self.events.free() == 0 {
                // Resume after the last removed order next time.
                cursor = preview.nodes()[..removed as usize]
                    .last()
                    .copied()
                    .unwrap_or(self.book(side).header.prune_cursor);
                break;
            }
            self.remove_with_out(side, idx, OutReason::Expired)?;
            removed += 1;
        }
        self.book_mut(side).header.prune_cursor = cursor;
        Ok(removed)
    }
}

/// What `prune_expired` on a side would remove: the expired orders among the
/// next `MAX_PRUNE_SCAN` pool nodes after the side's prune cursor, at most
/// `max_remove` (capped at `MAX_PRUNE_REMOVE`). Read-only, so a keeper can
/// tell exactly which makers a prune will queue events for, and what it earns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrunePreview {
    nodes: [u32; MAX_PRUNE_REMOVE as usize],
    count: u32,
    /// The prune cursor after removing every node found.
    pub cursor_after: u32,
}

impl PrunePreview {
    /// Pool indices of the orders to remove, in removal order.
    pub fn nodes(&self) -> &[u32] {
        &self.nodes[..self.count as usize]
    }
}

/// See [`PrunePreview`].
pub fn prune_preview(book: &BookSide<'_>, now: u64, max_remove: u32) -> PrunePreview {
    let max_remove = max_remove.min(MAX_PRUNE_REMOVE);
    let cap = book.capacity();
    let mut preview = PrunePreview {
        nodes: [NIL; MAX_PRUNE_REMOVE as usize],
        count: 0,
        cursor_after: book.header.prune_cursor,
    };
    let mut cursor = book.header.prune_cursor;
    for _ in 0..MAX_PRUNE_SCAN.min(cap) {
        if preview.count >= max_remove {
            break;
        }
        cursor = if cursor >= cap { 1 } else { cursor + 1 };
        if book.is_order(cursor) && book.node(cursor).is_expired(now) {
            preview.nodes[preview.count as usize] = cursor;
            preview.count += 1;
        }
    }
    preview.cursor_after = cursor;
    preview
}

/// The node of the order in `o` found by its key (price, id), when the
/// slot's node index is not it. Kept out of line: the common path (the
/// index is right) stays as cheap as it was.
#[inline(never)]
fn find_by_key(book: &BookSide<'_>, o: &OpenOrder, trader_id: u32) -> Option<u32> {
    let i = book.find(o.price, o.order_seq);
    (i != NIL && book.node(i).trader_id == trader_id).then_some(i)
}
