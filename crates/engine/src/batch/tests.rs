//! The batch account's operations: where each entry lands, every refusal
//! (leaving every byte unchanged) and what a reveal or a post locks.

extern crate std;
use std::vec;
use std::vec::Vec;

use super::*;
use crate::OwnedMarket;
use crate::auction::BatchSchedule;
use crate::market::MarketParams;
use crate::order::{OrderParams, OrderType, Side};
use crate::quantity::QuoteLots;
use crate::trader::TraderState;

const START: u64 = 100;
const NOW: u64 = 1_000;
const TAKER_PPM: u32 = 500;

fn market_params(maker_fee_ppm: i32) -> MarketParams {
    MarketParams {
        base_lot_size: 1_000,
        quote_lot_size: 10,
        tick_size: QuoteLots(1),
        taker_fee_ppm: TAKER_PPM,
        maker_fee_ppm,
    }
}

fn batch_params() -> BatchParams {
    BatchParams {
        schedule: BatchSchedule::with_defaults(START),
        bond_lamports: 50_000,
        commit_fee_lamports: 5_000,
        entries_per_batch: 4,
        entries_per_trader: 2,
        beacon_chain_hash: [0; 32],
    }
}

struct Fixture {
    market: OwnedMarket,
    batch: Vec<u64>,
    traders: Vec<TraderState>,
}

impl Fixture {
    fn new(pool: u32) -> Self {
        let market = OwnedMarket::new(&market_params(-100), 64, 256).unwrap();
        let mut batch = vec![0u64; batch_account_size(pool) / 8];
        BatchBook::init(
            bytemuck::cast_slice_mut(&mut batch),
            &batch_params(),
            &market.header,
        )
        .unwrap();
        let traders = (1..=3)
            .map(|id| {
                let mut t = TraderState::new(id);
                t.deposit(BaseAtoms(1_000_000), QuoteAtoms(1_000_000_000))
                    .unwrap();
                t
            })
            .collect();
        Self {
            market,
            batch,
            traders,
        }
    }

    fn book(&mut self) -> BatchBook<'_> {
        BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).unwrap()
    }

    /// Commit to the batch whose commit window is open at `slot` (batch 0
    /// before the first opens); returns (batch, entry).
    fn commit(&mut self, trader: u32, key: u8, slot: u64) -> Result<(u64, u32), BatchError> {
        let open = self.book().schedule().unwrap().committing_batch(slot);
        let batch = open.unwrap_or(0);
        let index = self.commit_to(trader, batch, key, slot)?;
        Ok((batch, index))
    }

    fn commit_to(
        &mut self,
        trader: u32,
        batch: u64,
        key: u8,
        slot: u64,
    ) -> Result<u32, BatchError> {
        self.book().commit(trader, batch, [key; 32], slot)
    }

    fn reveal(
        &mut self,
        trader: u32,
        index: u32,
        p: &OrderParams,
        key: u8,
        slot: u64,
    ) -> Result<u64, BatchError> {
        let header = self.market.header;
        let t = &mut self.traders[trader as usize - 1];
        BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
            .unwrap()
            .reveal(
                &header,
                t,
                index,
                p,
                &[key; 32],
                Now {
                    slot,
                    unix_time: NOW,
                },
            )
    }

    /// Every byte the operations may touch.
    fn snapshot(&self) -> (Vec<u64>, Vec<TraderState>) {
        (self.batch.clone(), self.traders.clone())
    }
}

fn slot_of(phase_offset: u64) -> u64 {
    START + phase_offset
}

fn ioc_bid(price: u64, lots: u64) -> OrderParams {
    OrderParams::new(
        Side::Bid,
        OrderType::ImmediateOrCancel,
        Ticks(price),
        BaseLots(lots),
    )
}

/// Batch 0 reveals from START + C + G = START + 6 to START + 14.
const REVEAL_SLOT: u64 = START + 6;

#[test]
fn init_refuses_a_positive_maker_fee_bad_caps_and_bad_windows() {
    let market = OwnedMarket::new(&market_params(100), 64, 256).unwrap();
    let mut data = vec![0u64; batch_account_size(8) / 8];
    let bytes = bytemuck::cast_slice_mut(&mut data);
    assert_eq!(
        BatchBook::init(bytes, &batch_params(), &market.header).err(),
        Some(BatchError::PositiveMakerFee)
    );
    let header = OwnedMarket::new(&market_params(0), 64, 256).unwrap().header;
    for bad in [
        BatchParams {
            entries_per_batch: 0,
            ..batch_params()
        },
        BatchParams {
            entries_per_batch: MAX_ENTRIES_PER_BATCH + 1,
            ..batch_params()
        },
        BatchParams {
            entries_per_trader: 0,
            ..batch_params()
        },
        BatchParams {
            entries_per_trader: 5,
            ..batch_params()
        },
    ] {
        assert_eq!(
            BatchBook::init(bytemuck::cast_slice_mut(&mut data), &bad, &header).err(),
            Some(BatchError::Engine(EngineError::InvalidMarketParams))
        );
    }
    let mut bad_clock = batch_params();
    bad_clock.schedule.commit_slots = 0;
    assert_eq!(
        BatchBook::init(bytemuck::cast_slice_mut(&mut data), &bad_clock, &header).err(),
        Some(BatchError::InvalidSchedule)
    );
}

