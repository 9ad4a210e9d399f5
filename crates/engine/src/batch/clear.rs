//! Clearing a batch: forfeit the unrevealed, apply queued cancels, rest
//! queued posts, cross every revealed order with the book at one price,
//! settle through the event queue. On a market that is not Active a clear
//! crosses nothing: it forfeits and cancels as usual and releases every
//! revealed order; posts still rest on a post-only market and are released
//! on a paused or closed one, so a halted market still drains its batches.
//! Refusals (too early, no room in the queue, buffers too small) come
//! before any write; after them nothing can fail: arithmetic that would
//! overflow makes the batch trade nothing instead (every entry released),
//! so a batch can always be cleared.

use super::{BatchBook, BatchEntry, BatchError, EntryKind, NO_SLOT, Now};
use crate::auction::{BatchPhase, Clearing, Priced, Priority, Ranked, allocate, clearing_price};
use crate::book::{NIL, OrderNode};
use crate::error::EngineError;
use crate::event_queue::{EventKind, OutReason, QueueEvent};
use crate::market::MarketStatus;
use crate::matching::Market;
use crate::order::Side;
use crate::quantity::{BaseLots, QuoteAtoms, Ticks, fee_ceil, fee_floor, mul_u64};

/// Most resting orders per side one clear considers (best first), like a
/// taker's match limit: it bounds the clear's work.
pub const MAX_CLEAR_RESTING: usize = 64;

/// One order in a clear: a resting order (`source` = its node) or a
/// revealed entry (`source` = its entry index), told apart by `priority`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Participant {
    pub price: Ticks,
    pub lots: BaseLots,
    pub priority: Priority,
    pub source: u32,
}

impl Priced for Participant {
    fn price(&self) -> Ticks {
        self.price
    }
    fn lots(&self) -> BaseLots {
        self.lots
    }
}

impl Ranked for Participant {
    fn priority(&self) -> Priority {
        self.priority
    }
}

/// Working memory of a clear, each slice at least
/// [`clear_buffer_len`]`(entries_per_batch)` long (the caller allocates:
/// the heap on-chain).
pub struct ClearBuffers<'s> {
    pub bids: &'s mut [Participant],
    pub asks: &'s mut [Participant],
    pub bid_fills: &'s mut [BaseLots],
    pub ask_fills: &'s mut [BaseLots],
    pub posts: &'s mut [u32],
}

/// The most events one clear of a batch market with `entries_per_batch`
/// can push: the event queue must hold that many, or a full batch can only
/// be cleared after the crank drains the queue enough.
pub const fn max_clear_events(entries_per_batch: u32) -> u32 {
    MAX_CLEAR_RESTING as u32 + 4 * entries_per_batch
}

/// The most events a clear of a batch holding these entries can push (the
/// queue room it needs): a cancel one; a post two (an eviction and its rest
/// or release); a resting order one, and only one side's resting orders
/// trade (the book is never crossed); a revealed order four (fill, release,
/// eviction, rest). Committed entries never revealed push none.
pub const fn clear_event_bound(cancels: u32, posts: u32, revealed: u32) -> u32 {
    cancels + 2 * posts + MAX_CLEAR_RESTING as u32 + 4 * revealed
}

/// Length each of [`ClearBuffers`]' slices needs.
pub const fn clear_buffer_len(entries_per_batch: u32) -> usize {
    MAX_CLEAR_RESTING + entries_per_batch as usize
}

/// What a clear did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearOutcome {
    pub batch: u64,
    /// The uniform price, if anything traded.
    pub price: Option<Ticks>,
    pub volume: BaseLots,
    /// Bonds of unrevealed commitments moved to the forfeit pool.
    pub forfeited_lamports: u64,
    pub revealed: u32,
    pub forfeited: u32,
    pub first_event_seq: u64,
    pub events_pushed: u32,
}

/// A trade a clear has computed and checked, before it is applied.
struct Trade {
    clearing: Clearing,
    per_lot: u64,
    bids: usize,
    asks: usize,
}

