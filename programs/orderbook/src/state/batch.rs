//! A sealed batch market's batch account.

use anchor_lang::prelude::*;
use orderbook_engine::batch::{BatchEntry, BatchHeader, MAX_ENTRIES_PER_BATCH, Now};

/// Most entries one batch of a market may hold.
#[constant]
pub const MAX_BATCH_ENTRIES: u32 = MAX_ENTRIES_PER_BATCH;

/// Bytes of the batch account's header (after the discriminator).
#[constant]
pub const BATCH_HEADER_BYTES: u32 = std::mem::size_of::<BatchHeader>() as u32;
/// Bytes of one entry of the batch account's pool.
#[constant]
pub const BATCH_ENTRY_BYTES: u32 = std::mem::size_of::<BatchEntry>() as u32;
/// Offset in the batch header of the drand chain hash of the beacon the
/// market's sealed orders may be encrypted to (32 bytes; zero: none).
#[constant]
pub const BATCH_BEACON_CHAIN_HASH_OFFSET: u32 =
    std::mem::offset_of!(BatchHeader, beacon_chain_hash) as u32;

/// The batch account: the engine's `BatchHeader` (128 bytes) followed by its
/// pool of 128-byte entries (three batches' worth); decoded with
/// `orderbook_engine::batch::BatchBook`. The account also holds the bonds of
/// commitments awaiting their reveal, the forfeited bonds and the commit
/// fees not yet paid to a clearer, in lamports.
#[account(zero_copy)]
#[repr(C)]
pub struct BatchAccount {
    pub header: [u8; 128],
}
const _: () = assert!(std::mem::size_of::<BatchHeader>() == 128);

/// The batch clock's time now: the slot, and the unix time order expiries use.
pub fn batch_now() -> Result<Now> {
    let clock = Clock::get()?;
    Ok(Now {
        slot: clock.slot,
        unix_time: u64::try_from(clock.unix_timestamp).unwrap_or(0),
    })
}
