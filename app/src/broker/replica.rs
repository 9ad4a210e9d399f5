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
//! subscriber of that market a fresh snapshot. The same reload happens when
//! the stream is silent or unreachable while the database's cursor is ahead
//! of the view, so a replica stays current while Redis is down.

use std::collections::HashMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::sync::watch;
use tokio_postgres::Client;

use super::{EntryError, decode, entry_id, publisher, seq_after, stream_key};
use crate::db;
use crate::feed::hub::{Cmd, HubHandle};
use crate::feed::metrics::FeedMetrics;
use crate::feed::view::MarketView;

/// How long one `XREAD` waits for a new entry.
const BLOCK: Duration = Duration::from_millis(1_000);
/// Entries read per stream per `XREAD`.
const READ_COUNT: usize = 256;
/// How often a silent or unreachable stream is checked against PostgreSQL.
const STALE_CHECK: Duration = Duration::from_secs(2);
/// Pause after a failed read before the next.
const RETRY: Duration = Duration::from_millis(500);

/// Where each market's view is: events applied (the market's last sequence
/// number + 1; 0 for none).
pub type Positions = HashMap<Pubkey, u64>;

/// The position of a loaded view.
pub fn position_of(view: &MarketView) -> u64 {
    view.seq.map_or(0, |s| s + 1)
}

pub struct Replica {
    pub redis_url: String,
    pub database_url: String,
    pub hub: HubHandle,
    pub metrics: FeedMetrics,
}

impl Replica {
    /// Follow the streams of `positions`' markets until `shutdown`.
    pub async fn follow(self, mut positions: Positions, mut shutdown: watch::Receiver<bool>) {
        let mut redis: Option<ConnectionManager> = None;
        let mut database: Option<Client> = None;
        let mut last_check = tokio::time::Instant::now();
        while !*shutdown.borrow() {
            if redis.is_none() {
                redis = publisher::connect(&self.redis_url, BLOCK + Duration::from_secs(2))
                    .await
                    .inspect_err(|e| tracing::warn!(error = %e, "redis unreachable; serving from PostgreSQL until it is back"))
                    .ok();
            }
            let read = match redis.as_mut() {
                Some(conn) => tokio::select! {
                    r = read(conn, &positions) => r.map_err(|e| e.to_string()),
                    _ = shutdown.changed() => break,
                },
                None => Err("not connected".into()),
            };
            let idle = match read {
                Ok(Some(reply)) => {
                    self.apply(reply, &mut positions, &mut database).await;
                    false
                }
                Ok(None) => true,
                Err(e) => {
                    tracing::debug!(error = %e, "stream read failed");
                    self.metrics.broker_read_failures.inc();
                    tokio::time::sleep(RETRY).await;
                    true
                }
            };
            if idle && last_check.elapsed() >= STALE_CHECK {
                last_check = tokio::time::Instant::now();
                self.catch_up_stale(&mut positions, &mut database).await;
            }
        }
    }

    /// Hand each entry to the hub, reloading a market the stream cannot continue.
    async fn apply(
        &self,
        reply: StreamReadReply,
        positions: &mut Positions,
        database: &mut Option<Client>,
    ) {
        let markets: HashMap<String, Pubkey> =
            positions.keys().map(|m| (stream_key(m), *m)).collect();
        for stream in reply.keys {
            let Some(&market) = markets.get(&stream.key) else {
                continue;
            };
            for entry in stream.ids {
                let batch = match entry_batch(&entry.map) {
                    Ok(batch) => batch,
                    Err(e) => {
                        // A foreign or corrupt entry: PostgreSQL has the record.
                        tracing::error!(%market, id = entry.id, error = %e, "undecodable stream entry; reloading the market");
                        self.reload(market, positions, database).await;
                        continue;
                    }
                };
                let Some(after) = seq_after(&batch) else {
                    continue;
                };
                let applied = positions[&market];
                if after <= applied {
                    continue;
                }
                if batch.events[0].seq > applied {
                    self.metrics.replica_gaps.inc();
                    tracing::info!(%market, applied, first = batch.events[0].seq, "stream does not continue the view; catching up from PostgreSQL");
                    self.reload(market, positions, database).await;
                    if after <= positions[&market] {
                        continue;
                    }
                }
                if !self.hub.send(Cmd::Ingested(batch)).await {
                    return;
                }
                positions.insert(market, after);
            }
        }
    }

    /// Reload any market whose view is behind the database's cursor.
    async fn catch_up_stale(&self, positions: &mut Positions, database: &mut Option<Client>) {
        let markets: Vec<Pubkey> = positions.keys().copied().collect();
        for market in markets {
            let Some(client) = self.database(database).await else {
                return;
            };
            let stored = match db::cursor::last_seq(client, &market.to_string()).await {
                Ok(seq) => seq.map_or(0, |s| s + 1),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the ingest cursor");
                    *database = None;
                    return;
                }
            };
            if stored > positions[&market] {
                tracing::info!(%market, applied = positions[&market], stored, "view behind the database with a silent stream; catching up from PostgreSQL");
                self.reload(market, positions, database).await;
            }
        }
    }

    /// Replace the hub's view of `market` with the database's.
    async fn reload(
        &self,
        market: Pubkey,
        positions: &mut Positions,
        database: &mut Option<Client>,
    ) {
        let Some(client) = self.database(database).await else {
            return;
        };
        match MarketView::load(client, market).await {
            Ok(view) => {
                positions.insert(market, position_of(&view));
                self.metrics.replica_reloads.inc();
                self.hub.send(Cmd::Reload(Box::new(view))).await;
            }
            Err(e) => {
                tracing::warn!(%market, error = %e, "reloading from PostgreSQL failed; will retry");
                *database = None;
            }
        }
    }

    async fn database<'c>(&self, database: &'c mut Option<Client>) -> Option<&'c mut Client> {
        if database.as_ref().is_none_or(|c| c.is_closed()) {
            *database = db::connect(&self.database_url)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "PostgreSQL unreachable"))
                .ok();
        }
        database.as_mut()
    }
}

/// One `XREAD BLOCK` over every market's stream from its position.
async fn read(
    conn: &mut ConnectionManager,
    positions: &Positions,
) -> redis::RedisResult<Option<StreamReadReply>> {
    let (keys, ids): (Vec<String>, Vec<String>) = positions
        .iter()
        .map(|(m, applied)| (stream_key(m), entry_id(*applied)))
        .unzip();
    let options = StreamReadOptions::default()
        .block(BLOCK.as_millis() as usize)
        .count(READ_COUNT);
    conn.xread_options(&keys, &ids, &options).await
}

fn entry_batch(
    fields: &HashMap<String, redis::Value>,
) -> Result<crate::ingest::Ingested, EntryError> {
    match fields.get("batch") {
        Some(redis::Value::BulkString(bytes)) => decode(bytes),
        _ => Err(EntryError::Missing),
    }
}