#[test]
fn a_commitment_lands_in_the_batch_whose_commit_window_is_open() {
    let mut f = Fixture::new(8);
    assert_eq!(f.commit(1, 1, START - 1), Err(BatchError::NotStarted));
    assert_eq!(f.commit(1, 1, slot_of(0)), Ok((0, 0)));
    assert_eq!(f.commit(1, 2, slot_of(1)), Ok((0, 1)));
    assert_eq!(f.commit(1, 3, slot_of(2)), Ok((1, 2)));
    let e = *f.book().entry(0).unwrap();
    assert_eq!(
        (e.kind, e.trader_id, e.batch, e.commitment, e.bond_lamports),
        (EntryKind::Committed as u8, 1, 0, [1; 32], 50_000)
    );
}

#[test]
fn a_commitment_to_a_batch_whose_window_closed_is_refused_and_changes_nothing() {
    let mut f = Fixture::new(8);
    let before = f.snapshot();
    assert_eq!(
        f.commit_to(1, 0, 1, slot_of(2)),
        Err(BatchError::WrongWindow)
    );
    assert_eq!(
        f.commit_to(1, 2, 1, slot_of(2)),
        Err(BatchError::WrongWindow)
    );
    assert_eq!(f.snapshot(), before);
    assert_eq!(f.commit_to(1, 1, 1, slot_of(2)), Ok(0));
}

#[test]
fn caps_duplicates_and_a_full_pool_refuse_a_commitment_and_change_nothing() {
    let mut f = Fixture::new(5);
    f.commit(1, 1, START).unwrap();
    f.commit(1, 2, START).unwrap();
    let before = f.snapshot();
    assert_eq!(f.commit(1, 3, START), Err(BatchError::TooManyEntries));
    assert_eq!(f.commit(2, 1, START), Err(BatchError::Duplicate));
    assert_eq!(f.snapshot(), before);
    f.commit(2, 4, START).unwrap();
    f.commit(3, 5, START).unwrap();
    let before = f.snapshot();
    assert_eq!(
        f.commit(3, 6, START),
        Err(BatchError::BatchFull),
        "4 per batch"
    );
    assert_eq!(f.snapshot(), before);
    f.commit(3, 7, START + 2).unwrap();
    assert_eq!(
        f.commit(2, 8, START + 2),
        Err(BatchError::BatchFull),
        "the pool of 5 is full"
    );
}

#[test]
fn a_reveal_locks_the_worst_case_refunds_the_bond_and_reserves_a_slot_only_for_a_limit_order() {
    let mut f = Fixture::new(8);
    let (_, ioc) = f.commit(1, 1, START).unwrap();
    let (_, limit) = f.commit(1, 2, START).unwrap();
    let free_before = f.traders[0].balances;
    assert_eq!(
        f.reveal(1, ioc, &ioc_bid(100, 7), 1, REVEAL_SLOT),
        Ok(50_000)
    );
    // 7 lots × 100 ticks × 1 × 10 atoms = 7,000, plus ceil(7,000 × 500 ppm) = 4.
    let b = f.traders[0].balances;
    assert_eq!(b.locked_quote, QuoteAtoms(7_004));
    assert_eq!(
        b.free_quote,
        free_before.free_quote.try_sub(QuoteAtoms(7_004)).unwrap()
    );
    assert_eq!(f.traders[0].open_orders, 0);
    let e = *f.book().entry(ioc).unwrap();
    assert_eq!(
        (e.kind, e.slot, e.locked_quote, e.bond_lamports),
        (EntryKind::Revealed as u8, NO_SLOT, QuoteAtoms(7_004), 0)
    );

    let ask = OrderParams::new(Side::Ask, OrderType::Limit, Ticks(90), BaseLots(3));
    assert_eq!(f.reveal(1, limit, &ask, 2, REVEAL_SLOT + 7), Ok(50_000));
    let slot = f.book().entry(limit).unwrap().slot as usize;
    let t = &f.traders[0];
    assert_eq!(t.balances.locked_base, BaseAtoms(3_000));
    assert_eq!(t.open_orders, 1);
    let reserved = t.orders[slot];
    assert_eq!(
        (reserved.in_use, reserved.order_seq, reserved.price),
        (1, 0, Ticks(90))
    );
    // Revealed once.
    assert_eq!(
        f.reveal(1, limit, &ask, 2, REVEAL_SLOT),
        Err(BatchError::NotCommitted)
    );
}

