//! Heap-backed market storage for off-chain use (tests, benches, indexer).
//! Buffers are `Vec<u64>` so the zero-copy views are always 8-byte aligned.

extern crate alloc;
use alloc::vec;
use alloc::vec::Vec;

use crate::auction::Priority;
use crate::batch::{ClearBuffers, Participant, clear_buffer_len};
use crate::book::{BookSide, book_side_size};
use crate::error::EngineError;
use crate::event_queue::{EventQueue, event_queue_size};
use crate::growth::Growth;
use crate::layout::GrowTarget;
use crate::market::{MarketHeader, MarketParams};
use crate::matching::Market;
use crate::order::Side;
use crate::quantity::{BaseLots, Ticks};

/// A whole market owned in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedMarket {
    pub header: MarketHeader,
    bids: Vec<u64>,
    asks: Vec<u64>,
    events: Vec<u64>,
}

fn aligned_copy(bytes: &[u8]) -> Result<Vec<u64>, EngineError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(EngineError::InvalidAccountData);
    }
    let mut v = vec![0u64; bytes.len() / 8];
    bytemuck::cast_slice_mut::<u64, u8>(&mut v).copy_from_slice(bytes);
    Ok(v)
}

impl OwnedMarket {
    /// A fresh, empty market.
    pub fn new(
        params: &MarketParams,
        orders_per_side: u32,
        events: u32,
    ) -> Result<Self, EngineError> {
        let mut m = Self {
            header: MarketHeader::new(params)?,
            bids: vec![0; book_side_size(orders_per_side) / 8],
            asks: vec![0; book_side_size(orders_per_side) / 8],
            events: vec![0; event_queue_size(events) / 8],
        };
        BookSide::init(bytemuck::cast_slice_mut(&mut m.bids), Side::Bid)?;
        BookSide::init(bytemuck::cast_slice_mut(&mut m.asks), Side::Ask)?;
        EventQueue::init(bytemuck::cast_slice_mut(&mut m.events))?;
        Ok(m)
    }

    /// Copy a market out of account bytes (validating every part).
    pub fn from_bytes(
        header: MarketHeader,
        bids: &[u8],
        asks: &[u8],
        events: &[u8],
    ) -> Result<Self, EngineError> {
        let mut m = Self {
            header,
            bids: aligned_copy(bids)?,
            asks: aligned_copy(asks)?,
            events: aligned_copy(events)?,
        };
        m.market()?;
        Ok(m)
    }

    /// The zero-copy market view over this storage.
    pub fn market(&mut self) -> Result<Market<'_>, EngineError> {
        Market::new(
            &mut self.header,
            BookSide::load(bytemuck::cast_slice_mut(&mut self.bids))?,
            BookSide::load(bytemuck::cast_slice_mut(&mut self.asks))?,
            EventQueue::load(bytemuck::cast_slice_mut(&mut self.events))?,
        )
    }

    /// Grow `target` by `additional` units (nodes or events) in place, as
    /// the program does after resizing the account: the storage is
    /// extended with zeros, then the engine raises the capacity. On a
    /// refusal the storage is as it was.
    pub fn grow(
        &mut self,
        target: GrowTarget,
        additional: u32,
        max_capacity: u32,
    ) -> Result<Growth, EngineError> {
        let words = target.unit_bytes() / 8 * additional as usize;
        let storage = match target {
            GrowTarget::Bids => &mut self.bids,
            GrowTarget::Asks => &mut self.asks,
            GrowTarget::EventQueue => &mut self.events,
        };
        let before = storage.len();
        storage.resize(before + words, 0);
        let bytes = bytemuck::cast_slice_mut(storage);
        let grown = match target {
            GrowTarget::Bids | GrowTarget::Asks => BookSide::grow(bytes, max_capacity),
            GrowTarget::EventQueue => EventQueue::grow(bytes, max_capacity),
        };
        if grown.is_err() {
            // Both grows refuse before they write anything.
            storage.truncate(before);
        }
        grown
    }

    pub fn bids_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.bids)
    }
    pub fn asks_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.asks)
    }
    pub fn events_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.events)
    }
}

/// Heap-backed working memory for [`crate::batch::BatchBook::clear`], sized
/// for a batch market's `entries_per_batch`.
pub struct OwnedClearBuffers {
    bids: Vec<Participant>,
    asks: Vec<Participant>,
    bid_fills: Vec<BaseLots>,
    ask_fills: Vec<BaseLots>,
    posts: Vec<u32>,
}

impl OwnedClearBuffers {
    pub fn new(entries_per_batch: u32) -> Self {
        let len = clear_buffer_len(entries_per_batch);
        let blank = Participant {
            price: Ticks::ZERO,
            lots: BaseLots::ZERO,
            priority: Priority::Resting { seq: 0 },
            source: 0,
        };
        Self {
            bids: vec![blank; len],
            asks: vec![blank; len],
            bid_fills: vec![BaseLots::ZERO; len],
            ask_fills: vec![BaseLots::ZERO; len],
            posts: vec![0; len],
        }
    }

    /// The buffers as a clear takes them.
    pub fn buffers(&mut self) -> ClearBuffers<'_> {
        ClearBuffers {
            bids: &mut self.bids,
            asks: &mut self.asks,
            bid_fills: &mut self.bid_fills,
            ask_fills: &mut self.ask_fills,
            posts: &mut self.posts,
        }
    }
}
