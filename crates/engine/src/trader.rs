//! A trader's escrowed balances and open-order slots on one market.

use bytemuck::{Pod, Zeroable};
use static_assertions::const_assert_eq;

use crate::error::EngineError;
use crate::order::Side;
use crate::quantity::{BaseAtoms, QuoteAtoms, Ticks};

/// Open-order slots per trader (the bound of every per-trader loop).
pub const MAX_OPEN_ORDERS: usize = 32;

/// One open-order slot. Byte budget: 32 = 3×8 (id, client id, price) + 4 node + 4 flags.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct OpenOrder {
    pub order_seq: u64,
    pub client_order_id: u64,
    pub price: Ticks,
    /// Node index in the book side (checked against `order_seq` on use).
    pub node: u32,
    pub side: u8,
    pub in_use: u8,
    pub _pad: [u8; 2],
}
const_assert_eq!(core::mem::size_of::<OpenOrder>(), 32);

/// Escrowed balances in atoms. Byte budget: 4×8 = 32.
///
/// `locked_*` is everything committed to resting orders *and* to maker fills
/// queued but not yet consumed: it turns into free funds as the crank applies
/// events or the owner cancels. Operations copy this small struct, change the
/// copy with checked arithmetic and write it back only when all steps succeed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct Balances {
    pub free_base: BaseAtoms,
    pub locked_base: BaseAtoms,
    pub free_quote: QuoteAtoms,
    pub locked_quote: QuoteAtoms,
}
const_assert_eq!(core::mem::size_of::<Balances>(), 32);

impl Balances {
    /// Move a lock back to free: bids lock quote, asks lock base.
    pub(crate) fn unlock(
        &mut self,
        side: Side,
        base: BaseAtoms,
        quote: QuoteAtoms,
    ) -> Result<(), EngineError> {
        match side {
            Side::Bid => {
                self.locked_quote = self.locked_quote.try_sub(quote)?;
                self.free_quote = self.free_quote.try_add(quote)?;
            }
            Side::Ask => {
                self.locked_base = self.locked_base.try_sub(base)?;
                self.free_base = self.free_base.try_add(base)?;
            }
        }
        Ok(())
    }

    /// Move free funds into the lock.
    pub(crate) fn lock(&mut self, base: BaseAtoms, quote: QuoteAtoms) -> Result<(), EngineError> {
        self.free_base = self.free_base.try_sub(base)?;
        self.locked_base = self.locked_base.try_add(base)?;
        self.free_quote = self.free_quote.try_sub(quote)?;
        self.locked_quote = self.locked_quote.try_add(quote)?;
        Ok(())
    }
}

/// A trader's state on one market. Byte budget: 64-byte head (4 id + 4 count
/// + 32 balances + 24 reserved) + 32 slots × 32 = 1,088 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct TraderState {
    pub trader_id: u32,
    /// Slots in use.
    pub open_orders: u32,
    pub balances: Balances,
    pub _reserved: [u8; 24],
    pub orders: [OpenOrder; MAX_OPEN_ORDERS],
}
const_assert_eq!(core::mem::size_of::<TraderState>(), 1088);

impl TraderState {
    /// A fresh trader with no funds and no orders.
    pub fn new(trader_id: u32) -> Self {
        Self {
            trader_id,
            ..Zeroable::zeroed()
        }
    }

    /// View trader bytes.
    pub fn load(data: &mut [u8]) -> Result<&mut Self, EngineError> {
        bytemuck::try_from_bytes_mut(data).map_err(|_| EngineError::InvalidAccountData)
    }

    /// Credit deposited funds to the free balances.
    pub fn deposit(&mut self, base: BaseAtoms, quote: QuoteAtoms) -> Result<(), EngineError> {
        let mut b = self.balances;
        b.free_base = b.free_base.try_add(base)?;
        b.free_quote = b.free_quote.try_add(quote)?;
        self.balances = b;
        Ok(())
    }

    /// Debit a withdrawal from the free balances only.
    pub fn withdraw(&mut self, base: BaseAtoms, quote: QuoteAtoms) -> Result<(), EngineError> {
        let mut b = self.balances;
        b.free_base = b
            .free_base
            .try_sub(base)
            .map_err(|_| EngineError::InsufficientFunds)?;
        b.free_quote = b
            .free_quote
            .try_sub(quote)
            .map_err(|_| EngineError::InsufficientFunds)?;
        self.balances = b;
        Ok(())
    }

    /// Is the account empty (no funds, no orders)? Required before closing it.
    pub fn is_empty(&self) -> bool {
        self.open_orders == 0 && self.balances == Balances::default()
    }

    pub fn free_slot(&self) -> Option<usize> {
        self.orders.iter().position(|o| o.in_use == 0)
    }

    pub(crate) fn occupy(&mut self, slot: usize, o: OpenOrder) {
        self.orders[slot] = OpenOrder { in_use: 1, ..o };
        self.open_orders += 1;
    }

    /// An order rested at a batch clear: give the slot it reserved (in use,
    /// order id 0 until now) its order id and price; its node is found by
    /// key when needed.
    pub(crate) fn settle_posted(
        &mut self,
        ev: &crate::event_queue::QueueEvent,
    ) -> Result<(), EngineError> {
        let o = self
            .orders
            .get_mut(ev.maker_slot as usize)
            .ok_or(EngineError::EventTraderMismatch)?;
        if o.in_use == 0 || o.order_seq != 0 || o.side != ev.maker_side {
            return Err(EngineError::EventTraderMismatch);
        }
        o.order_seq = ev.maker_order_seq;
        o.price = ev.price;
        o.node = crate::book::NIL;
        Ok(())
    }

    /// Free `slot` if it still holds order `order_seq`.
    pub(crate) fn release_slot_if(&mut self, slot: u8, order_seq: u64) {
        if let Some(o) = self.orders.get_mut(slot as usize)
            && o.in_use != 0
            && o.order_seq == order_seq
        {
            *o = OpenOrder::default();
            self.open_orders -= 1;
        }
    }
}
