//! Clearing a batch: an exact scenario, the refusals that change nothing,
//! and the property the mode exists for: whatever order a batch's
//! transactions arrived in (and so whatever pool entries they took), the
//! clear writes byte-identical accounts, and after the crank every token
//! is accounted for to the atom.

use orderbook_engine::auction::BatchSchedule;
use orderbook_engine::batch::{
    BatchBook, BatchError, BatchParams, ClearOutcome, Now, batch_account_size, max_clear_events,
};
use orderbook_engine::{
    BaseAtoms, BaseLots, EngineError, MarketParams, MarketStatus, OrderParams, OrderType,
    OwnedClearBuffers, OwnedMarket, QuoteAtoms, QuoteLots, Side, Ticks, TraderState,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const START: u64 = 1_000;
const UNIX: u64 = 1_700_000_000;
const TRADERS: u32 = 6;
const DEPOSIT_BASE: u64 = 1 << 40;
const DEPOSIT_QUOTE: u64 = 1 << 50;
const ENTRIES: u32 = 64;

fn schedule() -> BatchSchedule {
    BatchSchedule::with_defaults(START)
}

fn at(slot: u64) -> Now {
    Now {
        slot,
        unix_time: UNIX,
    }
}

fn key(n: u64) -> [u8; 32] {
    Sha256::digest(n.to_le_bytes()).into()
}

/// A batch market in memory: the market, its batch account, its traders.
#[derive(Clone, PartialEq, Eq, Debug)]
struct World {
    market: OwnedMarket,
    batch: Vec<u64>,
    traders: Vec<TraderState>,
}

impl World {
    fn new() -> Self {
        let params = MarketParams {
            base_lot_size: 1_000,
            quote_lot_size: 10,
            tick_size: QuoteLots(1),
            taker_fee_ppm: 500,
            maker_fee_ppm: -100,
        };
        let mut market = OwnedMarket::new(&params, 64, 1_024).unwrap();
        let mut batch = vec![0u64; batch_account_size(3 * ENTRIES) / 8];
        let p = BatchParams {
            schedule: schedule(),
            bond_lamports: 1_000,
            commit_fee_lamports: 10,
            entries_per_batch: ENTRIES,
            entries_per_trader: ENTRIES as u16,
            beacon_chain_hash: [0; 32],
        };
        BatchBook::init(bytemuck::cast_slice_mut(&mut batch), &p, &market.header).unwrap();
        let traders = (0..TRADERS)
            .map(|_| {
                let mut t = TraderState::new(market.header.register_trader().unwrap());
                t.deposit(BaseAtoms(DEPOSIT_BASE), QuoteAtoms(DEPOSIT_QUOTE))
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

    /// A resting order placed before the batch (the engine's continuous placement).
    fn rest(&mut self, trader: u32, side: Side, price: u64, lots: u64) -> u64 {
        let p = OrderParams::new(side, OrderType::PostOnly, Ticks(price), BaseLots(lots));
        let t = &mut self.traders[trader as usize - 1];
        self.market
            .market()
            .unwrap()
            .place_order(t, &p, UNIX)
            .unwrap()
            .order_id
    }

    fn commit(&mut self, trader: u32, commitment: [u8; 32]) -> u32 {
        self.book().commit(trader, 0, commitment, START).unwrap()
    }

    fn reveal(&mut self, trader: u32, index: u32, p: &OrderParams, commitment: [u8; 32]) {
        let header = self.market.header;
        let t = &mut self.traders[trader as usize - 1];
        let now = at(schedule().reveal_opens(0).unwrap());
        BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
            .unwrap()
            .reveal(&header, t, index, p, &commitment, now)
            .unwrap();
    }

    fn post(&mut self, trader: u32, side: Side, price: u64, lots: u64, rank: [u8; 32]) {
        let header = self.market.header;
        let p = OrderParams::new(side, OrderType::PostOnly, Ticks(price), BaseLots(lots));
        let t = &mut self.traders[trader as usize - 1];
        BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
            .unwrap()
            .queue_post(&header, t, &p, rank, at(START))
            .unwrap();
    }

    fn cancel(&mut self, trader: u32, order_id: u64) {
        let t = self.traders[trader as usize - 1];
        let mut batch = BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).unwrap();
        let market = self.market.market().unwrap();
        batch.queue_cancel(&market, &t, order_id, START).unwrap();
    }

    fn clear_at(&mut self, slot: u64) -> Result<ClearOutcome, BatchError> {
        let mut buffers = OwnedClearBuffers::new(ENTRIES);
        let mut batch = BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).unwrap();
        let mut market = self.market.market().unwrap();
        batch.clear(&mut market, at(slot), &mut buffers.buffers())
    }

    fn clear(&mut self) -> ClearOutcome {
        self.clear_at(schedule().clearable_from(0).unwrap())
            .unwrap()
    }

    /// Apply every queued event to the trader it names.
    fn crank(&mut self) {
        let mut market = self.market.market().unwrap();
        while let Some(ev) = market.events.front().copied() {
            let t = &mut self.traders[ev.maker_trader_id as usize - 1];
            market.consume_front(t).unwrap();
        }
    }

    /// Per token, every atom deposited is free, locked or an accrued fee.
    fn assert_conserved(&self) {
        let base: u64 = self
            .traders
            .iter()
            .map(|t| t.balances.free_base.get() + t.balances.locked_base.get())
            .sum();
        let quote: u64 = self
            .traders
            .iter()
            .map(|t| t.balances.free_quote.get() + t.balances.locked_quote.get())
            .sum();
        assert_eq!(base, DEPOSIT_BASE * u64::from(TRADERS));
        assert_eq!(
            quote + self.market.header.accrued_fees.get(),
            DEPOSIT_QUOTE * u64::from(TRADERS)
        );
    }

    /// The market readably: header, each side's orders best first, the queue.
    fn view(&mut self) -> String {
        let market = self.market.market().unwrap();
        let side = |s: Side| -> Vec<String> {
            market
                .book(s)
                .iter()
                .map(|(_, o)| {
                    format!(
                        "{}x{}@{}#{} e{}",
                        o.trader_id,
                        o.base_lots.get(),
                        o.price.get(),
                        o.seq,
                        o.expiry
                    )
                })
                .collect()
        };
        let events: Vec<String> = market
            .events
            .iter()
            .map(|e| {
                format!(
                    "k{} t{} s{} id{} p{} l{} q{} f{} out{}/{} seq{}",
                    e.kind,
                    e.maker_trader_id,
                    e.maker_side,
                    e.maker_order_seq,
                    e.price.get(),
                    e.base_lots.get(),
                    e.quote.get(),
                    e.maker_fee,
                    e.maker_out,
                    e.out_reason,
                    e.seq
                )
            })
            .collect();
        let traders: Vec<String> = self
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
                format!(
                    "{} {:?} {} {:?}",
                    t.trader_id, t.balances, t.open_orders, orders
                )
            })
            .collect();
        format!(
            "{:?}\nbids {:?}\nasks {:?}\nevents {:#?}\ntraders {:#?}",
            market.header,
            side(Side::Bid),
            side(Side::Ask),
            events,
            traders
        )
    }

    /// Every in-use slot names a resting order; locks equal what rests.
    fn assert_settled(&mut self) {
        let market = self.market.market().unwrap();
        for t in &self.traders {
            let (mut base, mut quote) = (0u64, 0u64);
            for o in t.orders.iter().filter(|o| o.in_use != 0) {
                let side = Side::try_from(o.side).unwrap();
                let node = market.book(side).find(o.price, o.order_seq);
                assert_ne!(
                    node,
                    orderbook_engine::book::NIL,
                    "trader {} slot {o:?}",
                    t.trader_id
                );
                let lots = market.book(side).node(node).base_lots;
                let (b, q) = market.lock_for(side, lots, o.price).unwrap();
                base += b.get();
                quote += q.get();
            }
            assert_eq!(
                (t.balances.locked_base.get(), t.balances.locked_quote.get()),
                (base, quote),
                "trader {}",
                t.trader_id
            );
        }
    }
}

