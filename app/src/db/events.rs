//! `events`: every program event, keyed by `(market, seq)`, as decoded from
//! the chain (the audit trail the read models are derived from).

use std::collections::HashSet;

use tokio_postgres::Transaction;

use super::{DbError, column};

/// One stored event.
pub struct EventRow<'a> {
    pub seq: i64,
    pub kind: &'static str,
    pub signature: &'a str,
    pub slot: i64,
    pub block_time: Option<i64>,
    pub data: Vec<u8>,
}

/// Store `rows`; returns the sequence numbers that were new.
pub async fn insert(
    t: &Transaction<'_>,
    market: &str,
    rows: &[EventRow<'_>],
) -> Result<HashSet<i64>, DbError> {
    Ok(t
        .query(
            "INSERT INTO events (market, seq, kind, signature, slot, block_time, data)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bytea[])
             ON CONFLICT DO NOTHING RETURNING seq",
            &[
                &market,
                &column(rows, |r| r.seq),
                &column(rows, |r| r.kind),
                &column(rows, |r| r.signature),
                &column(rows, |r| r.slot),
                &column(rows, |r| r.block_time),
                &column(rows, |r| r.data.as_slice()),
            ],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}
