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
use crate::feed::metrics::FeedMetrics;
use crate::ingest::Ingested;

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
    /// The stream already holds this sequence (Redis refused the ID).
    AlreadyThere,
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
    let fields = [("batch", encode(batch))];
    let added: redis::RedisResult<Option<String>> = conn
        .xadd_maxlen(
            stream_key(&batch.market),
            StreamMaxlen::Approx(STREAM_MAXLEN),
            EntryId::of_batch(seq).to_string(),
            &fields,
        )
        .await;
    match added {
        Ok(id) => Ok(Published::Added(
            id.unwrap_or_else(|| EntryId::of_batch(seq).to_string()),
        )),
        Err(e) if e.to_string().contains("equal or smaller") => Ok(Published::AlreadyThere),
        Err(e) => Err(e),
    }
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
                Ok(Ok(Published::AlreadyThere)) => metrics.broker_refused.inc(),
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
