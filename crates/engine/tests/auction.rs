//! The clearing price and the allocation against reference models (every
//! named price tried, u128 arithmetic, the same tie-breaks), and arrival
//! order being worthless: both depend on the multiset of orders only.

use orderbook_engine::auction::{
    AuctionLevel, AuctionOrder, Clearing, Priority, allocate, clearing_price,
};
use orderbook_engine::{BaseLots, Side, Ticks};
use proptest::prelude::*;

/// The rules written as plainly as possible: try every named price.
fn reference_model(
    bids: &[(u64, u64)],
    asks: &[(u64, u64)],
    reference: Option<u64>,
) -> Option<(u64, u128)> {
    let mut prices: Vec<u64> = bids.iter().chain(asks).map(|&(p, _)| p).collect();
    prices.sort_unstable();
    prices.dedup();
    prices
        .into_iter()
        .map(|p| {
            let demand: u128 = bids
                .iter()
                .filter(|b| b.0 >= p)
                .map(|b| u128::from(b.1))
                .sum();
            let supply: u128 = asks
                .iter()
                .filter(|a| a.0 <= p)
                .map(|a| u128::from(a.1))
                .sum();
            (p, demand.min(supply), demand.abs_diff(supply))
        })
        .filter(|&(_, volume, _)| volume > 0)
        .min_by_key(|&(p, volume, imbalance)| {
            let distance = reference.map_or(0, |r| p.abs_diff(r));
            (std::cmp::Reverse(volume), imbalance, distance, p)
        })
        .map(|(p, volume, _)| (p, volume))
}

fn level(&(price, lots): &(u64, u64)) -> AuctionLevel {
    AuctionLevel {
        price: Ticks::new(price),
        lots: BaseLots::new(lots),
    }
}

/// The engine's answer for orders in the order given, after sorting by price
/// (a stable sort: orders at one price stay in their arrival order).
fn engine(bids: &[(u64, u64)], asks: &[(u64, u64)], reference: Option<u64>) -> Option<(u64, u128)> {
    let mut b: Vec<AuctionLevel> = bids.iter().map(level).collect();
    let mut a: Vec<AuctionLevel> = asks.iter().map(level).collect();
    b.sort_by_key(|l| std::cmp::Reverse(l.price));
    a.sort_by_key(|l| l.price);
    clearing_price(&b, &a, reference.map(Ticks::new))
        .expect("sorted and bounded")
        .map(|c| (c.price.get(), u128::from(c.volume.get())))
}

fn orders() -> impl Strategy<Value = Vec<(u64, u64)>> {
    prop::collection::vec((1u64..40, 1u64..1_000), 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_engine_agrees_with_the_reference_model(
        bids in orders(),
        asks in orders(),
        reference in prop::option::of(1u64..40),
    ) {
        prop_assert_eq!(engine(&bids, &asks, reference), reference_model(&bids, &asks, reference));
    }

    #[test]
    fn arrival_order_is_worthless(
        bids in orders(),
        asks in orders(),
        reference in prop::option::of(1u64..40),
        seed in any::<u64>(),
    ) {
        let shuffled = |orders: &[(u64, u64)]| {
            let mut v = orders.to_vec();
            // A permutation from the seed (Fisher–Yates over a xorshift).
            let mut s = seed | 1;
            for i in (1..v.len()).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                v.swap(i, (s % (i as u64 + 1)) as usize);
            }
            v
        };
        prop_assert_eq!(
            engine(&shuffled(&bids), &shuffled(&asks), reference),
            engine(&bids, &asks, reference)
        );
    }

    #[test]
    fn splitting_an_order_changes_nothing(
        bids in orders(),
        asks in orders(),
        reference in prop::option::of(1u64..40),
    ) {
        // Each order as two of half its size (and the odd lot) at its price.
        let split = |orders: &[(u64, u64)]| -> Vec<(u64, u64)> {
            orders
                .iter()
                .flat_map(|&(p, l)| [(p, l / 2), (p, l - l / 2)])
                .filter(|&(_, l)| l > 0)
                .collect()
        };
        prop_assert_eq!(engine(&split(&bids), &split(&asks), reference), engine(&bids, &asks, reference));
    }
}

/// One side's order for the allocation tests: (price, lots, resting?, key),
/// where key is the sequence of a resting order or the first commitment
/// byte of a sealed one (keys are unique per side).
type Order = (u64, u64, bool, u8);

fn auction_order(&(price, lots, resting, key): &Order) -> AuctionOrder {
    let mut commitment = [0xAB; 32];
    commitment[0] = key;
    AuctionOrder {
        price: Ticks::new(price),
        lots: BaseLots::new(lots),
        priority: if resting {
            Priority::Resting {
                seq: u64::from(key),
            }
        } else {
            Priority::Sealed { commitment }
        },
    }
}

/// Sort as `allocate` requires: best price first, then priority.
fn canonical(side: Side, orders: &[Order]) -> Vec<AuctionOrder> {
    let mut v: Vec<AuctionOrder> = orders.iter().map(auction_order).collect();
    v.sort_by(|a, b| {
        let by_price = match side {
            Side::Bid => b.price.cmp(&a.price),
            Side::Ask => a.price.cmp(&b.price),
        };
        by_price.then(a.priority.cmp(&b.priority))
    });
    v
}

