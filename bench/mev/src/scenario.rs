//! One seeded market situation: a fair value, three makers' ladders around
//! it, a victim's taking order with slippage room, and the fair value's
//! moves the strategies exploit (the victim's price impact, a news jump).
//!
//! Units: one base lot is one base atom, one tick is one quote atom per lot,
//! so a price in ticks is quote atoms per lot and fair value ~10,000 makes
//! one tick one basis point.

use orderbook_engine::{
    BaseAtoms, MarketParams, OwnedMarket, QuoteAtoms, QuoteLots, Side, TraderState,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Makers quoting the book (trader ids `1..=MAKERS`).
pub const MAKERS: u32 = 3;
/// Price levels per side of the book.
pub const LEVELS: u64 = 8;
/// Taker fee of the simulated market: 2 bps.
pub const TAKER_FEE_PPM: u32 = 200;

/// What every simulated trader deposits: enough never to be refused for funds.
pub const DEPOSIT_BASE: u64 = 1 << 40;
pub const DEPOSIT_QUOTE: u64 = 1 << 50;

/// The simulated market (both modes): one atom per lot, one atom per tick,
/// the taker fee above, no maker fee; and `traders` funded traders with ids
/// `1..=traders`.
pub fn market(traders: u32) -> (OwnedMarket, Vec<TraderState>) {
    let params = MarketParams {
        base_lot_size: 1,
        quote_lot_size: 1,
        tick_size: QuoteLots::new(1),
        taker_fee_ppm: TAKER_FEE_PPM,
        maker_fee_ppm: 0,
    };
    let mut market = OwnedMarket::new(&params, 256, 4_096).expect("valid market");
    let traders = (0..traders)
        .map(|_| {
            let mut t = TraderState::new(market.header.register_trader().expect("ids"));
            t.deposit(BaseAtoms::new(DEPOSIT_BASE), QuoteAtoms::new(DEPOSIT_QUOTE))
                .expect("deposit");
            t
        })
        .collect();
    (market, traders)
}

/// A trader's position against its deposit (locks count as held).
pub fn position_of(t: &TraderState) -> Position {
    let b = t.balances;
    let base = b.free_base.get() + b.locked_base.get();
    let quote = b.free_quote.get() + b.locked_quote.get();
    Position {
        base: i128::from(base) - i128::from(DEPOSIT_BASE),
        quote: i128::from(quote) - i128::from(DEPOSIT_QUOTE),
    }
}

/// One resting quote: (maker trader id, price in ticks, lots).
pub type Quote = (u32, u64, u64);

#[derive(Clone, Debug)]
pub struct Scenario {
    pub seed: u64,
    /// Fair value in ticks before anything happens.
    pub fair: u64,
    pub bids: Vec<Quote>,
    pub asks: Vec<Quote>,
    pub victim_side: Side,
    pub victim_lots: u64,
    /// The victim's limit: fair value plus (bid) or minus (ask) its slippage room.
    pub victim_limit: u64,
    pub slippage_bps: u64,
    /// Fair value after the victim's trade is known (its price impact).
    pub fair_after_victim: u64,
    /// Fair value after a news jump at the start of the slot (cancel snipe).
    pub fair_after_news: u64,
}

impl Scenario {
    pub fn generate(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let fair = rng.random_range(9_000..=11_000);
        let half_spread = rng.random_range(1..=5);
        let step = rng.random_range(1..=4);
        let mut ladder = |side: Side| -> Vec<Quote> {
            (0..LEVELS)
                .map(|level| {
                    let offset = half_spread + level * step;
                    let price = match side {
                        Side::Bid => fair - offset,
                        Side::Ask => fair + offset,
                    };
                    (
                        1 + (level as u32 % MAKERS),
                        price,
                        rng.random_range(10..=60),
                    )
                })
                .collect()
        };
        let (bids, asks) = (ladder(Side::Bid), ladder(Side::Ask));
        let victim_side = if rng.random_bool(0.5) {
            Side::Bid
        } else {
            Side::Ask
        };
        let victim_lots = rng.random_range(30..=200);
        let slippage_bps = rng.random_range(20..=100);
        let room = fair * slippage_bps / 10_000;
        let impact = (victim_lots / 10).max(1);
        let jump = rng.random_range(10..=40);
        let sign = |up: bool, x: u64| if up { fair + x } else { fair - x };
        Self {
            seed,
            fair,
            bids,
            asks,
            victim_side,
            victim_lots,
            victim_limit: sign(victim_side == Side::Bid, room),
            slippage_bps,
            fair_after_victim: sign(victim_side == Side::Bid, impact),
            fair_after_news: sign(rng.random_bool(0.5), jump),
        }
    }

    /// The victim's notional at fair value, the denominator of every bps figure.
    pub fn notional(&self) -> i128 {
        i128::from(self.victim_lots) * i128::from(self.fair)
    }

    /// Notional at fair value of the quotes a news jump leaves stale (on the
    /// wrong side of the new fair value): the cancel snipe's denominator.
    pub fn stale_notional(&self) -> i128 {
        let fair = self.fair_after_news;
        let stale: u64 = if fair > self.fair {
            self.asks.iter().filter(|q| q.1 < fair).map(|q| q.2).sum()
        } else {
            self.bids.iter().filter(|q| q.1 > fair).map(|q| q.2).sum()
        };
        i128::from(stale.max(1)) * i128::from(self.fair)
    }

    /// Each maker's quotes re-centred on `fair` (what makers post after a move).
    pub fn requotes(&self, fair: u64) -> (Vec<Quote>, Vec<Quote>) {
        let shift = |quotes: &[Quote]| -> Vec<Quote> {
            quotes
                .iter()
                .map(|&(maker, price, lots)| (maker, price + fair - self.fair, lots))
                .collect()
        };
        // `price + fair - fair_before` cannot underflow: fair values stay
        // within ±40 ticks of ~10,000 and ladders within ±33 ticks.
        (shift(&self.bids), shift(&self.asks))
    }
}

/// One trader's gain in quote atoms, marked to a fair value: base held at
/// `fair` plus quote, relative to its start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub base: i128,
    pub quote: i128,
}

impl Position {
    pub fn marked(&self, fair: u64) -> i128 {
        self.base * i128::from(fair) + self.quote
    }
}

/// What one strategy did in one scenario, in quote atoms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The adversary's gain from the strategy over behaving honestly (doing
    /// nothing, or quoting as a maker would), marked to fair value, net of
    /// fees, bonds and commit fees.
    pub adversary_gain: i128,
    /// What the victim lost against the same scenario without the adversary
    /// (negative: it did better).
    pub victim_shortfall: i128,
    /// The victim's notional at fair value.
    pub notional: i128,
}

impl Outcome {
    pub fn gain_bps(&self) -> f64 {
        self.adversary_gain as f64 * 10_000.0 / self.notional as f64
    }
    pub fn shortfall_bps(&self) -> f64 {
        self.victim_shortfall as f64 * 10_000.0 / self.notional as f64
    }
}
