//! Who trades at the clearing price, on one side of the auction.
//!
//! The side's orders are walked from the best price: every price level that
//! fits in the remaining volume fills whole. At the marginal level, where the
//! volume runs out, resting orders fill first in time priority (the book's
//! promise to its makers), then the sealed orders share what is left pro
//! rata to their size, rounded down; the few odd lots go one each to sealed
//! orders in ascending commitment-hash order. Nothing depends on which order
//! arrived first within a batch.

use super::{AuctionError, Clearing, MAX_AUCTION_LEVELS, Priced};
use crate::order::Side;
use crate::quantity::{BaseLots, Ticks, mul_u64};

/// How an order ranks within its price level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A resting order: time priority by its order sequence number.
    Resting { seq: u64 },
    /// A revealed batch order, ranked by its commitment hash for odd lots.
    Sealed { commitment: [u8; 32] },
}

/// One order taking part in the auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionOrder {
    pub price: Ticks,
    pub lots: BaseLots,
    pub priority: Priority,
}

impl Priced for AuctionOrder {
    fn price(&self) -> Ticks {
        self.price
    }
    fn lots(&self) -> BaseLots {
        self.lots
    }
}

/// Something that takes part in the allocation: priced, and ranked within
/// its price.
pub trait Ranked: Priced {
    fn priority(&self) -> Priority;
}

impl Ranked for AuctionOrder {
    fn priority(&self) -> Priority {
        self.priority
    }
}

/// The lots each of `orders` (one side, `side`) trades at `clearing`,
/// written to `fills` (same length). `orders` must be best price first
/// (bids descending, asks ascending) and, within a price, in [`Priority`]
/// order: resting orders by ascending sequence, then sealed orders by
/// ascending commitment. Returns the lots allocated, which equal
/// `clearing.volume`. Inlined: its six arguments would not fit SBF's five
/// argument registers in a call.
#[inline(always)]
pub fn allocate<T: Ranked>(
    side: Side,
    orders: &[T],
    clearing: &Clearing,
    fills: &mut [BaseLots],
) -> Result<BaseLots, AuctionError> {
    if orders.len() > MAX_AUCTION_LEVELS {
        return Err(AuctionError::TooManyLevels);
    }
    if fills.len() != orders.len() {
        return Err(AuctionError::OutputLength);
    }
    check_order(side, orders)?;
    fills.fill(BaseLots::ZERO);
    let mut remaining = clearing.volume.get();
    let mut start = 0;
    while start < orders.len() && remaining > 0 {
        let price = orders[start].price();
        if !side.crosses(price, clearing.price) {
            return Err(AuctionError::Inconsistent);
        }
        let end = start + orders[start..].partition_point(|o| o.price() == price);
        let level = &orders[start..end];
        let total = level.iter().try_fold(0u64, |t, o| {
            t.checked_add(o.lots().get()).ok_or(AuctionError::Overflow)
        })?;
        if total <= remaining {
            for (fill, order) in fills[start..end].iter_mut().zip(level) {
                *fill = order.lots();
            }
            remaining -= total;
        } else {
            fill_marginal_level(level, remaining, &mut fills[start..end]);
            remaining = 0;
        }
        start = end;
    }
    if remaining > 0 {
        return Err(AuctionError::Inconsistent);
    }
    Ok(clearing.volume)
}

/// Prices best first, and priority order within a price.
fn check_order<T: Ranked>(side: Side, orders: &[T]) -> Result<(), AuctionError> {
    let in_order = orders.windows(2).all(|w| {
        if w[0].price() == w[1].price() {
            w[0].priority() < w[1].priority()
        } else {
            side.crosses(w[0].price(), w[1].price())
        }
    });
    if in_order {
        Ok(())
    } else {
        Err(AuctionError::Unsorted)
    }
}

/// Share `volume` (less than the level's total) among one price level:
/// resting orders in time priority, then sealed orders pro rata, the odd
/// lots in commitment order.
fn fill_marginal_level<T: Ranked>(level: &[T], volume: u64, fills: &mut [BaseLots]) {
    let mut remaining = volume;
    let first_sealed = level
        .iter()
        .position(|o| matches!(o.priority(), Priority::Sealed { .. }))
        .unwrap_or(level.len());
    for (fill, order) in fills[..first_sealed].iter_mut().zip(level) {
        let lots = order.lots().get().min(remaining);
        *fill = BaseLots::new(lots);
        remaining -= lots;
    }
    let sealed = &level[first_sealed..];
    let sealed_fills = &mut fills[first_sealed..];
    // The level's total exceeds `volume`, so the sealed total exceeds what
    // is left; it fits in u64 because the caller summed the level.
    let sealed_total: u64 = sealed.iter().map(|o| o.lots().get()).sum();
    if remaining == 0 || sealed_total == 0 {
        return;
    }
    let mut handed_out = 0;
    for (fill, order) in sealed_fills.iter_mut().zip(sealed) {
        let share = pro_rata(order.lots().get(), remaining, sealed_total);
        *fill = BaseLots::new(share);
        handed_out += share;
    }
    // Each share is rounded down by less than one lot, so fewer odd lots are
    // left than sealed orders, and each sealed order can take one more
    // (its share is below its size because `remaining < sealed_total`).
    let mut odd = remaining - handed_out;
    for (fill, order) in sealed_fills.iter_mut().zip(sealed) {
        if odd == 0 {
            break;
        }
        if *fill < order.lots() {
            *fill = BaseLots::new(fill.get() + 1);
            odd -= 1;
        }
    }
}