impl BatchBook<'_> {
    /// Clear the oldest batch not yet cleared that holds entries, once its
    /// reveal window is over; empty batches before it are skipped in the
    /// same call, so an idle market needs no clear per batch. Expired
    /// resting orders (at `now.unix_time`) do not trade.
    pub fn clear(
        &mut self,
        market: &mut Market<'_>,
        now: Now,
        buf: &mut ClearBuffers<'_>,
    ) -> Result<ClearOutcome, BatchError> {
        let schedule = self.schedule()?;
        let oldest = self.oldest_batch_with_entries();
        let Some(k) = oldest.filter(|&k| schedule.phase(k, now.slot) == BatchPhase::Clearable)
        else {
            // Nothing to trade yet: only empty batches may pass.
            return self.skip_empty_batches(now.slot, oldest);
        };
        let need = clear_buffer_len(self.header.entries_per_batch);
        if [
            buf.bids.len(),
            buf.asks.len(),
            buf.bid_fills.len(),
            buf.ask_fills.len(),
            buf.posts.len(),
        ]
        .iter()
        .any(|&len| len < need)
        {
            return Err(EngineError::InvalidAccountData.into());
        }
        if market.events.free() < self.most_events(k) {
            return Err(EngineError::EventQueueFull.into());
        }
        let mut out = ClearOutcome {
            batch: k,
            first_event_seq: market.events.header.next_seq,
            ..ClearOutcome::default()
        };
        let status = market.header.status()?;
        let crossing = status == MarketStatus::Active;
        let posting = matches!(status, MarketStatus::Active | MarketStatus::PostOnly);
        self.forfeit(k, &mut out);
        self.apply_cancels(market, k, buf)?;
        self.rest_posts(market, k, posting, buf)?;
        let trade = if crossing {
            self.auction(market, k, now.unix_time, buf)
        } else {
            None
        };
        if let Some(t) = &trade {
            self.trade(market, t, buf)?;
            out.price = Some(t.clearing.price);
            out.volume = t.clearing.volume;
            self.header.last_price = t.clearing.price;
        }
        self.settle_revealed(market, k, trade.as_ref(), crossing, buf, &mut out)?;
        self.header.next_clear = k + 1;
        out.events_pushed = (market.events.header.next_seq - out.first_event_seq) as u32;
        Ok(out)
    }

    /// The oldest batch any entry belongs to.
    fn oldest_batch_with_entries(&self) -> Option<u64> {
        self.entries
            .iter()
            .filter(|e| !e.is(EntryKind::Free))
            .map(|e| e.batch)
            .min()
    }

    /// Advance `next_clear` past clearable batches that hold nothing (all
    /// before `oldest`, the oldest with entries), in one step however long
    /// the market was idle; refused when there are none.
    fn skip_empty_batches(
        &mut self,
        slot: u64,
        oldest: Option<u64>,
    ) -> Result<ClearOutcome, BatchError> {
        let last = self.schedule()?.last_clearable(slot);
        let through = match (last, oldest) {
            (Some(last), Some(oldest)) if oldest > 0 => last.min(oldest - 1),
            (Some(last), None) => last,
            _ => return Err(BatchError::WrongWindow),
        };
        if through < self.header.next_clear {
            return Err(BatchError::WrongWindow);
        }
        self.header.next_clear = through + 1;
        Ok(ClearOutcome {
            batch: through,
            ..ClearOutcome::default()
        })
    }

    fn batch_entries(&self, k: u64, kind: EntryKind) -> impl Iterator<Item = (u32, &BatchEntry)> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.batch == k && e.is(kind))
            .map(|(i, e)| (i as u32, e))
    }

    /// The most events batch `k`'s clear can push ([`clear_event_bound`]).
    fn most_events(&self, k: u64) -> u32 {
        let count = |kind| self.batch_entries(k, kind).count() as u32;
        clear_event_bound(
            count(EntryKind::Cancel),
            count(EntryKind::Post),
            count(EntryKind::Revealed),
        )
    }

    /// Unrevealed commitments lose their bond to the forfeit pool.
    fn forfeit(&mut self, k: u64, out: &mut ClearOutcome) {
        for e in self.entries.iter_mut() {
            if e.batch == k && e.is(EntryKind::Committed) {
                out.forfeited_lamports = out.forfeited_lamports.saturating_add(e.bond_lamports);
                out.forfeited += 1;
                *e = BatchEntry::default();
            }
        }
        self.header.forfeited_lamports = self
            .header
            .forfeited_lamports
            .saturating_add(out.forfeited_lamports);
    }

    /// The indices of batch `k`'s entries of `kind`, in `buf.posts`,
    /// ordered by `key`: the order of arrival (and so of the pool) must
    /// never show in what a clear writes, events included.
    fn in_key_order<K: Ord>(
        &self,
        k: u64,
        kind: EntryKind,
        key: impl Fn(&BatchEntry) -> K,
        buf: &mut [u32],
    ) -> usize {
        let mut n = 0;
        for (i, _) in self.batch_entries(k, kind) {
            buf[n] = i;
            n += 1;
        }
        buf[..n].sort_unstable_by_key(|&i| key(&self.entries[i as usize]));
        n
    }

    /// Queued cancels remove their orders, by order id (gone already:
    /// nothing to do).
    fn apply_cancels(
        &mut self,
        market: &mut Market<'_>,
        k: u64,
        buf: &mut ClearBuffers<'_>,
    ) -> Result<(), BatchError> {
        let n = self.in_key_order(k, EntryKind::Cancel, |e| e.order_id, buf.posts);
        for &i in buf.posts[..n].iter() {
            let e = self.entries[i as usize];
            let side = Side::try_from(e.side)?;
            let node = market.book(side).find(e.price, e.order_id);
            if node != NIL && market.book(side).node(node).trader_id == e.trader_id {
                market.remove_with_out(side, node, OutReason::Cancelled)?;
            }
            self.entries[i as usize] = BatchEntry::default();
        }
        Ok(())
    }

    /// Queued posts rest in the order of their ranking hash, not of their
    /// arrival; one that would cross or cannot fit a full side, or any
    /// unless the market is `posting`, is released.
    fn rest_posts(
        &mut self,
        market: &mut Market<'_>,
        k: u64,
        posting: bool,
        buf: &mut ClearBuffers<'_>,
    ) -> Result<(), BatchError> {
        let n = self.in_key_order(k, EntryKind::Post, |e| e.commitment, buf.posts);
        for &i in buf.posts[..n].iter() {
            let e = self.entries[i as usize];
            let lots = if posting { e.max_base } else { BaseLots::ZERO };
            rest_or_release(market, &e, lots, e.locked_base.get(), e.locked_quote)?;
            self.entries[i as usize] = BatchEntry::default();
        }
        Ok(())
    }

    /// The uniform price of batch `k`'s revealed orders against the book,
    /// with every fill sized and every amount checked; `None` when nothing
    /// crosses or an amount would overflow.
    fn auction(
        &self,
        market: &Market<'_>,
        k: u64,
        now: u64,
        buf: &mut ClearBuffers<'_>,
    ) -> Option<Trade> {
        let (mut nb, mut na) = (0, 0);
        for (i, e) in self.batch_entries(k, EntryKind::Revealed) {
            let p = Participant {
                price: e.price,
                lots: e.max_base,
                priority: Priority::Sealed {
                    commitment: e.commitment,
                },
                source: i,
            };
            if e.side == Side::Bid as u8 {
                buf.bids[nb] = p;
                nb += 1;
            } else {
                buf.asks[na] = p;
                na += 1;
            }
        }
        // Resting orders that can cross a revealed order of the other side.
        let highest_bid = buf.bids[..nb].iter().map(|p| p.price).max();
        let lowest_ask = buf.asks[..na].iter().map(|p| p.price).min();
        nb += resting(market, Side::Bid, lowest_ask, now, &mut buf.bids[nb..]);
        na += resting(market, Side::Ask, highest_bid, now, &mut buf.asks[na..]);
        sort_best_first(Side::Bid, &mut buf.bids[..nb]);
        sort_best_first(Side::Ask, &mut buf.asks[..na]);
        let reference = if self.header.last_price.is_zero() {
            mid(market)
        } else {
            Some(self.header.last_price)
        };
        let clearing = clearing_price(&buf.bids[..nb], &buf.asks[..na], reference).ok()??;
        allocate(
            Side::Bid,
            &buf.bids[..nb],
            &clearing,
            &mut buf.bid_fills[..nb],
        )
        .ok()?;
        allocate(
            Side::Ask,
            &buf.asks[..na],
            &clearing,
            &mut buf.ask_fills[..na],
        )
        .ok()?;
        let per_lot = market.header.quote_atoms_per_lot(clearing.price).ok()?;
        let trade = Trade {
            clearing,
            per_lot,
            bids: nb,
            asks: na,
        };
        self.amounts_fit(market, &trade, buf).then_some(trade)
    }

    /// Every fill's quote and fee, and the fee total, fit in u64.
    fn amounts_fit(&self, market: &Market<'_>, t: &Trade, buf: &ClearBuffers<'_>) -> bool {
        let mut fees = market.header.accrued_fees.get();
        let fills = buf.bids[..t.bids]
            .iter()
            .zip(&buf.bid_fills[..t.bids])
            .chain(buf.asks[..t.asks].iter().zip(&buf.ask_fills[..t.asks]));
        for (p, fill) in fills {
            let Ok(quote) = mul_u64(fill.get(), t.per_lot) else {
                return false;
            };
            let Ok(fee) = fee_ceil(quote, market.header.taker_fee_ppm) else {
                return false;
            };
            if matches!(p.priority, Priority::Sealed { .. }) {
                let Some(sum) = fees.checked_add(fee) else {
                    return false;
                };
                fees = sum;
            }
        }
        mul_u64(t.clearing.volume.get(), t.per_lot).is_ok()
    }

    /// Fill the resting orders at the uniform price (`AuctionFill`) and the
    /// revealed ones (`SealedFill`); collect the fees.
    fn trade(
        &mut self,
        market: &mut Market<'_>,
        t: &Trade,
        buf: &ClearBuffers<'_>,
    ) -> Result<(), BatchError> {
        let price = t.clearing.price;
        let rebate_ppm = market.header.maker_fee_ppm.unsigned_abs();
        let mut taker_fees = 0u64;
        let mut rebates = 0u64;
        for (side, orders, fills) in [
            (Side::Bid, &buf.bids[..t.bids], &buf.bid_fills[..t.bids]),
            (Side::Ask, &buf.asks[..t.asks], &buf.ask_fills[..t.asks]),
        ] {
            for (p, fill) in orders.iter().zip(fills) {
                if fill.is_zero() {
                    continue;
                }
                let quote = mul_u64(fill.get(), t.per_lot)?;
                match p.priority {
                    Priority::Resting { .. } => {
                        let rebate = fee_floor(quote, rebate_ppm)?;
                        rebates = rebates.checked_add(rebate).ok_or(EngineError::Overflow)?;
                        fill_resting(market, side, p.source, *fill, quote, rebate)?;
                    }
                    Priority::Sealed { .. } => {
                        let fee = fee_ceil(quote, market.header.taker_fee_ppm)?;
                        taker_fees = taker_fees.checked_add(fee).ok_or(EngineError::Overflow)?;
                        let e = &mut self.entries[p.source as usize];
                        e.filled = *fill;
                        market.events.push(QueueEvent {
                            kind: EventKind::SealedFill as u8,
                            maker_side: side as u8,
                            maker_slot: e.slot,
                            maker_trader_id: e.trader_id,
                            price,
                            base_lots: *fill,
                            quote: QuoteAtoms(quote),
                            maker_fee: fee as i64,
                            ..QueueEvent::default()
                        })?;
                    }
                }
            }
        }
        // Rebates never exceed the fees: resting orders trade on one side
        // only (the book is not crossed), against sealed orders that pay the
        // taker fee on at least as much quote, and |maker fee| <= taker fee.
        let net = taker_fees.saturating_sub(rebates);
        market.header.accrued_fees = market.header.accrued_fees.try_add(QuoteAtoms(net))?;
        let volume_quote = QuoteAtoms(mul_u64(t.clearing.volume.get(), t.per_lot)?);
        market.header.record_volume(t.clearing.volume, volume_quote);
        Ok(())
    }

    /// Every revealed order of batch `k`, by commitment: its remainder
    /// rests (a limit order that no longer crosses and fits, on a market
    /// `crossing` batches) or is released, with what its lock no longer needs.
    fn settle_revealed(
        &mut self,
        market: &mut Market<'_>,
        k: u64,
        trade: Option<&Trade>,
        crossing: bool,
        buf: &mut ClearBuffers<'_>,
        out: &mut ClearOutcome,
    ) -> Result<(), BatchError> {
        let n = self.in_key_order(k, EntryKind::Revealed, |e| e.commitment, buf.posts);
        for &i in buf.posts[..n].iter() {
            let i = i as usize;
            let e = self.entries[i];
            out.revealed += 1;
            // Set by `trade`; zero when nothing traded.
            let filled = e.filled;
            let remainder = e.max_base.try_sub(filled)?;
            let (spent_base, spent_quote) = match (trade, Side::try_from(e.side)?) {
                (Some(t), Side::Bid) => {
                    let quote = mul_u64(filled.get(), t.per_lot)?;
                    let fee = fee_ceil(quote, market.header.taker_fee_ppm)?;
                    (0, quote.checked_add(fee).ok_or(EngineError::Overflow)?)
                }
                (_, Side::Ask) => (market.header.base_atoms(filled)?.get(), 0),
                (None, Side::Bid) => (0, 0),
            };
            let left_base = e
                .locked_base
                .get()
                .checked_sub(spent_base)
                .ok_or(EngineError::Overflow)?;
            let left_quote = e.locked_quote.try_sub(QuoteAtoms(spent_quote))?;
            let rests = crossing && e.order_type == crate::order::OrderType::Limit as u8;
            let rest_lots = if rests { remainder } else { BaseLots::ZERO };
            rest_or_release(market, &e, rest_lots, left_base, left_quote)?;
            self.entries[i] = BatchEntry::default();
        }
        Ok(())
    }
}

