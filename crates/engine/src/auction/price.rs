//! The uniform clearing price p*. Among the prices the orders name it
//! chooses, in order:
//! 1. the most lots executed, `min(demand(p), supply(p))`, where demand(p)
//!    is every bid at or above p and supply(p) every ask at or below p;
//! 2. then the least imbalance, `|demand(p) − supply(p)|`;
//! 3. then the price nearest the reference (the last clearing price, else
//!    the pre-batch mid), when there is one;
//! 4. then the lower price.
//!
//! The inputs are sorted, so one pass over both sides decides it; the
//! choice depends on the multiset of (price, lots) only, never on the order
//! within a price.

use super::{AuctionError, Clearing, MAX_AUCTION_LEVELS, Priced};
use crate::quantity::{BaseLots, Ticks};

/// The clearing price of `bids` (descending by price) against `asks`
/// (ascending by price), nearest `reference` on a tie; `None` when nothing
/// crosses.
pub fn clearing_price<T: Priced>(
    bids: &[T],
    asks: &[T],
    reference: Option<Ticks>,
) -> Result<Option<Clearing>, AuctionError> {
    check(bids, asks)?;
    let total_demand = sum(bids)?;
    sum(asks)?;
    // Walk every named price upwards. `bids` from its lowest, `asks` from
    // its lowest: bids below p leave demand(p), asks at or below p join supply(p).
    let (mut b, mut a) = (bids.len(), 0);
    // Neither sum can overflow: each is at most its side's checked total.
    let (mut below, mut supply) = (0u64, 0u64);
    let mut best: Option<Clearing> = None;
    while b > 0 || a < asks.len() {
        let next_bid = (b > 0).then(|| bids[b - 1].price());
        let next_ask = asks.get(a).map(|l| l.price());
        let price = match (next_bid, next_ask) {
            (Some(x), Some(y)) => x.min(y),
            (Some(x), None) => x,
            (None, Some(y)) => y,
            (None, None) => break,
        };
        while a < asks.len() && asks[a].price() == price {
            supply += asks[a].lots().get();
            a += 1;
        }
        let demand = total_demand - below;
        let candidate = Clearing {
            price,
            volume: BaseLots::new(demand.min(supply)),
            demand: BaseLots::new(demand),
            supply: BaseLots::new(supply),
        };
        if !candidate.volume.is_zero() && best.is_none_or(|b| better(&candidate, &b, reference)) {
            best = Some(candidate);
        }
        while b > 0 && bids[b - 1].price() == price {
            below += bids[b - 1].lots().get();
            b -= 1;
        }
    }
    Ok(best)
}

/// Every lot of `side`, or [`AuctionError::Overflow`].
fn sum<T: Priced>(side: &[T]) -> Result<u64, AuctionError> {
    side.iter().try_fold(0u64, |total, l| {
        total
            .checked_add(l.lots().get())
            .ok_or(AuctionError::Overflow)
    })
}

/// Inputs within bounds and sorted as [`clearing_price`] requires.
fn check<T: Priced>(bids: &[T], asks: &[T]) -> Result<(), AuctionError> {
    if bids.len() > MAX_AUCTION_LEVELS || asks.len() > MAX_AUCTION_LEVELS {
        return Err(AuctionError::TooManyLevels);
    }
    let descending = bids.windows(2).all(|w| w[0].price() >= w[1].price());
    let ascending = asks.windows(2).all(|w| w[0].price() <= w[1].price());
    if descending && ascending {
        Ok(())
    } else {
        Err(AuctionError::Unsorted)
    }
}

