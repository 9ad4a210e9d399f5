//! The sealed batch auction as the engine runs it: its batch account
//! (`batch::BatchBook`: commit, reveal, queued posts and cancels, the clear
//! at one price), its clock (`auction::BatchSchedule`), its commitment
//! layout, and its settlement through the event queue, cranked after each
//! clear. The program's instructions around them are still to come.
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

use orderbook_engine::auction::{BatchSchedule, commitment_preimage};
use orderbook_engine::batch::{
    BatchBook, BatchError, BatchParams, ClearOutcome, Now, batch_account_size,
};
use orderbook_engine::{
    BaseLots, OrderParams, OrderType, OwnedClearBuffers, OwnedMarket, Side, Ticks, TraderState,
};
use sha2::{Digest, Sha256};

use crate::scenario::{self, Position, Quote};

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

/// Default commit fee per commitment, in quote atoms (0.1 bp of a typical
/// 1,000,000-atom order).
pub const DEFAULT_COMMIT_FEE: i128 = 10;
/// Default bond per commitment, in quote atoms.
pub const DEFAULT_BOND: i128 = 1_000;

/// The default batch rules at `bond`: the engine's default windows,
/// Solana's four slots per leader, 128 entries per batch and 8 commitments
/// per trader.
pub fn default_rules(bond: i128) -> Rules {
    Rules {
        schedule: BatchSchedule::with_defaults(0),
        leader_slots: 4,
        bond,
        commit_fee: DEFAULT_COMMIT_FEE,
        batch_capacity: 128,
        entries_per_trader: 8,
    }
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

/// A batch market run by the engine itself: its market, its batch account
/// and its traders, plus each trader's lamport flows (bonds and commit
/// fees, counted in quote atoms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchMarket {
    market: OwnedMarket,
    batch: Vec<u64>,
    traders: Vec<TraderState>,
    lamports: HashMap<u32, i128>,
    schedule: BatchSchedule,
    /// Keys for withheld commitments (never revealed, so any unique bytes).
    next_junk: u64,
}

/// Traders the simulator opens: makers, victim, adversary and its sybils.
const TRADERS: u32 = 24;
const UNIX: u64 = 1;

impl BatchMarket {
    pub fn new(rules: &Rules, bids: &[Quote], asks: &[Quote]) -> Self {
        let (market, traders) = scenario::market(TRADERS);
        let capacity = rules.batch_capacity as u32;
        let mut batch = vec![0u64; batch_account_size(3 * capacity) / 8];
        let batch_params = BatchParams {
            schedule: rules.schedule,
            bond_lamports: rules.bond as u64,
            commit_fee_lamports: rules.commit_fee as u64,
            entries_per_batch: capacity,
            entries_per_trader: rules.entries_per_trader as u16,
            beacon_chain_hash: [0; 32],
        };
        BatchBook::init(
            bytemuck::cast_slice_mut(&mut batch),
            &batch_params,
            &market.header,
        )
        .expect("valid batch market");
        let mut m = Self {
            market,
            batch,
            traders,
            lamports: HashMap::new(),
            schedule: rules.schedule,
            next_junk: 0,
        };
        // The book before the first batch (the engine's own placement).
        for (side, quotes) in [(Side::Bid, bids), (Side::Ask, asks)] {
            for &(maker, price, lots) in quotes {
                let p = OrderParams::new(
                    side,
                    OrderType::PostOnly,
                    Ticks::new(price),
                    BaseLots::new(lots),
                );
                let t = &mut m.traders[maker as usize - 1];
                m.market
                    .market()
                    .expect("market")
                    .place_order(t, &p, UNIX)
                    .expect("a quote rests");
            }
        }
        m
    }

    /// `trader`'s gain in quote atoms and base lots: its balances against
    /// its deposit, plus its lamport flows.
    pub fn position(&self, trader: u32) -> Position {
        let mut p = scenario::position_of(&self.traders[trader as usize - 1]);
        p.quote += self.lamports.get(&trader).copied().unwrap_or(0);
        p
    }

    /// Charge (negative) or credit lamports, in quote atoms: bonds, fees.
    pub fn pay(&mut self, trader: u32, quote: i128) {
        *self.lamports.entry(trader).or_default() += quote;
    }

