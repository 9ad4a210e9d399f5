//! An in-memory exchange around the engine for tests: a market, its traders,
//! a crank, and the invariant checks every test runs after every step.
#![allow(dead_code)]

use std::collections::BTreeMap;

use orderbook_engine::{
    BaseAtoms, BaseLots, CancelOutcome, EngineError, EventKind, MarketParams, OrderParams,
    OrderType, OwnedMarket, PlaceOutcome, QueueEvent, QuoteAtoms, QuoteLots, Side, Ticks,
    TraderState,
};

pub const NOW: u64 = 1_000;

pub fn params(taker_fee_ppm: u32, maker_fee_ppm: i32) -> MarketParams {
    MarketParams {
        base_lot_size: 10,
        quote_lot_size: 2,
        tick_size: QuoteLots(3),
        taker_fee_ppm,
        maker_fee_ppm,
    }
}

pub fn order(side: Side, order_type: OrderType, price: u64, lots: u64) -> OrderParams {
    OrderParams::new(side, order_type, Ticks(price), BaseLots(lots))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub m: OwnedMarket,
    pub traders: BTreeMap<u32, TraderState>,
    /// Deposits minus withdrawals per token (base, quote), in atoms.
    pub net_in: [i128; 2],
}

impl Exchange {
    pub fn new(p: &MarketParams, orders_per_side: u32, events: u32) -> Self {
        Self {
            m: OwnedMarket::new(p, orders_per_side, events).expect("market"),
            traders: BTreeMap::new(),
            net_in: [0, 0],
        }
    }

    /// Open a trader account and deposit into it.
    pub fn trader(&mut self, base: u64, quote: u64) -> u32 {
        let id = self.m.header.register_trader().expect("register");
        let mut t = TraderState::new(id);
        t.deposit(BaseAtoms(base), QuoteAtoms(quote))
            .expect("deposit");
        self.net_in[0] += base as i128;
        self.net_in[1] += quote as i128;
        self.traders.insert(id, t);
        id
    }

    pub fn t(&self, id: u32) -> &TraderState {
        &self.traders[&id]
    }

    pub fn place(&mut self, id: u32, p: &OrderParams) -> Result<PlaceOutcome, EngineError> {
        self.place_at(id, p, NOW)
    }

    pub fn place_at(
        &mut self,
        id: u32,
        p: &OrderParams,
        now: u64,
    ) -> Result<PlaceOutcome, EngineError> {
        let t = self.traders.get_mut(&id).expect("trader");
        self.m.market()?.place_order(t, p, now)
    }

    pub fn cancel(&mut self, id: u32, order_id: u64) -> Result<CancelOutcome, EngineError> {
        let t = self.traders.get_mut(&id).expect("trader");
        self.m.market()?.cancel_order(t, order_id)
    }

    pub fn withdraw(&mut self, id: u32, base: u64, quote: u64) -> Result<(), EngineError> {
        self.traders
            .get_mut(&id)
            .expect("trader")
            .withdraw(BaseAtoms(base), QuoteAtoms(quote))?;
        self.net_in[0] -= base as i128;
        self.net_in[1] -= quote as i128;
        Ok(())
    }

    pub fn events(&mut self) -> Vec<QueueEvent> {
        self.m
            .market()
            .expect("view")
            .events
            .iter()
            .copied()
            .collect()
    }

    /// Apply up to `n` events to their makers; returns how many were applied.
    pub fn crank(&mut self, n: usize) -> usize {
        let mut done = 0;
        while done < n {
            let mut m = self.m.market().expect("view");
            let Some(ev) = m.events.front().copied() else {
                break;
            };
            let t = self
                .traders
                .get_mut(&ev.maker_trader_id)
                .expect("maker exists");
            m.consume_front(t).expect("consume");
            done += 1;
        }
        done
    }

    pub fn crank_all(&mut self) -> usize {
        self.crank(usize::MAX)
    }

    /// `(price, lots, trader, order id)` best-first.
    pub fn book(&mut self, side: Side) -> Vec<(u64, u64, u32, u64)> {
        let m = self.m.market().expect("view");
        m.book(side)
            .iter()
            .map(|(_, n)| (n.price.0, n.base_lots.0, n.trader_id, n.seq))
            .collect()
    }

    /// Tree invariants on both sides, slot ↔ book consistency, and exact
    /// conservation of both tokens.
    pub fn check(&mut self) {
        let bls = self.m.header.base_lot_size as i128;
        let fees = self.m.header.accrued_fees.0 as i128;
        let events = self.events();
        let m = self.m.market().expect("view");
        m.bids.check_invariants().expect("bid tree");
        m.asks.check_invariants().expect("ask tree");
        // Every resting order is in its owner's slot, and vice versa for live slots.
        let mut resting = 0;
        for side in [Side::Bid, Side::Ask] {
            for (idx, n) in m.book(side).iter() {
                let t = &self.traders[&n.trader_id];
                let o = &t.orders[n.slot as usize];
                assert!(
                    o.in_use == 1 && o.order_seq == n.seq && o.node == idx,
                    "slot of order {}",
                    n.seq
                );
                assert_eq!(o.side, side as u8);
                resting += 1;
            }
        }
        let open: u32 = self.traders.values().map(|t| t.open_orders).sum();
        let used: usize = self
            .traders
            .values()
            .map(|t| t.orders.iter().filter(|o| o.in_use == 1).count())
            .sum();
        assert_eq!(open as usize, used, "open_orders counter");
        assert!(used >= resting, "fewer used slots than resting orders");

        let mut held = [0i128; 2];
        for t in self.traders.values() {
            let b = &t.balances;
            held[0] += b.free_base.0 as i128 + b.locked_base.0 as i128;
            held[1] += b.free_quote.0 as i128 + b.locked_quote.0 as i128;
        }
        let mut owed = [0i128; 2];
        for ev in &events {
            if ev.kind() == Ok(EventKind::Fill) {
                let base = ev.base_lots.0 as i128 * bls;
                let q = ev.quote.0 as i128;
                let mf = ev.maker_fee as i128;
                match ev.maker_side().expect("side") {
                    // Bid maker will gain base and pay quote + fee (or get a rebate).
                    Side::Bid => {
                        owed[0] += base;
                        owed[1] -= q + mf;
                    }
                    Side::Ask => {
                        owed[0] -= base;
                        owed[1] += q - mf;
                    }
                }
            }
        }
        assert_eq!(held[0] + owed[0], self.net_in[0], "base conservation");
        assert_eq!(
            held[1] + fees + owed[1],
            self.net_in[1],
            "quote conservation"
        );
    }

    /// Run `f`, assert it fails with `want` and changed nothing at all.
    pub fn assert_rejected<R: std::fmt::Debug>(
        &mut self,
        want: EngineError,
        f: impl FnOnce(&mut Self) -> Result<R, EngineError>,
    ) {
        let before = self.clone();
        let got = f(self);
        assert_eq!(got.err(), Some(want));
        assert_eq!(*self, before, "a rejected call changed state");
    }
}
