//! Order placement and the match loop (here), with `funds` (what an order
//! needs and locks), `settle` (fills, outs and the crank's event
//! application) and `cancel` (cancels and expiry pruning).
//!
//! # Atomicity
//! Every operation validates everything that can fail *before* it mutates:
//! funds for the order's worst case, a free open-order slot, room on the book
//! side, room in the event queue for the most events the call can push, and
//! (for fill-or-kill and abort-on-self-trade) a dry run of the very same match
//! loop. An error therefore leaves the market and the trader untouched.
//!
//! # Money flow
//! The taker settles at once: its free balances change during matching. The
//! maker's side of each fill is written to the event queue and applied later
//! by [`apply_event`] (the crank). Per token, at every instant:
//! `Σ(free + locked) + accrued fees + Σ(event effects not yet applied)
//!  == deposits − withdrawals`.
//!
//! # Fees
//! Taker fee: `ceil(quote * taker_ppm / 1e6)` per fill. Maker fee/rebate
//! telescopes over the order's life: a fill taking an order from `R` to `R-b`
//! lots charges `f(R) - f(R-b)` with `f(n) = floor(n * price * |maker_ppm| / 1e6)`,
//! so partial fills add up exactly to the fee on the whole order and a bid's
//! lock `n * price + f(n)` (for a positive maker fee) is released exactly.
//! With `|maker_ppm| <= taker_ppm` the net fee of every fill is `>= 0`.

use crate::book::{BookSide, NIL, OrderNode};
use crate::error::EngineError;
use crate::event_queue::{EventKind, EventQueue, OutReason, QueueEvent};
use crate::market::{MAX_PRICE_TICKS, MarketHeader, MarketStatus};
use crate::order::{
    MAX_EXPIRED_PER_MATCH, MAX_MATCH_LIMIT, MAX_ORDER_LIFETIME_SECS, NO_QUOTE_LIMIT, OrderParams,
    OrderType, PlaceOutcome, SelfTradeMode, Side,
};
use crate::quantity::{BaseAtoms, BaseLots, QuoteAtoms, Ticks, fee_ceil, fee_floor, mul_u64};
use crate::trader::{MAX_OPEN_ORDERS, OpenOrder, TraderState};

mod cancel;
mod funds;
mod settle;

pub use cancel::{PrunePreview, prune_preview};
pub use settle::apply_event;

/// Most pool nodes one `prune_expired` call inspects.
pub const MAX_PRUNE_SCAN: u32 = 128;
/// Most expired orders one `prune_expired` call removes.
pub const MAX_PRUNE_REMOVE: u32 = 16;
/// Iteration bound of the match loop: each iteration matches or removes one maker.
const MAX_MATCH_ITERATIONS: usize = MAX_MATCH_LIMIT as usize + MAX_EXPIRED_PER_MATCH as usize;
/// Binary-search steps to size a fill within a quote budget (u64 needs at most 64).
const MAX_BUDGET_SEARCH_STEPS: usize = 64;

/// A cancelled order, as returned to the caller for event emission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelOutcome {
    pub order_id: u64,
    pub client_order_id: u64,
    pub side: Side,
    pub price: Ticks,
    pub base_lots: BaseLots,
    pub slot: u8,
    /// The order's expiry (0 = none): an order with one pre-paid the crank
    /// reward of its final event, which a cancel refunds.
    pub expiry: u64,
}

/// The maker order the match loop stands at: its node, a copy of the order,
/// and the node after it (where the loop goes next, and the side's new best
/// once this one is taken whole).
struct MakerAt<'m> {
    idx: u32,
    order: &'m OrderNode,
    next: u32,
}

/// What the match loop did (or, in a dry run, would do).
#[derive(Clone, Copy, Default)]
struct MatchState {
    rem_base: BaseLots,
    rem_quote: u64,
    filled_base: BaseLots,
    filled_quote: QuoteAtoms,
    taker_fee: QuoteAtoms,
    decremented: BaseLots,
    matches: u8,
    expired: u8,
    /// Index of the opposite-side node the loop stopped at (`NIL` if it ran out).
    stopped_at: u32,
}

