//! The feed replica's side of the broker: read every served market's stream
//! from the last sequence applied (`XREAD BLOCK`), hand each batch to the
//! hub, and fall back to PostgreSQL whenever the stream cannot continue the
//! view exactly.
//!
//! The view of a market is at `applied` events. An entry whose first event
//! is later than that (the stream was trimmed past the replica, a batch was
//! never published, Redis restarted empty) makes the replica reload the
//! market from PostgreSQL, which always holds at least what was published
//! (an indexer commits before it publishes); the hub then sends every
//! subscriber of that market a fresh snapshot. Entries are untrusted: each
//! is checked (`check_entry`: its market, contiguous events, an ID that
//! matches its batch), and one that still skips events after the reload
//! claims more than the record holds and is refused. The same reload happens when
//! a view stays behind the database's cursor from one check to the next (a
//! silent, lossy or unreachable stream), or is ever ahead of it, so a
//! replica stays current while Redis is down or forged. Reading resumes after the last entry read, so an entry
//! that cannot be applied is not read again. A replica that serves every
//! market (`discover`) picks up, at the same checks, a market first
//! indexed after it started: loaded from PostgreSQL, then followed.

use std::collections::HashMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::sync::watch;
use tokio_postgres::Client;

use super::{EntryError, EntryId, check_entry, decode, publisher, seq_after, stream_key};
use crate::db;
use crate::feed::hub::{Cmd, HubHandle};
use crate::feed::view::MarketView;
use crate::metrics::FeedMetrics;
use crate::model::Ingested;

/// How long one `XREAD` waits for a new entry.
const BLOCK: Duration = Duration::from_millis(1_000);
/// Entries read per stream per `XREAD`.
const READ_COUNT: usize = 256;
/// How often each view is compared with the database's cursor.
const STALE_CHECK: Duration = Duration::from_secs(2);
/// Pause after a failed read before the next.
const RETRY: Duration = Duration::from_millis(500);

/// Where each market's view is: events applied (the market's last sequence
/// number + 1; 0 for none).
pub type Positions = HashMap<Pubkey, u64>;

/// Where a replica is in each market, and its connections.
pub struct Replica {
    pub redis_url: String,
    pub database_url: String,
    pub hub: HubHandle,
    pub metrics: FeedMetrics,
    /// Serve markets the database starts indexing while this runs, too.
    pub discover: bool,
}

struct Follower {
    replica: Replica,
    positions: Positions,
    /// Each market's stream key, and the market of each key (made once:
    /// every read names them all).
    streams: HashMap<Pubkey, String>,
    markets: HashMap<String, Pubkey>,
    /// The last entry read per market: reading resumes after it (past an
    /// entry that could not be applied) or after the position, if later.
    read: HashMap<Pubkey, EntryId>,
    /// The database's count at the previous check, for views behind it then.
    behind: HashMap<Pubkey, u64>,
    database: Option<Client>,
}

impl Replica {
    /// Follow the streams of `positions`' markets until `shutdown`.
    pub async fn follow(self, positions: Positions, mut shutdown: watch::Receiver<bool>) {
        let mut follower = Follower {
            replica: self,
            positions: Positions::new(),
            streams: HashMap::new(),
            markets: HashMap::new(),
            read: HashMap::new(),
            behind: HashMap::new(),
            database: None,
        };
        for (market, applied) in positions {
            follower.follow_market(market, applied);
        }
        let mut redis: Option<ConnectionManager> = None;
        let mut last_check = tokio::time::Instant::now();
        while !*shutdown.borrow() {
            if redis.is_none() {
                redis = publisher::connect(&follower.replica.redis_url, BLOCK + Duration::from_secs(2))
                    .await
                    .inspect_err(|e| tracing::warn!(error = %e, "redis unreachable; serving from PostgreSQL until it is back"))
                    .ok();
            }
            let from = follower.read_ids();
            let read = match redis.as_mut() {
                Some(conn) => tokio::select! {
                    r = read(conn, &from) => r.map_err(|e| e.to_string()),
                    _ = shutdown.changed() => break,
                },
                None => Err("not connected".into()),
            };
            match read {
                Ok(Some(reply)) => follower.apply(reply).await,
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "stream read failed");
                    follower.replica.metrics.broker_read_failures.inc();
                    tokio::time::sleep(RETRY).await;
                }
            }
            if last_check.elapsed() >= STALE_CHECK {
                last_check = tokio::time::Instant::now();
                if follower.replica.discover {
                    follower.discover_markets().await;
                }
                follower.catch_up_stale().await;
            }
        }
    }
}

impl Follower {
    /// Read `market`'s stream from now on; its view is at `applied` events.
    fn follow_market(&mut self, market: Pubkey, applied: u64) {
        let key = stream_key(&market);
        self.markets.insert(key.clone(), market);
        self.streams.insert(market, key);
        self.positions.insert(market, applied);
    }

