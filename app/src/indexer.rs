//! Chain → PostgreSQL, idempotent and resumable.
//!
//! For one market, [`Indexer::sync`] lists the market's confirmed
//! transactions newer than the stored cursor (`signatures_for_address`),
//! oldest first, reads each one's program events and ingests them in
//! batches of up to [`Indexer::batch_txs`] transactions, each batch in one
//! database transaction ([`crate::ingest::ingest_batch`]): events keyed by
//! `(market, seq)` (`ON CONFLICT DO NOTHING`), the read models updated only
//! from events that were new, the cursor advanced. Replaying changes
//! nothing, and a crash at any point leaves either all or none of a batch.
//! A jump in the sequence (an event later than `last_seq + 1`) means
//! transactions were missed: the batch is refused and the market's whole
//! history re-read, which is safe because ingestion is idempotent.
//! [`Indexer::follow`] repeats `sync` until shut down (live mode).

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::Chain;
use solana_signature::Signature;
use tokio::sync::{mpsc, watch};
use tokio_postgres::Client;

pub use crate::ingest::IndexError;
use crate::ingest::ingest_batch;
use crate::metrics::IndexerMetrics;
use crate::model::Ingested;

/// Signatures per `signatures_for_address` page.
const SIGNATURE_PAGE: usize = 1_000;
/// Transactions per ingest batch (one database transaction) by default.
pub const DEFAULT_BATCH_TXS: usize = 256;

/// What one sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncStats {
    pub transactions: usize,
    /// Events inserted (not counting replays).
    pub new_events: usize,
    /// The whole history was re-read after a gap.
    pub rescanned: bool,
}

pub struct Indexer<C: Chain + ?Sized> {
    chain: Arc<C>,
    market: Pubkey,
    /// Transactions per database transaction.
    pub batch_txs: usize,
    /// Re-read touched traders' balances from their accounts.
    pub refresh_balances: bool,
    sink: Option<mpsc::Sender<Ingested>>,
    /// Rung when the chain has something new (PubSub); polling stays the fallback.
    wake: Arc<tokio::sync::Notify>,
    metrics: Option<IndexerMetrics>,
}

impl<C: Chain + ?Sized> Indexer<C> {
    pub fn new(chain: Arc<C>, market: Pubkey) -> Self {
        Self {
            chain,
            market,
            batch_txs: DEFAULT_BATCH_TXS,
            refresh_balances: true,
            sink: None,
            wake: Arc::new(tokio::sync::Notify::new()),
            metrics: None,
        }
    }

