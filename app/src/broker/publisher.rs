//! The indexer's side of the broker: every committed batch `XADD`ed to its
//! market's stream with the ID its sequence number gives it.
//!
//! PostgreSQL is the record; the stream is a fast path. A batch that cannot
//! be published (Redis down, the process killed between commit and
//! publish) is not retried from here: the replicas see the jump in entry IDs
//! and catch up from PostgreSQL, so publishing never holds up indexing.

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamMaxlen;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use super::{EntryId, STREAM_MAXLEN, encode, seq_after, stream_key};
use crate::metrics::FeedMetrics;
use crate::model::Ingested;

/// Batches waiting for the publisher before the indexer waits.
const PUBLISH_QUEUE: usize = 256;
/// How long one `XADD` may take before it counts as failed.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);
/// After a failure, batches are dropped (not tried) for this long, so a
/// Redis outage costs the indexer nothing while the connection manager
/// reconnects.
const BACK_OFF: Duration = Duration::from_secs(1);

/// What became of one batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Published {
    /// Appended under this ID.
    Added(String),
    /// The stream already holds this very sequence (Redis refused the ID):
    /// a late publish of an earlier leader.
    AlreadyThere,
    /// The stream's last entry was ahead of this batch, which no indexer
    /// publishes (each commits before it publishes, in sequence): a forged
    /// entry, or a stream left by another chain. The stream was replaced by
    /// one starting at this batch; replicas reload from PostgreSQL.
    Replaced { last: String },
    /// Nothing to publish (no events).
    Empty,
}

/// A connection that reconnects by itself (the redis crate's manager).
pub async fn connect(
    redis_url: &str,
    response_timeout: Duration,
) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(redis_url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(response_timeout))
        .set_max_delay(Duration::from_secs(1));
    ConnectionManager::new_with_config(client, config).await
}

/// Append `batch` to its market's stream.
pub async fn publish(
    conn: &mut ConnectionManager,
    batch: &Ingested,
) -> redis::RedisResult<Published> {
    let Some(seq) = seq_after(batch) else {
        return Ok(Published::Empty);
    };
    let key = stream_key(&batch.market);
    let id = EntryId::of_batch(seq);
    match append(conn, &key, id, batch).await {
        Ok(added) => Ok(Published::Added(added)),
        Err(e) if e.to_string().contains("equal or smaller") => {
            let last = last_id(conn, &key).await?;
            if last.is_none_or(|last| last <= id) {
                return Ok(Published::AlreadyThere);
            }
            let last = last.map(|l| l.to_string()).unwrap_or_default();
            let _: () = conn.del(&key).await?;
            append(conn, &key, id, batch).await?;
            Ok(Published::Replaced { last })
        }
        Err(e) => Err(e),
    }
}

async fn append(
    conn: &mut ConnectionManager,
    key: &str,
    id: EntryId,
    batch: &Ingested,
) -> redis::RedisResult<String> {
    let fields = [("batch", encode(batch))];
    let added: Option<String> = conn
        .xadd_maxlen(
            key,
            StreamMaxlen::Approx(STREAM_MAXLEN),
            id.to_string(),
            &fields,
        )
        .await?;
    Ok(added.unwrap_or_else(|| id.to_string()))
}

/// The ID of the stream's last entry (`XREVRANGE key + - COUNT 1`).
async fn last_id(conn: &mut ConnectionManager, key: &str) -> redis::RedisResult<Option<EntryId>> {
    let reply: redis::streams::StreamRangeReply = conn.xrevrange_count(key, "+", "-", 1).await?;
    Ok(reply.ids.first().and_then(|e| EntryId::parse(&e.id)))
}

/// Start the publishing task; returns the sender the indexers' batches go to.
pub async fn spawn(
    redis_url: &str,
    metrics: FeedMetrics,
) -> redis::RedisResult<mpsc::Sender<Ingested>> {
    let mut conn = connect(redis_url, PUBLISH_TIMEOUT).await?;
    let (tx, mut rx) = mpsc::channel::<Ingested>(PUBLISH_QUEUE);
    tokio::spawn(async move {
        let mut paused_until: Option<Instant> = None;
        while let Some(batch) = rx.recv().await {
            if paused_until.is_some_and(|until| Instant::now() < until) {
                metrics.broker_failures.inc();
                continue;
            }
            match tokio::time::timeout(PUBLISH_TIMEOUT, publish(&mut conn, &batch)).await {
                Ok(Ok(Published::Added(_))) => metrics.broker_published.inc(),
                Ok(Ok(Published::AlreadyThere)) => {
                    metrics.broker_refused.inc();
                    tracing::warn!(market = %batch.market, seq = seq_after(&batch), "batch not published: the stream already holds its sequence (a late publish of an earlier leader?)");
                }
                Ok(Ok(Published::Replaced { last })) => {
                    metrics.broker_stream_resets.inc();
                    metrics.broker_published.inc();
                    tracing::error!(market = %batch.market, seq = seq_after(&batch), last, "the stream's last entry was ahead of the indexed batch (a forged entry, or another chain's stream): stream replaced");
                }
                Ok(Ok(Published::Empty)) => {}
                failed => {
                    metrics.broker_failures.inc();
                    paused_until = Some(Instant::now() + BACK_OFF);
                    let error = match failed {
                        Ok(Err(e)) => e.to_string(),
                        _ => format!("no answer within {PUBLISH_TIMEOUT:?}"),
                    };
                    tracing::warn!(market = %batch.market, error, "batch not published; replicas will catch up from PostgreSQL");
                }
            }
        }
    });
    Ok(tx)
}