    /// Load and follow every market the database indexes that this does not
    /// serve yet (the hub adds its view; subscribers may come from then on).
    async fn discover_markets(&mut self) {
        let Some(client) = self.database().await else {
            return;
        };
        let stored = match db::cursor::markets(client).await {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the indexed markets");
                self.database = None;
                return;
            }
        };
        let new = stored.iter().filter_map(|m| m.parse::<Pubkey>().ok());
        for market in new
            .filter(|m| !self.positions.contains_key(m))
            .collect::<Vec<_>>()
        {
            let Some(view) = self.load(market).await else {
                return;
            };
            tracing::info!(%market, "serving a newly indexed market");
            self.follow_market(market, view.events_applied());
            self.replica.hub.send(Cmd::Reload(Box::new(view))).await;
        }
    }

    /// Per market, the stream and the ID to read after.
    fn read_ids(&self) -> Vec<(&str, String)> {
        self.positions
            .iter()
            .map(|(market, applied)| {
                let read = self.read.get(market).copied().unwrap_or_default();
                let from = EntryId::of_batch(*applied).max(read);
                (self.streams[market].as_str(), from.to_string())
            })
            .collect()
    }

    /// Hand each entry to the hub, reloading a market the stream cannot
    /// continue; an entry that fails its checks is refused (logged, counted)
    /// and read past.
    async fn apply(&mut self, reply: StreamReadReply) {
        for stream in reply.keys {
            let Some(&market) = self.markets.get(&stream.key) else {
                continue;
            };
            for entry in stream.ids {
                if let Some(id) = EntryId::parse(&entry.id) {
                    self.read.insert(market, id);
                }
                let checked = entry_batch(&entry.map)
                    .and_then(|batch| check_entry(&market, &entry.id, batch));
                let applied = match checked {
                    Ok(batch) => self.continue_with(market, batch).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = applied {
                    self.replica.metrics.broker_rejected.inc();
                    tracing::error!(%market, id = entry.id, error = %e, "stream entry refused; PostgreSQL stays the record");
                }
            }
        }
    }

    /// Apply `batch` if it continues the view; reload first if it skips
    /// events. A batch still ahead after the reload claims events the
    /// database does not hold (an indexer commits before it publishes): it
    /// is refused.
    async fn continue_with(&mut self, market: Pubkey, batch: Ingested) -> Result<(), EntryError> {
        let Some(after) = seq_after(&batch) else {
            return Ok(());
        };
        if after <= self.positions[&market] {
            return Ok(());
        }
        let first = batch.events[0].seq;
        if first > self.positions[&market] {
            self.replica.metrics.replica_gaps.inc();
            tracing::info!(%market, applied = self.positions[&market], first, "stream does not continue the view; catching up from PostgreSQL");
            self.reload(market).await;
            let stored = self.positions[&market];
            if after <= stored {
                return Ok(());
            }
            if first > stored {
                return Err(EntryError::AheadOfDatabase {
                    claims: after,
                    stored,
                });
            }
        }
        if self.replica.hub.send(Cmd::Ingested(batch)).await {
            self.positions.insert(market, after);
        }
        Ok(())
    }

    /// Reload a view that was behind the database at the previous check
    /// and has not caught up since (a silent, lossy or unreachable stream;
    /// a view merely a batch behind a busy stream catches up in between).
    async fn catch_up_stale(&mut self) {
        let markets: Vec<Pubkey> = self.positions.keys().copied().collect();
        for market in markets {
            let Some(client) = self.database().await else {
                return;
            };
            let stored = match db::cursor::last_seq(client, &market.to_string()).await {
                Ok(seq) => seq.map_or(0, |s| s + 1),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the ingest cursor");
                    self.database = None;
                    return;
                }
            };
            let applied = self.positions[&market];
            if applied > stored {
                tracing::error!(%market, applied, stored, "view ahead of the database (a forged stream entry?); reloading from PostgreSQL");
                self.reload(market).await;
                continue;
            }
            match self.behind.remove(&market) {
                Some(then) if applied < then => {
                    tracing::info!(%market, applied, stored, "view behind the database and the stream not catching up; reloading from PostgreSQL");
                    self.reload(market).await;
                }
                _ if stored > applied => {
                    self.behind.insert(market, stored);
                }
                _ => {}
            }
        }
    }

    /// Replace the hub's view of `market` with the database's.
    async fn reload(&mut self, market: Pubkey) {
        let Some(view) = self.load(market).await else {
            return;
        };
        self.positions.insert(market, view.events_applied());
        // Read on from the reloaded position: a refused entry read past
        // (a forged ID far ahead) must not hide the stream's later entries.
        self.read.remove(&market);
        self.replica.metrics.replica_reloads.inc();
        self.replica.hub.send(Cmd::Reload(Box::new(view))).await;
    }

    /// `market`'s view as the database has it; `None` (logged, the
    /// connection dropped to be made again) when it cannot be read.
    async fn load(&mut self, market: Pubkey) -> Option<MarketView> {
        let client = self.database().await?;
        MarketView::load(client, market)
            .await
            .inspect_err(|e| {
                tracing::warn!(%market, error = %e, "loading from PostgreSQL failed; will retry");
                self.database = None;
            })
            .ok()
    }

    async fn database(&mut self) -> Option<&mut Client> {
        if self.database.as_ref().is_none_or(|c| c.is_closed()) {
            self.database = db::connect(&self.replica.database_url)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "PostgreSQL unreachable"))
                .ok();
        }
        self.database.as_mut()
    }
}

/// One `XREAD BLOCK` over every market's stream after the given IDs.
async fn read(
    conn: &mut ConnectionManager,
    from: &[(&str, String)],
) -> redis::RedisResult<Option<StreamReadReply>> {
    let (keys, ids): (Vec<&str>, Vec<&str>) =
        from.iter().map(|(key, id)| (*key, id.as_str())).unzip();
    let options = StreamReadOptions::default()
        .block(BLOCK.as_millis() as usize)
        .count(READ_COUNT);
    conn.xread_options(&keys, &ids, &options).await
}

fn entry_batch(fields: &HashMap<String, redis::Value>) -> Result<Ingested, EntryError> {
    match fields.get("batch") {
        Some(redis::Value::BulkString(bytes)) => decode(bytes),
        _ => Err(EntryError::Missing),
    }
}
