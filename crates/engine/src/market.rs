//! The market header: lot sizes, tick size, fees, status and counters.

use bytemuck::{Pod, Zeroable};
use static_assertions::const_assert_eq;

use crate::error::EngineError;
use crate::quantity::{BaseAtoms, BaseLots, QuoteAtoms, QuoteLots, Ticks, mul_u64};

/// Highest allowed price in ticks. Keeps `ticks * tick_size * quote_lot_size`
/// far from overflow for sane markets and leaves room for slide arithmetic.
pub const MAX_PRICE_TICKS: u64 = (1 << 48) - 1;
/// Highest taker fee (and highest maker fee or rebate magnitude): 10%.
/// Defined with the fee arithmetic, whose fast path relies on it.
pub use crate::quantity::MAX_FEE_PPM;

/// Market lifecycle status (the kill switch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MarketStatus {
    /// All order types accepted.
    Active = 0,
    /// Only post-only orders (no taking); cancels, cranks and withdrawals continue.
    PostOnly = 1,
    /// No new orders; cancels, cranks and withdrawals continue.
    Paused = 2,
    /// Permanently closed: no new orders; once empty the market can be deleted.
    Closed = 3,
}

impl TryFrom<u8> for MarketStatus {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        Ok(match v {
            0 => Self::Active,
            1 => Self::PostOnly,
            2 => Self::Paused,
            3 => Self::Closed,
            _ => return Err(EngineError::InvalidEnumValue),
        })
    }
}

/// Parameters chosen when a market is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketParams {
    /// Base atoms per base lot (> 0).
    pub base_lot_size: u64,
    /// Quote atoms per quote lot (> 0).
    pub quote_lot_size: u64,
    /// Quote lots per base lot per tick (> 0).
    pub tick_size: QuoteLots,
    /// Taker fee in ppm of quote traded, `0..=MAX_FEE_PPM`.
    pub taker_fee_ppm: u32,
    /// Maker fee in ppm (negative = rebate), `-taker_fee_ppm..=taker_fee_ppm`.
    pub maker_fee_ppm: i32,
}

/// Persisted market header (engine part). Byte budget: 128 bytes =
/// 3×8 sizes + 2×4 fees + 8 status/pad + 4×8 counters + 4+4 trader ids
/// + 2×8 fee totals + 3×8 statistic carries + 8 reserved.
///
/// The lifetime statistics (`base_volume`, `quote_volume`, `swept_fees`) are
/// 128-bit counters split into a low word and a carry word: a statistic must
/// never fail a trade or a sweep, and a market's lifetime quote volume can
/// pass `u64::MAX` atoms (≈ 1.8e10 tokens of a 9-decimal mint).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct MarketHeader {
    pub base_lot_size: u64,
    pub quote_lot_size: u64,
    pub tick_size: QuoteLots,
    pub taker_fee_ppm: u32,
    pub maker_fee_ppm: i32,
    pub status: u8,
    pub _pad0: [u8; 7],
    /// Next order id (shared by both sides; strictly increasing).
    pub next_order_seq: u64,
    /// Next sequence number for program-emitted events (strictly +1 per event).
    pub next_emit_seq: u64,
    /// Total base lots traded, modulo 2^64 (carries in `base_volume_carry`).
    pub base_volume: BaseLots,
    /// Total quote atoms traded, modulo 2^64 (carries in `quote_volume_carry`).
    pub quote_volume: QuoteAtoms,
    /// Next trader id handed to a new trader account (ids start at 1).
    pub next_trader_id: u32,
    /// Number of trader accounts currently open.
    pub open_traders: u32,
    /// Fees accrued and not yet swept.
    pub accrued_fees: QuoteAtoms,
    /// Fees swept since creation, modulo 2^64 (carries in `swept_fees_carry`).
    pub swept_fees: QuoteAtoms,
    /// How many times `base_volume` wrapped past `u64::MAX`.
    pub base_volume_carry: u64,
    /// How many times `quote_volume` wrapped past `u64::MAX`.
    pub quote_volume_carry: u64,
    /// How many times `swept_fees` wrapped past `u64::MAX`.
    pub swept_fees_carry: u64,
    pub _reserved: [u8; 8],
}
const_assert_eq!(core::mem::size_of::<MarketHeader>(), 128);
const_assert_eq!(core::mem::align_of::<MarketHeader>(), 8);