fn sealed(side: Side, order_type: OrderType, price: u64, lots: u64) -> OrderParams {
    OrderParams::new(side, order_type, Ticks(price), BaseLots(lots))
}

#[test]
fn a_sealed_bid_takes_the_book_at_one_price_and_gets_back_what_its_lock_overpaid() {
    let mut w = World::new();
    w.rest(1, Side::Ask, 100, 5);
    w.rest(2, Side::Ask, 102, 5);
    let i = w.commit(3, key(1));
    w.reveal(
        3,
        i,
        &sealed(Side::Bid, OrderType::ImmediateOrCancel, 105, 8),
        key(1),
    );
    let out = w.clear();
    // 8 lots cross at 102: the most volume (8), then the least imbalance
    // (10 − 8 from 102 up), then (no reference) the lower price.
    assert_eq!((out.price, out.volume), (Some(Ticks(102)), BaseLots(8)));
    w.crank();
    let [a, b, taker] = [0, 1, 2].map(|i| w.traders[i].balances);
    // The ask at 100 sold 5 lots at 102: 5 × 102 × 10 = 5,100 atoms, rebate
    // floor(5,100 × 100 ppm) = 0.
    assert_eq!(a.free_quote.get() - DEPOSIT_QUOTE, 5_100);
    assert_eq!(
        DEPOSIT_BASE - a.free_base.get() - a.locked_base.get(),
        5_000
    );
    assert_eq!(b.free_quote.get() - DEPOSIT_QUOTE, 3_060);
    assert_eq!(b.locked_base, BaseAtoms(2_000), "2 lots still rest");
    // The taker paid 8 × 102 × 10 = 8,160 plus ceil(4.08) = 5, and its lock
    // (8 × 105 × 10 + 5 = 8,405) is all released.
    assert_eq!(DEPOSIT_QUOTE - taker.free_quote.get(), 8_165);
    assert_eq!(
        (taker.locked_quote, taker.free_base.get() - DEPOSIT_BASE),
        (QuoteAtoms(0), 8_000)
    );
    assert_eq!(w.market.header.accrued_fees, QuoteAtoms(5));
    w.assert_conserved();
    w.assert_settled();
}