/// Rest `lots` of entry `e` (a post or a revealed limit order's remainder)
/// if they do not cross and fit, and release the rest of what the entry
/// still locks (`left_base` atoms / `left_quote`).
fn rest_or_release(
    market: &mut Market<'_>,
    e: &BatchEntry,
    lots: BaseLots,
    left_base: u64,
    left_quote: QuoteAtoms,
) -> Result<(), BatchError> {
    let side = Side::try_from(e.side)?;
    let opposite = market.book(side.opposite()).best_order().map(|o| o.price);
    let crosses = opposite.is_some_and(|best| side.crosses(e.price, best));
    let own = market.book(side);
    let fits = !own.is_full() || own.beats_worst(e.price);
    let rests = !lots.is_zero() && e.slot != NO_SLOT && !crosses && fits;
    // What the resting order keeps locked: its value (a batch market's maker
    // fee is <= 0, so nothing on top) or its base.
    let (keep_base, keep_quote) = if rests {
        market.lock_for(side, lots, e.price)?
    } else {
        (Default::default(), QuoteAtoms::ZERO)
    };
    let release_base = left_base
        .checked_sub(keep_base.get())
        .ok_or(EngineError::Overflow)?;
    let release_quote = left_quote.try_sub(keep_quote)?;
    let release_lots = match side {
        Side::Ask => BaseLots(release_base / market.header.base_lot_size),
        Side::Bid => BaseLots::ZERO,
    };
    // The slot goes back with the release when nothing rests.
    let frees_slot = !rests && e.slot != NO_SLOT;
    if !release_lots.is_zero() || !release_quote.is_zero() || frees_slot {
        market.push_out(
            side,
            &OrderNode {
                trader_id: e.trader_id,
                price: e.price,
                seq: 0,
                slot: e.slot,
                ..OrderNode::default()
            },
            release_lots,
            release_quote,
            frees_slot,
            OutReason::Released,
        )?;
    }
    if rests {
        rest(market, e, side, lots)?;
    }
    Ok(())
}