/// `floor(lots × remaining / total)` for `lots <= total`, exact for every
/// u64 input without u128 (which SBF cannot lower): a plain product when it
/// fits, else a 128-bit product in two words and long division.
pub(crate) fn pro_rata(lots: u64, remaining: u64, total: u64) -> u64 {
    if let Ok(product) = mul_u64(lots, remaining) {
        return product / total;
    }
    let (high, low) = wide_mul(lots, remaining);
    // `high < total` because the quotient, at most `remaining`, fits in u64.
    let mut rest = high;
    let mut quotient = 0u64;
    for bit in (0..64).rev() {
        let carry = rest >> 63;
        rest = (rest << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || rest >= total {
            rest = rest.wrapping_sub(total);
            quotient |= 1;
        }
    }
    quotient
}

/// The 128-bit product `a × b` as (high, low) words, from 32-bit halves.
fn wide_mul(a: u64, b: u64) -> (u64, u64) {
    const LOW: u64 = 0xFFFF_FFFF;
    let (a1, a0, b1, b0) = (a >> 32, a & LOW, b >> 32, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let middle = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    let low = (middle << 32) | (p00 & LOW);
    let high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
    (high, low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resting(price: u64, lots: u64, seq: u64) -> AuctionOrder {
        AuctionOrder {
            price: Ticks::new(price),
            lots: BaseLots::new(lots),
            priority: Priority::Resting { seq },
        }
    }

    fn sealed(price: u64, lots: u64, first_byte: u8) -> AuctionOrder {
        let mut commitment = [0; 32];
        commitment[0] = first_byte;
        AuctionOrder {
            price: Ticks::new(price),
            lots: BaseLots::new(lots),
            priority: Priority::Sealed { commitment },
        }
    }

    fn clearing(price: u64, volume: u64) -> Clearing {
        Clearing {
            price: Ticks::new(price),
            volume: BaseLots::new(volume),
            demand: BaseLots::ZERO,
            supply: BaseLots::ZERO,
        }
    }

    fn run(side: Side, orders: &[AuctionOrder], price: u64, volume: u64) -> [u64; 6] {
        let mut fills = [BaseLots::ZERO; 6];
        allocate(
            side,
            orders,
            &clearing(price, volume),
            &mut fills[..orders.len()],
        )
        .unwrap();
        fills.map(BaseLots::get)
    }

    #[test]
    fn better_prices_fill_whole_before_the_marginal_level() {
        let bids = [resting(105, 3, 9), sealed(103, 4, 1), resting(100, 10, 1)];
        assert_eq!(run(Side::Bid, &bids, 100, 9), [3, 4, 2, 0, 0, 0]);
    }

    #[test]
    fn at_the_marginal_level_resting_orders_keep_time_priority_before_sealed_ones() {
        let asks = [resting(100, 2, 3), resting(100, 2, 7), sealed(100, 5, 0)];
        assert_eq!(run(Side::Ask, &asks, 100, 3), [2, 1, 0, 0, 0, 0]);
        assert_eq!(run(Side::Ask, &asks, 100, 6), [2, 2, 2, 0, 0, 0]);
    }

    #[test]
    fn sealed_orders_share_pro_rata_and_odd_lots_go_in_commitment_order() {
        // 7 lots among 3 + 3 + 4 (total 10): shares 2, 2, 2; one odd lot
        // goes to the lowest commitment.
        let bids = [sealed(50, 3, 1), sealed(50, 3, 2), sealed(50, 4, 3)];
        assert_eq!(run(Side::Bid, &bids, 50, 7), [3, 2, 2, 0, 0, 0]);
        // 2 lots among 1 + 1 + 1: the two lowest commitments.
        let asks = [sealed(50, 1, 4), sealed(50, 1, 5), sealed(50, 1, 6)];
        assert_eq!(run(Side::Ask, &asks, 50, 2), [1, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn misordered_or_inconsistent_inputs_are_refused() {
        let mut fills = [BaseLots::ZERO; 2];
        let swapped = [sealed(50, 1, 2), sealed(50, 1, 1)];
        let sealed_first = [sealed(50, 1, 1), resting(50, 1, 1)];
        let ascending_bids = [resting(49, 1, 1), resting(50, 1, 2)];
        for orders in [swapped, sealed_first, ascending_bids] {
            assert_eq!(
                allocate(Side::Bid, &orders, &clearing(49, 1), &mut fills),
                Err(AuctionError::Unsorted)
            );
        }
        let bids = [resting(50, 1, 1), resting(49, 1, 2)];
        // Too much volume for what bids at or above 50 offer.
        assert_eq!(
            allocate(Side::Bid, &bids, &clearing(50, 2), &mut fills),
            Err(AuctionError::Inconsistent)
        );
        assert_eq!(
            allocate(Side::Bid, &bids, &clearing(49, 2), &mut fills[..1]),
            Err(AuctionError::OutputLength)
        );
    }

    #[test]
    fn pro_rata_is_exact_past_u64_products() {
        let cases = [
            (u64::MAX, u64::MAX - 1, u64::MAX),
            (u64::MAX / 3, u64::MAX - 7, u64::MAX / 2),
            (1 << 40, 1 << 40, 1 << 41),
            (12_345, 6_789, 100_000),
        ];
        for (lots, remaining, total) in cases {
            let expected = (u128::from(lots) * u128::from(remaining) / u128::from(total)) as u64;
            assert_eq!(pro_rata(lots, remaining, total), expected);
        }
    }
}
