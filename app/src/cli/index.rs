//! `orderbook-app index`: only the indexer. Following a node, it leads each
//! market's indexing or stands by for it (see `orderbook_app::standby`), so
//! several can run against one database; with `--redis-url` it publishes
//! every batch to the broker for `orderbook-app feed` replicas.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use clap::Args;
use orderbook_app::broker::publisher;
use orderbook_app::indexer::Indexer;
use orderbook_app::metrics::FeedMetrics;
use orderbook_app::model::Ingested;
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use tokio::sync::{mpsc, watch};

use super::{CLUSTER_DB, Probes, connect_db, discover, indexer_readiness};

#[derive(Args)]
pub struct IndexArgs {
    /// JSON-RPC URL to index from.
    #[arg(long, env = "ORDERBOOK_RPC_URL")]
    rpc_url: String,
    /// PubSub URL of the node, to sync as soon as a market has a new
    /// transaction [default: the RPC URL's host, port + 1].
    #[arg(long, env = "ORDERBOOK_WS_URL")]
    ws_url: Option<String>,
    /// Markets to index (comma-separated or repeated); default: every
    /// market of the program on the node.
    #[arg(long = "market", env = "ORDERBOOK_MARKETS", value_delimiter = ',')]
    markets: Vec<Pubkey>,
    #[arg(long, env = "ORDERBOOK_DATABASE_URL", default_value = CLUSTER_DB)]
    database_url: String,
    /// Redis URL of the broker: publish every ingested batch to the market's stream.
    #[arg(long, env = "ORDERBOOK_REDIS_URL")]
    redis_url: Option<String>,
    /// Serve Prometheus metrics (`/metrics`) and the probes (`/livez`,
    /// `/readyz`: the node, the database and the broker answer) on this address.
    #[arg(long, env = "ORDERBOOK_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Transactions per database transaction.
    #[arg(long, default_value_t = orderbook_app::indexer::DEFAULT_BATCH_TXS)]
    batch_txs: usize,
    /// Catch up once and exit instead of following.
    #[arg(long)]
    once: bool,
    #[arg(long, env = "ORDERBOOK_POLL_MS", default_value_t = 300)]
    poll_ms: u64,
}