impl MarketHeader {
    /// Validate parameters and build a fresh header.
    pub fn new(p: &MarketParams) -> Result<Self, EngineError> {
        if p.base_lot_size == 0 || p.quote_lot_size == 0 || p.tick_size.is_zero() {
            return Err(EngineError::InvalidMarketParams);
        }
        if p.taker_fee_ppm > MAX_FEE_PPM {
            return Err(EngineError::InvalidMarketParams);
        }
        // |maker| <= taker guarantees the exchange never pays out more rebate
        // than it charged on the same fill (see `matching`).
        if p.maker_fee_ppm.unsigned_abs() > p.taker_fee_ppm {
            return Err(EngineError::InvalidMarketParams);
        }
        // One lot at the highest price must be representable in quote atoms.
        mul_u64(MAX_PRICE_TICKS, p.tick_size.get())
            .and_then(|top| mul_u64(top, p.quote_lot_size))
            .map_err(|_| EngineError::InvalidMarketParams)?;
        Ok(Self {
            base_lot_size: p.base_lot_size,
            quote_lot_size: p.quote_lot_size,
            tick_size: p.tick_size,
            taker_fee_ppm: p.taker_fee_ppm,
            maker_fee_ppm: p.maker_fee_ppm,
            status: MarketStatus::Active as u8,
            _pad0: [0; 7],
            next_order_seq: 1,
            next_emit_seq: 0,
            base_volume: BaseLots::ZERO,
            quote_volume: QuoteAtoms::ZERO,
            next_trader_id: 1,
            open_traders: 0,
            accrued_fees: QuoteAtoms::ZERO,
            swept_fees: QuoteAtoms::ZERO,
            base_volume_carry: 0,
            quote_volume_carry: 0,
            swept_fees_carry: 0,
            _reserved: [0; 8],
        })
    }

    pub fn status(&self) -> Result<MarketStatus, EngineError> {
        MarketStatus::try_from(self.status)
    }

    /// Quote atoms paid for one base lot at `price`.
    #[inline(always)]
    pub fn quote_atoms_per_lot(&self, price: Ticks) -> Result<u64, EngineError> {
        mul_u64(
            mul_u64(price.get(), self.tick_size.get())?,
            self.quote_lot_size,
        )
    }

    /// Quote atoms for `lots` base lots at `price`.
    #[inline(always)]
    pub fn quote_for(&self, lots: BaseLots, price: Ticks) -> Result<QuoteAtoms, EngineError> {
        Ok(QuoteAtoms(mul_u64(
            lots.get(),
            self.quote_atoms_per_lot(price)?,
        )?))
    }

    /// Base atoms in `lots` base lots.
    #[inline(always)]
    pub fn base_atoms(&self, lots: BaseLots) -> Result<BaseAtoms, EngineError> {
        Ok(BaseAtoms(mul_u64(lots.get(), self.base_lot_size)?))
    }

    /// Hand out the next trader id.
    pub fn register_trader(&mut self) -> Result<u32, EngineError> {
        let id = self.next_trader_id;
        self.next_trader_id = id.checked_add(1).ok_or(EngineError::Overflow)?;
        self.open_traders = self
            .open_traders
            .checked_add(1)
            .ok_or(EngineError::Overflow)?;
        Ok(id)
    }

    /// A trader account was closed.
    pub fn unregister_trader(&mut self) -> Result<(), EngineError> {
        self.open_traders = self
            .open_traders
            .checked_sub(1)
            .ok_or(EngineError::Overflow)?;
        Ok(())
    }

    /// Take the next emit sequence number (for program events).
    pub fn next_emit(&mut self) -> Result<u64, EngineError> {
        let s = self.next_emit_seq;
        self.next_emit_seq = s.checked_add(1).ok_or(EngineError::Overflow)?;
        Ok(s)
    }

    /// Move all accrued fees out (the caller transfers them). Cannot fail:
    /// the lifetime total is a wide statistic.
    pub fn sweep_fees(&mut self) -> QuoteAtoms {
        let amount = self.accrued_fees;
        add_wide(
            &mut self.swept_fees.0,
            &mut self.swept_fees_carry,
            amount.get(),
        );
        self.accrued_fees = QuoteAtoms::ZERO;
        amount
    }