    /// Report progress, gaps and failures through `metrics`.
    pub fn with_metrics(mut self, metrics: IndexerMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Set this market's gauge of `family` to `value`.
    fn gauge(&self, family: impl Fn(&IndexerMetrics) -> &prometheus::IntGaugeVec, value: i64) {
        if let Some(m) = &self.metrics {
            family(m)
                .with_label_values(&[self.market.to_string()])
                .set(value);
        }
    }

    fn count(&self, family: impl Fn(&IndexerMetrics) -> &prometheus::IntCounterVec) {
        if let Some(m) = &self.metrics {
            family(m)
                .with_label_values(&[self.market.to_string()])
                .inc();
        }
    }

    /// What to ring to make [`Indexer::follow`] sync now rather than at its
    /// next poll (see `orderbook_chain::rpc::wake_on_logs`).
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Send every committed batch's new events to `sink` (the feed).
    pub fn with_sink(mut self, sink: mpsc::Sender<Ingested>) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn market(&self) -> Pubkey {
        self.market
    }

    /// `(last_seq, last_signature)` stored for this market.
    pub async fn cursor(&self, db: &Client) -> Result<Option<(i64, Signature)>, IndexError> {
        Ok(crate::db::cursor::position(db, &self.market.to_string()).await?)
    }

    /// Ingest everything newer than the cursor (or, after a gap, everything).
    pub async fn sync(&self, db: &mut Client) -> Result<SyncStats, IndexError> {
        match self
            .sync_from(db, self.cursor(db).await?.map(|c| c.1))
            .await
        {
            Err(IndexError::Gap { expected, got, .. }) => {
                tracing::warn!(market = %self.market, expected, got, "sequence gap: re-reading the market's history");
                self.count(|m| &m.gaps);
                let mut stats = self.sync_from(db, None).await?;
                stats.rescanned = true;
                Ok(stats)
            }
            other => other,
        }
    }

    async fn sync_from(
        &self,
        db: &mut Client,
        until: Option<Signature>,
    ) -> Result<SyncStats, IndexError> {
        let mut sigs = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .chain
                .signatures_for_address(&self.market, before, until, SIGNATURE_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.signature);
            let full = page.len() == SIGNATURE_PAGE;
            sigs.extend(page);
            if !full {
                break;
            }
        }
        if let Some(newest) = sigs.first() {
            self.gauge(|m| &m.chain_slot, newest.slot as i64);
        }
        let mut stats = SyncStats::default();
        let listed: Vec<Signature> = sigs
            .iter()
            .rev()
            .filter(|s| !s.failed)
            .map(|s| s.signature)
            .collect();
        for chunk in listed.chunks(self.batch_txs.max(1)) {
            let mut txs = Vec::with_capacity(chunk.len());
            let mut missing = false;
            for sig in chunk {
                match self.chain.transaction_events(sig).await? {
                    Some(tx) => txs.push(tx),
                    None => {
                        tracing::warn!(signature = %sig, "listed transaction not found; will retry next sync");
                        missing = true;
                        break;
                    }
                }
            }
            let chain = self.refresh_balances.then_some(&*self.chain);
            let done = ingest_batch(db, &self.market, &txs, until.is_none(), chain).await?;
            stats.transactions += txs.len();
            stats.new_events += done.events.len();
            if let (Some(last), Some(tx)) = (done.events.last(), txs.last()) {
                self.gauge(|m| &m.seq, last.seq as i64);
                self.gauge(|m| &m.slot, tx.slot as i64);
            }
            if let Some(sink) = &self.sink
                && (!done.events.is_empty() || !done.balances.is_empty())
            {
                // The receiver gone (feed shut down) is not an indexing error.
                let _ = sink.send(done).await;
            }
            if missing {
                break;
            }
        }
        Ok(stats)
    }

    /// Lead this market's indexing (standing by while another indexer
    /// does, see [`crate::standby`]) and follow it until `shutdown`; a lost
    /// database connection gives up the lead and queues for it again.
    pub async fn follow_as_leader(
        &self,
        database_url: &str,
        poll: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        while let Some(mut client) =
            crate::standby::lead(database_url, &self.market, &mut shutdown).await
        {
            self.gauge(|m| &m.leading, 1);
            self.follow(&mut client, poll, shutdown.clone()).await;
            self.gauge(|m| &m.leading, 0);
        }
    }

    /// Record the names of the market's mints (their Token-2022 metadata)
    /// for the feed to show; true once the market was read (named or not),
    /// false to try again after the next sync.
    async fn record_token_names(&self, db: &Client) -> bool {
        let read = async {
            let Some(account) = self.chain.account(&self.market).await? else {
                return Ok(false);
            };
            let market = orderbook_client::accounts::market(&account.data)
                .map_err(|e| anyhow::anyhow!("decoding market {}: {e}", self.market))?;
            let mints = [market.base_mint, market.quote_mint];
            for (mint, account) in mints.iter().zip(self.chain.accounts(&mints).await?) {
                let name = account.and_then(|a| orderbook_client::setup::token_name(&a.data));
                if let Some(name) = name {
                    crate::db::token_names::upsert(db, &mint.to_string(), &name).await?;
                }
            }
            anyhow::Ok(true)
        };
        read.await.unwrap_or_else(|e| {
            tracing::warn!(market = %self.market, error = %e, "reading the mints' names (retried)");
            false
        })
    }

    /// Sync every `poll` until `shutdown` turns true or the database
    /// connection is gone, logging progress; errors are logged and retried
    /// with backoff (up to 30 s), never fatal.
    pub async fn follow(
        &self,
        db: &mut Client,
        poll: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut backoff = poll;
        let mut named = false;
        while !*shutdown.borrow() && !db.is_closed() {
            match self.sync(db).await {
                Ok(stats) => {
                    if !named {
                        named = self.record_token_names(db).await;
                    }
                    if stats.transactions > 0 {
                        tracing::debug!(market = %self.market, txs = stats.transactions, new_events = stats.new_events, "indexed");
                    }
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    self.gauge(|m| &m.last_sync, now);
                    backoff = poll;
                }
                Err(e) => {
                    self.count(|m| &m.sync_failures);
                    tracing::warn!(market = %self.market, error = %e, retry_in = ?backoff, "sync failed");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
