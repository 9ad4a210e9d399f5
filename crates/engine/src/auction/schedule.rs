//! A batch market's clock, in slots. Batch k takes commitments for C
//! slots, then has a cancel grace of G slots (no commitments, no reveals
//! yet, cancels still apply to it), then reveals for R slots, then can be
//! cleared. Commit windows abut, so batch k+1 takes commitments while batch
//! k is in grace or revealing and one commit window is always open.
//!
//! ```text
//! slot:    s    s+C      s+C+G              s+C+G+R
//! batch 0: [commit)[grace)[ reveal ..........)[clearable
//! batch 1:      [commit)[grace)[ reveal ..........)[clearable
//! ```
//!
//! Why the grace: a slot leader holds its slots (four on Solana) and may
//! keep a maker's cancel out of them. Without the grace it could hold the
//! cancels past a batch's commit window while its own sealed take of the
//! stale quotes is in the batch (the cancel snipe `mev-bench` finds). A
//! cancel applies to the oldest batch whose reveals have not opened, so
//! with G at least a leader's slots a held cancel still lands in time;
//! since no reveal of that batch is visible yet, a cancel is never a last
//! look at its takers.

use crate::quantity::mul_u64;

/// Default commit window: two slots.
pub const DEFAULT_COMMIT_SLOTS: u16 = 2;
/// Default cancel grace: four slots, one Solana leader's.
pub const DEFAULT_GRACE_SLOTS: u16 = 4;
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
    /// Takes commitments (and cancels and post-only orders).
    Committing,
    /// Takes no commitments and shows no reveals; cancels still apply to it.
    Grace,
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
    pub grace_slots: u16,
    pub reveal_slots: u16,
}

impl BatchSchedule {
    /// A schedule with commit and reveal windows of `1..=MAX_WINDOW_SLOTS`
    /// slots and a grace of `0..=MAX_WINDOW_SLOTS`.
    pub fn new(
        start_slot: u64,
        commit_slots: u16,
        grace_slots: u16,
        reveal_slots: u16,
    ) -> Result<Self, InvalidSchedule> {
        let valid = |w: u16| (1..=MAX_WINDOW_SLOTS).contains(&w);
        if !valid(commit_slots) || !valid(reveal_slots) || grace_slots > MAX_WINDOW_SLOTS {
            return Err(InvalidSchedule);
        }
        Ok(Self {
            start_slot,
            commit_slots,
            grace_slots,
            reveal_slots,
        })
    }

    /// The defaults (2, 4, 8) from `start_slot`.
    pub fn with_defaults(start_slot: u64) -> Self {
        Self {
            start_slot,
            commit_slots: DEFAULT_COMMIT_SLOTS,
            grace_slots: DEFAULT_GRACE_SLOTS,
            reveal_slots: DEFAULT_REVEAL_SLOTS,
        }
    }

    /// The batch whose commit window is open at `slot` (`None` before the
    /// start): where a commitment or a post-only order sent then lands.
    pub fn committing_batch(&self, slot: u64) -> Option<u64> {
        let since = slot.checked_sub(self.start_slot)?;
        Some(since / u64::from(self.commit_slots))
    }

    /// The batch a cancel sent at `slot` applies to: the oldest whose
    /// reveals have not opened (it then holds for every later batch too).
    pub fn cancelling_batch(&self, slot: u64) -> Option<u64> {
        self.committing_batch(slot)?;
        let since = slot - self.start_slot;
        Some(since.saturating_sub(u64::from(self.grace_slots)) / u64::from(self.commit_slots))
    }

    /// First slot of batch `k`'s commit window (`None` past u64).
    pub fn commit_opens(&self, k: u64) -> Option<u64> {
        // `mul_u64`, not `checked_mul`: SBF cannot lower the latter.
        mul_u64(k, u64::from(self.commit_slots))
            .ok()?
            .checked_add(self.start_slot)
    }

    /// First slot of batch `k`'s grace.
    pub fn grace_opens(&self, k: u64) -> Option<u64> {
        self.commit_opens(k)?
            .checked_add(u64::from(self.commit_slots))
    }

    /// First slot of batch `k`'s reveal window.
    pub fn reveal_opens(&self, k: u64) -> Option<u64> {
        self.grace_opens(k)?
            .checked_add(u64::from(self.grace_slots))
    }

    /// First slot at which batch `k` may be cleared.
    pub fn clearable_from(&self, k: u64) -> Option<u64> {
        self.reveal_opens(k)?
            .checked_add(u64::from(self.reveal_slots))
    }

