//! The sealed batch auction, cleared by the engine's own call auction
//! (`auction::clearing_price` and `auction::allocate`) on the engine's
//! batch clock (`auction::BatchSchedule`), with sealed orders bound by the
//! engine's commitment layout. Settlement is the simulator's: the batch
//! account and its settlement events are the program's part, still to come.
//!
//! What the adversary can do is decided by the clock, not by the strategy:
//! an action taken on information first seen at slot t lands in the batch
//! whose commit window is open at t (the slot leader may delay other
//! traders' transactions by up to its `leader_slots`). Within a batch,
//! queued cancels and post-only orders apply first, then every sealed
//! order crosses at one price, so the order of arrival inside a batch is
//! worthless.

pub mod attacks;

use std::collections::HashMap;

use orderbook_engine::auction::{
    AuctionOrder, BatchSchedule, Priority, allocate, clearing_price, commitment_preimage,
};
use orderbook_engine::quantity::fee_ceil;
use orderbook_engine::{BaseLots, OrderParams, OrderType, Side, Ticks};
use sha2::{Digest, Sha256};

use crate::scenario::{Position, Quote, TAKER_FEE_PPM};

/// The batch market's rules, in slots and quote atoms.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub schedule: BatchSchedule,
    /// Consecutive slots one leader holds (Solana: 4).
    pub leader_slots: u64,
    /// Lamport bond per commitment, in quote atoms; refunded at reveal.
    pub bond: i128,
    /// Non-refundable fee per commitment, in quote atoms.
    pub commit_fee: i128,
    /// Most entries one batch holds.
    pub batch_capacity: usize,
    /// Most entries one trader may commit to one batch.
    pub entries_per_trader: usize,
}

/// A sealed taking order (immediate-or-cancel at `limit`).
#[derive(Clone, Copy, Debug)]
pub struct Sealed {
    pub trader: u32,
    pub side: Side,
    pub limit: u64,
    pub lots: u64,
    pub salt: u8,
}

/// What a batch applies before crossing, in any order (it sorts them).
#[derive(Clone, Copy, Debug)]
pub enum Queued {
    /// Cancel every resting order of a trader.
    CancelAll(u32),
    /// A post-only order: (trader, side, price, lots).
    Post(u32, Side, u64, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Resting {
    trader: u32,
    price: u64,
    lots: u64,
    seq: u64,
}

/// The book and every trader's position between clears.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchMarket {
    bids: Vec<Resting>,
    asks: Vec<Resting>,
    next_seq: u64,
    positions: HashMap<u32, Position>,
    /// The last clearing price: the tie-break reference.
    last_price: Option<u64>,
}

impl BatchMarket {
    pub fn new(bids: &[Quote], asks: &[Quote]) -> Self {
        let mut m = Self::default();
        for &(maker, price, lots) in bids {
            m.apply(Queued::Post(maker, Side::Bid, price, lots));
        }
        for &(maker, price, lots) in asks {
            m.apply(Queued::Post(maker, Side::Ask, price, lots));
        }
        m
    }

    pub fn position(&self, trader: u32) -> Position {
        self.positions.get(&trader).copied().unwrap_or_default()
    }

    /// Charge (negative) or credit quote atoms outside trading: bonds, fees.
    pub fn pay(&mut self, trader: u32, quote: i128) {
        self.positions.entry(trader).or_default().quote += quote;
    }

    fn apply(&mut self, q: Queued) {
        match q {
            Queued::CancelAll(trader) => {
                self.bids.retain(|o| o.trader != trader);
                self.asks.retain(|o| o.trader != trader);
            }
            Queued::Post(trader, side, price, lots) => {
                let crosses = match side {
                    Side::Bid => self.asks.iter().any(|a| a.price <= price),
                    Side::Ask => self.bids.iter().any(|b| b.price >= price),
                };
                if crosses {
                    return; // refused, as the engine refuses a crossing post-only order
                }
                self.next_seq += 1;
                let order = Resting {
                    trader,
                    price,
                    lots,
                    seq: self.next_seq,
                };
                match side {
                    Side::Bid => self.bids.push(order),
                    Side::Ask => self.asks.push(order),
                }
            }
        }
    }

