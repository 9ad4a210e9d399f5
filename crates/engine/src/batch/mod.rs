//! A batch market's batch account (issue 25; docs/batch-auction.md): the
//! sealed commitments, the revealed orders and the queued post-only orders
//! and cancels of the batches not yet cleared, in a fixed pool of entries.
//!
//! Layout: a 128-byte [`BatchHeader`] followed by `capacity` 128-byte
//! [`BatchEntry`]s. Entries of up to three batches live at once (one
//! committing, one in grace or revealing, one clearable); an entry is
//! tagged with its batch and freed when that batch is cleared.
//!
//! Here: the account and `commit` (this file), the trader's other
//! operations (`orders`) and the clear (`clear`).

use bytemuck::{Pod, Zeroable};
use static_assertions::const_assert_eq;

use crate::auction::{BatchSchedule, InvalidSchedule};
use crate::book::split_records;
use crate::error::EngineError;
use crate::growth::Growth;
use crate::market::MarketHeader;
use crate::quantity::{BaseAtoms, BaseLots, QuoteAtoms, Ticks};

mod clear;
mod orders;

pub use clear::{
    ClearBuffers, ClearOutcome, MAX_CLEAR_RESTING, Participant, clear_buffer_len,
    clear_event_bound, max_clear_events,
};

/// Most entries one batch may hold (its clear's bound).
pub const MAX_ENTRIES_PER_BATCH: u32 = 256;
/// Most entries a batch account's pool may hold: three batches' worth.
pub const MAX_POOL_ENTRIES: u32 = 3 * MAX_ENTRIES_PER_BATCH;
/// `BatchEntry::slot` of an entry that holds no open-order slot.
pub const NO_SLOT: u8 = u8::MAX;

/// Why a batch operation was refused. Every refusal leaves the batch
/// account, the market and the trader unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// An engine rule refused it (funds, price, size, slots, ...).
    Engine(EngineError),
    /// The market's first batch has not opened yet.
    NotStarted,
    /// The entry's batch is not in the window this operation needs.
    WrongWindow,
    /// The batch holds its most entries, or the pool has no free entry.
    BatchFull,
    /// The trader holds its most entries in this batch.
    TooManyEntries,
    /// The same commitment (or post) is already in this batch.
    Duplicate,
    /// The entry is not a commitment waiting for its reveal.
    NotCommitted,
    /// The entry belongs to another trader.
    ForeignEntry,
    /// The revealed order and salt do not hash to the commitment.
    CommitmentMismatch,
    /// Sealed orders are `Limit` or `ImmediateOrCancel`, queued ones `PostOnly`.
    UnsupportedOrderType,
    /// A cancel of this order is already queued.
    CancelQueued,
    /// A batch market needs a maker fee <= 0 (see the design page).
    PositiveMakerFee,
    /// The schedule's windows are out of range.
    InvalidSchedule,
}

impl From<EngineError> for BatchError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}

impl From<InvalidSchedule> for BatchError {
    fn from(_: InvalidSchedule) -> Self {
        Self::InvalidSchedule
    }
}

/// The time an operation runs at: the slot (the batch clock) and the unix
/// time (order expiries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    pub slot: u64,
    pub unix_time: u64,
}

/// What an entry holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EntryKind {
    Free = 0,
    /// A sealed order's commitment and bond, awaiting its reveal.
    Committed = 1,
    /// A revealed sealed order, its funds locked.
    Revealed = 2,
    /// A queued post-only order, its funds locked and its slot reserved.
    Post = 3,
    /// A queued cancel of a resting order.
    Cancel = 4,
}

impl TryFrom<u8> for EntryKind {
    type Error = EngineError;
    fn try_from(v: u8) -> Result<Self, EngineError> {
        Ok(match v {
            0 => Self::Free,
            1 => Self::Committed,
            2 => Self::Revealed,
            3 => Self::Post,
            4 => Self::Cancel,
            _ => return Err(EngineError::InvalidEnumValue),
        })
    }
}

/// A batch market's parameters, fixed at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchParams {
    pub schedule: BatchSchedule,
    /// Lamports held per commitment until its reveal (forfeited without one).
    pub bond_lamports: u64,
    /// Lamports kept per commitment.
    pub commit_fee_lamports: u64,
    /// `1..=MAX_ENTRIES_PER_BATCH`.
    pub entries_per_batch: u32,
    /// Commitments one trader may hold in one batch, `1..=entries_per_batch`.
    pub entries_per_trader: u16,
    /// The drand chain hash of the beacon sealed orders may be time-lock
    /// encrypted to (issue 26); zero: the market takes no encrypted orders.
    pub beacon_chain_hash: [u8; 32],
}