/// Put `lots` of entry `e` on the book (evicting the worst order of a full
/// side) and tell its trader the new order id (`Posted`).
fn rest(
    market: &mut Market<'_>,
    e: &BatchEntry,
    side: Side,
    lots: BaseLots,
) -> Result<(), BatchError> {
    if market.book(side).is_full() {
        let worst = market.book(side).worst();
        market.remove_with_out(side, worst, OutReason::Evicted)?;
    }
    let order_id = market.header.next_order_seq;
    market.header.next_order_seq = order_id.checked_add(1).ok_or(EngineError::Overflow)?;
    market.book_mut(side).insert(OrderNode {
        trader_id: e.trader_id,
        price: e.price,
        seq: order_id,
        base_lots: lots,
        expiry: e.expiry,
        slot: e.slot,
        ..OrderNode::default()
    })?;
    market.events.push(QueueEvent {
        kind: EventKind::Posted as u8,
        maker_side: side as u8,
        maker_slot: e.slot,
        maker_expires: u8::from(e.expiry != 0),
        maker_trader_id: e.trader_id,
        maker_order_seq: order_id,
        price: e.price,
        base_lots: lots,
        ..QueueEvent::default()
    })?;
    Ok(())
}

/// A resting order's fill at the uniform price: its own price stays in the
/// event, so the crank releases its lock at it.
fn fill_resting(
    market: &mut Market<'_>,
    side: Side,
    node: u32,
    lots: BaseLots,
    quote: u64,
    rebate: u64,
) -> Result<(), BatchError> {
    let maker = *market.book(side).node(node);
    let gone = lots == maker.base_lots;
    if gone {
        market.book_mut(side).remove(node)?;
    } else {
        market.book_mut(side).reduce(node, lots)?;
    }
    market.events.push(QueueEvent {
        kind: EventKind::AuctionFill as u8,
        maker_side: side as u8,
        maker_out: u8::from(gone),
        maker_slot: maker.slot,
        maker_expires: u8::from(maker.expiry != 0),
        maker_trader_id: maker.trader_id,
        maker_order_seq: maker.seq,
        price: maker.price,
        base_lots: lots,
        quote: QuoteAtoms(quote),
        maker_fee: -(rebate as i64),
        ..QueueEvent::default()
    })?;
    Ok(())
}

