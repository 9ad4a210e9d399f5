//! Fixed-capacity ring of maker events, consumed in order by the crank.
//!
//! Layout: a 64-byte [`QueueHeader`] followed by `capacity` 64-byte
//! [`QueueEvent`]s. Every pushed event gets the next sequence number, so
//! consumers can see gaps; a full queue is a typed error, never a panic.

use bytemuck::{Pod, Zeroable};
use static_assertions::const_assert_eq;

use crate::book::split_records;
use crate::error::EngineError;
use crate::growth::Growth;
use crate::order::Side;
use crate::quantity::{BaseLots, QuoteAtoms, Ticks};

/// Most events one queue may hold.
pub const MAX_QUEUE_CAPACITY: u32 = 1 << 20;

/// Kind of a queued event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EventKind {
    /// A maker order traded.
    Fill = 0,
    /// A maker order left the book without its owner's signature, or (reason
    /// `Released`) a batch entry's lock is no longer needed.
    Out = 1,
    /// A resting order traded at a batch's uniform price: `price` is its own
    /// price (its lock is released at it), `quote` what it pays or receives
    /// at the clearing price.
    AuctionFill = 2,
    /// A revealed sealed order traded at a batch's uniform price `price`,
    /// paying `quote` plus its taker fee `maker_fee` (>= 0) from its lock.
    SealedFill = 3,
    /// An order rested at a batch clear: `maker_order_seq` is its new id,
    /// for the open-order slot `maker_slot` the trader reserved.
    Posted = 4,
}

/// Why an order left the book in an `Out` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OutReason {
    /// Its expiry passed.
    Expired = 0,
    /// A better order took its place in a full book.
    Evicted = 1,
    /// Self-trade prevention removed (part of) it.
    SelfTrade = 2,
    /// A cancel queued to a batch removed it at the batch's clear.
    Cancelled = 3,
    /// A batch entry (a revealed order's or a queued post's lock) needs no
    /// more of its lock: `quote` (bids) or `base_lots` (asks) is released,
    /// and with `maker_out` the pending slot too.
    Released = 4,
}

impl TryFrom<u8> for OutReason {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        Ok(match v {
            0 => Self::Expired,
            1 => Self::Evicted,
            2 => Self::SelfTrade,
            3 => Self::Cancelled,
            4 => Self::Released,
            _ => return Err(EngineError::InvalidEnumValue),
        })
    }
}

/// A queued maker event. Byte budget: 64 = 8 flag bytes + 2×4 trader ids
/// + 6×8 (seq, order id, price, size, quote, fee).
///
/// `Fill`: `base_lots` traded at `price` for `quote` atoms; `maker_fee` is
/// the maker's fee (positive) or rebate (negative) in quote atoms.
/// `Out`: `base_lots` removed; `quote` is the quote lock released for a bid
/// (0 for an ask, whose lock is `base_lots` of base).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct QueueEvent {
    pub kind: u8,
    pub maker_side: u8,
    /// 1 when the maker order is gone from the book after this event.
    pub maker_out: u8,
    pub out_reason: u8,
    pub maker_slot: u8,
    /// 1 when the maker order had an expiry: its owner pre-paid the crank
    /// reward of the order's final event at placement.
    pub maker_expires: u8,
    pub _pad: [u8; 2],
    pub maker_trader_id: u32,
    /// Taker's trader id for fills, 0 otherwise.
    pub taker_trader_id: u32,
    pub seq: u64,
    pub maker_order_seq: u64,
    pub price: Ticks,
    pub base_lots: BaseLots,
    pub quote: QuoteAtoms,
    pub maker_fee: i64,
}
const_assert_eq!(core::mem::size_of::<QueueEvent>(), 64);