#[test]
fn every_bad_reveal_is_refused_and_changes_nothing() {
    let mut f = Fixture::new(8);
    let (_, i) = f.commit(1, 1, START).unwrap();
    let good = ioc_bid(100, 7);
    let mut expired = good;
    expired.expiry = NOW;
    let mut budget = good;
    budget.max_quote = QuoteAtoms(5);
    let before = f.snapshot();
    let cases: [(u32, OrderParams, u8, u64, BatchError); 10] = [
        (1, good, 1, START + 1, BatchError::WrongWindow),
        (1, good, 1, START + 5, BatchError::WrongWindow),
        (1, good, 1, START + 14, BatchError::WrongWindow),
        (2, good, 1, REVEAL_SLOT, BatchError::ForeignEntry),
        (1, good, 9, REVEAL_SLOT, BatchError::CommitmentMismatch),
        (
            1,
            OrderParams {
                order_type: OrderType::Market,
                ..good
            },
            1,
            REVEAL_SLOT,
            BatchError::UnsupportedOrderType,
        ),
        (
            1,
            OrderParams {
                order_type: OrderType::FillOrKill,
                ..good
            },
            1,
            REVEAL_SLOT,
            BatchError::UnsupportedOrderType,
        ),
        (
            1,
            budget,
            1,
            REVEAL_SLOT,
            BatchError::Engine(EngineError::InvalidSize),
        ),
        (
            1,
            expired,
            1,
            REVEAL_SLOT,
            BatchError::Engine(EngineError::AlreadyExpired),
        ),
        (
            1,
            ioc_bid(100, 1 << 40),
            1,
            REVEAL_SLOT,
            BatchError::Engine(EngineError::InsufficientFunds),
        ),
    ];
    for (trader, p, key, slot, expected) in cases {
        assert_eq!(
            f.reveal(trader, i, &p, key, slot),
            Err(expected),
            "{p:?} at {slot}"
        );
        assert_eq!(f.snapshot(), before, "{expected:?} changed something");
    }
    assert_eq!(
        f.reveal(1, 99, &good, 1, REVEAL_SLOT),
        Err(BatchError::NotCommitted)
    );
}

