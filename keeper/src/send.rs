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
    pub(crate) async fn send(
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
                // What this transaction applied and earned, from the program's own
                // events (another keeper may have consumed some of the same events first).
                let landed = self.landed(&sig).await?;
                stats.events += landed.applied;
                self.metrics
                    .events_consumed
                    .with_label_values(&[&label])
                    .inc_by(u64::from(landed.applied));
                self.metrics
                    .settle(&label, fee, landed.earned, landed.change);
                Ok(Some(landed.applied))
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
                self.metrics
                    .settle(&label, fee, 0, -i64::try_from(fee).unwrap_or(i64::MAX));
                tracing::warn!(%market, kind, error = %e, "transaction failed");
                Ok(None)
            }
        }
    }

    /// What a landed transaction did for this keeper: the events its crank
    /// applied, what it earned (crank rewards, and the commit fees of a
    /// batch it cleared), and its balance change (fee included, and the
    /// crank rewards a clear pre-pays for the events it queues).
    async fn landed(&self, sig: &Signature) -> Result<Landed, ChainError> {
        let Some(tx) = self.chain.transaction_events(sig).await? else {
            return Ok(Landed::default());
        };
        let payer = self.payer.pubkey();
        let mut landed = Landed {
            change: tx.fee_payer_change_lamports,
            ..Landed::default()
        };
        for e in &tx.events {
            match e {
                ProgramEvent::EventsConsumed(c) => {
                    landed.applied += c.count;
                    landed.earned += c.reward_lamports;
                }
                ProgramEvent::BatchCleared(c) if c.clearer == payer => {
                    landed.earned += c.clearer_paid_lamports;
                }
                _ => {}
            }
        }
        Ok(landed)
    }
}

/// See [`Keeper::landed`].
#[derive(Default)]
struct Landed {
    applied: u32,
    earned: u64,
    change: i64,
}