/// Copy up to `MAX_CLEAR_RESTING` live resting orders of `side` that cross
/// `limit` (the best opposite revealed price) into `out`, best first,
/// looking at most twice as far (past expired ones); returns how many.
fn resting(
    market: &Market<'_>,
    side: Side,
    limit: Option<Ticks>,
    now: u64,
    out: &mut [Participant],
) -> usize {
    let Some(limit) = limit else {
        return 0;
    };
    let mut n = 0;
    for (node, o) in market.book(side).iter().take(2 * MAX_CLEAR_RESTING) {
        if n == MAX_CLEAR_RESTING || !side.opposite().crosses(limit, o.price) {
            break;
        }
        if o.is_expired(now) {
            continue;
        }
        out[n] = Participant {
            price: o.price,
            lots: o.base_lots,
            priority: Priority::Resting { seq: o.seq },
            source: node,
        };
        n += 1;
    }
    n
}

/// Best price first, then priority (resting by time, then sealed by commitment).
fn sort_best_first(side: Side, orders: &mut [Participant]) {
    orders.sort_unstable_by(|a, b| {
        let by_price = match side {
            Side::Bid => b.price.cmp(&a.price),
            Side::Ask => a.price.cmp(&b.price),
        };
        by_price.then(a.priority.cmp(&b.priority))
    });
}

/// The book's mid price, when both sides hold orders.
fn mid(market: &Market<'_>) -> Option<Ticks> {
    let bid = market.bids.best_order()?.price.get();
    let ask = market.asks.best_order()?.price.get();
    Some(Ticks((bid + ask) / 2))
}