impl QueueEvent {
    pub fn kind(&self) -> Result<EventKind, EngineError> {
        match self.kind {
            0 => Ok(EventKind::Fill),
            1 => Ok(EventKind::Out),
            2 => Ok(EventKind::AuctionFill),
            3 => Ok(EventKind::SealedFill),
            4 => Ok(EventKind::Posted),
            _ => Err(EngineError::InvalidEnumValue),
        }
    }
    pub fn maker_side(&self) -> Result<Side, EngineError> {
        Side::try_from(self.maker_side)
    }
    /// Why an `Out` event's order left the book.
    pub fn out_reason(&self) -> Result<OutReason, EngineError> {
        OutReason::try_from(self.out_reason)
    }

    /// Is this the final event of an order whose owner pre-paid its crank
    /// reward (an order with an expiry)? Whoever pushes it then pays nothing.
    pub fn reward_prepaid(&self) -> bool {
        self.maker_out != 0 && self.maker_expires != 0
    }
}

/// Crank rewards the pusher of `events` owes: one per event, except the
/// final events of orders that pre-paid theirs.
pub fn rewards_owed<'e>(events: impl IntoIterator<Item = &'e QueueEvent>) -> u32 {
    events.into_iter().filter(|ev| !ev.reward_prepaid()).count() as u32
}

/// Queue header. Byte budget: 64 = 4×4 + 8 next seq + 40 reserved.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct QueueHeader {
    pub capacity: u32,
    pub count: u32,
    /// Ring index of the oldest event.
    pub head: u32,
    pub _pad: u32,
    /// Sequence number the next pushed event gets.
    pub next_seq: u64,
    pub _reserved: [u8; 40],
}
const_assert_eq!(core::mem::size_of::<QueueHeader>(), 64);

/// Account bytes of an event queue holding `capacity` events.
pub const fn event_queue_size(capacity: u32) -> usize {
    core::mem::size_of::<QueueHeader>() + capacity as usize * core::mem::size_of::<QueueEvent>()
}

/// A zero-copy view of the event queue.
pub struct EventQueue<'a> {
    pub header: &'a mut QueueHeader,
    events: &'a mut [QueueEvent],
}

impl<'a> EventQueue<'a> {
    /// Write an empty queue into `data` (its length fixes the capacity).
    pub fn init(data: &'a mut [u8]) -> Result<Self, EngineError> {
        let (header, events) = split_records::<QueueHeader, QueueEvent>(data)?;
        if events.is_empty() || events.len() > MAX_QUEUE_CAPACITY as usize {
            return Err(EngineError::InvalidMarketParams);
        }
        *header = QueueHeader {
            capacity: events.len() as u32,
            ..Zeroable::zeroed()
        };
        Ok(Self { header, events })
    }

    /// View an initialised queue.
    pub fn load(data: &'a mut [u8]) -> Result<Self, EngineError> {
        let (header, events) = split_records::<QueueHeader, QueueEvent>(data)?;
        if header.capacity as usize != events.len()
            || events.is_empty()
            || header.count > header.capacity
            || header.head >= header.capacity
        {
            return Err(EngineError::InvalidAccountData);
        }
        Ok(Self { header, events })
    }

