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
use orderbook_service::health::{Dependency, Readiness};
use redis::aio::ConnectionManager;
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

/// Seconds between probes of the node, the database and the broker.
const PROBE_EVERY: Duration = Duration::from_secs(5);
/// How long one probe may take before its dependency counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// What a process that indexes (`index`, `run`) needs to be ready: the
/// node, the database, and the broker when it publishes to one.
pub fn indexer_readiness(publishes: bool) -> Readiness {
    let mut dependencies = vec![Dependency::Node, Dependency::Database];
    if publishes {
        dependencies.push(Dependency::Stream);
    }
    Readiness::new(&dependencies)
}

/// What a process probes: the node (when it has one), the database, and the
/// broker (when it has one). Each answer sets the metrics operators alert on
/// (`orderbook_node_up`, `orderbook_database_up`) and the process's
/// `/readyz` (see `orderbook_service::health`).
pub struct Probes {
    pub rpc: Option<RpcChain>,
    pub database_url: String,
    pub redis_url: Option<String>,
    pub metrics: FeedMetrics,
    pub readiness: Readiness,
}

impl Probes {
    /// Probe every [`PROBE_EVERY`] until `shutdown`.
    pub fn spawn(self, mut shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut database: Option<tokio_postgres::Client> = None;
            let mut redis: Option<ConnectionManager> = None;
            while !*shutdown.borrow() {
                if let Some(rpc) = &self.rpc {
                    let up = bounded(rpc.slot()).await.is_some_and(|r| r.is_ok());
                    self.metrics.indexer.set_node_up(up);
                    self.readiness.set(Dependency::Node, up);
                }
                let up = self.database(&mut database).await;
                self.metrics.indexer.database_up.set(up as i64);
                self.readiness.set(Dependency::Database, up);
                if let Some(url) = &self.redis_url {
                    self.readiness
                        .set(Dependency::Stream, ping(url, &mut redis).await);
                }
                tokio::select! {
                    _ = tokio::time::sleep(PROBE_EVERY) => {}
                    _ = shutdown.changed() => {}
                }
            }
        })
    }

    /// Whether the database answers `SELECT 1`, connecting again when the
    /// last connection closed.
    async fn database(&self, database: &mut Option<tokio_postgres::Client>) -> bool {
        if database.as_ref().is_none_or(|c| c.is_closed()) {
            *database = bounded(db::connect(&self.database_url))
                .await
                .and_then(Result::ok);
        }
        match database {
            Some(c) => {
                let up = bounded(c.simple_query("SELECT 1"))
                    .await
                    .is_some_and(|r| r.is_ok());
                if !up {
                    // A probe that timed out leaves the connection unusable.
                    *database = None;
                }
                up
            }
            None => false,
        }
    }
}

/// Whether Redis answers `PING` (the connection is made once and reconnects itself).
async fn ping(url: &str, redis: &mut Option<ConnectionManager>) -> bool {
    if redis.is_none() {
        *redis = orderbook_app::broker::publisher::connect(url, PROBE_TIMEOUT)
            .await
            .ok();
    }
    match redis {
        Some(conn) => bounded(redis::cmd("PING").query_async::<String>(conn))
            .await
            .is_some_and(|r| r.is_ok()),
        None => false,
    }
}

/// `probe`'s answer, or `None` when it takes longer than [`PROBE_TIMEOUT`].
async fn bounded<T>(probe: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::time::timeout(PROBE_TIMEOUT, probe).await.ok()
}
