//! An entry of a batch not yet cleared, in the terms both the chain's batch
//! account and the indexer's `batch_entries` hold (what reconcile compares).

use orderbook::types::Side;
use orderbook_engine::batch::EntryKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    pub trader_id: u32,
    pub kind: EntryKind,
    /// A sealed order's commitment (committed or revealed entries).
    pub commitment: Option<[u8; 32]>,
    /// A revealed order's or a queued post's side, price (ticks) and base lots.
    pub order: Option<(Side, u64, u64)>,
    /// A queued cancel's target order id.
    pub cancels: Option<u64>,
}

impl PendingEntry {
    /// The `batch_entries.kind` text of `kind`.
    pub fn kind_name(kind: EntryKind) -> &'static str {
        match kind {
            EntryKind::Free => "free",
            EntryKind::Committed => "committed",
            EntryKind::Revealed => "revealed",
            EntryKind::Post => "post",
            EntryKind::Cancel => "cancel",
        }
    }

    /// The kind a `batch_entries.kind` text names.
    pub fn kind_named(name: &str) -> Option<EntryKind> {
        [
            EntryKind::Committed,
            EntryKind::Revealed,
            EntryKind::Post,
            EntryKind::Cancel,
        ]
        .into_iter()
        .find(|&k| Self::kind_name(k) == name)
    }
}