#[test]
fn cancels_apply_before_crossing_and_a_limit_remainder_rests_findable_by_its_id() {
    let mut w = World::new();
    let stale = w.rest(1, Side::Ask, 100, 5);
    w.rest(2, Side::Ask, 110, 5);
    w.cancel(1, stale);
    let i = w.commit(3, key(2));
    w.reveal(3, i, &sealed(Side::Bid, OrderType::Limit, 105, 4), key(2));
    let out = w.clear();
    assert_eq!(
        out.price, None,
        "the cancelled ask is gone; 110 does not cross 105"
    );
    w.crank();
    assert_eq!(w.traders[0].balances.locked_base, BaseAtoms(0));
    // The bid rests whole at 105 and its owner can cancel it by id.
    let t = w.traders[2];
    let o = t.orders.iter().find(|o| o.in_use != 0).unwrap();
    assert_eq!(
        (o.price, t.balances.locked_quote),
        (Ticks(105), QuoteAtoms(4_200))
    );
    let mut market = w.market.market().unwrap();
    let c = market.cancel_order(&mut w.traders[2], o.order_seq).unwrap();
    assert_eq!(c.base_lots, BaseLots(4));
    w.assert_conserved();
}

#[test]
fn an_unrevealed_commitment_forfeits_its_bond_and_posts_rest_by_rank() {
    let mut w = World::new();
    w.commit(4, key(3));
    w.post(5, Side::Bid, 90, 2, key(9));
    w.post(6, Side::Bid, 90, 2, key(8));
    let out = w.clear();
    assert_eq!((out.forfeited, out.forfeited_lamports), (1, 1_000));
    assert_eq!(w.book().header.forfeited_lamports, 1_000);
    w.crank();
    // Same price: the lower rank rests first and keeps time priority.
    let id = |t: &TraderState| t.orders.iter().find(|o| o.in_use != 0).unwrap().order_seq;
    let (first, second) = (key(8).min(key(9)), key(8).max(key(9)));
    let by_rank = if first == key(8) { (6, 5) } else { (5, 6) };
    assert!(
        id(&w.traders[by_rank.0 - 1]) < id(&w.traders[by_rank.1 - 1]),
        "{first:?} {second:?}"
    );
    w.assert_settled();
    w.assert_conserved();
}