/// Whether `a` is the better clearing price than `b` by the module's rules.
fn better(a: &Clearing, b: &Clearing, reference: Option<Ticks>) -> bool {
    if a.volume != b.volume {
        return a.volume > b.volume;
    }
    let imbalance = |c: &Clearing| c.demand.get().abs_diff(c.supply.get());
    if imbalance(a) != imbalance(b) {
        return imbalance(a) < imbalance(b);
    }
    if let Some(r) = reference {
        let distance = |c: &Clearing| c.price.get().abs_diff(r.get());
        if distance(a) != distance(b) {
            return distance(a) < distance(b);
        }
    }
    a.price < b.price
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auction::AuctionLevel;

    fn levels(pairs: &[(u64, u64)]) -> [AuctionLevel; 8] {
        let mut out = [AuctionLevel {
            price: Ticks::ZERO,
            lots: BaseLots::ZERO,
        }; 8];
        for (slot, &(price, lots)) in out.iter_mut().zip(pairs) {
            *slot = AuctionLevel {
                price: Ticks::new(price),
                lots: BaseLots::new(lots),
            };
        }
        out
    }

    fn clear(
        bids: &[(u64, u64)],
        asks: &[(u64, u64)],
        reference: Option<u64>,
    ) -> Option<(u64, u64)> {
        let (b, a) = (levels(bids), levels(asks));
        clearing_price(
            &b[..bids.len()],
            &a[..asks.len()],
            reference.map(Ticks::new),
        )
        .unwrap()
        .map(|c| (c.price.get(), c.volume.get()))
    }

    #[test]
    fn nothing_clears_when_the_best_bid_is_below_the_best_ask() {
        assert_eq!(clear(&[(99, 5)], &[(100, 5)], None), None);
        assert_eq!(clear(&[], &[(100, 5)], None), None);
        assert_eq!(clear(&[(100, 5)], &[], None), None);
    }

    #[test]
    fn the_price_that_executes_the_most_lots_wins() {
        // At 100: demand 10 (5 + 5), supply 4; at 101: demand 5, supply 9 → 5.
        let bids = [(101, 5), (100, 5)];
        let asks = [(99, 4), (101, 5)];
        assert_eq!(clear(&bids, &asks, None), Some((101, 5)));
    }

    #[test]
    fn on_equal_volume_the_least_imbalance_wins() {
        // 100 and 101 both execute 5; at 100 supply is 5 against demand 8,
        // at 101 supply 10 against demand 5: imbalance 3 beats 5.
        let bids = [(101, 5), (100, 3)];
        let asks = [(100, 5), (101, 5)];
        assert_eq!(clear(&bids, &asks, None), Some((100, 5)));
    }

    #[test]
    fn on_equal_volume_and_imbalance_the_price_nearest_the_reference_wins_else_the_lower() {
        // Every price from 100 to 110 executes 5 with no imbalance.
        let (bids, asks) = ([(110, 5)], [(100, 5)]);
        assert_eq!(clear(&bids, &asks, Some(108)), Some((110, 5)));
        assert_eq!(clear(&bids, &asks, Some(101)), Some((100, 5)));
        assert_eq!(clear(&bids, &asks, None), Some((100, 5)));
    }

    #[test]
    fn unsorted_oversized_or_overflowing_inputs_are_refused() {
        let (b, a) = (levels(&[(100, 1), (101, 1)]), levels(&[(100, 1)]));
        assert_eq!(
            clearing_price(&b[..2], &a[..1], None),
            Err(AuctionError::Unsorted)
        );
        let (b, a) = (levels(&[(101, 1)]), levels(&[(101, 1), (100, 1)]));
        assert_eq!(
            clearing_price(&b[..1], &a[..2], None),
            Err(AuctionError::Unsorted)
        );
        let many = [AuctionLevel {
            price: Ticks::new(1),
            lots: BaseLots::new(1),
        }; MAX_AUCTION_LEVELS + 1];
        assert_eq!(
            clearing_price(&many, &[], None),
            Err(AuctionError::TooManyLevels)
        );
        let (b, a) = (levels(&[(100, u64::MAX), (99, 1)]), levels(&[(100, 1)]));
        assert_eq!(
            clearing_price(&b[..2], &a[..1], None),
            Err(AuctionError::Overflow)
        );
    }
}
