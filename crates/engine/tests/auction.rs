//! The clearing price against a reference model (every named price tried,
//! u128 sums, the same tie-breaks), and arrival order being worthless: the
//! price depends on the multiset of orders only.

use orderbook_engine::auction::{AuctionLevel, clearing_price};
use orderbook_engine::{BaseLots, Ticks};
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