    /// Clear batch `k`: queued actions first (cancels before posts, whatever
    /// order they arrived in), then every sealed order at one price.
    pub fn clear(&mut self, k: u64, queued: &[Queued], sealed: &[Sealed]) {
        let (cancels, mut posts): (Vec<Queued>, Vec<Queued>) = queued
            .iter()
            .partition(|q| matches!(q, Queued::CancelAll(_)));
        // Posts of one batch take time priority in the order of their
        // content's hash, not of their arrival, which the leader controls.
        posts.sort_by_key(post_key);
        for q in cancels.into_iter().chain(posts) {
            self.apply(q);
        }
        let bids = self.auction_side(Side::Bid, k, sealed);
        let asks = self.auction_side(Side::Ask, k, sealed);
        let reference = self.last_price.or_else(|| self.mid()).map(Ticks::new);
        let Some(clearing) = clearing_price(&bids, &asks, reference).expect("bounded") else {
            return;
        };
        let price = clearing.price.get();
        self.last_price = Some(price);
        for (side, orders) in [(Side::Bid, &bids), (Side::Ask, &asks)] {
            let mut fills = vec![BaseLots::ZERO; orders.len()];
            allocate(side, orders, &clearing, &mut fills).expect("consistent");
            for (order, fill) in orders.iter().zip(fills) {
                self.settle(side, order, fill.get(), price, k, sealed);
            }
        }
        self.bids.retain(|o| o.lots > 0);
        self.asks.retain(|o| o.lots > 0);
    }

    /// One side's resting and sealed orders, best price first, then priority.
    fn auction_side(&self, side: Side, k: u64, sealed: &[Sealed]) -> Vec<AuctionOrder> {
        let book = match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        };
        let mut orders: Vec<AuctionOrder> = book
            .iter()
            .map(|o| AuctionOrder {
                price: Ticks::new(o.price),
                lots: BaseLots::new(o.lots),
                priority: Priority::Resting { seq: o.seq },
            })
            .chain(
                sealed
                    .iter()
                    .filter(|o| o.side == side)
                    .map(|o| AuctionOrder {
                        price: Ticks::new(o.limit),
                        lots: BaseLots::new(o.lots),
                        priority: Priority::Sealed {
                            commitment: commitment(k, o),
                        },
                    }),
            )
            .collect();
        orders.sort_by(|a, b| {
            let by_price = match side {
                Side::Bid => b.price.cmp(&a.price),
                Side::Ask => a.price.cmp(&b.price),
            };
            by_price.then(a.priority.cmp(&b.priority))
        });
        orders
    }

    fn settle(
        &mut self,
        side: Side,
        order: &AuctionOrder,
        lots: u64,
        price: u64,
        k: u64,
        sealed: &[Sealed],
    ) {
        if lots == 0 {
            return;
        }
        let (trader, taker) = match order.priority {
            Priority::Resting { seq } => {
                let book = match side {
                    Side::Bid => &mut self.bids,
                    Side::Ask => &mut self.asks,
                };
                let resting = book
                    .iter_mut()
                    .find(|o| o.seq == seq)
                    .expect("resting order");
                resting.lots -= lots;
                (resting.trader, false)
            }
            Priority::Sealed { commitment: c } => {
                let o = sealed
                    .iter()
                    .find(|o| commitment(k, o) == c)
                    .expect("sealed order");
                (o.trader, true)
            }
        };
        let quote = i128::from(lots) * i128::from(price);
        let fee = if taker {
            i128::from(fee_ceil(lots * price, TAKER_FEE_PPM).expect("fee"))
        } else {
            0
        };
        let p = self.positions.entry(trader).or_default();
        match side {
            Side::Bid => {
                p.base += i128::from(lots);
                p.quote -= quote + fee;
            }
            Side::Ask => {
                p.base -= i128::from(lots);
                p.quote += quote - fee;
            }
        }
    }

    fn mid(&self) -> Option<u64> {
        let best_bid = self.bids.iter().map(|o| o.price).max()?;
        let best_ask = self.asks.iter().map(|o| o.price).min()?;
        Some((best_bid + best_ask) / 2)
    }
}

/// Where a queued post-only order ranks among its batch's: SHA-256 of its content.
fn post_key(q: &Queued) -> [u8; 32] {
    let mut h = Sha256::new();
    if let Queued::Post(trader, side, price, lots) = *q {
        h.update(trader.to_le_bytes());
        h.update([side as u8]);
        h.update(price.to_le_bytes());
        h.update(lots.to_le_bytes());
    }
    h.finalize().into()
}

/// The order's commitment, as `commit_order` records it: SHA-256 of the
/// engine's preimage (the trader id stands in for the owner's key).
pub fn commitment(k: u64, o: &Sealed) -> [u8; 32] {
    let mut owner = [0u8; 32];
    owner[..4].copy_from_slice(&o.trader.to_le_bytes());
    let params = OrderParams::new(
        o.side,
        OrderType::ImmediateOrCancel,
        Ticks::new(o.limit),
        BaseLots::new(o.lots),
    );
    let preimage = commitment_preimage(&[7; 32], &owner, k, &params, &[o.salt; 32]);
    Sha256::digest(preimage).into()
}
