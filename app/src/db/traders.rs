//! `traders`: each trader account a market assigned an id, with the
//! sequence numbers that opened and closed it.

use anchor_lang::prelude::Pubkey;
use tokio_postgres::{GenericClient, Transaction};

use super::{DbError, pubkey};
use crate::model::effects::TraderChange;

/// A trader as the `traders` table records it.
pub struct TraderRow {
    pub trader_id: u32,
    pub owner: Pubkey,
    pub trader_account: Pubkey,
}

pub async fn write(
    t: &Transaction<'_>,
    market: &str,
    change: &TraderChange<'_>,
) -> Result<(), DbError> {
    match change {
        TraderChange::Opened { event: e, seq } => {
            t.execute(
                "INSERT INTO traders (market, trader_id, owner, trader_account, opened_seq) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&market, &(e.trader_id as i32), &e.owner.to_string(), &e.trader_account.to_string(), seq],
            )
            .await?;
        }
        TraderChange::Closed { trader_id, seq } => {
            t.execute(
                "UPDATE traders SET closed_seq = $3 WHERE market = $1 AND trader_id = $2",
                &[&market, &(*trader_id as i32), seq],
            )
            .await?;
        }
    }
    Ok(())
}

fn row(r: &tokio_postgres::Row) -> Result<TraderRow, DbError> {
    Ok(TraderRow {
        trader_id: r.get::<_, i32>(0) as u32,
        owner: pubkey(r, 1)?,
        trader_account: pubkey(r, 2)?,
    })
}

/// The traders among `ids` the table knows.
pub async fn by_ids(
    db: &impl GenericClient,
    market: &str,
    ids: &[i32],
) -> Result<Vec<TraderRow>, DbError> {
    db.query(
        "SELECT trader_id, owner, trader_account FROM traders WHERE market = $1 AND trader_id = ANY($2)",
        &[&market, &ids],
    )
    .await?
    .iter()
    .map(row)
    .collect()
}

/// Every trader whose account is still open.
pub async fn open(db: &impl GenericClient, market: &str) -> Result<Vec<TraderRow>, DbError> {
    db.query(
        "SELECT trader_id, owner, trader_account FROM traders WHERE market = $1 AND closed_seq IS NULL",
        &[&market],
    )
    .await?
    .iter()
    .map(row)
    .collect()
}

/// `owner`'s latest trader id on `market` (an owner may close and reopen).
pub async fn id_of(
    db: &impl GenericClient,
    market: &str,
    owner: &str,
) -> Result<Option<i32>, DbError> {
    Ok(db
        .query_opt(
            "SELECT trader_id FROM traders WHERE market = $1 AND owner = $2 ORDER BY opened_seq DESC LIMIT 1",
            &[&market, &owner],
        )
        .await?
        .map(|r| r.get(0)))
}