    /// The newest batch that may be cleared at `slot` (`None` if none yet).
    pub fn last_clearable(&self, slot: u64) -> Option<u64> {
        let lead = u64::from(self.commit_slots)
            + u64::from(self.grace_slots)
            + u64::from(self.reveal_slots);
        // clearable_from(k) = start + k·C + (C + G + R) <= slot.
        let since = slot.checked_sub(self.start_slot)?.checked_sub(lead)?;
        Some(since / u64::from(self.commit_slots))
    }

    /// Batch `k`'s phase at `slot`.
    pub fn phase(&self, k: u64, slot: u64) -> BatchPhase {
        let at_least = |from: Option<u64>| from.is_some_and(|from| slot >= from);
        if at_least(self.clearable_from(k)) {
            BatchPhase::Clearable
        } else if at_least(self.reveal_opens(k)) {
            BatchPhase::Revealing
        } else if at_least(self.grace_opens(k)) {
            BatchPhase::Grace
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
        let s = BatchSchedule::new(100, 2, 4, 8).unwrap();
        assert_eq!(s.committing_batch(99), None);
        assert_eq!(s.committing_batch(100), Some(0));
        assert_eq!(s.committing_batch(101), Some(0));
        assert_eq!(s.committing_batch(102), Some(1));
        for slot in 100..200 {
            let k = s.committing_batch(slot).unwrap();
            assert_eq!(s.phase(k, slot), BatchPhase::Committing);
            if k > 0 {
                assert_ne!(s.phase(k - 1, slot), BatchPhase::Committing);
            }
        }
        assert_eq!(s.phase(0, 99), BatchPhase::Pending);
        assert_eq!(s.phase(0, 102), BatchPhase::Grace);
        assert_eq!(s.phase(0, 105), BatchPhase::Grace);
        assert_eq!(s.phase(0, 106), BatchPhase::Revealing);
        assert_eq!(s.phase(0, 113), BatchPhase::Revealing);
        assert_eq!(s.phase(0, 114), BatchPhase::Clearable);
        assert_eq!(s.clearable_from(3), Some(120));
    }

    #[test]
    fn the_last_clearable_batch_is_the_newest_whose_reveal_window_is_over() {
        let s = BatchSchedule::with_defaults(100);
        assert_eq!(s.last_clearable(113), None);
        for slot in 114..300 {
            let k = s.last_clearable(slot).unwrap();
            assert_eq!(s.phase(k, slot), BatchPhase::Clearable, "slot {slot}");
            assert_ne!(s.phase(k + 1, slot), BatchPhase::Clearable, "slot {slot}");
        }
    }

    #[test]
    fn a_cancel_applies_to_the_oldest_batch_whose_reveals_have_not_opened() {
        let s = BatchSchedule::with_defaults(100);
        assert_eq!(s.cancelling_batch(99), None);
        for slot in 100..200 {
            let k = s.cancelling_batch(slot).unwrap();
            // Batch k shows no reveal yet; every older batch does.
            assert!(matches!(
                s.phase(k, slot),
                BatchPhase::Committing | BatchPhase::Grace
            ));
            if k > 0 {
                assert!(matches!(
                    s.phase(k - 1, slot),
                    BatchPhase::Revealing | BatchPhase::Clearable
                ));
            }
            // A cancel held back for a leader's four slots still reaches the
            // batch that was open for commitments when it was sent.
            let committing = s.committing_batch(slot).unwrap();
            assert!(s.cancelling_batch(slot + 4).unwrap() <= committing);
        }
    }

    #[test]
    fn empty_or_overlong_windows_and_far_batches_are_refused() {
        assert_eq!(BatchSchedule::new(0, 0, 4, 8), Err(InvalidSchedule));
        assert_eq!(BatchSchedule::new(0, 2, 4, 0), Err(InvalidSchedule));
        assert_eq!(
            BatchSchedule::new(0, 2, MAX_WINDOW_SLOTS + 1, 8),
            Err(InvalidSchedule)
        );
        assert_eq!(
            BatchSchedule::new(0, MAX_WINDOW_SLOTS + 1, 4, 8),
            Err(InvalidSchedule)
        );
        assert!(BatchSchedule::new(0, 2, 0, 8).is_ok());
        let s = BatchSchedule::new(u64::MAX - 4, 2, 4, 8).unwrap();
        assert_eq!(s.clearable_from(0), None);
        assert_eq!(s.phase(0, u64::MAX), BatchPhase::Grace);
        assert_eq!(s.commit_opens(u64::MAX), None);
    }
}