/// Byte budget: 128 = 8 start + 4×2 windows and cap + 2×4 caps + 3×8
/// (next clear, last price, forfeited) + 2×8 lamports + 32 beacon + 32
/// reserved.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BatchHeader {
    pub start_slot: u64,
    pub commit_slots: u16,
    pub grace_slots: u16,
    pub reveal_slots: u16,
    pub entries_per_trader: u16,
    pub capacity: u32,
    pub entries_per_batch: u32,
    /// The oldest batch not yet cleared.
    pub next_clear: u64,
    /// The last clearing price (0 = none yet): the auction's tie-break reference.
    pub last_price: Ticks,
    /// Bonds forfeited by unrevealed commitments, not yet swept.
    pub forfeited_lamports: u64,
    pub bond_lamports: u64,
    pub commit_fee_lamports: u64,
    /// [`BatchParams::beacon_chain_hash`].
    pub beacon_chain_hash: [u8; 32],
    pub _reserved: [u8; 32],
}
const_assert_eq!(core::mem::size_of::<BatchHeader>(), 128);

/// One entry. Byte budget: 128 = 8 batch + 32 commitment + 4 trader + 4
/// flags (kind, side, type, slot) + 8 padding + 9×8 (price, size, client id,
/// expiry, order id, locked base and quote, bond, filled).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct BatchEntry {
    pub batch: u64,
    /// The sealed order's commitment, or a post's ranking hash.
    pub commitment: [u8; 32],
    pub trader_id: u32,
    pub kind: u8,
    pub side: u8,
    pub order_type: u8,
    /// Open-order slot reserved by a revealed limit order or a post
    /// (`NO_SLOT` otherwise).
    pub slot: u8,
    pub _pad: [u8; 8],
    pub price: Ticks,
    pub max_base: BaseLots,
    pub client_order_id: u64,
    pub expiry: u64,
    /// A cancel's target order.
    pub order_id: u64,
    pub locked_base: BaseAtoms,
    pub locked_quote: QuoteAtoms,
    pub bond_lamports: u64,
    /// Lots a revealed order was allocated by the clear in progress.
    pub filled: BaseLots,
}
const_assert_eq!(core::mem::size_of::<BatchEntry>(), 128);

impl BatchEntry {
    pub fn kind(&self) -> Result<EntryKind, EngineError> {
        EntryKind::try_from(self.kind)
    }
    fn is(&self, kind: EntryKind) -> bool {
        self.kind == kind as u8
    }
    /// This entry holding order `p` as `kind`, with its reserved `slot` and
    /// the funds it locked.
    fn with_order(
        self,
        kind: EntryKind,
        p: &crate::order::OrderParams,
        slot: u8,
        locked_base: BaseAtoms,
        locked_quote: QuoteAtoms,
    ) -> Self {
        Self {
            kind: kind as u8,
            side: p.side as u8,
            order_type: p.order_type as u8,
            slot,
            price: p.price,
            max_base: p.max_base,
            client_order_id: p.client_order_id,
            expiry: p.expiry,
            locked_base,
            locked_quote,
            ..self
        }
    }

    /// A sealed order, committed or revealed.
    fn is_commitment(&self) -> bool {
        self.is(EntryKind::Committed) || self.is(EntryKind::Revealed)
    }
}

/// Account bytes of a batch account with `capacity` entries.
pub const fn batch_account_size(capacity: u32) -> usize {
    core::mem::size_of::<BatchHeader>() + capacity as usize * core::mem::size_of::<BatchEntry>()
}

/// A zero-copy view of a batch account.
pub struct BatchBook<'a> {
    pub header: &'a mut BatchHeader,
    entries: &'a mut [BatchEntry],
}

impl<'a> BatchBook<'a> {
    /// Write an empty batch account into `data` (its length fixes the pool)
    /// for the market whose header is `market`.
    pub fn init(
        data: &'a mut [u8],
        p: &BatchParams,
        market: &MarketHeader,
    ) -> Result<Self, BatchError> {
        let s = p.schedule;
        BatchSchedule::new(s.start_slot, s.commit_slots, s.grace_slots, s.reveal_slots)?;
        if market.maker_fee_ppm > 0 {
            return Err(BatchError::PositiveMakerFee);
        }
        let (header, entries) = split_records::<BatchHeader, BatchEntry>(data)?;
        let caps_valid = (1..=MAX_ENTRIES_PER_BATCH).contains(&p.entries_per_batch)
            && p.entries_per_trader >= 1
            && u32::from(p.entries_per_trader) <= p.entries_per_batch;
        if !caps_valid || entries.is_empty() || entries.len() > MAX_POOL_ENTRIES as usize {
            return Err(EngineError::InvalidMarketParams.into());
        }
        *header = BatchHeader {
            start_slot: s.start_slot,
            commit_slots: s.commit_slots,
            grace_slots: s.grace_slots,
            reveal_slots: s.reveal_slots,
            entries_per_trader: p.entries_per_trader,
            capacity: entries.len() as u32,
            entries_per_batch: p.entries_per_batch,
            bond_lamports: p.bond_lamports,
            commit_fee_lamports: p.commit_fee_lamports,
            beacon_chain_hash: p.beacon_chain_hash,
            ..Zeroable::zeroed()
        };
        entries.fill(BatchEntry::default());
        Ok(Self { header, entries })
    }

