//! Cranking: apply a market's queued maker events, as many per transaction
//! as its size and the spend rules allow.

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use orderbook::instructions::consume_events::MAX_CONSUME_EVENTS;
use orderbook_chain::{Chain, ChainError};
use orderbook_engine::QueueEvent;
use solana_signer::Signer;

use crate::spend::tx_fee;
use crate::tx::{batch, crank_cu_limit, crank_ixs};
use crate::{Keeper, PassStats};

impl<C: Chain> Keeper<C> {
    /// Crank one market until its queue is empty or the per-pass bound is hit.
    pub async fn crank_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        // Queue length as last read, when nothing was sent since: saves a re-read.
        let mut unchanged_len: Option<usize> = None;
        for _ in 0..self.cfg.max_txs_per_market {
            let (m, events, capacity) = self.load(market).await?;
            unchanged_len = Some(events.len());
            // An empty queue means every event seen so far is gone.
            let head = events.first().map_or(u64::MAX, |e| e.seq);
            self.observe_queue(market, head, &events, capacity);
            if events.is_empty() {
                break;
            }
            let (n, ids) = batch(
                &events,
                self.cfg.max_events_per_tx.clamp(1, MAX_CONSUME_EVENTS),
            );
            let accounts = self.resolve(market, &ids).await?;
            // Only a prefix whose makers are all known can be applied.
            let known = accounts.iter().take_while(|a| a.is_some()).count();
            let makers: Vec<Pubkey> = accounts.iter().take(known).flatten().copied().collect();
            let n = events
                .iter()
                .take(n)
                .take_while(|e| ids[..known].contains(&e.maker_trader_id))
                .count();
            if n == 0 {
                tracing::warn!(%market, trader_id = ids[0], "maker account of the oldest event not found");
                break;
            }
            let priority = self.priority_fee(&[*market, m.event_queue]).await;
            self.nonce = self.nonce.wrapping_add(1);
            let cu = crank_cu_limit(&self.cfg, n, self.nonce);
            let fee = tx_fee(cu, priority);
            if let Err(refusal) = self.approve(market, "crank", m.crank_reward_lamports, n, fee) {
                tracing::debug!(%market, events = n, fee, reason = refusal.label(), "crank not sent");
                break;
            }
            unchanged_len = None;
            let ixs = crank_ixs(
                &self.cfg,
                &self.payer.pubkey(),
                market,
                &m.event_queue,
                &makers,
                n,
                priority,
                self.nonce,
            );
            let applied = self
                .send_counted(market, "crank", &ixs, fee, &mut stats)
                .await?;
            if applied == Some(0) || applied.is_none() {
                break; // another keeper got there first, or the send failed
            }
        }
        stats.remaining = match unchanged_len {
            Some(n) => n as u32,
            None => self.load(market).await?.1.len() as u32,
        };
        Ok(stats)
    }

    fn observe_queue(&mut self, market: &Pubkey, head: u64, events: &[QueueEvent], capacity: u32) {
        let now = Instant::now();
        let done: Vec<(Pubkey, u64)> = self
            .seen
            .range((*market, 0)..(*market, head))
            .map(|(k, _)| *k)
            .collect();
        for k in done {
            if let Some(t) = self.seen.remove(&k) {
                self.metrics
                    .lag
                    .observe(now.duration_since(t).as_secs_f64());
            }
        }
        for ev in events {
            self.seen.entry((*market, ev.seq)).or_insert(now);
        }
        let fill = if capacity == 0 {
            0
        } else {
            events.len() as i64 * 1000 / capacity as i64
        };
        self.metrics
            .queue_fill
            .with_label_values(&[&market.to_string()])
            .set(fill);
    }
}
