//! `ingest_cursor`: per market, the last event sequence number ingested and
//! the transaction it came from.

use solana_signature::Signature;
use tokio_postgres::{GenericClient, Transaction};

use super::DbError;

/// The last sequence number ingested for `market`, locked for this
/// transaction (-1: none).
pub async fn lock(t: &Transaction<'_>, market: &str) -> Result<i64, DbError> {
    Ok(t.query_opt(
        "SELECT last_seq FROM ingest_cursor WHERE market = $1 FOR UPDATE",
        &[&market],
    )
    .await?
    .map_or(-1, |r| r.get(0)))
}

/// Move the cursor forward (never back: a replayed older batch leaves it).
pub async fn advance(
    t: &Transaction<'_>,
    market: &str,
    last_seq: i64,
    signature: &str,
    slot: i64,
) -> Result<(), DbError> {
    t.execute(
        "INSERT INTO ingest_cursor (market, last_seq, last_signature, last_slot) VALUES ($1, $2, $3, $4)
         ON CONFLICT (market) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_signature = EXCLUDED.last_signature,
             last_slot = EXCLUDED.last_slot, updated_at = now()
         WHERE ingest_cursor.last_seq <= EXCLUDED.last_seq",
        &[&market, &last_seq, &signature, &slot],
    )
    .await?;
    Ok(())
}

/// The last sequence number ingested for `market`, if any.
pub async fn last_seq(db: &impl GenericClient, market: &str) -> Result<Option<u64>, DbError> {
    Ok(db
        .query_opt(
            "SELECT last_seq FROM ingest_cursor WHERE market = $1",
            &[&market],
        )
        .await?
        .map(|r| r.get::<_, i64>(0) as u64))
}

/// The last sequence number and the signature of its transaction. A
/// signature that does not parse reads as no cursor: the indexer then
/// re-reads the market's history, which ingestion makes safe.
pub async fn position(
    db: &impl GenericClient,
    market: &str,
) -> Result<Option<(i64, Signature)>, DbError> {
    let row = db
        .query_opt(
            "SELECT last_seq, last_signature FROM ingest_cursor WHERE market = $1",
            &[&market],
        )
        .await?;
    Ok(row.and_then(|r| {
        let signature: &str = r.get(1);
        signature.parse().ok().map(|s| (r.get::<_, i64>(0), s))
    }))
}

/// Every market with an ingest cursor (at least one event stored), in key order.
pub async fn markets(db: &impl GenericClient) -> Result<Vec<String>, DbError> {
    Ok(db
        .query("SELECT market FROM ingest_cursor ORDER BY market", &[])
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect())
}
