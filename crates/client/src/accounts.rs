//! Decoders for every program account.

use anchor_lang::Discriminator;
use orderbook::state::{BatchAccount, BookSideAccount, EventQueueAccount, Market, TraderAccount};
use orderbook_engine::auction::{BatchPhase, BatchSchedule};
use orderbook_engine::batch::{BatchBook, BatchEntry, BatchHeader, EntryKind};
use orderbook_engine::{BookSide, EventQueue, OrderNode, QueueEvent, Side};

use crate::DecodeError;

fn body<'a>(data: &'a [u8], disc: &[u8], name: &'static str) -> Result<&'a [u8], DecodeError> {
    if data.len() < 8 {
        return Err(DecodeError::BadLength);
    }
    if &data[..8] != disc {
        return Err(DecodeError::WrongDiscriminator(name));
    }
    Ok(&data[8..])
}

fn pod<T: bytemuck::Pod>(bytes: &[u8]) -> Result<T, DecodeError> {
    bytes
        .get(..std::mem::size_of::<T>())
        .map(bytemuck::pod_read_unaligned)
        .ok_or(DecodeError::BadLength)
}

pub fn market(data: &[u8]) -> Result<Market, DecodeError> {
    pod(body(data, Market::DISCRIMINATOR, "Market")?)
}

pub fn trader(data: &[u8]) -> Result<TraderAccount, DecodeError> {
    pod(body(data, TraderAccount::DISCRIMINATOR, "TraderAccount")?)
}

/// An aligned copy of account bytes after the discriminator (account data
/// fetched over RPC has no alignment guarantee).
fn aligned(bytes: &[u8]) -> Result<Vec<u64>, DecodeError> {
    if !bytes.len().is_multiple_of(8) {
        return Err(DecodeError::BadLength);
    }
    let mut v = vec![0u64; bytes.len() / 8];
    bytemuck::cast_slice_mut::<u64, u8>(&mut v).copy_from_slice(bytes);
    Ok(v)
}

/// One resting order (L3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L3Order {
    pub order_id: u64,
    pub trader_id: u32,
    pub price: u64,
    pub base_lots: u64,
    pub expiry: u64,
}

/// One price level (L2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct L2Level {
    pub price: u64,
    pub base_lots: u64,
    pub orders: u32,
}

/// A decoded book side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    pub side: Side,
    /// Best first.
    pub orders: Vec<L3Order>,
}

impl Book {
    /// Aggregate into at most `depth` price levels, best first.
    pub fn l2(&self, depth: usize) -> Vec<L2Level> {
        let mut out: Vec<L2Level> = Vec::new();
        for o in &self.orders {
            if let Some(l) = out.last_mut()
                && l.price == o.price
            {
                l.base_lots += o.base_lots;
                l.orders += 1;
                continue;
            }
            if out.len() == depth {
                break;
            }
            out.push(L2Level {
                price: o.price,
                base_lots: o.base_lots,
                orders: 1,
            });
        }
        out
    }
}

/// Run `read` on the engine's view of a book-side account.
fn with_book_side<R>(data: &[u8], read: impl FnOnce(&BookSide) -> R) -> Result<R, DecodeError> {
    let mut buf = aligned(body(
        data,
        BookSideAccount::DISCRIMINATOR,
        "BookSideAccount",
    )?)?;
    let side = BookSide::load(bytemuck::cast_slice_mut(&mut buf))?;
    Ok(read(&side))
}

pub fn book(data: &[u8]) -> Result<Book, DecodeError> {
    with_book_side(data, |side| Book {
        side: side.side(),
        orders: side
            .iter()
            .map(|(_, n): (u32, &OrderNode)| L3Order {
                order_id: n.seq,
                trader_id: n.trader_id,
                price: n.price.get(),
                base_lots: n.base_lots.get(),
                expiry: n.expiry,
            })
            .collect(),
    })
}

/// (resting orders, capacity) of a book side.
pub fn book_fill(data: &[u8]) -> Result<(u32, u32), DecodeError> {
    with_book_side(data, |side| (side.len(), side.capacity()))
}

/// The makers (trader ids, in removal order) of the orders `prune_expired`
/// would remove next from this book side at unix time `now`.
pub fn prune_preview(data: &[u8], now: u64, max_remove: u32) -> Result<Vec<u32>, DecodeError> {
    with_book_side(data, |side| {
        let preview = orderbook_engine::prune_preview(side, now, max_remove);
        preview
            .nodes()
            .iter()
            .map(|&idx| side.node(idx).trader_id)
            .collect()
    })
}

/// Queued events, oldest first.
pub fn event_queue(data: &[u8]) -> Result<Vec<QueueEvent>, DecodeError> {
    Ok(event_queue_with_capacity(data)?.0)
}

/// The queued events, oldest first, and how many the queue can hold.
pub fn event_queue_with_capacity(data: &[u8]) -> Result<(Vec<QueueEvent>, u32), DecodeError> {
    let mut buf = aligned(body(
        data,
        EventQueueAccount::DISCRIMINATOR,
        "EventQueueAccount",
    )?)?;
    let q = EventQueue::load(bytemuck::cast_slice_mut(&mut buf))?;
    Ok((q.iter().copied().collect(), q.header.capacity))
}

/// A batch market's batch account (issue 25): its header and its pool of
/// entries, free ones included.
#[derive(Clone, Debug)]
pub struct Batches {
    pub header: BatchHeader,
    pub entries: Vec<BatchEntry>,
}

impl Batches {
    /// The market's batch clock.
    pub fn schedule(&self) -> Result<BatchSchedule, DecodeError> {
        let h = &self.header;
        BatchSchedule::new(h.start_slot, h.commit_slots, h.grace_slots, h.reveal_slots)
            .map_err(|_| DecodeError::Engine(orderbook_engine::EngineError::InvalidAccountData))
    }

    /// The entries of batch `k` (any kind but free).
    pub fn entries_of(&self, k: u64) -> impl Iterator<Item = &BatchEntry> {
        self.entries
            .iter()
            .filter(move |e| e.batch == k && e.kind().is_ok_and(|kind| kind != EntryKind::Free))
    }

    /// The most events clearing batch `k` can push: the queue room its
    /// clear needs.
    pub fn clear_event_bound(&self, k: u64) -> u32 {
        let count = |kind: EntryKind| {
            self.entries_of(k)
                .filter(|e| e.kind().is_ok_and(|have| have == kind))
                .count() as u32
        };
        orderbook_engine::batch::clear_event_bound(
            count(EntryKind::Cancel),
            count(EntryKind::Post),
            count(EntryKind::Revealed),
        )
    }

    /// The batch `clear_batch` would trade at `slot`: the oldest batch
    /// holding entries, once its reveal window is over (`None`: nothing to
    /// clear yet; empty batches need no clear).
    pub fn clearable(&self, slot: u64) -> Result<Option<u64>, DecodeError> {
        let schedule = self.schedule()?;
        let oldest = self
            .entries
            .iter()
            .filter(|e| e.kind().is_ok_and(|kind| kind != EntryKind::Free))
            .map(|e| e.batch)
            .min();
        Ok(oldest.filter(|&k| schedule.phase(k, slot) == BatchPhase::Clearable))
    }
}

/// Decode a batch account.
pub fn batch_account(data: &[u8]) -> Result<Batches, DecodeError> {
    let mut buf = aligned(body(data, BatchAccount::DISCRIMINATOR, "BatchAccount")?)?;
    let book = BatchBook::load(bytemuck::cast_slice_mut(&mut buf))?;
    Ok(Batches {
        header: *book.header,
        entries: book.entries().to_vec(),
    })
}