    /// View an initialised batch account.
    pub fn load(data: &'a mut [u8]) -> Result<Self, EngineError> {
        let (header, entries) = split_records::<BatchHeader, BatchEntry>(data)?;
        if header.capacity as usize != entries.len() || entries.is_empty() {
            return Err(EngineError::InvalidAccountData);
        }
        Ok(Self { header, entries })
    }

    /// Raise the pool's capacity to what `data` now holds (the account grown
    /// in place by whole entries, the new ones zero, which is a free entry).
    /// Entries are found by index and never move, so growth touches none.
    /// Refused past `max_capacity` (and [`MAX_POOL_ENTRIES`]) or if the new
    /// entries are not zero.
    pub fn grow(data: &'a mut [u8], max_capacity: u32) -> Result<Growth, EngineError> {
        let (header, entries) = split_records::<BatchHeader, BatchEntry>(data)?;
        let old_capacity = header.capacity;
        let new_entries = entries
            .get(old_capacity as usize..)
            .ok_or(EngineError::InvalidGrowth)?;
        if old_capacity == 0 || entries.len() > max_capacity.min(MAX_POOL_ENTRIES) as usize {
            return Err(EngineError::InvalidGrowth);
        }
        if !bytemuck::cast_slice::<BatchEntry, u64>(new_entries)
            .iter()
            .all(|w| *w == 0)
        {
            return Err(EngineError::InvalidAccountData);
        }
        header.capacity = entries.len() as u32;
        Ok(Growth {
            old_capacity,
            new_capacity: header.capacity,
        })
    }

    /// The market's clock.
    pub fn schedule(&self) -> Result<BatchSchedule, EngineError> {
        let h = &self.header;
        BatchSchedule::new(h.start_slot, h.commit_slots, h.grace_slots, h.reveal_slots)
            .map_err(|_| EngineError::InvalidAccountData)
    }

    pub fn entry(&self, index: u32) -> Option<&BatchEntry> {
        self.entries.get(index as usize)
    }

    /// Take the bonds forfeited so far (the fee authority's sweep): returns
    /// them and leaves the pool empty.
    pub fn sweep_forfeits(&mut self) -> u64 {
        core::mem::take(&mut self.header.forfeited_lamports)
    }

    /// Whether the account owes nothing: no entry in use (every batch
    /// cleared) and no forfeited bond left to sweep. A closing market's
    /// batch account may only be deleted then.
    pub fn is_settled(&self) -> bool {
        self.header.forfeited_lamports == 0 && self.entries.iter().all(|e| e.is(EntryKind::Free))
    }

    /// Every entry in pool order (off-chain helper).
    pub fn entries(&self) -> &[BatchEntry] {
        self.entries
    }

    /// Record a sealed order's commitment from `trader_id` in `batch`, whose
    /// commit window must be open at `slot` (the commitment binds the batch,
    /// so one that lands after its window closed is refused rather than
    /// recorded where it could never be revealed). Returns the entry index;
    /// the caller moves the bond and the commit fee.
    pub fn commit(
        &mut self,
        trader_id: u32,
        batch: u64,
        commitment: [u8; 32],
        slot: u64,
    ) -> Result<u32, BatchError> {
        let open = self
            .schedule()?
            .committing_batch(slot)
            .ok_or(BatchError::NotStarted)?;
        if open != batch {
            return Err(BatchError::WrongWindow);
        }
        let index = self.admit(batch, trader_id, &commitment, true)?;
        self.entries[index as usize] = BatchEntry {
            batch,
            commitment,
            trader_id,
            kind: EntryKind::Committed as u8,
            slot: NO_SLOT,
            bond_lamports: self.header.bond_lamports,
            ..BatchEntry::default()
        };
        Ok(index)
    }

    /// The free entry a new entry of `trader_id` in `batch` may take, after
    /// the batch's cap, the trader's cap on commitments (when `commitment`:
    /// posts and cancels are bounded by the trader's open-order slots
    /// instead, so a market maker can requote) and the uniqueness of `key`.
    fn admit(
        &self,
        batch: u64,
        trader_id: u32,
        key: &[u8; 32],
        commitment: bool,
    ) -> Result<u32, BatchError> {
        // Only a clock behind the batches already cleared lands here: an
        // entry there would never be cleared.
        if batch < self.header.next_clear {
            return Err(BatchError::WrongWindow);
        }
        let mut in_batch = 0u32;
        let mut of_trader = 0u16;
        let mut free = None;
        for (i, e) in self.entries.iter().enumerate() {
            if e.is(EntryKind::Free) {
                free = free.or(Some(i as u32));
                continue;
            }
            if e.batch != batch {
                continue;
            }
            in_batch += 1;
            of_trader += u16::from(e.trader_id == trader_id && e.is_commitment());
            if !e.is(EntryKind::Cancel) && e.commitment == *key {
                return Err(BatchError::Duplicate);
            }
        }
        if commitment && of_trader >= self.header.entries_per_trader {
            return Err(BatchError::TooManyEntries);
        }
        if in_batch >= self.header.entries_per_batch {
            return Err(BatchError::BatchFull);
        }
        free.ok_or(BatchError::BatchFull)
    }
}

#[cfg(test)]
mod tests;
