//! A batch market's clock, in slots. Batch k's commit window is `commit`
//! slots, its reveal window the next `reveal` slots, then it can be
//! cleared. Commit windows follow each other without a gap, so batch k+1
//! takes commitments while batch k reveals and one window is always open.
//!
//! ```text
//! slot:    s    s+C   s+2C        s+C+R
//! batch 0: [commit)[ reveal ........)[clearable
//! batch 1:      [commit)[ reveal ........)[clearable
//! ```

/// Default commit window: two slots.
pub const DEFAULT_COMMIT_SLOTS: u16 = 2;
/// Default reveal window: eight slots, two leader rotations of four, so no
/// single leader can censor a whole reveal window.
pub const DEFAULT_REVEAL_SLOTS: u16 = 8;
/// Longest window a market may choose (about 100 s at 400 ms slots).
pub const MAX_WINDOW_SLOTS: u16 = 256;

/// Where a batch stands at a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchPhase {
    /// Its commit window has not opened yet.
    Pending,
    /// Takes commitments (and queued cancels and post-only orders).
    Committing,
    /// Takes reveals of its commitments.
    Revealing,
    /// Its reveal window is over: it may be cleared.
    Clearable,
}

/// Why a schedule's windows are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidSchedule;

/// A batch market's clock (fixed at market creation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchSchedule {
    /// First slot of batch 0's commit window.
    pub start_slot: u64,
    pub commit_slots: u16,
    pub reveal_slots: u16,
}

impl BatchSchedule {
    /// A schedule with windows of `1..=MAX_WINDOW_SLOTS` slots.
    pub fn new(
        start_slot: u64,
        commit_slots: u16,
        reveal_slots: u16,
    ) -> Result<Self, InvalidSchedule> {
        let valid = |w: u16| (1..=MAX_WINDOW_SLOTS).contains(&w);
        if !valid(commit_slots) || !valid(reveal_slots) {
            return Err(InvalidSchedule);
        }
        Ok(Self {
            start_slot,
            commit_slots,
            reveal_slots,
        })
    }

    /// The batch whose commit window is open at `slot` (`None` before the start).
    pub fn committing_batch(&self, slot: u64) -> Option<u64> {
        let since = slot.checked_sub(self.start_slot)?;
        Some(since / u64::from(self.commit_slots))
    }

    /// First slot of batch `k`'s commit window (`None` past u64).
    pub fn commit_opens(&self, k: u64) -> Option<u64> {
        k.checked_mul(u64::from(self.commit_slots))?
            .checked_add(self.start_slot)
    }

    /// First slot of batch `k`'s reveal window.
    pub fn reveal_opens(&self, k: u64) -> Option<u64> {
        self.commit_opens(k)?
            .checked_add(u64::from(self.commit_slots))
    }

    /// First slot at which batch `k` may be cleared.
    pub fn clearable_from(&self, k: u64) -> Option<u64> {
        self.reveal_opens(k)?
            .checked_add(u64::from(self.reveal_slots))
    }

    /// Batch `k`'s phase at `slot`.
    pub fn phase(&self, k: u64, slot: u64) -> BatchPhase {
        let at_least = |from: Option<u64>| from.is_some_and(|from| slot >= from);
        if at_least(self.clearable_from(k)) {
            BatchPhase::Clearable
        } else if at_least(self.reveal_opens(k)) {
            BatchPhase::Revealing
        } else if at_least(self.commit_opens(k)) {
            BatchPhase::Committing
        } else {
            BatchPhase::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_pipelined_so_one_commit_window_is_always_open() {
        let s = BatchSchedule::new(100, 2, 8).unwrap();
        assert_eq!(s.committing_batch(99), None);
        assert_eq!(s.committing_batch(100), Some(0));
        assert_eq!(s.committing_batch(101), Some(0));
        assert_eq!(s.committing_batch(102), Some(1));
        for slot in 100..200 {
            let k = s.committing_batch(slot).unwrap();
            assert_eq!(s.phase(k, slot), BatchPhase::Committing);
            // The previous batch reveals while this one commits.
            if k > 0 {
                assert_eq!(s.phase(k - 1, slot), BatchPhase::Revealing);
            }
        }
        assert_eq!(s.phase(0, 99), BatchPhase::Pending);
        assert_eq!(s.phase(0, 102), BatchPhase::Revealing);
        assert_eq!(s.phase(0, 109), BatchPhase::Revealing);
        assert_eq!(s.phase(0, 110), BatchPhase::Clearable);
        assert_eq!(s.clearable_from(3), Some(116));
    }

    #[test]
    fn empty_or_overlong_windows_and_far_batches_are_refused() {
        assert_eq!(BatchSchedule::new(0, 0, 8), Err(InvalidSchedule));
        assert_eq!(BatchSchedule::new(0, 2, 0), Err(InvalidSchedule));
        assert_eq!(
            BatchSchedule::new(0, MAX_WINDOW_SLOTS + 1, 8),
            Err(InvalidSchedule)
        );
        let s = BatchSchedule::new(u64::MAX - 4, 2, 8).unwrap();
        assert_eq!(s.clearable_from(0), None);
        assert_eq!(s.phase(0, u64::MAX), BatchPhase::Revealing);
        assert_eq!(s.commit_opens(u64::MAX), None);
    }
}
