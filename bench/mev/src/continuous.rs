//! The continuous book, run by the engine itself (`Market::place_order`,
//! cancels, the crank), and the adversary with the leader's power over one
//! slot: it sees every pending transaction, inserts its own before or after
//! any of them and reorders the rest.

use orderbook_engine::matching::Market;
use orderbook_engine::order::MAX_MATCH_LIMIT;
use orderbook_engine::{BaseLots, OrderParams, OrderType, OwnedMarket, Side, Ticks, TraderState};

use crate::scenario::{self, MAKERS, Outcome, Position, Quote, Scenario};

/// The victim's trader id.
pub const VICTIM: u32 = MAKERS + 1;
/// The adversary's trader id.
pub const ADVERSARY: u32 = MAKERS + 2;
const TRADERS: u32 = ADVERSARY;
const NOW: u64 = 1;
/// "Everything that crosses": more lots than any book holds, small enough
/// for the worst-case funds check to stay within the deposit.
pub const ALL_LOTS: u64 = 1 << 20;

/// A market and its traders, in memory.
#[derive(Clone)]
pub struct Exchange {
    market: OwnedMarket,
    traders: Vec<TraderState>,
}

impl Exchange {
    /// A market whose makers quote `bids` and `asks`.
    pub fn new(bids: &[Quote], asks: &[Quote]) -> Self {
        let (market, traders) = scenario::market(TRADERS);
        let mut exchange = Self { market, traders };
        exchange.quote(bids, asks);
        exchange
    }

    /// Post makers' quotes as post-only orders (refused ones are skipped).
    pub fn quote(&mut self, bids: &[Quote], asks: &[Quote]) {
        for (side, quotes) in [(Side::Bid, bids), (Side::Ask, asks)] {
            for &(maker, price, lots) in quotes {
                self.post(maker, side, price, lots);
            }
        }
    }

    /// A post-only order; `false` when refused (it would cross).
    pub fn post(&mut self, trader: u32, side: Side, price: u64, lots: u64) -> bool {
        let p = OrderParams::new(
            side,
            OrderType::PostOnly,
            Ticks::new(price),
            BaseLots::new(lots),
        );
        self.place(trader, &p).is_some()
    }

    /// An immediate-or-cancel order up to `limit`; returns the lots filled.
    pub fn take(&mut self, trader: u32, side: Side, limit: u64, lots: u64) -> u64 {
        let mut p = OrderParams::new(
            side,
            OrderType::ImmediateOrCancel,
            Ticks::new(limit),
            BaseLots::new(lots),
        );
        p.match_limit = MAX_MATCH_LIMIT;
        self.place(trader, &p).map_or(0, |filled| filled.get())
    }

    fn place(&mut self, trader: u32, p: &OrderParams) -> Option<BaseLots> {
        let t = &mut self.traders[trader as usize - 1];
        let outcome = self.market.market().ok()?.place_order(t, p, NOW).ok()?;
        self.crank();
        Some(outcome.filled_base)
    }

    /// Cancel every resting order of `trader`.
    pub fn cancel_all(&mut self, trader: u32) {
        let t = &mut self.traders[trader as usize - 1];
        let mut market = self.market.market().expect("market");
        market.cancel_all(t, None, u8::MAX, |_| {}).expect("cancel");
    }

    /// Apply every queued maker event (the crank).
    fn crank(&mut self) {
        let mut market: Market<'_> = self.market.market().expect("market");
        while let Some(ev) = market.events.front().copied() {
            let maker = &mut self.traders[ev.maker_trader_id as usize - 1];
            market.consume_front(maker).expect("apply event");
        }
    }

    /// `trader`'s position against its deposit (resting locks count as held).
    pub fn position(&self, trader: u32) -> Position {
        scenario::position_of(&self.traders[trader as usize - 1])
    }

    /// Lots resting on `side` at prices strictly better for a taker than `limit`,
    /// cheapest first: (price, lots).
    pub fn levels_better_than(&mut self, side: Side, limit: u64) -> Vec<(u64, u64)> {
        let market = self.market.market().expect("market");
        let mut out: Vec<(u64, u64)> = Vec::new();
        for (_, node) in market.book(side).iter() {
            let price = node.price.get();
            let better = match side {
                Side::Ask => price < limit,
                Side::Bid => price > limit,
            };
            if !better {
                break;
            }
            match out.last_mut() {
                Some((p, lots)) if *p == price => *lots += node.base_lots.get(),
                _ => out.push((price, node.base_lots.get())),
            }
        }
        out
    }
}

/// A price `ticks` better for the opposite side than `price` (toward the
/// victim's own side: below for a buyer's limit, above for a seller's).
fn inside(side: Side, price: u64, ticks: u64) -> u64 {
    match side {
        Side::Bid => price - ticks,
        Side::Ask => price + ticks,
    }
}

/// The victim's IOC on `exchange`; returns its position.
fn victim_trades(s: &Scenario, exchange: &mut Exchange) -> Position {
    exchange.take(VICTIM, s.victim_side, s.victim_limit, s.victim_lots);
    exchange.position(VICTIM)
}

