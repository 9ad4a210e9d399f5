//! Unit-safe quantities and the checked arithmetic the engine does on them.
//!
//! Every amount that crosses an API boundary is one of these newtypes, so
//! adding base lots to quote atoms does not compile. All arithmetic on money is
//! checked and returns [`EngineError::Overflow`] / [`EngineError::InsufficientFunds`]
//! instead of wrapping or panicking.
//!
//! SBF note: LLVM's BPF backend cannot lower 128-bit multiplies, so
//! `u64::checked_mul` (which widens to u128) must not be used. [`mul_u64`]
//! proves the product fits from the operands' bit lengths and falls back to a
//! division check only in the one ambiguous case.

use bytemuck::{Pod, Zeroable};

use crate::error::EngineError;

macro_rules! quantity {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Pod, Zeroable)]
        pub struct $name(pub u64);

        impl $name {
            pub const ZERO: Self = Self(0);
            pub const MAX: Self = Self(u64::MAX);

            #[inline(always)]
            pub const fn new(v: u64) -> Self {
                Self(v)
            }
            #[inline(always)]
            pub const fn get(self) -> u64 {
                self.0
            }
            #[inline(always)]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }
            /// `self + rhs`, or [`EngineError::Overflow`].
            #[inline(always)]
            pub fn try_add(self, rhs: Self) -> Result<Self, EngineError> {
                match self.0.checked_add(rhs.0) {
                    Some(v) => Ok(Self(v)),
                    None => Err(EngineError::Overflow),
                }
            }
            /// `self - rhs`, or [`EngineError::Overflow`] when it would go negative.
            #[inline(always)]
            pub fn try_sub(self, rhs: Self) -> Result<Self, EngineError> {
                match self.0.checked_sub(rhs.0) {
                    Some(v) => Ok(Self(v)),
                    None => Err(EngineError::Overflow),
                }
            }
            #[inline(always)]
            pub fn min(self, rhs: Self) -> Self {
                if self.0 <= rhs.0 { self } else { rhs }
            }
        }
    };
}

quantity!(
    /// A number of base lots (the market's unit of order size).
    BaseLots
);
quantity!(
    /// A number of quote lots. Used for the tick size: quote lots per base lot per tick.
    QuoteLots
);
quantity!(
    /// A price in ticks: `ticks * tick_size` quote lots buy one base lot.
    Ticks
);
quantity!(
    /// Native units (smallest denomination) of the base mint.
    BaseAtoms
);
quantity!(
    /// Native units (smallest denomination) of the quote mint.
    QuoteAtoms
);

/// `a * b` on u64 without a 128-bit multiply.
///
/// Split into 32-bit halves: `a = a1·2³² + a0`, `b = b1·2³² + b0`. The product
/// fits only if `a1·b1 == 0`; then the cross term is a single 32×32 product
/// that must fit in 32 bits, and adding it (shifted) to `a0·b0` must not carry.
/// (The obvious `wrapping_mul` + divide-back check is recognised by LLVM as an
/// overflow multiply and lowered to `__multi3`, which SBF cannot link.)
///
/// Most operands are below 2³² (prices, lot counts, lot sizes), where the
/// product cannot overflow: that case is tested first and costs five SBF
/// instructions instead of about twenty.
#[inline(always)]
pub fn mul_u64(a: u64, b: u64) -> Result<u64, EngineError> {
    if (a | b) >> 32 == 0 {
        return Ok(a * b);
    }
    const LO: u64 = 0xFFFF_FFFF;
    let (a1, a0, b1, b0) = (a >> 32, a & LO, b >> 32, b & LO);
    if a1 != 0 && b1 != 0 {
        return Err(EngineError::Overflow);
    }
    // At most one of the two terms is non-zero, and each is < 2^64.
    let cross = a1 * b0 + a0 * b1;
    if cross > LO {
        return Err(EngineError::Overflow);
    }
    (a0 * b0)
        .checked_add(cross << 32)
        .ok_or(EngineError::Overflow)
}

/// Fee rates are in parts per million of the quote amount traded.
pub const FEE_DENOMINATOR: u64 = 1_000_000;
/// Highest taker fee (and highest maker fee or rebate magnitude) a market
/// may set: 10% (`market::MAX_FEE_PPM`).
pub const MAX_FEE_PPM: u32 = 100_000;

/// Amounts up to this, at rates up to [`MAX_FEE_PPM`], have a product
/// `amount * ppm` that fits in u64 (about 1.8 × 10¹⁴ atoms).
const FEE_DIRECT_MAX_AMOUNT: u64 = u64::MAX / MAX_FEE_PPM as u64;

