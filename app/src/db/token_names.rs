//! `token_names`: a mint's name and symbol from its Token-2022 metadata
//! extension, recorded by the indexer when it starts following a market.

use orderbook_client::setup::TokenName;
use tokio_postgres::GenericClient;

use super::DbError;

/// Record (or refresh: the metadata's update authority may rename it) `mint`'s name.
pub async fn upsert(db: &impl GenericClient, mint: &str, token: &TokenName) -> Result<(), DbError> {
    db.execute(
        "INSERT INTO token_names (mint, name, symbol) VALUES ($1, $2, $3)
         ON CONFLICT (mint) DO UPDATE SET name = EXCLUDED.name, symbol = EXCLUDED.symbol",
        &[&mint, &token.name, &token.symbol],
    )
    .await?;
    Ok(())
}