    /// Batch `k` through the engine: commitments (the withheld ones too)
    /// and posts in its commit window, cancels in its grace, reveals in its
    /// reveal window, then the clear and the crank. The engine orders what
    /// a clear does by key, so the order of `queued` and `sealed` is
    /// irrelevant.
    pub fn clear(&mut self, k: u64, queued: &[Queued], sealed: &[Sealed], withheld: &[u32]) {
        let s = self.schedule;
        let commit_slot = s.commit_opens(k).expect("in range");
        let mut indices = Vec::new();
        for o in sealed {
            let i = self
                .book()
                .commit(o.trader, k, commitment(k, o), commit_slot)
                .expect("commit");
            indices.push(i);
        }
        for &trader in withheld {
            self.next_junk += 1;
            let junk = Sha256::digest(self.next_junk.to_le_bytes()).into();
            // A full batch refuses the rest of a flood; so be it.
            let _ = self.book().commit(trader, k, junk, commit_slot);
        }
        for q in queued {
            self.queue(k, q);
        }
        let header = self.market.header;
        let reveal_slot = s.reveal_opens(k).expect("in range");
        for (o, i) in sealed.iter().zip(indices) {
            let p = sealed_params(o);
            let t = &mut self.traders[o.trader as usize - 1];
            let now = Now {
                slot: reveal_slot,
                unix_time: UNIX,
            };
            BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
                .expect("batch")
                .reveal(&header, t, i, &p, &commitment(k, o), now)
                .expect("reveal");
        }
        let now = Now {
            slot: s.clearable_from(k).expect("in range"),
            unix_time: UNIX,
        };
        match self.clear_engine(now) {
            // A batch with nothing in it, and no empty batch left to pass.
            Ok(_) | Err(BatchError::WrongWindow) => {}
            Err(e) => panic!("batch {k} cannot be cleared: {e:?}"),
        }
        self.crank();
    }

    fn queue(&mut self, k: u64, q: &Queued) {
        let s = self.schedule;
        match *q {
            Queued::Post(trader, side, price, lots) => {
                let header = self.market.header;
                let p = OrderParams::new(
                    side,
                    OrderType::PostOnly,
                    Ticks::new(price),
                    BaseLots::new(lots),
                );
                let t = &mut self.traders[trader as usize - 1];
                let now = Now {
                    slot: s.commit_opens(k).expect("in range"),
                    unix_time: UNIX,
                };
                BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
                    .expect("batch")
                    .queue_post(&header, t, &p, post_key(q), now)
                    .expect("post queued");
            }
            Queued::CancelAll(trader) => {
                // The last slot before batch k's reveals: cancels land in k.
                let slot = s.reveal_opens(k).expect("in range") - 1;
                let t = self.traders[trader as usize - 1];
                let live: Vec<u64> = t
                    .orders
                    .iter()
                    .filter(|o| o.in_use != 0 && o.order_seq != 0)
                    .map(|o| o.order_seq)
                    .collect();
                let mut batch =
                    BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).expect("batch");
                let market = self.market.market().expect("market");
                for id in live {
                    batch
                        .queue_cancel(&market, &t, id, slot)
                        .expect("cancel queued");
                }
            }
        }
    }

    fn book(&mut self) -> BatchBook<'_> {
        BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).expect("batch")
    }

    fn clear_engine(&mut self, now: Now) -> Result<ClearOutcome, BatchError> {
        let mut buffers = OwnedClearBuffers::new(self.book().header.entries_per_batch);
        let mut batch = BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).expect("batch");
        let mut market = self.market.market().expect("market");
        batch.clear(&mut market, now, &mut buffers.buffers())
    }

    /// Everything that must not depend on arrival order: the market header,
    /// each side's orders, the queue's counters, every trader's balances,
    /// orders and lamports. Not the pool positions entries took, nor which
    /// of its own slots a trader's order sits in (see the engine's tests).
    pub fn canonical(&mut self) -> impl PartialEq + std::fmt::Debug + use<> {
        let market = self.market.market().expect("market");
        let side = |s: Side| -> Vec<(u32, u64, u64, u64)> {
            market
                .book(s)
                .iter()
                .map(|(_, o)| (o.trader_id, o.price.get(), o.seq, o.base_lots.get()))
                .collect()
        };
        let traders: Vec<_> = self
            .traders
            .iter()
            .map(|t| {
                let mut orders: Vec<(u64, u64, u64, u8)> = t
                    .orders
                    .iter()
                    .filter(|o| o.in_use != 0)
                    .map(|o| (o.order_seq, o.price.get(), o.client_order_id, o.side))
                    .collect();
                orders.sort_unstable();
                (t.balances, t.open_orders, orders)
            })
            .collect();
        let mut lamports: Vec<(u32, i128)> = self.lamports.iter().map(|(k, v)| (*k, *v)).collect();
        lamports.sort_unstable();
        (
            *market.header,
            side(Side::Bid),
            side(Side::Ask),
            market.events.header.next_seq,
            traders,
            lamports,
        )
    }

    /// Apply every queued event (the keeper's crank).
    fn crank(&mut self) {
        let mut market = self.market.market().expect("market");
        while let Some(ev) = market.events.front().copied() {
            let t = &mut self.traders[ev.maker_trader_id as usize - 1];
            market.consume_front(t).expect("apply event");
        }
    }
}

fn sealed_params(o: &Sealed) -> OrderParams {
    OrderParams::new(
        o.side,
        OrderType::ImmediateOrCancel,
        Ticks::new(o.limit),
        BaseLots::new(o.lots),
    )
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