/// Can `amount * ppm` be computed directly? Constant bounds, not
/// `amount <= u64::MAX / ppm`: LLVM turns that into an overflow multiply
/// (`__multi3`), which SBF cannot link.
#[inline(always)]
fn fee_fits(amount: u64, ppm: u64) -> bool {
    amount <= FEE_DIRECT_MAX_AMOUNT && ppm <= MAX_FEE_PPM as u64
}

/// `floor(amount * ppm / 1e6)` exactly, with no 128-bit arithmetic.
/// Within [`fee_fits`] (every fee of a market, below ~1.8 × 10¹⁴ atoms) it is
/// computed directly; otherwise `amount = hi * D + lo` gives
/// `hi * ppm + floor(lo * ppm / D)`, where `lo * ppm < D * ppm` fits.
#[inline(always)]
pub fn fee_floor(amount: u64, ppm: u32) -> Result<u64, EngineError> {
    let ppm = ppm as u64;
    if fee_fits(amount, ppm) {
        return Ok(amount * ppm / FEE_DENOMINATOR);
    }
    let hi = mul_u64(amount / FEE_DENOMINATOR, ppm)?;
    let lo = (amount % FEE_DENOMINATOR) * ppm / FEE_DENOMINATOR;
    hi.checked_add(lo).ok_or(EngineError::Overflow)
}

/// `ceil(amount * ppm / 1e6)` exactly (same decomposition as [`fee_floor`]).
#[inline(always)]
pub fn fee_ceil(amount: u64, ppm: u32) -> Result<u64, EngineError> {
    let ppm = ppm as u64;
    if fee_fits(amount, ppm) {
        return Ok((amount * ppm).div_ceil(FEE_DENOMINATOR));
    }
    let hi = mul_u64(amount / FEE_DENOMINATOR, ppm)?;
    let lo = ((amount % FEE_DENOMINATOR) * ppm).div_ceil(FEE_DENOMINATOR);
    hi.checked_add(lo).ok_or(EngineError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mul_matches_u128_at_the_edges() {
        let vals = [
            0u64,
            1,
            2,
            3,
            0xFFFF_FFFF,
            0x1_0000_0000,
            0x1_0000_0001,
            u64::MAX / 3,
            u64::MAX / 2,
            u64::MAX / 2 + 1,
            u64::MAX - 1,
            u64::MAX,
            1 << 63,
            (1 << 32) + 7,
        ];
        for &a in &vals {
            for &b in &vals {
                let wide = a as u128 * b as u128;
                let expect = if wide > u64::MAX as u128 {
                    Err(EngineError::Overflow)
                } else {
                    Ok(wide as u64)
                };
                assert_eq!(mul_u64(a, b), expect, "{a} * {b}");
            }
        }
    }

    #[test]
    fn fees_match_u128_reference() {
        let amounts = [
            0u64,
            1,
            999_999,
            1_000_000,
            1_000_001,
            123_456_789,
            u64::MAX / 7,
            u64::MAX,
        ];
        let rates = [0u32, 1, 250, 500, 2_500, 99_999, 100_000, 100_001, u32::MAX];
        // Around the bounds of the direct computation (`amount * ppm` fits).
        let edges = rates
            .iter()
            .map(|&ppm| u64::MAX / u64::from(ppm.max(1)))
            .chain([FEE_DIRECT_MAX_AMOUNT])
            .flat_map(|bound| [bound - 1, bound, bound.saturating_add(1)]);
        for a in amounts.into_iter().chain(edges) {
            for ppm in rates {
                let wide = a as u128 * ppm as u128;
                let floor = wide / 1_000_000;
                let ceil = wide.div_ceil(1_000_000);
                let fits = |v: u128| (v <= u64::MAX as u128).then_some(v);
                assert_eq!(
                    fee_floor(a, ppm).ok().map(u128::from),
                    fits(floor),
                    "floor {a} {ppm}"
                );
                assert_eq!(
                    fee_ceil(a, ppm).ok().map(u128::from),
                    fits(ceil),
                    "ceil {a} {ppm}"
                );
            }
        }
    }

    #[test]
    fn newtype_arithmetic_is_checked() {
        assert_eq!(BaseLots(1).try_sub(BaseLots(2)), Err(EngineError::Overflow));
        assert_eq!(
            QuoteAtoms::MAX.try_add(QuoteAtoms(1)),
            Err(EngineError::Overflow)
        );
        assert_eq!(Ticks(3).try_add(Ticks(4)), Ok(Ticks(7)));
    }
}
