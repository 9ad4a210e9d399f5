//! The slot clock: closing the working block, opening the next slot, and
//! finalizing the slot `finality_lag` behind.

use super::*;

/// Transactions (and blocks) pruned per slot at most: a bounded write under
/// the bank's lock, which catches up on a backlog over a few slots.
const PRUNE_BATCH: usize = 1_000;

impl Bank {
    /// Close the working block and open the next slot (the slot clock's
    /// tick); the block is durable when the returned handle resolves.
    pub fn advance_slot(&mut self) -> Result<Durable> {
        let now = now_unix();
        let blockhash = self.block_hash_of_working();
        let block = self.commits.write(Write::Block(BlockRecord {
            slot: self.slot,
            blockhash,
            previous_blockhash: self.blockhash,
            block_time: now,
        }));
        self.recent.push_back((self.slot, blockhash));
        while self.recent.len() > RECENT_BLOCKS_KEPT {
            self.recent.pop_front();
        }
        self.blockhash = blockhash;
        self.slot += 1;
        self.working.clear();
        self.recent_signatures
            .expire(self.slot.saturating_sub(MAX_PROCESSING_AGE + 1));
        self.open_slot(now);
        self.prune_history()?;
        Ok(block)
    }

    /// The first slot whose block and transactions are kept.
    pub fn first_available_slot(&self) -> Slot {
        self.first_available
    }

    /// Delete history older than `history_slots` behind the finalized slot,
    /// a bounded batch per slot, so the ledger stops growing with time.
    fn prune_history(&mut self) -> Result<()> {
        let Some(keep) = self.history_slots else {
            return Ok(());
        };
        let before = self.finalized_slot().saturating_sub(keep);
        if before > self.first_available {
            self.first_available = self.ledger.prune_before(before, PRUNE_BATCH)?;
        }
        Ok(())
    }

    fn block_hash_of_working(&self) -> Hash {
        let slot = self.slot.to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![self.blockhash.as_ref(), &slot];
        parts.extend(self.working.iter().map(|s| s.as_ref()));
        solana_sha256_hasher::hashv(&parts)
    }

    pub(super) fn open_slot(&mut self, now: UnixTimestamp) {
        let schedule = self.epoch_schedule();
        let (epoch, _) = schedule.get_epoch_and_slot_index(self.slot);
        let mut clock: Clock = self.svm.get_sysvar();
        clock.slot = self.slot;
        clock.epoch = epoch;
        clock.leader_schedule_epoch = schedule.get_leader_schedule_epoch(self.slot);
        clock.unix_timestamp = now;
        self.svm.set_sysvar(&clock);
        // Address lookup tables are created against a recent slot's hash.
        let mut slot_hashes: solana_slot_hashes::SlotHashes = self.svm.get_sysvar();
        slot_hashes.add(self.slot - 1, self.blockhash);
        self.svm.set_sysvar(&slot_hashes);
        self.undo.push_back(UndoFrame {
            slot: self.slot,
            before: HashMap::new(),
        });
        self.fees.push_back((self.slot, Vec::new()));
        while self.fees.len() > PRIORITIZATION_SLOTS {
            self.fees.pop_front();
        }
        let root = self.finalized_slot();
        while self.undo.front().is_some_and(|f| f.slot <= root) {
            let frame = self.undo.pop_front().expect("checked");
            self.commits.publish(NodeEvent::Finalized {
                slot: frame.slot,
                accounts: Arc::new(frame.before.into_keys().collect()),
            });
        }
        self.commits.publish(NodeEvent::Slot {
            slot: self.slot,
            parent: self.slot - 1,
            root,
        });
    }
}
