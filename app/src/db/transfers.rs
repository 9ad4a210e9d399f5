//! `transfers`: every deposit and withdrawal.

use tokio_postgres::Transaction;

use super::{DbError, column, num};
use crate::model::StoredEnum;
use crate::model::effects::Transfer;

pub async fn insert(
    t: &Transaction<'_>,
    market: &str,
    transfers: &[Transfer],
) -> Result<(), DbError> {
    t.execute(
        "INSERT INTO transfers (market, seq, trader_id, kind, token, amount)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::int2[], $6::text[]::numeric[])
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &column(transfers, |x| x.seq),
            &column(transfers, |x| x.trader_id as i32),
            &column(transfers, |x| x.kind.as_str()),
            &column(transfers, |x| x.token.code()),
            &column(transfers, |x| num(x.amount)),
        ],
    )
    .await?;
    Ok(())
}
