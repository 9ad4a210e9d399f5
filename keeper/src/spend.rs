//! Where the keeper decides to spend.
//!
//! A crank or prune transaction costs its fee (5,000 lamports per signature
//! plus the priority fee on the requested compute units) and earns the
//! market's crank reward for each event it applies. The keeper sends one only
//! when the rewards of the events it will apply cover the fee (plus
//! `min_profit_lamports`), so a market with a zero or tiny reward, or a flood
//! of events on one, cannot make it pay for other people's trading. It never
//! pre-pays anything: a prune is sent together with the crank of the events
//! it queues, in one transaction, so nobody else can collect them between the
//! two. What remains is racing another cranker for the same events (the
//! transaction then applies nothing and only its fee is lost), which the
//! per-market and total spend caps over a rolling hour bound. Operators may
//! name markets they crank at a loss on purpose (`subsidized`), still capped;
//! those share a total of their own, so a flood of cheap trades on one of
//! them cannot spend the budget that keeps every other market cranked.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;

/// The base fee of one signature, in lamports.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// The window the spend caps apply to.
pub const SPEND_WINDOW: Duration = Duration::from_secs(3_600);

/// What the keeper may spend, and on what.
#[derive(Clone, Debug)]
pub struct SpendLimits {
    /// Most lamports of fees per market in any rolling hour.
    pub max_per_market_hour: u64,
    /// Most lamports of fees over all markets that pay for their cranks,
    /// in any rolling hour.
    pub max_per_hour: u64,
    /// Most lamports of fees over all subsidized markets in any rolling hour.
    pub max_subsidized_per_hour: u64,
    /// Rewards must exceed a transaction's fee by at least this much.
    pub min_profit_lamports: u64,
    /// Markets cranked even when the rewards do not cover the fees.
    pub subsidized: Vec<Pubkey>,
}

impl Default for SpendLimits {
    fn default() -> Self {
        Self {
            max_per_market_hour: 50_000_000,
            max_per_hour: 500_000_000,
            max_subsidized_per_hour: 100_000_000,
            min_profit_lamports: 0,
            subsidized: Vec::new(),
        }
    }
}

/// Why a transaction was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its rewards would not cover its fee.
    Unprofitable,
    /// It would pass a spend cap.
    OverBudget,
}

impl Refusal {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unprofitable => "unprofitable",
            Self::OverBudget => "over_budget",
        }
    }
}

