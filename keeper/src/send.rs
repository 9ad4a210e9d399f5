//! Sending the keeper's transactions: the priority fee, the spend rules'
//! approval, retries on expired blockhashes, and booking what each one cost
//! and earned.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::spend::Refusal;
use crate::{Keeper, PassStats};

impl<C: Chain> Keeper<C> {
    /// The priority fee to pay for a transaction locking `accounts`.
    pub(crate) async fn priority_fee(&self, accounts: &[Pubkey]) -> u64 {
        if self.cfg.priority_fee_percentile == 0 {
            return 0;
        }
        let mut fees = match self.chain.prioritization_fees(accounts).await {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(error = %e, "no prioritization fees; paying none");
                return 0;
            }
        };
        if fees.is_empty() {
            return 0;
        }
        fees.sort_unstable();
        let i = (fees.len() - 1) * usize::from(self.cfg.priority_fee_percentile.min(100)) / 100;
        fees[i].min(self.cfg.max_priority_fee)
    }

    /// Check a transaction that earns `earned` lamports against the spend
    /// rules, counting a refusal.
    pub(crate) fn approve(
        &mut self,
        market: &Pubkey,
        kind: &str,
        earned: u64,
        fee: u64,
    ) -> Result<(), Refusal> {
        self.ledger
            .judge(&self.cfg.spend, market, earned, fee)
            .inspect_err(|refusal| {
                self.metrics
                    .refused
                    .with_label_values(&[&market.to_string(), kind, refusal.label()])
                    .inc();
            })
    }

    /// Sign and send, retrying with a fresh blockhash when it expires.
    async fn send(
        &self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> Result<Signature, ChainError> {
        if !self.cfg.jitter.is_zero() {
            let ms = rand::random_range(0..=self.cfg.jitter.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let mut last = ChainError::BlockhashExpired;
        for _ in 0..self.cfg.max_send_attempts.max(1) {
            let blockhash = self.chain.latest_blockhash().await?;
            let tx = Transaction::new_signed_with_payer(
                ixs,
                Some(&self.payer.pubkey()),
                &[&self.payer],
                blockhash,
            );
            match self.chain.send_and_confirm(&tx).await {
                Ok((sig, _)) => return Ok(sig),
                Err(ChainError::BlockhashExpired) => last = ChainError::BlockhashExpired,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Send a transaction that ends in `consume_events`, book its fee and
    /// reward, and return how many events it applied (`None` if it failed).
    pub(crate) async fn send_counted(
        &mut self,
        market: &Pubkey,
        kind: &str,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        fee: u64,
        stats: &mut PassStats,
    ) -> Result<Option<u32>, ChainError> {
        let label = market.to_string();
        // Counted whether or not it lands: a failed transaction may still pay.
        self.ledger.record(&self.cfg.spend, market, fee);
        match self.send(ixs).await {
            Ok(sig) => {
                stats.transactions += 1;
                self.metrics
                    .transactions
                    .with_label_values(&[&label, kind, "ok"])
                    .inc();
                // What this transaction applied, from the program's own event (another
                // keeper may have consumed some of the same events first).
                let (applied, reward) = self.consumed_by(&sig).await?;
                stats.events += applied;
                self.metrics
                    .events_consumed
                    .with_label_values(&[&label])
                    .inc_by(u64::from(applied));
                self.metrics.settle(&label, fee, reward);
                Ok(Some(applied))
            }
            Err(e) => {
                stats.failed += 1;
                let result = if e == ChainError::BlockhashExpired {
                    "expired"
                } else {
                    "failed"
                };
                self.metrics
                    .transactions
                    .with_label_values(&[&label, kind, result])
                    .inc();
                self.metrics.settle(&label, fee, 0);
                tracing::warn!(%market, kind, error = %e, "transaction failed");
                Ok(None)
            }
        }
    }

    /// (events applied, reward) according to a crank transaction's `EventsConsumed` event.
    async fn consumed_by(&self, sig: &Signature) -> Result<(u32, u64), ChainError> {
        let events = self
            .chain
            .transaction_events(sig)
            .await?
            .map(|t| t.events)
            .unwrap_or_default();
        Ok(events
            .iter()
            .find_map(|e| match e {
                ProgramEvent::EventsConsumed(c) => Some((c.count, c.reward_lamports)),
                _ => None,
            })
            .unwrap_or((0, 0)))
    }
}
