//! Cranking: apply a market's queued maker events, as many per transaction
//! as its size and the spend rules allow (and clear a batch market's due
//! batch in the same transaction).

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use orderbook::instructions::consume_events::MAX_CONSUME_EVENTS;
use orderbook::state::Market;
use orderbook_chain::{Chain, ChainError};
use orderbook_client::ix;
use orderbook_engine::QueueEvent;
use solana_signer::Signer;

use crate::clear::{self, DueBatch};
use crate::spend::tx_fee;
use crate::tx::{
    ClearAfter, MAX_MAKER_ACCOUNTS, MAX_MAKER_ACCOUNTS_WITH_CLEAR, batch, crank_cu_limit, crank_ixs,
};
use crate::{Keeper, PassStats};

impl<C: Chain> Keeper<C> {
    /// Crank one market until its queue is empty or the per-pass bound is
    /// hit; on a sealed batch market, clear each due batch in the same
    /// transaction as the crank ([`crate::clear`]).
    pub async fn crank_market(&mut self, market: &Pubkey) -> Result<PassStats, ChainError> {
        let mut stats = PassStats::default();
        // Queue length as last read, when nothing was sent since: saves a re-read.
        let mut unchanged_len: Option<usize> = None;
        // A crank and clear that failed together are not tried together
        // again this pass: the crank alone must still make progress.
        let mut clear_failed = false;
        for _ in 0..self.cfg.max_txs_per_market {
            let (m, events, capacity) = self.load(market).await?;
            unchanged_len = Some(events.len());
            // An empty queue means every event seen so far is gone.
            let head = events.first().map_or(u64::MAX, |e| e.seq);
            self.observe_queue(market, head, &events, capacity);
            let due = if clear_failed {
                None
            } else {
                self.due_batch(&m).await?
            };
            // With a clear along, the crank names fewer makers (the packet).
            let max_makers = if due.is_some() {
                MAX_MAKER_ACCOUNTS_WITH_CLEAR
            } else {
                MAX_MAKER_ACCOUNTS
            };
            let Some((n, makers)) = self.crank_part(market, &events, max_makers).await? else {
                break;
            };
            // The clear goes in only if the queue, once this crank applied
            // its events, has room for everything it can push.
            let room = capacity as usize - (events.len() - n);
            let due = due.filter(|d| d.queue_room as usize <= room);
            if n == 0 && due.is_none() {
                break;
            }
            match self
                .send_crank(market, &m, n, &makers, due, &mut stats)
                .await?
            {
                None if due.is_some() => clear_failed = true,
                // Refused by the spend rules, or the send failed.
                None => break,
                // Another keeper got there first.
                Some(0) if due.is_none() => break,
                Some(_) => unchanged_len = None,
            }
        }
        stats.remaining = match unchanged_len {
            Some(n) => n as u32,
            None => self.load(market).await?.1.len() as u32,
        };
        Ok(stats)
    }

    /// The events the next crank applies (a prefix whose makers are all
    /// known) and their makers' accounts; `None` when the oldest event's
    /// maker cannot be found.
    async fn crank_part(
        &mut self,
        market: &Pubkey,
        events: &[QueueEvent],
        max_makers: usize,
    ) -> Result<Option<(usize, Vec<Pubkey>)>, ChainError> {
        if events.is_empty() {
            return Ok(Some((0, Vec::new())));
        }
        let max_events = self.cfg.max_events_per_tx.clamp(1, MAX_CONSUME_EVENTS);
        let (n, ids) = batch(events, max_events, max_makers);
        let accounts = self.resolve(market, &ids).await?;
        let known = accounts.iter().take_while(|a| a.is_some()).count();
        let makers: Vec<Pubkey> = accounts.iter().take(known).flatten().copied().collect();
        let n = events
            .iter()
            .take(n)
            .take_while(|e| ids[..known].contains(&e.maker_trader_id))
            .count();
        if n == 0 {
            tracing::warn!(%market, trader_id = ids[0], "maker account of the oldest event not found");
            return Ok(None);
        }
        Ok(Some((n, makers)))
    }

    /// Send a crank of `n` events and, when `due`, the clear of that batch
    /// after it, within the spend rules. Returns the events applied, or
    /// `None` if nothing was sent or the send failed.
    async fn send_crank(
        &mut self,
        market: &Pubkey,
        m: &Market,
        n: usize,
        makers: &[Pubkey],
        due: Option<DueBatch>,
        stats: &mut PassStats,
    ) -> Result<Option<u32>, ChainError> {
        let priority = self.priority_fee(&[*market, m.event_queue]).await;
        self.nonce = self.nonce.wrapping_add(1);
        let cu = crank_cu_limit(&self.cfg, n, due.is_some(), self.nonce);
        let fee = tx_fee(cu, priority);
        let earned = m
            .crank_reward_lamports
            .saturating_mul(n as u64)
            .saturating_add(due.map_or(0, |d| d.commit_fees));
        let kind = clear::kind(n, due);
        if let Err(refusal) = self.approve(market, kind, earned, fee) {
            tracing::debug!(%market, events = n, fee, reason = refusal.label(), "{kind} not sent");
            return Ok(None);
        }
        let keys = ix::MarketKeys::from_market(*market, m);
        let clear = due.map(|d| {
            tracing::debug!(%market, batch = d.batch, "clearing");
            ClearAfter {
                keys: &keys,
                batch: &m.batch,
            }
        });
        let ixs = crank_ixs(
            &self.cfg,
            &self.payer.pubkey(),
            market,
            &m.event_queue,
            makers,
            n,
            clear,
            priority,
            self.nonce,
        );
        self.send_counted(market, kind, &ixs, fee, stats).await
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