    /// Count a fill in the lifetime volumes. Cannot fail, so it may run
    /// after a fill's balances moved without breaking atomicity.
    pub fn record_volume(&mut self, base: BaseLots, quote: QuoteAtoms) {
        add_wide(
            &mut self.base_volume.0,
            &mut self.base_volume_carry,
            base.get(),
        );
        add_wide(
            &mut self.quote_volume.0,
            &mut self.quote_volume_carry,
            quote.get(),
        );
    }

    /// Lifetime base volume in lots as (carry, low word): `carry × 2^64 + low`.
    pub fn total_base_volume(&self) -> (u64, u64) {
        (self.base_volume_carry, self.base_volume.get())
    }

    /// Lifetime quote volume in atoms as (carry, low word).
    pub fn total_quote_volume(&self) -> (u64, u64) {
        (self.quote_volume_carry, self.quote_volume.get())
    }

    /// Lifetime swept fees in quote atoms as (carry, low word).
    pub fn total_swept_fees(&self) -> (u64, u64) {
        (self.swept_fees_carry, self.swept_fees.get())
    }
}

/// Add `x` to the 128-bit counter `carry × 2^64 + low` (no u128 on SBF).
/// The carry word wraps only after 2^128 units, which no market reaches.
#[inline(always)]
fn add_wide(low: &mut u64, carry: &mut u64, x: u64) {
    let (sum, wrapped) = low.overflowing_add(x);
    *low = sum;
    if wrapped {
        *carry = carry.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> MarketParams {
        MarketParams {
            base_lot_size: 1_000,
            quote_lot_size: 10,
            tick_size: QuoteLots(1),
            taker_fee_ppm: 500,
            maker_fee_ppm: -200,
        }
    }

    #[test]
    fn rejects_bad_params() {
        let ok = params();
        assert!(MarketHeader::new(&ok).is_ok());
        for bad in [
            MarketParams {
                base_lot_size: 0,
                ..ok
            },
            MarketParams {
                quote_lot_size: 0,
                ..ok
            },
            MarketParams {
                tick_size: QuoteLots(0),
                ..ok
            },
            MarketParams {
                taker_fee_ppm: MAX_FEE_PPM + 1,
                ..ok
            },
            MarketParams {
                maker_fee_ppm: -501,
                ..ok
            },
            MarketParams {
                maker_fee_ppm: 501,
                ..ok
            },
            MarketParams {
                tick_size: QuoteLots(1 << 20),
                quote_lot_size: 1 << 20,
                ..ok
            },
        ] {
            assert_eq!(
                MarketHeader::new(&bad),
                Err(EngineError::InvalidMarketParams),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn counters_and_sweep() {
        let mut h = MarketHeader::new(&params()).unwrap();
        assert_eq!(h.register_trader(), Ok(1));
        assert_eq!(h.register_trader(), Ok(2));
        assert_eq!(h.open_traders, 2);
        h.unregister_trader().unwrap();
        assert_eq!(h.open_traders, 1);
        assert_eq!(h.next_emit(), Ok(0));
        assert_eq!(h.next_emit(), Ok(1));
        h.accrued_fees = QuoteAtoms(42);
        assert_eq!(h.sweep_fees(), QuoteAtoms(42));
        assert_eq!(h.accrued_fees, QuoteAtoms::ZERO);
        assert_eq!(h.swept_fees, QuoteAtoms(42));
        assert_eq!(h.quote_for(BaseLots(3), Ticks(7)), Ok(QuoteAtoms(210)));
    }

    #[test]
    fn statistics_carry_past_u64_instead_of_failing() {
        let mut h = MarketHeader::new(&params()).unwrap();
        h.base_volume = BaseLots(u64::MAX - 1);
        h.quote_volume = QuoteAtoms(u64::MAX);
        h.record_volume(BaseLots(3), QuoteAtoms(1));
        assert_eq!(h.total_base_volume(), (1, 1));
        assert_eq!(h.total_quote_volume(), (1, 0));
        h.record_volume(BaseLots(u64::MAX), QuoteAtoms(u64::MAX));
        assert_eq!(h.total_base_volume(), (2, 0));
        assert_eq!(h.total_quote_volume(), (1, u64::MAX));

        h.swept_fees = QuoteAtoms(u64::MAX - 9);
        h.accrued_fees = QuoteAtoms(25);
        assert_eq!(h.sweep_fees(), QuoteAtoms(25));
        assert_eq!(h.total_swept_fees(), (1, 15));
        assert_eq!(h.accrued_fees, QuoteAtoms::ZERO);
    }
}