/// The engine's fills keyed by order, for orders given in any order.
fn engine_fills(side: Side, orders: &[Order], clearing: &Clearing) -> Vec<(Priority, u64)> {
    let sorted = canonical(side, orders);
    let mut fills = vec![BaseLots::ZERO; sorted.len()];
    let total = allocate(side, &sorted, clearing, &mut fills).expect("consistent");
    assert_eq!(total, clearing.volume);
    let mut keyed: Vec<(Priority, u64)> = sorted
        .iter()
        .zip(&fills)
        .map(|(o, f)| (o.priority, f.get()))
        .collect();
    keyed.sort();
    keyed
}

/// The allocation rules written plainly, in u128: levels best first, whole
/// while they fit; at the marginal level resting by sequence, then sealed
/// pro rata rounded down, odd lots one each by commitment.
fn reference_fills(side: Side, orders: &[Order], clearing: &Clearing) -> Vec<(Priority, u64)> {
    let sorted = canonical(side, orders);
    let mut remaining = u128::from(clearing.volume.get());
    let mut out = Vec::new();
    let mut prices: Vec<Ticks> = sorted.iter().map(|o| o.price).collect();
    prices.dedup();
    for price in prices {
        let level: Vec<&AuctionOrder> = sorted.iter().filter(|o| o.price == price).collect();
        let total: u128 = level.iter().map(|o| u128::from(o.lots.get())).sum();
        if total <= remaining {
            out.extend(level.iter().map(|o| (o.priority, o.lots.get())));
            remaining -= total;
            continue;
        }
        let mut fills: Vec<u128> = vec![0; level.len()];
        for (i, o) in level.iter().enumerate() {
            if let Priority::Resting { .. } = o.priority {
                fills[i] = u128::from(o.lots.get()).min(remaining);
                remaining -= fills[i];
            }
        }
        let sealed: Vec<usize> = (0..level.len())
            .filter(|&i| matches!(level[i].priority, Priority::Sealed { .. }))
            .collect();
        let sealed_total: u128 = sealed
            .iter()
            .map(|&i| u128::from(level[i].lots.get()))
            .sum();
        if remaining > 0 && sealed_total > 0 {
            for &i in &sealed {
                fills[i] = u128::from(level[i].lots.get()) * remaining / sealed_total;
            }
            let mut odd = remaining - sealed.iter().map(|&i| fills[i]).sum::<u128>();
            for &i in &sealed {
                if odd > 0 && fills[i] < u128::from(level[i].lots.get()) {
                    fills[i] += 1;
                    odd -= 1;
                }
            }
        }
        remaining = 0;
        out.extend(level.iter().zip(fills).map(|(o, f)| (o.priority, f as u64)));
    }
    out.sort();
    out
}

/// Orders with unique keys per side; lots may be huge, to reach the
/// 128-bit pro rata path.
fn side_orders() -> impl Strategy<Value = Vec<Order>> {
    prop::collection::vec(
        (
            1u64..12,
            prop_oneof![1u64..50, (1u64 << 40)..(1u64 << 58)],
            any::<bool>(),
        ),
        1..24,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(key, (p, l, r))| (p, l, r, key as u8))
            .collect()
    })
}

/// The clearing the engine computes for the two sides.
fn clearing_of(bids: &[Order], asks: &[Order]) -> Option<Clearing> {
    let b = canonical(Side::Bid, bids);
    let a = canonical(Side::Ask, asks);
    clearing_price(&b, &a, None).expect("bounded")
}

fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut v = items.to_vec();
    let mut s = seed | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_allocation_agrees_with_the_reference_model_and_conserves_volume(
        bids in side_orders(),
        asks in side_orders(),
    ) {
        // Keep the per-side totals within u64, as the program's bounds do.
        prop_assume!(bids.iter().map(|o| u128::from(o.1)).sum::<u128>() < u128::from(u64::MAX));
        prop_assume!(asks.iter().map(|o| u128::from(o.1)).sum::<u128>() < u128::from(u64::MAX));
        let Some(clearing) = clearing_of(&bids, &asks) else { return Ok(()) };
        for (side, orders) in [(Side::Bid, &bids), (Side::Ask, &asks)] {
            let fills = engine_fills(side, orders, &clearing);
            prop_assert_eq!(&fills, &reference_fills(side, orders, &clearing));
            let total: u128 = fills.iter().map(|&(_, f)| u128::from(f)).sum();
            prop_assert_eq!(total, u128::from(clearing.volume.get()));
        }
    }

    #[test]
    fn who_trades_what_does_not_depend_on_arrival_order(
        bids in side_orders(),
        asks in side_orders(),
        seed in any::<u64>(),
    ) {
        prop_assume!(bids.iter().map(|o| u128::from(o.1)).sum::<u128>() < u128::from(u64::MAX));
        prop_assume!(asks.iter().map(|o| u128::from(o.1)).sum::<u128>() < u128::from(u64::MAX));
        let (b2, a2) = (shuffled(&bids, seed), shuffled(&asks, seed.rotate_left(17)));
        let Some(clearing) = clearing_of(&bids, &asks) else {
            prop_assert!(clearing_of(&b2, &a2).is_none());
            return Ok(());
        };
        prop_assert_eq!(clearing_of(&b2, &a2), Some(clearing));
        for (side, one, other) in [(Side::Bid, &bids, &b2), (Side::Ask, &asks, &a2)] {
            prop_assert_eq!(engine_fills(side, one, &clearing), engine_fills(side, other, &clearing));
        }
    }
}
