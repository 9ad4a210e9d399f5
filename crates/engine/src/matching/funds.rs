//! What an order must hold and lock: the worst-case funds it needs, the lock
//! a resting remainder takes (price plus a positive maker fee), the maker
//! fee of a fill, and the most lots a quote budget can pay for.

use super::*;

impl Market<'_> {
    /// Funds locked by `lots` resting on `side` at `price`: base atoms for
    /// asks, quote atoms (plus a positive maker fee) for bids.
    pub fn lock_for(
        &self,
        side: Side,
        lots: BaseLots,
        price: Ticks,
    ) -> Result<(BaseAtoms, QuoteAtoms), EngineError> {
        match side {
            Side::Ask => Ok((self.header.base_atoms(lots)?, QuoteAtoms::ZERO)),
            Side::Bid => {
                let q = self.header.quote_for(lots, price)?;
                let fee = if self.header.maker_fee_ppm > 0 {
                    fee_floor(q.get(), self.header.maker_fee_ppm as u32)?
                } else {
                    0
                };
                Ok((BaseAtoms::ZERO, q.try_add(QuoteAtoms(fee))?))
            }
        }
    }

    /// Telescoped maker fee (positive) or rebate (negative) for taking a maker
    /// from `before` to `before - filled` lots at `per_lot` quote atoms per lot.
    pub(super) fn maker_fee(
        &self,
        before: BaseLots,
        filled: BaseLots,
        per_lot: u64,
    ) -> Result<i64, EngineError> {
        let ppm = self.header.maker_fee_ppm;
        if ppm == 0 {
            return Ok(0);
        }
        let r = ppm.unsigned_abs();
        let after = before.try_sub(filled)?;
        let f_before = fee_floor(mul_u64(before.get(), per_lot)?, r)?;
        // A maker taken whole (the common case in a sweep) owes f(before): f(0) = 0.
        let f = if after.is_zero() {
            f_before
        } else {
            f_before - fee_floor(mul_u64(after.get(), per_lot)?, r)?
        };
        let f = i64::try_from(f).map_err(|_| EngineError::Overflow)?;
        Ok(if ppm > 0 { f } else { -f })
    }

    /// Quote a trader must hold free to place `p` (bids), or base (asks).
    /// Worst case over every path: fills at or better than the limit, the
    /// per-fill rounding of the taker fee (at most one atom per match), and
    /// the lock of a resting remainder. Overflow means "unbounded".
    pub fn required_funds(&self, p: &OrderParams) -> (BaseAtoms, QuoteAtoms) {
        match p.side {
            Side::Ask => (
                self.header.base_atoms(p.max_base).unwrap_or(BaseAtoms::MAX),
                QuoteAtoms::ZERO,
            ),
            // A post-only bid never takes, so it never pays the taker fee:
            // its worst case is its lock resting at its limit (a slid order
            // rests lower and locks less). Market makers quote with their
            // whole balance.
            Side::Bid if !p.order_type.can_take() => {
                let lock = self
                    .lock_for(Side::Bid, p.max_base, p.price)
                    .map_or(QuoteAtoms::MAX, |(_, quote)| quote);
                (BaseAtoms::ZERO, lock.min(p.max_quote))
            }
            Side::Bid => {
                let limit = if p.order_type == OrderType::Market {
                    Ticks(MAX_PRICE_TICKS)
                } else {
                    p.price
                };
                let matches = if p.order_type.can_take() {
                    p.match_limit as u64
                } else {
                    0
                };
                let bound = self
                    .header
                    .quote_for(p.max_base, limit)
                    .and_then(|x| {
                        let fee = fee_ceil(x.get(), self.header.taker_fee_ppm)?;
                        x.try_add(QuoteAtoms(fee))?.try_add(QuoteAtoms(matches))
                    })
                    .unwrap_or(QuoteAtoms::MAX);
                (BaseAtoms::ZERO, bound.min(p.max_quote))
            }
        }
    }

    /// Largest `b <= want` with `b*per_lot + ceil(b*per_lot*taker_ppm/1e6) <= budget`.
    pub(super) fn affordable(
        &self,
        want: u64,
        budget: u64,
        per_lot: u64,
    ) -> Result<u64, EngineError> {
        let rt = self.header.taker_fee_ppm;
        let cost = |b: u64| -> Result<u64, EngineError> {
            let q = mul_u64(b, per_lot)?;
            q.checked_add(fee_ceil(q, rt)?).ok_or(EngineError::Overflow)
        };
        let mut hi = want.min(budget / per_lot);
        if cost(hi)? <= budget {
            return Ok(hi);
        }
        // cost(lo) <= lo * (per_lot + ceil(per_lot*rt)) <= budget.
        let mut lo = budget / (per_lot + fee_ceil(per_lot, rt)?);
        for _ in 0..MAX_BUDGET_SEARCH_STEPS {
            if lo >= hi {
                break;
            }
            let mid = lo + (hi - lo).div_ceil(2);
            if cost(mid)? <= budget {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(lo)
    }
}