/// A zero-copy view of a whole market.
pub struct Market<'a> {
    pub header: &'a mut MarketHeader,
    pub bids: BookSide<'a>,
    pub asks: BookSide<'a>,
    pub events: EventQueue<'a>,
}

impl<'a> Market<'a> {
    /// Assemble a market view, checking each side holds what it should.
    pub fn new(
        header: &'a mut MarketHeader,
        bids: BookSide<'a>,
        asks: BookSide<'a>,
        events: EventQueue<'a>,
    ) -> Result<Self, EngineError> {
        if bids.side() != Side::Bid || asks.side() != Side::Ask {
            return Err(EngineError::InvalidAccountData);
        }
        Ok(Self {
            header,
            bids,
            asks,
            events,
        })
    }

    #[inline(always)]
    pub fn book(&self, side: Side) -> &BookSide<'a> {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }
    #[inline(always)]
    pub(crate) fn book_mut(&mut self, side: Side) -> &mut BookSide<'a> {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    fn validate(&self, p: &OrderParams, now: u64) -> Result<(), EngineError> {
        match self.header.status()? {
            MarketStatus::Active => {}
            MarketStatus::PostOnly if !p.order_type.can_take() => {}
            MarketStatus::PostOnly => return Err(EngineError::MarketPostOnly),
            MarketStatus::Paused | MarketStatus::Closed => {
                return Err(EngineError::MarketNotActive);
            }
        }
        if p.order_type != OrderType::Market
            && (p.price.is_zero() || p.price.get() > MAX_PRICE_TICKS)
        {
            return Err(EngineError::InvalidPrice);
        }
        if p.max_base.is_zero() || p.max_quote.is_zero() {
            return Err(EngineError::InvalidSize);
        }
        if p.order_type.can_rest() {
            if p.max_quote != NO_QUOTE_LIMIT {
                return Err(EngineError::InvalidSize);
            }
            // A resting order's full quote value must be representable, so
            // every later fill and fee computation on it is overflow-free.
            self.header
                .quote_for(p.max_base, p.price)
                .map_err(|_| EngineError::InvalidSize)?;
        }
        if p.order_type.can_take() && (p.match_limit == 0 || p.match_limit > MAX_MATCH_LIMIT) {
            return Err(EngineError::InvalidMatchLimit);
        }
        if p.expiry != 0 && p.expiry <= now {
            return Err(EngineError::AlreadyExpired);
        }
        if p.expiry > now.saturating_add(MAX_ORDER_LIFETIME_SECS) {
            return Err(EngineError::ExpiryTooFar);
        }
        Ok(())
    }

    /// Place an order for `taker`. See [`OrderParams`] for the size semantics
    /// and the module docs for atomicity and money flow.
    pub fn place_order(
        &mut self,
        taker: &mut TraderState,
        p: &OrderParams,
        now: u64,
    ) -> Result<PlaceOutcome, EngineError> {
        self.validate(p, now)?;
        let side = p.side;
        let opp = side.opposite();

        // Price to rest at (post-only slide) and price to match up to. Expired
        // makers are dead: a post-only order looks past them (and removes
        // them below, within the same bound as the match loop).
        let (dead_on_top, first_live) = if p.order_type.can_take() {
            (0, self.book(opp).best())
        } else {
            self.expired_on_top(opp, now)
        };
        let limit = match (p.order_type, side) {
            (OrderType::Market, Side::Bid) => Ticks(MAX_PRICE_TICKS),
            (OrderType::Market, Side::Ask) => Ticks(1),
            _ => p.price,
        };
        let post_price = self.post_price(p, limit, first_live)?;
        // Prechecks: nothing below may fail once we start mutating.
        self.precheck(taker, p, post_price, limit, dead_on_top, now)?;

        // Mutation starts here.
        let order_id = self.header.next_order_seq;
        self.header.next_order_seq = order_id.checked_add(1).ok_or(EngineError::Overflow)?;
        let first_event_seq = self.events.header.next_seq;
        for _ in 0..dead_on_top {
            let best = self.book(opp).best();
            self.remove_with_out(opp, best, OutReason::Expired)?;
        }
        let matched = if p.order_type.can_take() {
            self.match_orders::<true>(taker, p, limit, now)?
        } else {
            MatchState {
                rem_base: p.max_base,
                stopped_at: NIL,
                ..MatchState::default()
            }
        };

        let mut out = PlaceOutcome {
            order_id,
            posted_price: post_price,
            filled_base: matched.filled_base,
            filled_quote: matched.filled_quote,
            taker_fee: matched.taker_fee,
            self_trade_decremented: matched.decremented,
            matches: matched.matches,
            expired_removed: matched.expired + dead_on_top,
            first_event_seq,
            ..PlaceOutcome::default()
        };

        // A remainder rests only if it no longer crosses anything (a match
        // limit can stop the loop with crossing orders left: then it is cancelled).
        let still_crosses = matched.stopped_at != NIL
            && side.crosses(limit, self.book(opp).node(matched.stopped_at).price);
        if p.order_type.can_rest() && !matched.rem_base.is_zero() && !still_crosses {
            out.slot = self.rest(taker, p, order_id, post_price, matched.rem_base)?;
            out.posted = matched.rem_base;
        }
        out.events_pushed = (self.events.header.next_seq - first_event_seq) as u32;
        Ok(out)
    }

    /// The price a resting remainder posts at: the limit (a market order's
    /// effective limit: its price field is ignored, so every price the engine
    /// hands out is in range), or for a post-only slide that would cross,
    /// one tick behind the best live opposite order `first_live`.
    #[inline(always)]
    fn post_price(
        &self,
        p: &OrderParams,
        limit: Ticks,
        first_live: u32,
    ) -> Result<Ticks, EngineError> {
        let side = p.side;
        if first_live == NIL || p.order_type.can_take() {
            return Ok(limit);
        }
        let best = self.book(side.opposite()).node(first_live).price;
        if !side.crosses(p.price, best) {
            return Ok(limit);
        }
        if p.order_type == OrderType::PostOnly {
            return Err(EngineError::PostOnlyWouldCross);
        }
        let slid = match side {
            Side::Bid => Ticks(best.get() - 1),
            Side::Ask => Ticks(best.get() + 1),
        };
        if slid.is_zero() || slid.get() > MAX_PRICE_TICKS {
            return Err(EngineError::PostOnlyWouldCross);
        }
        Ok(slid)
    }

    /// Everything that can refuse the order, checked before anything
    /// changes: funds, an open-order slot and book room for a remainder,
    /// queue room for every event this call can push, and (for fill-or-kill
    /// and abort-on-self-trade) a dry run of the match.
    #[inline(always)]
    fn precheck(
        &mut self,
        taker: &mut TraderState,
        p: &OrderParams,
        post_price: Ticks,
        limit: Ticks,
        dead_on_top: u8,
        now: u64,
    ) -> Result<(), EngineError> {
        let side = p.side;
        let (need_base, need_quote) = self.required_funds(p);
        if taker.balances.free_base < need_base || taker.balances.free_quote < need_quote {
            return Err(EngineError::InsufficientFunds);
        }
        let can_rest = p.order_type.can_rest();
        if can_rest {
            if taker.free_slot().is_none() {
                return Err(EngineError::TooManyOpenOrders);
            }
            let own = self.book(side);
            if own.is_full() && !own.beats_worst(post_price) {
                return Err(EngineError::BookFull);
            }
            // Slid orders must still have a representable lock.
            self.lock_for(side, p.max_base, post_price)?;
        }
        // Room for every event this call can push: only an order that crosses
        // the best opposite order can match or meet expired makers (the loop
        // stops at the first non-crossing order), so a passive order needs at
        // most one slot, for an eviction.
        let crosses_now = p.order_type.can_take()
            && self
                .book(side.opposite())
                .best_order()
                .is_some_and(|b| side.crosses(limit, b.price));
        let max_events = if crosses_now {
            p.match_limit as u32 + MAX_EXPIRED_PER_MATCH as u32
        } else {
            0
        } + u32::from(can_rest)
            + u32::from(dead_on_top);
        if self.events.free() < max_events {
            return Err(EngineError::EventQueueFull);
        }
        if p.order_type.can_take()
            && (p.order_type == OrderType::FillOrKill
                || p.self_trade == SelfTradeMode::AbortTransaction)
        {
            let sim = self.match_orders::<false>(taker, p, limit, now)?;
            if p.order_type == OrderType::FillOrKill && sim.filled_base != p.max_base {
                return Err(EngineError::FillOrKillNotFilled);
            }
        }
        Ok(())
    }

    /// Rest `base_lots` of order `order_id` at `post_price` (evicting the
    /// worst order of a full side), locking its funds; returns its slot.
    #[inline(always)]
    fn rest(
        &mut self,
        taker: &mut TraderState,
        p: &OrderParams,
        order_id: u64,
        post_price: Ticks,
        base_lots: BaseLots,
    ) -> Result<u8, EngineError> {
        let side = p.side;
        if self.book(side).is_full() {
            let w = self.book(side).worst();
            self.remove_with_out(side, w, OutReason::Evicted)?;
        }
        let slot = taker.free_slot().ok_or(EngineError::TooManyOpenOrders)?;
        let (lb, lq) = self.lock_for(side, base_lots, post_price)?;
        let mut bal = taker.balances;
        bal.lock(lb, lq)?;
        taker.balances = bal;
        let node = self.book_mut(side).insert(OrderNode {
            trader_id: taker.trader_id,
            price: post_price,
            seq: order_id,
            base_lots,
            expiry: p.expiry,
            slot: slot as u8,
            ..OrderNode::default()
        })?;
        taker.occupy(
            slot,
            OpenOrder {
                order_seq: order_id,
                client_order_id: p.client_order_id,
                price: post_price,
                node,
                side: side as u8,
                ..OpenOrder::default()
            },
        );
        Ok(slot as u8)
    }

    /// How many orders at the top of `side` are expired (at most
    /// `MAX_EXPIRED_PER_MATCH`), and the node after them (`NIL` if none). Past
    /// the bound the next node is returned even if it is expired too, so a
    /// post-only order then treats it as live (it may refuse or slide).
    fn expired_on_top(&self, side: Side, now: u64) -> (u8, u32) {
        let book = self.book(side);
        let mut idx = book.best();
        let mut dead = 0;
        while dead < MAX_EXPIRED_PER_MATCH && idx != NIL && book.node(idx).is_expired(now) {
            dead += 1;
            idx = book.next(idx);
        }
        (dead, idx)
    }

    /// The match loop. With `APPLY = false` it is a read-only dry run that
    /// returns exactly what the real run would do.
    fn match_orders<const APPLY: bool>(
        &mut self,
        taker: &mut TraderState,
        p: &OrderParams,
        limit: Ticks,
        now: u64,
    ) -> Result<MatchState, EngineError> {
        let opp = p.side.opposite();
        let budgeted = p.max_quote != NO_QUOTE_LIMIT;
        let mut matched = MatchState {
            rem_base: p.max_base,
            rem_quote: p.max_quote.get(),
            ..MatchState::default()
        };
        let mut idx = self.book(opp).best();
        for _ in 0..MAX_MATCH_ITERATIONS {
            if idx == NIL || matched.rem_base.is_zero() || matched.matches >= p.match_limit {
                break;
            }
            let maker = *self.book(opp).node(idx);
            if !p.side.crosses(limit, maker.price) {
                break;
            }
            let next = self.book(opp).next(idx);

            if maker.is_expired(now) {
                if matched.expired >= MAX_EXPIRED_PER_MATCH {
                    break;
                }
                matched.expired += 1;
                if APPLY {
                    self.remove_with_out(opp, idx, OutReason::Expired)?;
                }
                idx = next;
                continue;
            }

            if maker.trader_id == taker.trader_id {
                self.meet_own_order::<APPLY>(&mut matched, p, idx, &maker)?;
                idx = next;
                continue;
            }
            let at = MakerAt {
                idx,
                order: &maker,
                next,
            };
            let taken = self.take_from::<APPLY>(taker, &mut matched, p, &at, budgeted)?;
            if taken.is_zero() {
                break;
            }
            if taken < maker.base_lots {
                // The taker ran out of size or budget on this maker.
                matched.stopped_at = idx;
                return Ok(matched);
            }
            idx = next;
        }
        matched.stopped_at = idx;
        Ok(matched)
    }

    /// The taker meets its own resting order `idx`: abort, cancel the
    /// resting order, or shrink both by the overlap, per `p.self_trade`.
    #[inline(always)]
    fn meet_own_order<const APPLY: bool>(
        &mut self,
        matched: &mut MatchState,
        p: &OrderParams,
        idx: u32,
        maker: &OrderNode,
    ) -> Result<(), EngineError> {
        let opp = p.side.opposite();
        match p.self_trade {
            SelfTradeMode::AbortTransaction => return Err(EngineError::SelfTradeAborted),
            SelfTradeMode::CancelProvide => {
                matched.matches += 1;
                if APPLY {
                    self.remove_with_out(opp, idx, OutReason::SelfTrade)?;
                }
            }
            SelfTradeMode::DecrementTake => {
                let d = matched.rem_base.min(maker.base_lots);
                matched.rem_base = matched.rem_base.try_sub(d)?;
                matched.decremented = matched.decremented.try_add(d)?;
                matched.matches += 1;
                if APPLY {
                    if d == maker.base_lots {
                        self.remove_with_out(opp, idx, OutReason::SelfTrade)?;
                    } else {
                        self.shrink_with_out(opp, idx, d)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Fill against the maker `at` as much as the taker's size and quote
    /// budget allow; returns the lots taken (zero: the budget cannot pay for
    /// one lot, and nothing changed).
    #[inline(always)]
    fn take_from<const APPLY: bool>(
        &mut self,
        taker: &mut TraderState,
        matched: &mut MatchState,
        p: &OrderParams,
        at: &MakerAt<'_>,
        budgeted: bool,
    ) -> Result<BaseLots, EngineError> {
        let maker = at.order;
        let per_lot = self.header.quote_atoms_per_lot(maker.price)?;
        let mut lots = matched.rem_base.min(maker.base_lots);
        if budgeted {
            lots = BaseLots(match p.side {
                Side::Bid => self.affordable(lots.get(), matched.rem_quote, per_lot)?,
                Side::Ask => lots.get().min(matched.rem_quote / per_lot),
            });
        }
        if lots.is_zero() {
            return Ok(lots);
        }
        let quote = mul_u64(lots.get(), per_lot)?;
        let taker_fee = fee_ceil(quote, self.header.taker_fee_ppm)?;
        matched.rem_base = matched.rem_base.try_sub(lots)?;
        matched.filled_base = matched.filled_base.try_add(lots)?;
        matched.filled_quote = matched.filled_quote.try_add(QuoteAtoms(quote))?;
        matched.taker_fee = matched.taker_fee.try_add(QuoteAtoms(taker_fee))?;
        matched.matches += 1;
        if budgeted {
            let spent = match p.side {
                Side::Bid => quote.checked_add(taker_fee).ok_or(EngineError::Overflow)?,
                Side::Ask => quote,
            };
            matched.rem_quote = matched
                .rem_quote
                .checked_sub(spent)
                .ok_or(EngineError::Overflow)?;
        }
        if APPLY {
            self.fill(taker, p.side, at, lots, quote, taker_fee, per_lot)?;
        }
        Ok(lots)
    }
}
