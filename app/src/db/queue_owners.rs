//! `queue_owners`: which trader each queued maker event belongs to, so a
//! crank's range of queue sequence numbers names the traders it paid.

use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, column};
use crate::model::effects::QueueOwner;

pub async fn insert(
    t: &Transaction<'_>,
    market: &str,
    owners: &[QueueOwner],
) -> Result<(), DbError> {
    t.execute(
        "INSERT INTO queue_owners (market, queue_seq, trader_id)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::int[]) ON CONFLICT DO NOTHING",
        &[
            &market,
            &column(owners, |o| o.queue_seq),
            &column(owners, |o| o.trader_id as i32),
        ],
    )
    .await?;
    Ok(())
}

/// The traders owning queue events `first_queue_seq .. first_queue_seq + count`.
pub async fn in_range(
    db: &impl GenericClient,
    market: &str,
    first_queue_seq: i64,
    count: u32,
) -> Result<Vec<i32>, DbError> {
    Ok(db
        .query(
            "SELECT DISTINCT trader_id FROM queue_owners
             WHERE market = $1 AND queue_seq >= $2 AND queue_seq < $3",
            &[
                &market,
                &first_queue_seq,
                &(first_queue_seq + i64::from(count)),
            ],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect())
}
