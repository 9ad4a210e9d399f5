//! Property test: random operation sequences run on the engine and on a
//! small reference model, compared exactly after every operation (results,
//! both books, the event queue, every trader, fee and volume counters), with
//! the engine's tree invariants and exact token conservation checked too.
//!
//! The model is written for obviousness, not speed: books are sorted `Vec`s,
//! arithmetic is u128, a dry run is "clone, run, discard", and the quote
//! budget uses the closed form `floor(B·D / (P·(D + fee)))` where the engine
//! binary-searches.

mod common;

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use common::Exchange;
use orderbook_engine::layout::{GrowTarget, Growth};
use orderbook_engine::market::{MAX_PRICE_TICKS, MarketStatus};
use orderbook_engine::matching::MAX_PRUNE_REMOVE;
use orderbook_engine::order::{
    MAX_EXPIRED_PER_MATCH, MAX_MATCH_LIMIT, MAX_ORDER_LIFETIME_SECS, NO_QUOTE_LIMIT,
};
use orderbook_engine::trader::MAX_OPEN_ORDERS;
use orderbook_engine::{
    BaseAtoms, BaseLots, CancelOutcome, EngineError, EventKind, MarketParams, OrderParams,
    OrderType, OutReason, PlaceOutcome, QueueEvent, QuoteAtoms, QuoteLots, SelfTradeMode, Side,
    Ticks,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const D: u128 = 1_000_000;
const MAX: u128 = u64::MAX as u128;

#[derive(Clone, Debug, PartialEq, Eq)]
struct MOrder {
    price: u64,
    seq: u64,
    trader: u32,
    lots: u64,
    expiry: u64,
    slot: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MSlot {
    seq: u64,
    client: u64,
    price: u64,
    side: Side,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct MTrader {
    fb: u64,
    lb: u64,
    fq: u64,
    lq: u64,
    slots: [Option<MSlot>; MAX_OPEN_ORDERS],
}

#[derive(Clone, Debug)]
struct Model {
    p: MarketParams,
    status: MarketStatus,
    bids: Vec<MOrder>,
    asks: Vec<MOrder>,
    /// Capacity per side, indexed by `Side as usize`.
    cap: [usize; 2],
    qcap: usize,
    events: VecDeque<QueueEvent>,
    /// Ring index of the oldest event, as the engine's queue keeps it: the
    /// model needs it to know when growth meets a wrapped ring.
    qhead: usize,
    next_event_seq: u64,
    next_seq: u64,
    fees: u64,
    base_volume: u128,
    quote_volume: u128,
    traders: BTreeMap<u32, MTrader>,
}

fn crosses(side: Side, limit: u64, resting: u64) -> bool {
    match side {
        Side::Bid => limit >= resting,
        Side::Ask => limit <= resting,
    }
}

fn fit(x: u128) -> Result<u64, EngineError> {
    u64::try_from(x).map_err(|_| EngineError::Overflow)
}

impl Model {
    fn new(p: MarketParams, cap: usize, qcap: usize) -> Self {
        Self {
            p,
            status: MarketStatus::Active,
            bids: vec![],
            asks: vec![],
            cap: [cap; 2],
            qcap,
            events: VecDeque::new(),
            qhead: 0,
            next_event_seq: 0,
            next_seq: 1,
            fees: 0,
            base_volume: 0,
            quote_volume: 0,
            traders: BTreeMap::new(),
        }
    }

    fn book(&mut self, side: Side) -> &mut Vec<MOrder> {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    fn ppl(&self, price: u64) -> u128 {
        price as u128 * self.p.tick_size.0 as u128 * self.p.quote_lot_size as u128
    }

    /// (base, quote) locked by `lots` resting at `price`.
    fn lock(&self, side: Side, lots: u64, price: u64) -> (u128, u128) {
        match side {
            Side::Ask => (lots as u128 * self.p.base_lot_size as u128, 0),
            Side::Bid => {
                let q = lots as u128 * self.ppl(price);
                let fee = if self.p.maker_fee_ppm > 0 {
                    q * self.p.maker_fee_ppm as u128 / D
                } else {
                    0
                };
                (0, q + fee)
            }
        }
    }

    /// f(n) = floor(n · ppl · |maker| / D).
    fn f(&self, lots: u64, ppl: u128) -> u128 {
        lots as u128 * ppl * self.p.maker_fee_ppm.unsigned_abs() as u128 / D
    }

    fn push(&mut self, mut ev: QueueEvent) {
        assert!(
            self.events.len() < self.qcap,
            "model pushed into a full queue"
        );
        ev.seq = self.next_event_seq;
        self.next_event_seq += 1;
        self.events.push_back(ev);
    }

    fn push_out(
        &mut self,
        side: Side,
        o: &MOrder,
        lots: u64,
        release: u128,
        gone: bool,
        r: OutReason,
    ) {
        self.push(QueueEvent {
            kind: EventKind::Out as u8,
            maker_side: side as u8,
            maker_out: gone as u8,
            out_reason: r as u8,
            maker_slot: o.slot,
            maker_expires: u8::from(o.expiry != 0),
            maker_trader_id: o.trader,
            maker_order_seq: o.seq,
            price: Ticks(o.price),
            base_lots: BaseLots(lots),
            quote: QuoteAtoms(release as u64),
            ..QueueEvent::default()
        });
    }

    fn remove_out(&mut self, side: Side, i: usize, r: OutReason) {
        let o = self.book(side).remove(i);
        let (_, q) = self.lock(side, o.lots, o.price);
        self.push_out(side, &o, o.lots, q, true, r);
    }

    fn place(&mut self, id: u32, p: &OrderParams, now: u64) -> Result<PlaceOutcome, EngineError> {
        let can_take = p.order_type.can_take();
        let can_rest = p.order_type.can_rest();
        match self.status {
            MarketStatus::Active => {}
            MarketStatus::PostOnly if !can_take => {}
            MarketStatus::PostOnly => return Err(EngineError::MarketPostOnly),
            _ => return Err(EngineError::MarketNotActive),
        }
        let price = p.price.0;
        if p.order_type != OrderType::Market && (price == 0 || price > MAX_PRICE_TICKS) {
            return Err(EngineError::InvalidPrice);
        }
        if p.max_base.0 == 0 || p.max_quote.0 == 0 {
            return Err(EngineError::InvalidSize);
        }
        if can_rest
            && (p.max_quote != NO_QUOTE_LIMIT || p.max_base.0 as u128 * self.ppl(price) > MAX)
        {
            return Err(EngineError::InvalidSize);
        }
        if can_take && (p.match_limit == 0 || p.match_limit > MAX_MATCH_LIMIT) {
            return Err(EngineError::InvalidMatchLimit);
        }
        if p.expiry != 0 && p.expiry <= now {
            return Err(EngineError::AlreadyExpired);
        }
        if p.expiry > now + MAX_ORDER_LIFETIME_SECS {
            return Err(EngineError::ExpiryTooFar);
        }
        let side = p.side;
        let opp = side.opposite();
        // Post-only orders look past (and then remove) up to
        // MAX_EXPIRED_PER_MATCH expired orders at the top of the other side.
        let dead = if can_take {
            0
        } else {
            self.book(opp)
                .iter()
                .take(MAX_EXPIRED_PER_MATCH as usize)
                .take_while(|o| o.expiry != 0 && o.expiry <= now)
                .count()
        };
        let mut post = price;
        if !can_take
            && let Some(best) = self.book(opp).get(dead).cloned()
            && crosses(side, price, best.price)
        {
            if p.order_type == OrderType::PostOnly {
                return Err(EngineError::PostOnlyWouldCross);
            }
            post = if side == Side::Bid {
                best.price - 1
            } else {
                best.price + 1
            };
            if post == 0 || post > MAX_PRICE_TICKS {
                return Err(EngineError::PostOnlyWouldCross);
            }
        }
        let limit = match (p.order_type, side) {
            (OrderType::Market, Side::Bid) => MAX_PRICE_TICKS,
            (OrderType::Market, Side::Ask) => 1,
            _ => price,
        };
        let t = self.traders[&id].clone();
        match side {
            Side::Ask => {
                let need = (p.max_base.0 as u128 * self.p.base_lot_size as u128).min(MAX);
                if (t.fb as u128) < need {
                    return Err(EngineError::InsufficientFunds);
                }
            }
            Side::Bid => {
                let x = p.max_base.0 as u128 * self.ppl(limit);
                let bound = if !can_take {
                    self.lock(Side::Bid, p.max_base.0, limit).1.min(MAX)
                } else if x > MAX {
                    MAX
                } else {
                    (x + (x * self.p.taker_fee_ppm as u128).div_ceil(D) + p.match_limit as u128)
                        .min(MAX)
                };
                if (t.fq as u128) < bound.min(p.max_quote.0 as u128) {
                    return Err(EngineError::InsufficientFunds);
                }
            }
        }
        if can_rest {
            if t.slots.iter().all(Option::is_some) {
                return Err(EngineError::TooManyOpenOrders);
            }
            let cap = self.cap[side as usize];
            let own = self.book(side).clone();
            if own.len() >= cap {
                let worst = own.last().expect("full book has a worst order").price;
                let better = if side == Side::Bid {
                    post > worst
                } else {
                    post < worst
                };
                if !better {
                    return Err(EngineError::BookFull);
                }
            }
            let (lb, lq) = self.lock(side, p.max_base.0, post);
            fit(lb)?;
            fit(lq)?;
        }
        let crosses_now = can_take
            && self
                .book(opp)
                .first()
                .is_some_and(|b| crosses(side, limit, b.price));
        let need = if crosses_now {
            p.match_limit as usize + MAX_EXPIRED_PER_MATCH as usize
        } else {
            0
        } + can_rest as usize
            + dead;
        if self.qcap - self.events.len() < need {
            return Err(EngineError::EventQueueFull);
        }
        if can_take
            && (p.order_type == OrderType::FillOrKill
                || p.self_trade == SelfTradeMode::AbortTransaction)
        {
            let mut dry = self.clone();
            let (filled, ..) = dry.match_loop(id, p, limit, now)?;
            if p.order_type == OrderType::FillOrKill && filled.filled_base != p.max_base {
                return Err(EngineError::FillOrKillNotFilled);
            }
        }

        let order_id = self.next_seq;
        self.next_seq += 1;
        let first_event_seq = self.next_event_seq;
        for _ in 0..dead {
            self.remove_out(opp, 0, OutReason::Expired);
        }
        let (mut out, rem, still_crosses) = if can_take {
            self.match_loop(id, p, limit, now)?
        } else {
            (PlaceOutcome::default(), p.max_base.0, false)
        };
        out.expired_removed += dead as u8;
        out.order_id = order_id;
        out.posted_price = Ticks(if p.order_type == OrderType::Market {
            limit
        } else {
            post
        });
        out.first_event_seq = first_event_seq;
        if can_rest && rem > 0 && !still_crosses {
            if self.book(side).len() >= self.cap[side as usize] {
                let last = self.book(side).len() - 1;
                self.remove_out(side, last, OutReason::Evicted);
            }
            let (lb, lq) = self.lock(side, rem, post);
            let t = self.traders.get_mut(&id).unwrap();
            let slot = t.slots.iter().position(Option::is_none).unwrap();
            t.fb -= lb as u64;
            t.lb += lb as u64;
            t.fq -= lq as u64;
            t.lq += lq as u64;
            t.slots[slot] = Some(MSlot {
                seq: order_id,
                client: p.client_order_id,
                price: post,
                side,
            });
            let o = MOrder {
                price: post,
                seq: order_id,
                trader: id,
                lots: rem,
                expiry: p.expiry,
                slot: slot as u8,
            };
            let book = self.book(side);
            let at = book
                .iter()
                .position(|b| {
                    if side == Side::Bid {
                        b.price < post
                    } else {
                        b.price > post
                    }
                })
                .unwrap_or(book.len());
            book.insert(at, o);
            out.posted = BaseLots(rem);
            out.slot = slot as u8;
        }
        out.events_pushed = (self.next_event_seq - first_event_seq) as u32;
        Ok(out)
    }

    /// Returns (outcome so far, remaining lots, whether a crossing order is left).
    fn match_loop(
        &mut self,
        id: u32,
        p: &OrderParams,
        limit: u64,
        now: u64,
    ) -> Result<(PlaceOutcome, u64, bool), EngineError> {
        let side = p.side;
        let opp = side.opposite();
        let budgeted = p.max_quote != NO_QUOTE_LIMIT;
        let mut rem = p.max_base.0;
        let mut rem_q = p.max_quote.0 as u128;
        let mut out = PlaceOutcome::default();
        let mut i = 0;
        let rt = self.p.taker_fee_ppm as u128;
        loop {
            let book = self.book(opp).clone();
            if i >= book.len() || rem == 0 || out.matches >= p.match_limit {
                break;
            }
            let m = book[i].clone();
            if !crosses(side, limit, m.price) {
                break;
            }
            if m.expiry != 0 && m.expiry <= now {
                if out.expired_removed >= MAX_EXPIRED_PER_MATCH {
                    break;
                }
                out.expired_removed += 1;
                self.remove_out(opp, i, OutReason::Expired);
                continue;
            }
            if m.trader == id {
                match p.self_trade {
                    SelfTradeMode::AbortTransaction => return Err(EngineError::SelfTradeAborted),
                    SelfTradeMode::CancelProvide => {
                        out.matches += 1;
                        self.remove_out(opp, i, OutReason::SelfTrade);
                    }
                    SelfTradeMode::DecrementTake => {
                        let d = rem.min(m.lots);
                        rem -= d;
                        out.self_trade_decremented.0 += d;
                        out.matches += 1;
                        if d == m.lots {
                            self.remove_out(opp, i, OutReason::SelfTrade);
                        } else {
                            let release = self.lock(opp, m.lots, m.price).1
                                - self.lock(opp, m.lots - d, m.price).1;
                            self.book(opp)[i].lots -= d;
                            self.push_out(opp, &m, d, release, false, OutReason::SelfTrade);
                            i += 1;
                        }
                    }
                }
                continue;
            }
            let ppl = self.ppl(m.price);
            let mut b = rem.min(m.lots) as u128;
            if budgeted {
                b = match side {
                    Side::Bid => b.min(rem_q * D / (ppl * (D + rt))),
                    Side::Ask => b.min(rem_q / ppl),
                };
            }
            if b == 0 {
                break;
            }
            let b = b as u64;
            let q = b as u128 * ppl;
            let tf = (q * rt).div_ceil(D);
            let mag = self.f(m.lots, ppl) - self.f(m.lots - b, ppl);
            let mf: i128 = if self.p.maker_fee_ppm >= 0 {
                mag as i128
            } else {
                -(mag as i128)
            };
            rem -= b;
            out.filled_base.0 += b;
            out.filled_quote.0 += fit(q)?;
            out.taker_fee.0 += fit(tf)?;
            out.matches += 1;
            if budgeted {
                rem_q -= if side == Side::Bid { q + tf } else { q };
            }
            let base = b as u128 * self.p.base_lot_size as u128;
            let t = self.traders.get_mut(&id).unwrap();
            match side {
                Side::Bid => {
                    t.fq = fit(t.fq as u128 - q - tf)?;
                    t.fb = fit(t.fb as u128 + base)?;
                }
                Side::Ask => {
                    t.fb = fit(t.fb as u128 - base)?;
                    t.fq = fit(t.fq as u128 + q - tf)?;
                }
            }
            self.fees = fit((self.fees as i128 + tf as i128 + mf) as u128)?;
            self.base_volume += b as u128;
            self.quote_volume += q;
            let gone = b == m.lots;
            if gone {
                self.book(opp).remove(i);
            } else {
                self.book(opp)[i].lots -= b;
            }
            self.push(QueueEvent {
                kind: EventKind::Fill as u8,
                maker_side: opp as u8,
                maker_out: gone as u8,
                maker_slot: m.slot,
                maker_expires: u8::from(m.expiry != 0),
                maker_trader_id: m.trader,
                taker_trader_id: id,
                maker_order_seq: m.seq,
                price: Ticks(m.price),
                base_lots: BaseLots(b),
                quote: QuoteAtoms(q as u64),
                maker_fee: mf as i64,
                ..QueueEvent::default()
            });
            if !gone {
                return Ok((out, rem, true));
            }
        }
        let book = self.book(opp);
        let still = i < book.len() && crosses(side, limit, book[i].price);
        Ok((out, rem, still))
    }

    fn live_slot(&self, id: u32, pred: impl Fn(&MSlot) -> bool) -> Option<usize> {
        let t = &self.traders[&id];
        (0..MAX_OPEN_ORDERS).find(|&s| {
            t.slots[s].is_some_and(|o| {
                pred(&o)
                    && match o.side {
                        Side::Bid => &self.bids,
                        Side::Ask => &self.asks,
                    }
                    .iter()
                    .any(|b| b.seq == o.seq && b.trader == id)
            })
        })
    }

    fn cancel_slot(&mut self, id: u32, s: usize) -> CancelOutcome {
        let o = self.traders[&id].slots[s].unwrap();
        let i = self
            .book(o.side)
            .iter()
            .position(|b| b.seq == o.seq)
            .unwrap();
        let n = self.book(o.side).remove(i);
        let (lb, lq) = self.lock(o.side, n.lots, n.price);
        let t = self.traders.get_mut(&id).unwrap();
        t.lb -= lb as u64;
        t.fb += lb as u64;
        t.lq -= lq as u64;
        t.fq += lq as u64;
        t.slots[s] = None;
        CancelOutcome {
            order_id: o.seq,
            client_order_id: o.client,
            side: o.side,
            price: Ticks(n.price),
            base_lots: BaseLots(n.lots),
            slot: s as u8,
            expiry: n.expiry,
        }
    }

    fn apply_front(&mut self, id: u32) -> Result<QueueEvent, EngineError> {
        let ev = *self.events.front().ok_or(EngineError::EventQueueEmpty)?;
        if ev.maker_trader_id != id {
            return Err(EngineError::EventTraderMismatch);
        }
        let bls = self.p.base_lot_size;
        let t = self.traders.get_mut(&id).unwrap();
        let base = ev.base_lots.0 * bls;
        let (fee, rebate) = (ev.maker_fee.max(0) as u64, (-ev.maker_fee).max(0) as u64);
        match (ev.kind().unwrap(), ev.maker_side().unwrap()) {
            (EventKind::Fill, Side::Bid) => {
                t.lq -= ev.quote.0 + fee;
                t.fq += rebate;
                t.fb += base;
            }
            (EventKind::Fill, Side::Ask) => {
                t.lb -= base;
                t.fq += ev.quote.0 - fee + rebate;
            }
            (EventKind::Out, Side::Bid) => {
                t.lq -= ev.quote.0;
                t.fq += ev.quote.0;
            }
            (EventKind::Out, Side::Ask) => {
                t.lb -= base;
                t.fb += base;
            }
            // The continuous book never queues a batch clear's events.
            (EventKind::AuctionFill | EventKind::SealedFill | EventKind::Posted, _) => {
                unreachable!("batch event {ev:?} on a continuous market")
            }
        }
        if ev.maker_out == 1
            && let Some(s) = t.slots[ev.maker_slot as usize]
            && s.seq == ev.maker_order_seq
        {
            t.slots[ev.maker_slot as usize] = None;
        }
        self.events.pop_front();
        self.qhead = (self.qhead + 1) % self.qcap;
        Ok(ev)
    }

    /// Growth as the engine must do it: past `max` refused, a queue whose
    /// ring wraps past the added room refused, otherwise more capacity and
    /// nothing else changed.
    fn grow(
        &mut self,
        target: GrowTarget,
        additional: usize,
        max: usize,
    ) -> Result<Growth, EngineError> {
        let cap = match target {
            GrowTarget::Bids => &mut self.cap[Side::Bid as usize],
            GrowTarget::Asks => &mut self.cap[Side::Ask as usize],
            GrowTarget::EventQueue => &mut self.qcap,
        };
        let old = *cap;
        if old + additional > max {
            return Err(EngineError::InvalidGrowth);
        }
        if target == GrowTarget::EventQueue
            && (self.qhead + self.events.len()).saturating_sub(old) > additional
        {
            return Err(EngineError::EventQueueWrapped);
        }
        *cap = old + additional;
        Ok(Growth {
            old_capacity: old as u32,
            new_capacity: *cap as u32,
        })
    }
}

#[derive(Clone, Debug)]
enum Op {
    Place {
        trader: u32,
        bid: bool,
        kind: u8,
        stp: u8,
        price: u64,
        lots: u64,
        quote: Option<u64>,
        client: u64,
        expiry_in: Option<u64>,
        ml: u8,
    },
    Cancel {
        trader: u32,
        pick: usize,
    },
    CancelClient {
        trader: u32,
        client: u64,
    },
    CancelAll {
        trader: u32,
        side: Option<bool>,
        limit: u8,
    },
    Consume {
        n: u8,
        wrong: bool,
    },
    Prune {
        bid: bool,
        max: u32,
    },
    Deposit {
        trader: u32,
        base: u64,
        quote: u64,
    },
    Withdraw {
        trader: u32,
        base: u64,
        quote: u64,
    },
    Tick {
        secs: u64,
    },
    Status {
        s: u8,
    },
    Grow {
        target: u8,
        additional: u32,
    },
}

const TRADERS: u32 = 3;
/// Largest capacity growth may reach in the model test (small, so refusals happen).
const GROW_MAX: u32 = 260;

fn op() -> impl Strategy<Value = Op> {
    let trader = 1..=TRADERS;
    prop_oneof![
        10 => (
            trader.clone(),
            any::<bool>(),
            0u8..6,
            0u8..3,
            95u64..=105,
            1u64..=12,
            prop_oneof![4 => Just(None), 1 => (1u64..20_000).prop_map(Some)],
            0u64..4,
            prop_oneof![
                30 => Just(None),
                10 => (1u64..6).prop_map(Some),
                1 => (MAX_ORDER_LIFETIME_SECS..=MAX_ORDER_LIFETIME_SECS + 1).prop_map(Some),
            ],
            0u8..=5,
        )
            .prop_map(|(trader, bid, kind, stp, price, lots, quote, client, expiry_in, ml)| Op::Place {
                trader, bid, kind, stp, price, lots, quote, client, expiry_in, ml
            }),
        2 => (trader.clone(), 0usize..MAX_OPEN_ORDERS + 2).prop_map(|(trader, pick)| Op::Cancel { trader, pick }),
        1 => (trader.clone(), 0u64..4).prop_map(|(trader, client)| Op::CancelClient { trader, client }),
        1 => (trader.clone(), proptest::option::of(any::<bool>()), 0u8..4)
            .prop_map(|(trader, side, limit)| Op::CancelAll { trader, side, limit }),
        3 => (0u8..8, prop::bool::weighted(0.1)).prop_map(|(n, wrong)| Op::Consume { n, wrong }),
        1 => (any::<bool>(), 0u32..20).prop_map(|(bid, max)| Op::Prune { bid, max }),
        1 => (trader.clone(), 0u64..500, 0u64..50_000).prop_map(|(trader, base, quote)| Op::Deposit { trader, base, quote }),
        1 => (trader, 0u64..300, 0u64..30_000).prop_map(|(trader, base, quote)| Op::Withdraw { trader, base, quote }),
        1 => (0u64..4).prop_map(|secs| Op::Tick { secs }),
        1 => prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)].prop_map(|s| Op::Status { s }),
        // Mostly small steps, some past the maximum.
        1 => (0u8..3, prop_oneof![8 => 1u32..3, 1 => 0u32..300])
            .prop_map(|(target, additional)| Op::Grow { target, additional }),
    ]
}

fn market_params() -> impl Strategy<Value = MarketParams> {
    (
        prop_oneof![Just(1u64), Just(10)],
        prop_oneof![Just(1u64), Just(3)],
        prop_oneof![Just(1u64), Just(2)],
        prop_oneof![Just(0u32), Just(500), Just(2_500), Just(100_000)],
        0u8..4,
    )
        .prop_map(
            |(base_lot_size, quote_lot_size, tick, taker, m)| MarketParams {
                base_lot_size,
                quote_lot_size,
                tick_size: QuoteLots(tick),
                taker_fee_ppm: taker,
                maker_fee_ppm: match m {
                    0 => 0,
                    1 => -(taker as i32),
                    2 => taker as i32,
                    _ => -(taker as i32) / 3,
                },
            },
        )
}

/// Compare everything observable.
fn compare(x: &mut Exchange, model: &Model) {
    let m = x.m.market().unwrap();
    for (side, want) in [(Side::Bid, &model.bids), (Side::Ask, &model.asks)] {
        let got: Vec<MOrder> = m
            .book(side)
            .iter()
            .map(|(_, n)| MOrder {
                price: n.price.0,
                seq: n.seq,
                trader: n.trader_id,
                lots: n.base_lots.0,
                expiry: n.expiry,
                slot: n.slot,
            })
            .collect();
        assert_eq!(&got, want, "{side:?} book");
    }
    let evs: Vec<QueueEvent> = m.events.iter().copied().collect();
    assert_eq!(
        evs,
        model.events.iter().copied().collect::<Vec<_>>(),
        "event queue"
    );
    assert_eq!(m.header.accrued_fees.0, model.fees, "fees");
    assert_eq!(m.header.next_order_seq, model.next_seq);
    let wide = |(carry, low): (u64, u64)| (carry as u128) << 64 | low as u128;
    assert_eq!(
        (
            wide(m.header.total_base_volume()),
            wide(m.header.total_quote_volume())
        ),
        (model.base_volume, model.quote_volume)
    );
    for (id, mt) in &model.traders {
        let t = x.t(*id);
        let b = &t.balances;
        assert_eq!(
            (
                b.free_base.0,
                b.locked_base.0,
                b.free_quote.0,
                b.locked_quote.0
            ),
            (mt.fb, mt.lb, mt.fq, mt.lq),
            "trader {id} balances"
        );
        for s in 0..MAX_OPEN_ORDERS {
            let o = &t.orders[s];
            let got = (o.in_use == 1).then(|| MSlot {
                seq: o.order_seq,
                client: o.client_order_id,
                price: o.price.0,
                side: Side::try_from(o.side).unwrap(),
            });
            assert_eq!(got, mt.slots[s], "trader {id} slot {s}");
        }
        assert_eq!(
            t.open_orders as usize,
            mt.slots.iter().filter(|s| s.is_some()).count()
        );
    }
}

type Coverage = BTreeMap<String, u64>;

fn run(params: MarketParams, cap: u32, qcap: u32, ops: Vec<Op>, cov: &mut Coverage) {
    let mut seen = |k: String| *cov.entry(k).or_default() += 1;
    let mut x = Exchange::new(&params, cap, qcap);
    let mut model = Model::new(params, cap as usize, qcap as usize);
    for _ in 0..TRADERS {
        let id = x.trader(20_000, 2_000_000);
        model.traders.insert(
            id,
            MTrader {
                fb: 20_000,
                fq: 2_000_000,
                ..MTrader::default()
            },
        );
    }
    let mut now = 1_000u64;
    for (step, op) in ops.into_iter().enumerate() {
        let ctx = format!("step {step}: {op:?}");
        match op {
            Op::Place {
                trader,
                bid,
                kind,
                stp,
                price,
                lots,
                quote,
                client,
                expiry_in,
                ml,
            } => {
                let p = OrderParams {
                    side: if bid { Side::Bid } else { Side::Ask },
                    order_type: OrderType::try_from(kind).unwrap(),
                    self_trade: SelfTradeMode::try_from(stp).unwrap(),
                    price: Ticks(price),
                    max_base: BaseLots(lots),
                    max_quote: quote.map_or(NO_QUOTE_LIMIT, QuoteAtoms),
                    client_order_id: client,
                    expiry: expiry_in.map_or(0, |d| now + d),
                    match_limit: ml,
                };
                let want = model.place(trader, &p, now);
                let got = x.place_at(trader, &p, now);
                assert_eq!(got, want, "{ctx}");
                match got {
                    Ok(o) => {
                        seen(format!("place ok {:?}", p.order_type));
                        if o.posted.0 > 0 && o.filled_base.0 > 0 {
                            seen("place took then rested".into());
                        }
                        if p.max_quote != NO_QUOTE_LIMIT && o.filled_base.0 > 0 {
                            seen("place filled within a quote budget".into());
                        }
                        if !p.order_type.can_take() && o.expired_removed > 0 {
                            seen("post-only removed expired makers".into());
                        }
                        for ev in x.events().iter().filter(|e| e.seq >= o.first_event_seq) {
                            match ev.kind() {
                                Ok(EventKind::Fill) => {
                                    seen(format!("event fill maker_out={}", ev.maker_out))
                                }
                                _ => seen(format!(
                                    "event out {:?}",
                                    OutReason::try_from(ev.out_reason)
                                )),
                            }
                        }
                    }
                    Err(e) => seen(format!("place error {e:?}")),
                }
            }
            Op::Cancel { trader, pick } => {
                let id = model.traders[&trader]
                    .slots
                    .get(pick)
                    .copied()
                    .flatten()
                    .map_or(pick as u64 + 1, |s| s.seq);
                let want = match model.live_slot(trader, |s| s.seq == id) {
                    Some(s) => Ok(model.cancel_slot(trader, s)),
                    None => Err(EngineError::OrderNotFound),
                };
                assert_eq!(x.cancel(trader, id), want, "{ctx}");
                seen(format!(
                    "cancel {}",
                    if want.is_ok() { "ok" } else { "not found" }
                ));
            }
            Op::CancelClient { trader, client } => {
                let want = match model.live_slot(trader, |s| s.client == client) {
                    Some(s) => Ok(model.cancel_slot(trader, s)),
                    None => Err(EngineError::OrderNotFound),
                };
                let t = x.traders.get_mut(&trader).unwrap();
                assert_eq!(
                    x.m.market().unwrap().cancel_by_client_id(t, client),
                    want,
                    "{ctx}"
                );
            }
            Op::CancelAll {
                trader,
                side,
                limit,
            } => {
                let side = side.map(|b| if b { Side::Bid } else { Side::Ask });
                let mut want = vec![];
                while want.len() < limit as usize {
                    match model.live_slot(trader, |s| side.is_none_or(|w| w == s.side)) {
                        Some(s) => want.push(model.cancel_slot(trader, s)),
                        None => break,
                    }
                }
                let mut got = vec![];
                let t = x.traders.get_mut(&trader).unwrap();
                let n =
                    x.m.market()
                        .unwrap()
                        .cancel_all(t, side, limit, |c| got.push(*c))
                        .unwrap();
                assert_eq!((n as usize, got), (want.len(), want), "{ctx}");
            }
            Op::Consume { n, wrong } => {
                for _ in 0..n {
                    let Some(front) = model.events.front().copied() else {
                        assert!(x.m.market().unwrap().events.is_empty());
                        break;
                    };
                    let id = if wrong {
                        front.maker_trader_id % TRADERS + 1
                    } else {
                        front.maker_trader_id
                    };
                    let want = model.apply_front(id);
                    let t = x.traders.get_mut(&id).unwrap();
                    let got = x.m.market().unwrap().consume_front(t);
                    assert_eq!(got, want, "{ctx}");
                    seen(format!(
                        "consume {}",
                        if got.is_ok() { "ok" } else { "wrong maker" }
                    ));
                    if wrong {
                        break;
                    }
                }
            }
            Op::Prune { bid, max } => {
                let side = if bid { Side::Bid } else { Side::Ask };
                let before = model.next_event_seq;
                let n = x.m.market().unwrap().prune_expired(side, now, max).unwrap();
                assert!(n <= max.min(MAX_PRUNE_REMOVE), "{ctx}");
                // The engine chooses which expired orders by pool position;
                // check each one was expired and mirror the removals.
                let pushed: Vec<QueueEvent> =
                    x.events().into_iter().filter(|e| e.seq >= before).collect();
                assert_eq!(pushed.len() as u32, n, "{ctx}");
                if n > 0 {
                    seen("prune removed".into());
                }
                for ev in pushed {
                    assert_eq!(
                        (ev.kind(), ev.out_reason),
                        (Ok(EventKind::Out), OutReason::Expired as u8)
                    );
                    let i = model
                        .book(side)
                        .iter()
                        .position(|o| o.seq == ev.maker_order_seq)
                        .expect("pruned order was on the book");
                    let o = &model.book(side)[i];
                    assert!(
                        o.expiry != 0 && o.expiry <= now,
                        "{ctx}: pruned a live order"
                    );
                    model.remove_out(side, i, OutReason::Expired);
                }
            }
            Op::Deposit {
                trader,
                base,
                quote,
            } => {
                x.traders
                    .get_mut(&trader)
                    .unwrap()
                    .deposit(BaseAtoms(base), QuoteAtoms(quote))
                    .unwrap();
                x.net_in[0] += base as i128;
                x.net_in[1] += quote as i128;
                let t = model.traders.get_mut(&trader).unwrap();
                t.fb += base;
                t.fq += quote;
            }
            Op::Withdraw {
                trader,
                base,
                quote,
            } => {
                let t = model.traders.get_mut(&trader).unwrap();
                let want = if t.fb < base || t.fq < quote {
                    Err(EngineError::InsufficientFunds)
                } else {
                    t.fb -= base;
                    t.fq -= quote;
                    Ok(())
                };
                assert_eq!(x.withdraw(trader, base, quote), want, "{ctx}");
            }
            Op::Tick { secs } => now += secs,
            Op::Status { s } => {
                let st = [
                    MarketStatus::Active,
                    MarketStatus::PostOnly,
                    MarketStatus::Paused,
                ][s as usize];
                x.m.header.status = st as u8;
                model.status = st;
            }
            Op::Grow { target, additional } => {
                let target =
                    [GrowTarget::Bids, GrowTarget::Asks, GrowTarget::EventQueue][target as usize];
                let wrapped = model.qhead + model.events.len() > model.qcap;
                let want = model.grow(target, additional as usize, GROW_MAX as usize);
                let got = x.m.grow(target, additional, GROW_MAX);
                assert_eq!(got, want, "{ctx}");
                seen(match got {
                    Ok(_) if target == GrowTarget::EventQueue && wrapped => {
                        "grow ok wrapped queue".into()
                    }
                    Ok(_) => format!("grow ok {target:?}"),
                    Err(e) => format!("grow error {e:?}"),
                });
            }
        }
        compare(&mut x, &model);
        x.check();
    }
    // Drain the queue: every maker is settled and conservation still holds.
    x.crank_all();
    x.check();
}

/// Sequences to run: `PROPTEST_CASES` (default 2,000; CI uses the default).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn engine_matches_reference_model() {
    let strategy = (
        market_params(),
        prop_oneof![Just(4u32), Just(12), Just(64)],
        prop_oneof![Just(12u32), Just(40), Just(200)],
        prop::collection::vec(op(), 1..160),
    );
    let cov = RefCell::new(Coverage::new());
    let ops = RefCell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(params, cap, qcap, seq)| {
        *ops.borrow_mut() += seq.len();
        run(params, cap, qcap, seq, &mut cov.borrow_mut());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let cov = cov.into_inner();
    println!(
        "{} sequences, {} operations; outcomes:",
        cases(),
        ops.into_inner()
    );
    for (k, n) in &cov {
        println!("  {n:>8}  {k}");
    }
    // The sequences must actually reach every behaviour the model checks.
    let mut required: Vec<String> = [
        "Limit",
        "PostOnly",
        "PostOnlySlide",
        "ImmediateOrCancel",
        "FillOrKill",
        "Market",
    ]
    .iter()
    .map(|t| format!("place ok {t}"))
    .collect();
    for e in [
        "InsufficientFunds",
        "InvalidSize",
        "InvalidMatchLimit",
        "PostOnlyWouldCross",
        "FillOrKillNotFilled",
        "SelfTradeAborted",
        "BookFull",
        "EventQueueFull",
        "MarketNotActive",
        "MarketPostOnly",
        "ExpiryTooFar",
    ] {
        required.push(format!("place error {e}"));
    }
    for k in [
        "event fill maker_out=0",
        "event fill maker_out=1",
        "event out Ok(Expired)",
        "event out Ok(Evicted)",
        "event out Ok(SelfTrade)",
        "place took then rested",
        "place filled within a quote budget",
        "post-only removed expired makers",
        "consume ok",
        "consume wrong maker",
        "cancel ok",
        "cancel not found",
        "prune removed",
        "grow ok Bids",
        "grow ok Asks",
        "grow ok EventQueue",
        "grow error InvalidGrowth",
    ] {
        required.push(k.into());
    }
    if cases() >= 500 {
        let missing: Vec<&String> = required.iter().filter(|k| !cov.contains_key(*k)).collect();
        assert!(missing.is_empty(), "behaviours never reached: {missing:?}");
    }
}
