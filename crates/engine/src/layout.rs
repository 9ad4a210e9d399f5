//! Account sizes and rent for a market's accounts.

use crate::book::book_side_size;
use crate::event_queue::event_queue_size;
pub use crate::growth::Growth;

/// Bytes the runtime adds to every account for rent purposes.
pub const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;
/// Lamports per byte-year × 2 years (rent exemption), as on mainnet.
pub const RENT_EXEMPT_LAMPORTS_PER_BYTE: u64 = 6_960;

/// Rent-exempt minimum for an account of `data_len` bytes.
pub const fn rent_exempt_lamports(data_len: usize) -> u64 {
    (data_len as u64 + ACCOUNT_STORAGE_OVERHEAD) * RENT_EXEMPT_LAMPORTS_PER_BYTE
}

/// A part of a market that grows in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GrowTarget {
    Bids = 0,
    Asks = 1,
    EventQueue = 2,
}

impl GrowTarget {
    /// Bytes one unit of capacity takes (a node, or an event).
    pub const fn unit_bytes(self) -> usize {
        match self {
            Self::Bids | Self::Asks => core::mem::size_of::<crate::book::OrderNode>(),
            Self::EventQueue => core::mem::size_of::<crate::event_queue::QueueEvent>(),
        }
    }
}

/// Data sizes of the engine-owned parts of a market: (bids, asks, event queue).
pub const fn market_account_sizes(orders_per_side: u32, events: u32) -> (usize, usize, usize) {
    (
        book_side_size(orders_per_side),
        book_side_size(orders_per_side),
        event_queue_size(events),
    )
}
