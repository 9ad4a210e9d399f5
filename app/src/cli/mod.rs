//! The binary's commands, one module each; `main.rs` parses the command
//! line and dispatches here.

pub mod demo;
pub mod index;
pub mod reconcile;
pub mod run;

use std::time::Duration;

use anyhow::{Context, Result};
use orderbook_app::db;
use tokio::sync::watch;

/// The local node's JSON-RPC (as `solana-test-validator`'s).
pub const LOCAL_RPC: &str = "http://127.0.0.1:8899";
/// The database of an indexer following a cluster.
pub const CLUSTER_DB: &str = "host=127.0.0.1 port=5432 user=postgres dbname=orderbook";

/// Connect to PostgreSQL (creating the database if needed) and migrate it.
pub async fn connect_db(url: &str) -> Result<tokio_postgres::Client> {
    let mut client = db::connect_or_create(url).await.with_context(|| {
        format!("connecting to PostgreSQL ({url}); is it running? (scripts/postgres.sh starts it)")
    })?;
    db::migrate(&mut client)
        .await
        .context("applying migrations")?;
    Ok(client)
}

/// Turn `shutdown` true after `secs`, when given.
pub fn stop_after(secs: Option<u64>, shutdown: watch::Sender<bool>) {
    if let Some(secs) = secs {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let _ = shutdown.send(true);
        });
    }
}