/// Sandwich: buy the cheap liquidity the victim would take, re-offer it one
/// tick inside the victim's limit, let the victim buy it, cancel what is
/// left and keep the rest at fair value. The adversary tries every depth of
/// the book and keeps the best (doing nothing is one choice).
pub fn sandwich(s: &Scenario) -> Outcome {
    let start = Exchange::new(&s.bids, &s.asks);
    let victim_side = s.victim_side;
    let baseline = victim_trades(s, &mut start.clone()).marked(s.fair);
    let reoffer = inside(victim_side, s.victim_limit, 1);
    let mut depths: Vec<u64> = start
        .clone()
        .levels_better_than(victim_side.opposite(), reoffer)
        .iter()
        .scan(0, |total, &(_, lots)| {
            *total += lots;
            Some(*total)
        })
        .collect();
    depths.push(s.victim_lots);
    let mut best = Outcome {
        notional: s.notional(),
        ..Outcome::default()
    };
    for depth in depths {
        let mut e = start.clone();
        let bought = e.take(
            ADVERSARY,
            victim_side,
            inside(victim_side, reoffer, 1),
            depth,
        );
        if bought == 0 || !e.post(ADVERSARY, victim_side.opposite(), reoffer, bought) {
            continue;
        }
        let victim = victim_trades(s, &mut e).marked(s.fair);
        e.cancel_all(ADVERSARY);
        let gain = e.position(ADVERSARY).marked(s.fair);
        if gain > best.adversary_gain {
            best.adversary_gain = gain;
            best.victim_shortfall = baseline - victim;
        }
    }
    best
}

/// Back-run: the victim's trade moves fair value (its impact); the makers'
/// re-quotes are pending in the same slot. The leader puts its own take
/// right after the victim's and before the re-quotes, taking every stale
/// quote the move left on the wrong side of the new fair value.
pub fn back_run(s: &Scenario) -> Outcome {
    let fair = s.fair_after_victim;
    let (requote_bids, requote_asks) = s.requotes(fair);
    let requote = |e: &mut Exchange| {
        for maker in 1..=MAKERS {
            e.cancel_all(maker);
        }
        e.quote(&requote_bids, &requote_asks);
    };
    let mut base = Exchange::new(&s.bids, &s.asks);
    let baseline = victim_trades(s, &mut base).marked(fair);
    let mut e = Exchange::new(&s.bids, &s.asks);
    let victim = victim_trades(s, &mut e).marked(fair);
    // Every quote on the victim's opposite side better than the new fair value.
    e.take(
        ADVERSARY,
        s.victim_side,
        inside(s.victim_side, fair, 1),
        ALL_LOTS,
    );
    requote(&mut e);
    Outcome {
        adversary_gain: e.position(ADVERSARY).marked(fair).max(0),
        victim_shortfall: baseline - victim,
        notional: s.notional(),
    }
}

/// Quote fade: a maker with the leader's view sees the victim's pending
/// order, pulls its quotes on the victim's opposite side and re-posts the
/// same size one tick inside the victim's limit, ahead of the victim.
pub fn quote_fade(s: &Scenario) -> Outcome {
    let fader = 1;
    let opposite = s.victim_side.opposite();
    let mut honest = Exchange::new(&s.bids, &s.asks);
    let baseline = victim_trades(s, &mut honest).marked(s.fair);
    let honest_maker = honest.position(fader).marked(s.fair);

    let mut e = Exchange::new(&s.bids, &s.asks);
    e.cancel_all(fader);
    let (own_bids, own_asks): (Vec<Quote>, Vec<Quote>) = (
        s.bids.iter().filter(|q| q.0 == fader).copied().collect(),
        s.asks.iter().filter(|q| q.0 == fader).copied().collect(),
    );
    let (keep, faded) = match opposite {
        Side::Ask => (own_bids, own_asks),
        Side::Bid => (own_asks, own_bids),
    };
    for &(_, price, lots) in &keep {
        e.post(fader, opposite.opposite(), price, lots);
    }
    let lots: u64 = faded.iter().map(|q| q.2).sum();
    e.post(
        fader,
        opposite,
        inside(s.victim_side, s.victim_limit, 1),
        lots,
    );
    let victim = victim_trades(s, &mut e).marked(s.fair);
    let gain = e.position(fader).marked(s.fair) - honest_maker;
    // It fades only when fading pays (it knows the victim's order).
    Outcome {
        adversary_gain: gain.max(0),
        victim_shortfall: if gain > 0 { baseline - victim } else { 0 },
        notional: s.notional(),
    }
}

/// Cancel snipe: news moves fair value at the start of the slot and every
/// maker sends a cancel and a re-quote. The leader puts its own take of the
/// stale quotes before the cancels. The victims are the makers; notional is
/// the stale quotes' at fair value.
pub fn cancel_snipe(s: &Scenario) -> Outcome {
    let fair = s.fair_after_news;
    let up = fair > s.fair;
    let side = if up { Side::Bid } else { Side::Ask };
    let (requote_bids, requote_asks) = s.requotes(fair);
    let makers_value =
        |e: &Exchange| -> i128 { (1..=MAKERS).map(|m| e.position(m).marked(fair)).sum() };
    let requote = |e: &mut Exchange| {
        for maker in 1..=MAKERS {
            e.cancel_all(maker);
        }
        e.quote(&requote_bids, &requote_asks);
    };
    let mut honest = Exchange::new(&s.bids, &s.asks);
    requote(&mut honest);
    let baseline = makers_value(&honest);

    let mut e = Exchange::new(&s.bids, &s.asks);
    e.take(ADVERSARY, side, inside(side, fair, 1), ALL_LOTS);
    requote(&mut e);
    Outcome {
        adversary_gain: e.position(ADVERSARY).marked(fair),
        victim_shortfall: baseline - makers_value(&e),
        notional: s.stale_notional(),
    }
}