#[test]
fn a_batch_cleared_on_a_market_not_active_crosses_nothing_and_releases_what_may_not_rest() {
    for status in [
        MarketStatus::PostOnly,
        MarketStatus::Paused,
        MarketStatus::Closed,
    ] {
        let mut w = World::new();
        w.rest(1, Side::Ask, 100, 5);
        let stale = w.rest(2, Side::Ask, 101, 5);
        w.cancel(2, stale);
        w.post(5, Side::Bid, 90, 2, key(9));
        let i = w.commit(3, key(1));
        w.reveal(3, i, &sealed(Side::Bid, OrderType::Limit, 105, 8), key(1));
        w.commit(4, key(2));
        w.market.header.status = status as u8;
        let out = w.clear();
        assert_eq!((out.price, out.volume), (None, BaseLots(0)), "{status:?}");
        assert_eq!((out.revealed, out.forfeited), (1, 1));
        w.crank();
        // The cancel applied; the crossing bid was released, not rested;
        // the post rests only on a post-only market; the ask that would
        // have traded still rests.
        let posted = usize::from(status == MarketStatus::PostOnly);
        let live = |t: &TraderState| t.orders.iter().filter(|o| o.in_use != 0).count();
        let [maker, cancelled, taker, _, poster] = [0, 1, 2, 3, 4].map(|i| w.traders[i]);
        assert_eq!(
            (live(&maker), live(&cancelled), live(&taker), live(&poster)),
            (1, 0, 0, posted)
        );
        assert_eq!(taker.balances.locked_quote, QuoteAtoms(0));
        assert_eq!(taker.balances.free_quote, QuoteAtoms(DEPOSIT_QUOTE));
        let post_lock = QuoteAtoms(posted as u64 * 2 * 90 * 10);
        assert_eq!(poster.balances.locked_quote, post_lock);
        assert_eq!(cancelled.balances.free_base, BaseAtoms(DEPOSIT_BASE));
        w.assert_settled();
        w.assert_conserved();
    }
}

#[test]
fn a_clear_too_early_without_queue_room_or_with_small_buffers_changes_nothing() {
    let mut w = World::new();
    w.rest(1, Side::Ask, 100, 5);
    let i = w.commit(3, key(4));
    w.reveal(
        3,
        i,
        &sealed(Side::Bid, OrderType::ImmediateOrCancel, 105, 8),
        key(4),
    );
    let before = w.clone();
    let last_reveal_slot = schedule().clearable_from(0).unwrap() - 1;
    assert_eq!(w.clear_at(last_reveal_slot), Err(BatchError::WrongWindow));
    assert_eq!(w, before);
    // Fill the queue: a clear needs room for every event it may push.
    let mut full = before.clone();
    {
        let mut market = full.market.market().unwrap();
        while market.events.free() > 0 {
            market.events.push(Default::default()).unwrap();
        }
    }
    let snapshot = full.clone();
    assert_eq!(
        full.clear_at(schedule().clearable_from(0).unwrap()),
        Err(BatchError::Engine(EngineError::EventQueueFull))
    );
    assert_eq!(full, snapshot);
}

