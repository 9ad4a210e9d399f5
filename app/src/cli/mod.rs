//! The binary's commands, one module each; `main.rs` parses the command
//! line and dispatches here.

pub mod demo;
pub mod feed;
pub mod index;
pub mod reconcile;
pub mod run;
pub mod serve;
pub mod web;

use std::time::Duration;

use anchor_lang::Discriminator;
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use orderbook::state::Market;
use orderbook_app::db;
use orderbook_app::metrics::FeedMetrics;
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
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

/// The node at `rpc_url`, checked to be the chain the database indexed, and
/// its PubSub URL (`ws_url`, or the RPC URL's host, port + 1).
async fn connect_node(
    rpc_url: &str,
    ws_url: Option<&str>,
    database_url: &str,
) -> Result<(RpcChain, String)> {
    let rpc = RpcChain::new(rpc_url);
    let genesis = rpc.genesis_hash().await.with_context(|| {
        format!("no node answers at {rpc_url} (scripts/run.sh starts a local one)")
    })?;
    check_same_chain(database_url, &genesis.to_string()).await?;
    let ws_url = match ws_url {
        Some(url) => url.to_string(),
        None => orderbook_chain::rpc::default_ws_url(rpc_url)?,
    };
    Ok((rpc, ws_url))
}

/// Refuse to mix two chains in one database: the indexer's cursors would
/// point at transactions the new chain never had.
async fn check_same_chain(database_url: &str, genesis: &str) -> Result<()> {
    let client = connect_db(database_url).await?;
    match db::chain_genesis(&client, genesis).await? {
        db::SameChain::Yes | db::SameChain::New => Ok(()),
        db::SameChain::No(indexed) => bail!(
            "the database indexed another chain (genesis {indexed}, the node's is {genesis}); \
             pass --reset-db to empty it (the node was started with --reset?)"
        ),
    }
}

/// Markets of the program on `chain`.
async fn discover(chain: &dyn Chain) -> Result<Vec<Pubkey>> {
    let disc: [u8; 8] = Market::DISCRIMINATOR
        .try_into()
        .expect("8-byte discriminator");
    Ok(chain
        .program_accounts(disc, None)
        .await
        .context("listing the program's markets")?
        .into_iter()
        .map(|(k, _)| k)
        .collect())
}

/// Seconds between probes of the node and the database.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// Keep `orderbook_node_up` / `orderbook_database_up` current until shutdown.
pub fn spawn_probes(
    rpc: Option<RpcChain>,
    database_url: String,
    metrics: FeedMetrics,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut database: Option<tokio_postgres::Client> = None;
        while !*shutdown.borrow() {
            if let Some(rpc) = &rpc {
                metrics.indexer.set_node_up(rpc.slot().await.is_ok());
            }
            if database.as_ref().is_none_or(|c| c.is_closed()) {
                database = db::connect(&database_url).await.ok();
            }
            let up = match &database {
                Some(c) => c.simple_query("SELECT 1").await.is_ok(),
                None => false,
            };
            metrics.indexer.database_up.set(up as i64);
            tokio::select! {
                _ = tokio::time::sleep(PROBE_EVERY) => {}
                _ = shutdown.changed() => {}
            }
        }
    })
}
