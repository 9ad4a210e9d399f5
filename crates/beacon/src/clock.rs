//! drand's round clock: round 1 is published at the genesis time, then one
//! round every period.

/// A chain's genesis and period, in unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub genesis_time: u64,
    pub period_secs: u64,
}

impl Clock {
    /// The latest round published at `unix` seconds (0: none yet).
    pub fn round_at(&self, unix: u64) -> u64 {
        match unix.checked_sub(self.genesis_time) {
            Some(since) => since / self.period_secs.max(1) + 1,
            None => 0,
        }
    }

    /// When `round` is published (unix seconds); round 0 is the genesis.
    pub fn time_of(&self, round: u64) -> u64 {
        self.genesis_time + round.saturating_sub(1) * self.period_secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_follow_the_genesis_and_the_period() {
        let c = Clock {
            genesis_time: 1_000,
            period_secs: 3,
        };
        assert_eq!(c.round_at(999), 0);
        assert_eq!(c.round_at(1_000), 1);
        assert_eq!(c.round_at(1_002), 1);
        assert_eq!(c.round_at(1_003), 2);
        for round in 1..50 {
            assert_eq!(c.round_at(c.time_of(round)), round);
            assert_eq!(c.round_at(c.time_of(round) - 1), round - 1);
        }
    }
}