/// One random batch: resting orders, then sealed orders, posts and cancels.
#[derive(Clone, Copy, Debug)]
enum Action {
    Sealed {
        trader: u32,
        side: Side,
        limit: bool,
        price: u64,
        lots: u64,
    },
    Post {
        trader: u32,
        side: Side,
        price: u64,
        lots: u64,
    },
    Cancel {
        resting: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    let trader = 1..=TRADERS;
    let side = prop_oneof![Just(Side::Bid), Just(Side::Ask)];
    prop_oneof![
        4 => (trader.clone(), side.clone(), any::<bool>(), 90u64..=110, 1u64..=20)
            .prop_map(|(trader, side, limit, price, lots)| Action::Sealed { trader, side, limit, price, lots }),
        2 => (trader, side, 80u64..=120, 1u64..=20)
            .prop_map(|(trader, side, price, lots)| Action::Post { trader, side, price, lots }),
        1 => (0usize..16).prop_map(|resting| Action::Cancel { resting }),
    ]
}

/// The book before the batch: bids below 100, asks from 100, each trader's.
fn book() -> impl Strategy<Value = Vec<(u32, Side, u64, u64)>> {
    prop::collection::vec(
        (1..=TRADERS, any::<bool>(), 1u64..=12, 1u64..=20).prop_map(|(t, bid, offset, lots)| {
            if bid {
                (t, Side::Bid, 100 - offset, lots)
            } else {
                (t, Side::Ask, 99 + offset, lots)
            }
        }),
        0..16,
    )
}

/// Rest `resting`, run `actions` in the order `order` gives (each keeps
/// its index as its tag, so its keys do not depend on the order), clear.
fn run(
    resting: &[(u32, Side, u64, u64)],
    actions: &[Action],
    order: &[usize],
) -> (World, ClearOutcome) {
    let mut w = World::new();
    for &(t, side, price, lots) in resting {
        w.rest(t, side, price, lots);
    }
    let tagged: Vec<(u64, Action)> = order.iter().map(|&a| (a as u64, actions[a])).collect();
    let out = w.run_batch(0, &tagged);
    (w, out)
}

fn shuffle(n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
    v
}

/// Does each trader take at most one open-order slot in the batch (one
/// post or one limit reveal)? Then even slot numbers cannot differ.
fn one_slot_per_trader(actions: &[Action]) -> bool {
    let mut seen = std::collections::HashSet::new();
    actions.iter().all(|a| match *a {
        Action::Post { trader, .. }
        | Action::Sealed {
            trader,
            limit: true,
            ..
        } => seen.insert(trader),
        _ => true,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The clear's outcome, the book, the queue and every trader's balances
    /// and orders do not depend on arrival order. Which of a trader's own
    /// open-order slots an order occupies does, when the trader reserved
    /// several in one batch (a slot is taken at reveal or post time): the
    /// view compares orders, not slot numbers; the next test compares bytes.
    #[test]
    fn arrival_order_is_worthless_and_every_atom_is_accounted_for(
        resting in book(),
        actions in prop::collection::vec(action(), 0..24),
        seed in any::<u64>(),
    ) {
        let order: Vec<usize> = (0..actions.len()).collect();
        let shuffled = shuffle(actions.len(), seed);
        let (mut a, out_a) = run(&resting, &actions, &order);
        let (mut b, out_b) = run(&resting, &actions, &shuffled);
        prop_assert_eq!(out_a, out_b);
        prop_assert_eq!(a.view(), b.view(), "resting {:?} actions {:?} order {:?}", resting, actions, shuffled);
        prop_assert_eq!(a.book().header, b.book().header);
        // The clear freed every entry of its batch.
        prop_assert!(a.book().entries().iter().all(|e| e.kind == 0 || e.batch > 0));
        a.crank();
        b.crank();
        prop_assert_eq!(a.view(), b.view());
        a.assert_conserved();
        a.assert_settled();
        // The book is not crossed after the clear.
        let market = a.market.market().unwrap();
        if let (Some(bid), Some(ask)) = (market.bids.best_order(), market.asks.best_order()) {
            prop_assert!(bid.price < ask.price);
        }
    }

    #[test]
    fn with_one_slot_per_trader_the_accounts_are_byte_identical(
        resting in book(),
        actions in prop::collection::vec(action(), 0..24).prop_filter("one slot per trader", |a| one_slot_per_trader(a)),
        seed in any::<u64>(),
    ) {
        let order: Vec<usize> = (0..actions.len()).collect();
        let (mut a, _) = run(&resting, &actions, &order);
        let (mut b, _) = run(&resting, &actions, &shuffle(actions.len(), seed));
        prop_assert!(a.market == b.market, "{}\n---\n{}", a.view(), b.view());
        prop_assert_eq!(&a.traders, &b.traders);
        a.crank();
        b.crank();
        prop_assert!(a.market == b.market);
        prop_assert_eq!(&a.traders, &b.traders);
    }
}

#[test]
fn an_idle_market_passes_every_empty_batch_in_one_call_and_refuses_entries_behind_it() {
    let mut w = World::new();
    let s = schedule();
    // Nothing clearable yet: refused, nothing changes.
    let before = w.clone();
    assert_eq!(
        w.clear_at(s.clearable_from(0).unwrap() - 1),
        Err(BatchError::WrongWindow)
    );
    assert_eq!(w, before);
    // A day of empty batches passes in one call.
    let late = s.clearable_from(40_000).unwrap();
    let out = w.clear_at(late).unwrap();
    assert_eq!((out.batch, out.price), (40_000, None));
    assert_eq!(w.book().header.next_clear, 40_001);
    assert_eq!(
        w.clear_at(late),
        Err(BatchError::WrongWindow),
        "nothing left to pass"
    );
    // A clock behind the cleared batches cannot add entries there.
    assert_eq!(
        w.book().commit(1, 0, key(1), START),
        Err(BatchError::WrongWindow)
    );
}

#[test]
fn a_batch_with_entries_is_cleared_past_the_empty_ones_before_it() {
    let mut w = World::new();
    let s = schedule();
    w.rest(1, Side::Ask, 100, 5);
    let k = 7;
    let i = w
        .book()
        .commit(3, k, key(5), s.commit_opens(k).unwrap())
        .unwrap();
    let header = w.market.header;
    let p = sealed(Side::Bid, OrderType::ImmediateOrCancel, 101, 2);
    BatchBook::load(bytemuck::cast_slice_mut(&mut w.batch))
        .unwrap()
        .reveal(
            &header,
            &mut w.traders[2],
            i,
            &p,
            &key(5),
            at(s.reveal_opens(k).unwrap()),
        )
        .unwrap();
    // Before batch 7 is clearable only the empty batches 0..=6 may pass.
    let early = w.clear_at(s.clearable_from(6).unwrap()).unwrap();
    assert_eq!((early.batch, early.revealed), (6, 0));
    let out = w.clear_at(s.clearable_from(k).unwrap()).unwrap();
    assert_eq!((out.batch, out.volume, out.revealed), (k, BaseLots(2), 1));
    assert_eq!(w.book().header.next_clear, k + 1);
    w.crank();
    w.assert_conserved();
}

impl World {
    /// One batch `k` of `actions`, each with a tag its keys derive from:
    /// commitments and posts in its commit window, cancels (of live orders,
    /// picked by index) in its grace, reveals, then the clear (not the crank).
    fn run_batch(&mut self, k: u64, actions: &[(u64, Action)]) -> ClearOutcome {
        let s = schedule();
        let commit_slot = s.commit_opens(k).unwrap();
        let mut commits = Vec::new();
        for &(tag, action) in actions {
            match action {
                Action::Sealed { trader, .. } => {
                    let i = self
                        .book()
                        .commit(trader, k, key(tag), commit_slot)
                        .unwrap();
                    commits.push((action, i, tag));
                }
                Action::Post {
                    trader,
                    side,
                    price,
                    lots,
                } => {
                    let header = self.market.header;
                    let p =
                        OrderParams::new(side, OrderType::PostOnly, Ticks(price), BaseLots(lots));
                    let t = &mut self.traders[trader as usize - 1];
                    // A trader out of slots is refused; the batch goes on.
                    let _ = BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
                        .unwrap()
                        .queue_post(&header, t, &p, key(1 << 40 | tag), at(commit_slot));
                }
                Action::Cancel { resting } => {
                    let live: Vec<(u32, u64)> = self
                        .traders
                        .iter()
                        .flat_map(|t| {
                            t.orders
                                .iter()
                                .filter(|o| o.in_use != 0 && o.order_seq != 0)
                                .map(move |o| (t.trader_id, o.order_seq))
                        })
                        .collect();
                    if let Some(&(t, id)) = live.get(resting % live.len().max(1)) {
                        let slot = s.reveal_opens(k).unwrap() - 1;
                        let trader = self.traders[t as usize - 1];
                        let mut batch =
                            BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch)).unwrap();
                        let market = self.market.market().unwrap();
                        let _ = batch.queue_cancel(&market, &trader, id, slot);
                    }
                }
            }
        }
        for (action, i, tag) in commits {
            if let Action::Sealed {
                trader,
                side,
                limit,
                price,
                lots,
            } = action
            {
                let kind = if limit {
                    OrderType::Limit
                } else {
                    OrderType::ImmediateOrCancel
                };
                let header = self.market.header;
                let t = &mut self.traders[trader as usize - 1];
                let now = at(s.reveal_opens(k).unwrap());
                // A trader without a free slot for a limit order cannot
                // reveal it: the commitment forfeits its bond.
                let _ = BatchBook::load(bytemuck::cast_slice_mut(&mut self.batch))
                    .unwrap()
                    .reveal(
                        &header,
                        t,
                        i,
                        &sealed(side, kind, price, lots),
                        &key(tag),
                        now,
                    );
            }
        }
        match self.clear_at(s.clearable_from(k).unwrap()) {
            Ok(out) => {
                assert!(out.events_pushed <= max_clear_events(ENTRIES), "{out:?}");
                out
            }
            // Nothing in the batch (and nothing left to pass).
            Err(BatchError::WrongWindow) => ClearOutcome::default(),
            Err(e) => panic!("clear refused: {e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Batch after batch: orders that rested at one clear (known to their
    /// traders only through the crank) trade, get cancelled by id and are
    /// found by key in later ones; after every batch each atom is
    /// accounted for, every lock matches what rests and the book is not
    /// crossed.
    #[test]
    fn batch_after_batch_every_atom_and_every_order_is_accounted_for(
        resting in book(),
        batches in prop::collection::vec(prop::collection::vec(action(), 0..16), 1..8),
    ) {
        let mut w = World::new();
        for &(t, side, price, lots) in &resting {
            w.rest(t, side, price, lots);
        }
        let mut traded = 0;
        for (k, actions) in batches.iter().enumerate() {
            let k = k as u64;
            let tagged: Vec<(u64, Action)> =
                actions.iter().enumerate().map(|(a, x)| (k * 1_000 + a as u64, *x)).collect();
            let out = w.run_batch(k, &tagged);
            w.crank();
            traded += out.volume.get();
            w.assert_conserved();
            w.assert_settled();
            let market = w.market.market().unwrap();
            if let (Some(bid), Some(ask)) = (market.bids.best_order(), market.asks.best_order()) {
                prop_assert!(bid.price < ask.price, "crossed after batch {}", k);
            }
            prop_assert_eq!(market.events.len(), 0);
        }
        let _ = traded;
    }
}