/// The fee of a one-signature transaction requesting `cu_limit` compute
/// units at `priority_fee` micro-lamports each.
pub fn tx_fee(cu_limit: u32, priority_fee: u64) -> u64 {
    let micro = u128::from(cu_limit) * u128::from(priority_fee);
    LAMPORTS_PER_SIGNATURE + u64::try_from(micro.div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// The fees the keeper paid in the last [`SPEND_WINDOW`], per market.
#[derive(Default)]
pub struct SpendLedger {
    /// (when, market, whether it was subsidized, fee)
    paid: VecDeque<(Instant, Pubkey, bool, u64)>,
}

impl SpendLedger {
    fn forget_old(&mut self, now: Instant) {
        while let Some((at, ..)) = self.paid.front() {
            if now.duration_since(*at) < SPEND_WINDOW {
                break;
            }
            self.paid.pop_front();
        }
    }

    /// Fees paid in the window, for one market or (None) all.
    pub fn spent(&mut self, market: Option<&Pubkey>, now: Instant) -> u64 {
        self.forget_old(now);
        self.paid
            .iter()
            .filter(|(_, m, ..)| market.is_none_or(|want| want == m))
            .map(|(.., fee)| fee)
            .sum()
    }

    /// Fees paid in the window on subsidized (or on paying) markets.
    fn spent_by_class(&mut self, subsidized: bool, now: Instant) -> u64 {
        self.forget_old(now);
        self.paid
            .iter()
            .filter(|(_, _, s, _)| *s == subsidized)
            .map(|(.., fee)| fee)
            .sum()
    }

    /// May the keeper pay `fee` on `market` for work that earns `earned`
    /// lamports (crank rewards, a clear's commit fees)?
    pub fn judge(
        &mut self,
        limits: &SpendLimits,
        market: &Pubkey,
        earned: u64,
        fee: u64,
    ) -> Result<(), Refusal> {
        let subsidized = limits.subsidized.contains(market);
        if !subsidized && earned < fee.saturating_add(limits.min_profit_lamports) {
            return Err(Refusal::Unprofitable);
        }
        let now = Instant::now();
        let class_cap = if subsidized {
            limits.max_subsidized_per_hour
        } else {
            limits.max_per_hour
        };
        if self.spent(Some(market), now) + fee > limits.max_per_market_hour
            || self.spent_by_class(subsidized, now) + fee > class_cap
        {
            return Err(Refusal::OverBudget);
        }
        Ok(())
    }

    /// Record a fee paid on `market`.
    pub fn record(&mut self, limits: &SpendLimits, market: &Pubkey, fee: u64) {
        let subsidized = limits.subsidized.contains(market);
        self.paid
            .push_back((Instant::now(), *market, subsidized, fee));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding "keeper": a flood of cheap trades on the subsidized demo
    /// market spent the one total cap and stopped cranking everywhere.
    #[test]
    fn subsidized_markets_cannot_spend_the_paying_markets_budget() {
        let (demo, paying) = (Pubkey::new_unique(), Pubkey::new_unique());
        let limits = SpendLimits {
            max_per_market_hour: 1_000_000,
            max_per_hour: 20_000,
            max_subsidized_per_hour: 10_000,
            subsidized: vec![demo],
            ..SpendLimits::default()
        };
        let mut ledger = SpendLedger::default();
        while ledger.judge(&limits, &demo, 0, 5_000).is_ok() {
            ledger.record(&limits, &demo, 5_000);
        }
        assert_eq!(ledger.spent(Some(&demo), Instant::now()), 10_000);
        // The paying market still has all of its budget.
        for _ in 0..4 {
            assert_eq!(ledger.judge(&limits, &paying, 5_000, 5_000), Ok(()));
            ledger.record(&limits, &paying, 5_000);
        }
        assert_eq!(
            ledger.judge(&limits, &paying, 5_000, 5_000),
            Err(Refusal::OverBudget)
        );
    }

    #[test]
    fn fee_counts_the_signature_and_the_priority_on_requested_units() {
        assert_eq!(tx_fee(200_000, 0), 5_000);
        // 200,000 CU × 1,000 µ-lamports = 200 lamports.
        assert_eq!(tx_fee(200_000, 1_000), 5_200);
        // Rounded up.
        assert_eq!(tx_fee(1, 1), 5_001);
    }

    #[test]
    fn unpaid_and_underpaid_work_is_refused_unless_subsidized() {
        let market = Pubkey::new_unique();
        let mut limits = SpendLimits::default();
        let mut ledger = SpendLedger::default();
        assert_eq!(
            ledger.judge(&limits, &market, 0, 5_000),
            Err(Refusal::Unprofitable)
        );
        assert_eq!(
            ledger.judge(&limits, &market, 4_000, 5_000),
            Err(Refusal::Unprofitable)
        );
        assert_eq!(ledger.judge(&limits, &market, 5_000, 5_000), Ok(()));
        limits.min_profit_lamports = 1;
        assert_eq!(
            ledger.judge(&limits, &market, 5_000, 5_000),
            Err(Refusal::Unprofitable)
        );
        limits.subsidized.push(market);
        assert_eq!(ledger.judge(&limits, &market, 0, 5_000), Ok(()));
    }

    #[test]
    fn spend_caps_apply_per_market_and_in_total() {
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        let limits = SpendLimits {
            max_per_market_hour: 10_000,
            max_per_hour: 15_000,
            ..SpendLimits::default()
        };
        let mut ledger = SpendLedger::default();
        ledger.record(&limits, &a, 10_000);
        assert_eq!(
            ledger.judge(&limits, &a, 50_000, 1),
            Err(Refusal::OverBudget)
        );
        assert_eq!(ledger.judge(&limits, &b, 50_000, 5_000), Ok(()));
        ledger.record(&limits, &b, 5_000);
        assert_eq!(
            ledger.judge(&limits, &b, 50_000, 1),
            Err(Refusal::OverBudget),
            "total cap"
        );
        assert_eq!(ledger.spent(None, Instant::now()), 15_000);
        // Entries older than the window no longer count.
        assert_eq!(
            ledger.spent(None, Instant::now() + SPEND_WINDOW + Duration::from_secs(1)),
            0
        );
    }
}
