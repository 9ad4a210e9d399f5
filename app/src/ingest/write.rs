//! A batch's effects handed to each table's module in `crate::db`, markets
//! first (the other tables refer to them). Every statement is set-based and
//! every insert `ON CONFLICT DO NOTHING`: replaying a batch changes nothing.

use tokio_postgres::Transaction;

use crate::db::{self, DbError};
use crate::model::Effects;

/// Write every read-model change of a batch.
pub async fn tables(
    t: &Transaction<'_>,
    market: &str,
    effects: &Effects<'_>,
) -> Result<(), DbError> {
    for change in &effects.markets {
        db::markets::write(t, market, change).await?;
    }
    for change in &effects.traders {
        db::traders::write(t, market, change).await?;
    }
    if !effects.placed.is_empty() {
        db::orders::insert(t, market, &effects.placed).await?;
    }
    if !effects.fills.is_empty() {
        db::fills::insert(t, market, &effects.fills).await?;
    }
    if !effects.queue_owners.is_empty() {
        db::queue_owners::insert(t, market, &effects.queue_owners).await?;
    }
    if !effects.transfers.is_empty() {
        db::transfers::insert(t, market, &effects.transfers).await?;
    }
    if !effects.order_changes.is_empty() {
        db::orders::update(t, market, &effects.order_changes).await?;
    }
    if !effects.candles.is_empty() {
        db::candles::upsert(t, market, &effects.candles).await?;
    }
    if !effects.batches.is_empty() {
        db::batches::write(t, market, &effects.batches).await?;
    }
    Ok(())
}
