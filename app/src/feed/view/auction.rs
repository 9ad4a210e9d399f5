//! The `auction` channel's state (issue 25): a sealed batch market's clock,
//! its open batches' counts and its recent clears, loaded from the batch
//! tables and advanced by the same [`BatchChanges`] the tables take.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::db::batches::{BatchClearRow, BatchClockRow, BatchCounts};
use crate::feed::wire::{self, U64Text};
use crate::model::effects::{BatchChanges, EntryChange};

/// Clears kept for snapshots.
pub const RECENT_CLEARS: usize = 100;

#[derive(Default)]
pub struct Auction {
    clock: Option<wire::BatchClock>,
    open: BTreeMap<u64, BatchCounts>,
    cleared: VecDeque<wire::BatchClear>,
}

/// What a batch of events changed, for the delta.
#[derive(Default)]
pub struct AuctionChange {
    clock: bool,
    open: BTreeSet<u64>,
    cleared: Vec<wire::BatchClear>,
}

impl Auction {
    pub fn load(
        clock: Option<BatchClockRow>,
        open: Vec<BatchCounts>,
        cleared: Vec<BatchClearRow>,
    ) -> Self {
        Self {
            clock: clock.map(clock_of),
            open: open.into_iter().map(|c| (c.batch, c)).collect(),
            cleared: cleared.iter().map(clear_of).collect(),
        }
    }

    pub fn snapshot(&self) -> wire::AuctionSnapshot {
        wire::AuctionSnapshot {
            clock: self.clock.clone(),
            open: self.open.values().map(open_of).collect(),
            cleared: self.cleared.iter().cloned().collect(),
        }
    }

    /// Apply one batch's changes; the delta, if anything changed.
    pub fn apply(&mut self, changes: &BatchChanges<'_>) -> Option<wire::AuctionDelta> {
        let mut change = AuctionChange::default();
        if let Some((_, e)) = changes.enabled {
            self.clock = Some(wire::BatchClock {
                batch_account: e.batch_account.to_string(),
                start_slot: e.start_slot,
                commit_slots: e.commit_slots,
                grace_slots: e.grace_slots,
                reveal_slots: e.reveal_slots,
                entries_per_batch: e.entries_per_batch,
                entries_per_trader: e.entries_per_trader,
                bond_lamports: U64Text(e.bond_lamports),
                commit_fee_lamports: U64Text(e.commit_fee_lamports),
            });
            change.clock = true;
        }
        for (_, entry) in &changes.entries {
            let batch = entry.key().0;
            let counts = self.open.entry(batch).or_insert(BatchCounts {
                batch,
                ..BatchCounts::default()
            });
            match entry {
                EntryChange::Committed(_) => counts.commitments += 1,
                EntryChange::Revealed(_) => counts.revealed += 1,
                EntryChange::Post(_) => counts.posts += 1,
                EntryChange::Cancel(_) => counts.cancels += 1,
            }
            change.open.insert(batch);
        }
        for (seq, c) in &changes.clears {
            self.open.remove(&c.batch);
            change.open.remove(&c.batch);
            let clear = wire::BatchClear {
                batch: c.batch,
                price: (c.price > 0).then_some(U64Text(c.price)),
                volume_base_lots: U64Text(c.volume_base_lots),
                revealed: c.revealed,
                forfeited: c.forfeited,
                seq: *seq as u64,
            };
            self.cleared.push_back(clear.clone());
            change.cleared.push(clear);
        }
        while self.cleared.len() > RECENT_CLEARS {
            self.cleared.pop_front();
        }
        if !change.clock && change.open.is_empty() && change.cleared.is_empty() {
            return None;
        }
        Some(wire::AuctionDelta {
            clock: change.clock.then(|| self.clock.clone()).flatten(),
            open: change
                .open
                .iter()
                .filter_map(|b| self.open.get(b))
                .map(open_of)
                .collect(),
            cleared: change.cleared,
        })
    }
}

fn clock_of(r: BatchClockRow) -> wire::BatchClock {
    wire::BatchClock {
        batch_account: r.batch_account,
        start_slot: r.start_slot,
        commit_slots: r.commit_slots,
        grace_slots: r.grace_slots,
        reveal_slots: r.reveal_slots,
        entries_per_batch: r.entries_per_batch,
        entries_per_trader: r.entries_per_trader,
        bond_lamports: U64Text(r.bond_lamports),
        commit_fee_lamports: U64Text(r.commit_fee_lamports),
    }
}