    /// Raise the capacity of the queue in `data` to what `data` now holds
    /// (its account grown in place by whole events). Queued events keep
    /// their order and sequence numbers: a ring that does not wrap just
    /// gains room at its end; one that wraps moves the events at the start
    /// of the ring into the new room, which must hold them (otherwise
    /// [`EngineError::EventQueueWrapped`]: crank, then grow). Refused past
    /// `max_capacity` (and [`MAX_QUEUE_CAPACITY`]).
    pub fn grow(data: &'a mut [u8], max_capacity: u32) -> Result<Growth, EngineError> {
        let (header, events) = split_records::<QueueHeader, QueueEvent>(data)?;
        let old_capacity = header.capacity;
        if (old_capacity as usize) > events.len()
            || events.len() > max_capacity.min(MAX_QUEUE_CAPACITY) as usize
        {
            return Err(EngineError::InvalidGrowth);
        }
        if old_capacity == 0 || header.count > old_capacity || header.head >= old_capacity {
            return Err(EngineError::InvalidAccountData);
        }
        let new_capacity = events.len() as u32;
        // Events past the end of the old ring, now at its start.
        let wrapped = (header.head + header.count).saturating_sub(old_capacity) as usize;
        let room = (new_capacity - old_capacity) as usize;
        if wrapped > room {
            return Err(EngineError::EventQueueWrapped);
        }
        let old = old_capacity as usize;
        events.copy_within(..wrapped, old);
        events[..wrapped].fill(QueueEvent::default());
        header.capacity = new_capacity;
        Ok(Growth {
            old_capacity,
            new_capacity,
        })
    }

    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.header.count
    }
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.header.count == 0
    }
    #[inline(always)]
    pub fn free(&self) -> u32 {
        self.header.capacity - self.header.count
    }
    /// Sequence number of the oldest queued event (== `next_seq` when empty).
    #[inline(always)]
    pub fn head_seq(&self) -> u64 {
        self.header.next_seq - self.header.count as u64
    }

    #[inline(always)]
    fn ring(&self, offset: u32) -> usize {
        let i = self.header.head as u64 + offset as u64;
        let cap = self.header.capacity as u64;
        (if i >= cap { i - cap } else { i }) as usize
    }

    /// Append an event, stamping its sequence number; returns that number.
    pub fn push(&mut self, mut ev: QueueEvent) -> Result<u64, EngineError> {
        if self.header.count >= self.header.capacity {
            return Err(EngineError::EventQueueFull);
        }
        let seq = self.header.next_seq;
        ev.seq = seq;
        let at = self.ring(self.header.count);
        self.events[at] = ev;
        self.header.count += 1;
        self.header.next_seq = seq.checked_add(1).ok_or(EngineError::Overflow)?;
        Ok(seq)
    }

    /// The `i`-th oldest event.
    pub fn get(&self, i: u32) -> Option<&QueueEvent> {
        if i >= self.header.count {
            None
        } else {
            Some(&self.events[self.ring(i)])
        }
    }

    /// The oldest event.
    pub fn front(&self) -> Option<&QueueEvent> {
        self.get(0)
    }

    /// Drop the oldest event.
    pub fn pop_front(&mut self) -> Result<QueueEvent, EngineError> {
        if self.header.count == 0 {
            return Err(EngineError::EventQueueEmpty);
        }
        let ev = self.events[self.header.head as usize];
        self.header.head = self.ring(1) as u32;
        self.header.count -= 1;
        Ok(ev)
    }

    /// Iterate oldest-first (off-chain helper).
    pub fn iter(&self) -> impl Iterator<Item = &QueueEvent> + '_ {
        (0..self.header.count).filter_map(move |i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    #[test]
    fn ring_wraps_with_monotonic_seq() {
        let mut mem = vec![0u64; event_queue_size(3) / 8];
        let mut q = EventQueue::init(bytemuck::cast_slice_mut(&mut mem)).unwrap();
        assert_eq!(q.pop_front(), Err(EngineError::EventQueueEmpty));
        for round in 0..5u64 {
            assert_eq!(
                q.push(QueueEvent {
                    maker_order_seq: round,
                    ..Default::default()
                }),
                Ok(2 * round)
            );
            assert_eq!(
                q.push(QueueEvent {
                    maker_order_seq: round,
                    ..Default::default()
                }),
                Ok(2 * round + 1)
            );
            assert_eq!(q.len(), 2);
            assert_eq!(q.head_seq(), 2 * round);
            assert_eq!(q.pop_front().unwrap().seq, 2 * round);
            assert_eq!(q.pop_front().unwrap().seq, 2 * round + 1);
        }
        for _ in 0..3 {
            q.push(QueueEvent::default()).unwrap();
        }
        assert_eq!(q.free(), 0);
        assert_eq!(
            q.push(QueueEvent::default()),
            Err(EngineError::EventQueueFull)
        );
        let seqs: std::vec::Vec<u64> = q.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [10, 11, 12]);
    }
}