pub async fn index(a: IndexArgs) -> Result<ExitCode> {
    let mut client = connect_db(&a.database_url).await?;
    let (shutdown_tx, shutdown) = watch::channel(false);
    tokio::spawn(orderbook_service::shutdown::on_signal(shutdown_tx));
    if a.once {
        once(Arc::new(RpcChain::new(&a.rpc_url)), &a, &mut client).await?;
    } else {
        follow(&a.rpc_url, &a, shutdown).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Catch every market up once and report.
async fn once<C: Chain>(
    chain: Arc<C>,
    a: &IndexArgs,
    client: &mut tokio_postgres::Client,
) -> Result<()> {
    let markets = markets(chain.as_ref(), a).await?;
    if markets.is_empty() {
        bail!(
            "no market of program {} found; create one (orderbook-app demo) or pass --market",
            orderbook::ID
        );
    }
    for market in markets {
        let mut ix = Indexer::new(chain.clone(), market);
        ix.batch_txs = a.batch_txs;
        let s = ix.sync(client).await.context("indexing")?;
        eprintln!(
            "{market}: indexed {} transactions, {} new events{}",
            s.transactions,
            s.new_events,
            if s.rescanned { " (after a rescan)" } else { "" }
        );
    }
    Ok(())
}

/// Seconds between looks for markets created since (without `--market`).
const DISCOVER_EVERY: Duration = Duration::from_secs(5);

/// Lead or stand by for every market until shut down: the markets named, or
/// every market of the program, including those created while it runs (so
/// an indexer deployed before the first market waits for it, ready, rather
/// than exiting).
async fn follow(rpc_url: &str, a: &IndexArgs, mut shutdown: watch::Receiver<bool>) -> Result<()> {
    let chain: Arc<dyn Chain> = Arc::new(RpcChain::new(rpc_url));
    let metrics = FeedMetrics::new();
    let sink = match &a.redis_url {
        Some(url) => Some(
            publisher::spawn(url, metrics.clone())
                .await
                .with_context(|| {
                    format!("connecting to Redis at {url} (scripts/redis.sh starts it)")
                })?,
        ),
        None => None,
    };
    let readiness = indexer_readiness(a.redis_url.is_some());
    if let Some(listen) = a.metrics_listen {
        let metrics = metrics.clone();
        orderbook_service::telemetry::serve_metrics(
            listen,
            "--metrics-listen",
            move || metrics.render(),
            readiness.clone(),
            shutdown.clone(),
        )
        .await?;
    }
    let ws_url = match &a.ws_url {
        Some(url) => url.clone(),
        None => orderbook_chain::rpc::default_ws_url(rpc_url)?,
    };
    let probes = Probes {
        rpc: Some(RpcChain::new(rpc_url)),
        database_url: a.database_url.clone(),
        redis_url: a.redis_url.clone(),
        metrics: metrics.clone(),
        readiness,
    };
    let mut tasks = vec![probes.spawn(shutdown.clone())];
    let mut followed = BTreeSet::new();
    while !*shutdown.borrow() {
        let new = unfollowed(chain.as_ref(), a, &followed).await;
        if !new.is_empty() {
            tracing::info!(
                markets = new.len(),
                "indexing (leading, or standing by for the leader)"
            );
            eprintln!("indexing {} market(s); Ctrl-C stops", new.len());
            tasks.extend(spawn_indexers(
                chain.clone(),
                &new,
                Some(&ws_url),
                &a.database_url,
                Duration::from_millis(a.poll_ms),
                sink.clone(),
                &metrics,
                &shutdown,
            ));
            followed.extend(new);
        }
        if !a.markets.is_empty() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(DISCOVER_EVERY) => {}
            _ = shutdown.changed() => {}
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// The markets to follow that are not followed yet; none (logged) when the
/// node cannot list them this time.
async fn unfollowed(chain: &dyn Chain, a: &IndexArgs, followed: &BTreeSet<Pubkey>) -> Vec<Pubkey> {
    match markets(chain, a).await {
        Ok(found) => found
            .into_iter()
            .filter(|m| !followed.contains(m))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "listing the program's markets failed; will retry");
            Vec::new()
        }
    }
}

/// `--market`, or every market of the program on `chain` (none yet is fine).
async fn markets(chain: &dyn Chain, a: &IndexArgs) -> Result<Vec<Pubkey>> {
    if a.markets.is_empty() {
        discover(chain).await
    } else {
        Ok(a.markets.clone())
    }
}

/// One leader-or-standby indexer per market (and its PubSub wake-up),
/// sending committed batches to `sink`.
#[allow(clippy::too_many_arguments)]
pub fn spawn_indexers(
    chain: Arc<dyn Chain>,
    markets: &[Pubkey],
    ws_url: Option<&str>,
    database_url: &str,
    poll: Duration,
    sink: Option<mpsc::Sender<Ingested>>,
    metrics: &FeedMetrics,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for market in markets {
        let mut ix = Indexer::new(chain.clone(), *market).with_metrics(metrics.indexer.clone());
        if let Some(sink) = &sink {
            ix = ix.with_sink(sink.clone());
        }
        if let Some(ws_url) = ws_url {
            tasks.push(tokio::spawn(orderbook_chain::rpc::wake_on_logs(
                ws_url.to_string(),
                *market,
                ix.wake(),
                shutdown.clone(),
            )));
        }
        let (database_url, shutdown) = (database_url.to_string(), shutdown.clone());
        tasks.push(tokio::spawn(async move {
            ix.follow_as_leader(&database_url, poll, shutdown).await
        }));
    }
    tasks
}