fn open_of(c: &BatchCounts) -> wire::OpenBatch {
    wire::OpenBatch {
        batch: c.batch,
        commitments: c.commitments,
        revealed: c.revealed,
        posts: c.posts,
        cancels: c.cancels,
    }
}

pub(crate) fn clear_of(r: &BatchClearRow) -> wire::BatchClear {
    wire::BatchClear {
        batch: r.batch,
        price: r.price_ticks.map(U64Text),
        volume_base_lots: U64Text(r.volume_base_lots),
        revealed: r.revealed,
        forfeited: r.forfeited,
        seq: r.seq,
    }
}

#[cfg(test)]
mod tests {
    use anchor_lang::prelude::Pubkey;
    use orderbook::events::{BatchCleared, BatchModeEnabled, OrderCommitted, OrderRevealed};
    use orderbook::types::{OrderType, Side};

    use super::*;

    fn commit(batch: u64, entry: u32) -> OrderCommitted {
        OrderCommitted {
            market: Pubkey::default(),
            seq: 0,
            trader_id: 1,
            batch,
            entry,
            commitment: [7; 32],
            bond_lamports: 5,
        }
    }

    #[test]
    fn a_batch_is_open_with_its_counts_until_its_clear_moves_it_to_the_clears() {
        let mut a = Auction::default();
        let enabled = BatchModeEnabled {
            market: Pubkey::default(),
            seq: 0,
            batch_account: Pubkey::default(),
            start_slot: 100,
            commit_slots: 2,
            grace_slots: 4,
            reveal_slots: 8,
            entries_per_batch: 16,
            entries_per_trader: 4,
            bond_lamports: 5,
            commit_fee_lamports: 1,
        };
        let (c0, c1) = (commit(3, 0), commit(3, 1));
        let changes = BatchChanges {
            enabled: Some((0, &enabled)),
            entries: vec![
                (1, EntryChange::Committed(&c0)),
                (2, EntryChange::Committed(&c1)),
            ],
            clears: vec![],
        };
        let delta = a.apply(&changes).expect("a delta");
        assert_eq!(delta.clock.as_ref().map(|c| c.reveal_slots), Some(8));
        assert_eq!((delta.open.len(), delta.open[0].commitments), (1, 2));

        let revealed = OrderRevealed {
            market: Pubkey::default(),
            seq: 3,
            trader_id: 1,
            batch: 3,
            entry: 0,
            side: Side::Bid,
            order_type: OrderType::ImmediateOrCancel,
            price: 10,
            max_base_lots: 2,
            client_order_id: 9,
            revealer: Pubkey::default(),
            bond_refunded_lamports: 5,
        };
        let changes = BatchChanges {
            entries: vec![(3, EntryChange::Revealed(&revealed))],
            ..BatchChanges::default()
        };
        let delta = a.apply(&changes).expect("a delta");
        assert!(delta.clock.is_none(), "the clock is sent once");
        assert_eq!((delta.open[0].commitments, delta.open[0].revealed), (2, 1));

        let cleared = BatchCleared {
            market: Pubkey::default(),
            seq: 4,
            batch: 3,
            price: 10,
            volume_base_lots: 2,
            revealed: 1,
            forfeited: 1,
            forfeited_lamports: 5,
            clearer: Pubkey::default(),
            clearer_paid_lamports: 2,
        };
        let changes = BatchChanges {
            clears: vec![(4, &cleared)],
            ..BatchChanges::default()
        };
        let delta = a.apply(&changes).expect("a delta");
        assert!(delta.open.is_empty());
        assert_eq!(delta.cleared[0].price, Some(U64Text(10)));
        let snapshot = a.snapshot();
        assert!(snapshot.open.is_empty());
        assert_eq!(
            (snapshot.cleared.len(), snapshot.cleared[0].forfeited),
            (1, 1)
        );
        assert!(
            a.apply(&BatchChanges::default()).is_none(),
            "nothing changed"
        );
    }
}