#[test]
fn a_limit_reveal_without_a_free_slot_is_refused() {
    let mut f = Fixture::new(8);
    let (_, i) = f.commit(1, 1, START).unwrap();
    for s in 0..crate::trader::MAX_OPEN_ORDERS {
        f.traders[0].occupy(
            s,
            crate::trader::OpenOrder {
                order_seq: 1_000 + s as u64,
                ..Default::default()
            },
        );
    }
    let before = f.snapshot();
    let p = OrderParams::new(Side::Bid, OrderType::Limit, Ticks(100), BaseLots(1));
    assert_eq!(
        f.reveal(1, i, &p, 1, REVEAL_SLOT),
        Err(BatchError::Engine(EngineError::TooManyOpenOrders))
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_queued_post_locks_its_value_and_reserves_its_slot_in_the_committing_batch() {
    let mut f = Fixture::new(8);
    let header = f.market.header;
    let p = OrderParams::new(Side::Bid, OrderType::PostOnly, Ticks(100), BaseLots(4));
    let t = &mut f.traders[1];
    let got = BatchBook::load(bytemuck::cast_slice_mut(&mut f.batch))
        .unwrap()
        .queue_post(
            &header,
            t,
            &p,
            [7; 32],
            Now {
                slot: START + 3,
                unix_time: NOW,
            },
        );
    assert_eq!(got, Ok((1, 0)));
    assert_eq!(f.traders[1].balances.locked_quote, QuoteAtoms(4_000));
    assert_eq!(f.traders[1].open_orders, 1);
    let taking = OrderParams::new(Side::Bid, OrderType::Limit, Ticks(100), BaseLots(4));
    let before = f.snapshot();
    let t = &mut f.traders[1];
    let refused = BatchBook::load(bytemuck::cast_slice_mut(&mut f.batch))
        .unwrap()
        .queue_post(
            &header,
            t,
            &taking,
            [8; 32],
            Now {
                slot: START + 3,
                unix_time: NOW,
            },
        );
    assert_eq!(refused, Err(BatchError::UnsupportedOrderType));
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_queued_cancel_names_a_live_order_of_its_trader_and_lands_in_the_oldest_batch_without_reveals()
{
    let mut f = Fixture::new(8);
    let rest = OrderParams::new(Side::Ask, OrderType::PostOnly, Ticks(120), BaseLots(2));
    let order_id = f
        .market
        .market()
        .unwrap()
        .place_order(&mut f.traders[0], &rest, NOW)
        .unwrap()
        .order_id;
    let (trader, other) = (f.traders[0], f.traders[1]);
    let mut batch = BatchBook::load(bytemuck::cast_slice_mut(&mut f.batch)).unwrap();
    let market = f.market.market().unwrap();
    assert_eq!(
        batch.queue_cancel(&market, &other, order_id, START),
        Err(BatchError::Engine(EngineError::OrderNotFound))
    );
    assert_eq!(
        batch.queue_cancel(&market, &trader, order_id + 1, START),
        Err(BatchError::Engine(EngineError::OrderNotFound))
    );
    // Slot START + 7: batch 0 reveals (from START + 6), batch 1 is in grace.
    assert_eq!(
        batch.queue_cancel(&market, &trader, order_id, START + 7),
        Ok((1, 0))
    );
    assert_eq!(
        batch.queue_cancel(&market, &trader, order_id, START + 7),
        Err(BatchError::CancelQueued)
    );
    let e = *batch.entry(0).unwrap();
    assert_eq!(
        (e.kind, e.order_id, e.price, e.side),
        (
            EntryKind::Cancel as u8,
            order_id,
            Ticks(120),
            Side::Ask as u8
        )
    );
}

#[test]
fn an_order_whose_slot_does_not_know_its_node_is_found_by_its_key() {
    // An order that rests at a batch clear reaches the trader account by
    // the crank without its node index; cancels must still find it.
    let mut f = Fixture::new(8);
    let rest = OrderParams::new(Side::Bid, OrderType::PostOnly, Ticks(80), BaseLots(2));
    let placed = f
        .market
        .market()
        .unwrap()
        .place_order(&mut f.traders[0], &rest, NOW)
        .unwrap();
    f.traders[0].orders[placed.slot as usize].node = crate::book::NIL;
    let mut market = f.market.market().unwrap();
    assert!(market.live_order(&f.traders[0], placed.order_id).is_some());
    let cancelled = market
        .cancel_order(&mut f.traders[0], placed.order_id)
        .unwrap();
    assert_eq!(cancelled.base_lots, BaseLots(2));
    assert_eq!(f.traders[0].balances.locked_quote, QuoteAtoms::ZERO);
}

#[test]
fn the_per_trader_cap_counts_commitments_not_a_market_makers_posts() {
    let mut f = Fixture::new(8);
    f.commit(1, 1, START).unwrap();
    f.commit(1, 2, START).unwrap();
    assert_eq!(f.commit(1, 3, START), Err(BatchError::TooManyEntries));
    let header = f.market.header;
    let p = OrderParams::new(Side::Ask, OrderType::PostOnly, Ticks(150), BaseLots(1));
    let t = &mut f.traders[0];
    let posted = BatchBook::load(bytemuck::cast_slice_mut(&mut f.batch))
        .unwrap()
        .queue_post(
            &header,
            t,
            &p,
            [9; 32],
            Now {
                slot: START,
                unix_time: NOW,
            },
        );
    assert_eq!(posted, Ok((0, 2)));
}

#[test]
fn a_full_pool_grows_in_place_and_takes_the_next_commitment() {
    let mut f = Fixture::new(2);
    f.commit(1, 1, START).unwrap();
    f.commit(2, 2, START).unwrap();
    assert_eq!(f.commit(3, 3, START), Err(BatchError::BatchFull));
    let committed = f.batch.clone();
    let entry_words = core::mem::size_of::<BatchEntry>() / 8;
    f.batch.resize(f.batch.len() + 2 * entry_words, 0);
    assert_eq!(
        BatchBook::grow(bytemuck::cast_slice_mut(&mut f.batch), MAX_POOL_ENTRIES),
        Ok(Growth {
            old_capacity: 2,
            new_capacity: 4
        })
    );
    // The two commitments are where they were; the header says 4.
    let header_words = core::mem::size_of::<BatchHeader>() / 8;
    assert_eq!(
        f.batch[header_words..committed.len()],
        committed[header_words..]
    );
    assert_eq!(f.book().header.capacity, 4);
    f.commit(3, 3, START).unwrap();
    // Past the maximum, or into entries that are not zero: refused.
    f.batch.resize(f.batch.len() + entry_words, 0);
    assert_eq!(
        BatchBook::grow(bytemuck::cast_slice_mut(&mut f.batch), 4),
        Err(EngineError::InvalidGrowth)
    );
    let last = f.batch.len() - 1;
    f.batch[last] = 1;
    assert_eq!(
        BatchBook::grow(bytemuck::cast_slice_mut(&mut f.batch), MAX_POOL_ENTRIES),
        Err(EngineError::InvalidAccountData)
    );
}
