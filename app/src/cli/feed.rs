//! `orderbook-app feed`: a feed replica. It indexes nothing: its views are
//! loaded from PostgreSQL and advanced from the broker's streams (see
//! `orderbook_app::broker::replica`), so any number can serve one market's
//! readers behind a load balancer while `orderbook-app index` (or `run
//! --redis-url`) indexes. Given the node (`--rpc-url`) it also builds
//! wallet transactions and can serve the web app, as `run` does.

use std::process::ExitCode;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use clap::Args;
use orderbook_app::broker::replica::Replica;
use orderbook_app::db;
use orderbook_app::feed::web::WebOptions;
use orderbook_app::metrics::FeedMetrics;
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_service::health::{Dependency, Readiness};
use tokio::sync::watch;

use super::serve::ServeArgs;
use super::web::WebArgs;
use super::{CLUSTER_DB, Probes, connect_db, connect_node, stop_after};

#[derive(Args)]
pub struct FeedArgs {
    /// Redis URL of the broker the indexers publish to.
    #[arg(
        long,
        env = "ORDERBOOK_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,
    /// PostgreSQL connection string of the indexers' database.
    #[arg(long, env = "ORDERBOOK_DATABASE_URL", default_value = CLUSTER_DB)]
    database_url: String,
    /// Markets to serve (comma-separated); default: every market indexed,
    /// now and later (a market first indexed while this runs is served
    /// within a few seconds).
    #[arg(long = "market", env = "ORDERBOOK_MARKETS", value_delimiter = ',')]
    markets: Vec<Pubkey>,
    /// JSON-RPC URL of the node the indexers follow. With it the replica
    /// builds wallet transactions (`/api/tx/*`, else 503), reports
    /// `orderbook_node_up` and may serve the web app (`--web-dir`).
    #[arg(long, env = "ORDERBOOK_RPC_URL")]
    rpc_url: Option<String>,
    /// PubSub URL of the node, told to the web app [default: the RPC URL's
    /// host, port + 1].
    #[arg(long, env = "ORDERBOOK_WS_URL")]
    ws_url: Option<String>,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(flatten)]
    web: WebArgs,
    /// Stop after this many seconds (default: until Ctrl-C / SIGTERM).
    #[arg(long, env = "ORDERBOOK_RUN_FOR_SECS")]
    run_for_secs: Option<u64>,
}

pub async fn feed(a: FeedArgs) -> Result<ExitCode> {
    let (shutdown_tx, shutdown) = watch::channel(false);
    tokio::spawn(orderbook_service::shutdown::on_signal(shutdown_tx.clone()));
    stop_after(a.run_for_secs, shutdown_tx);
    let (chain, web) = node(&a).await?;
    let discover = a.markets.is_empty();
    let markets = markets(&a).await?;
    let metrics = FeedMetrics::new();
    let (hub, positions) = a
        .serve
        .start_hub(&a.database_url, &markets, &metrics)
        .await?;
    let replica = Replica {
        redis_url: a.redis_url.clone(),
        database_url: a.database_url.clone(),
        hub: hub.clone(),
        metrics: metrics.clone(),
        discover,
    };
    let mut tasks = vec![tokio::spawn(replica.follow(positions, shutdown.clone()))];
    // The node only builds wallet transactions: market data is served without it.
    let readiness = Readiness::new(&[Dependency::Database, Dependency::Stream]);
    let probes = Probes {
        rpc: a.rpc_url.as_deref().map(RpcChain::new),
        database_url: a.database_url.clone(),
        redis_url: Some(a.redis_url.clone()),
        metrics: metrics.clone(),
        readiness: readiness.clone(),
    };
    tasks.push(probes.spawn(shutdown.clone()));
    let state = a
        .serve
        .state(hub, &a.database_url, chain, metrics, web, readiness)?;
    tasks.push(a.serve.serve(state, shutdown).await?);
    let later = if discover {
        " (and each market indexed from now on)"
    } else {
        ""
    };
    eprintln!(
        "feed replica: {} market(s){later} on http://{} (ws://{}/ws) from {}; Ctrl-C stops",
        markets.len(),
        a.serve.listen,
        a.serve.listen,
        orderbook_app::broker::redacted(&a.redis_url)
    );
    for task in tasks {
        let _ = task.await;
    }
    Ok(ExitCode::SUCCESS)
}

/// With `--rpc-url`: the node (checked to be the chain the database
/// indexed) and the web app's options. Without: no transactions, no app.
async fn node(a: &FeedArgs) -> Result<(Option<Arc<dyn Chain>>, WebOptions)> {
    let Some(rpc_url) = &a.rpc_url else {
        if a.web.is_set() {
            bail!(
                "--web-dir, --faucet-keypair and --public-*-url need --rpc-url (the node the page trades on)"
            );
        }
        return Ok((None, WebOptions::default()));
    };
    let (rpc, ws_url) = connect_node(rpc_url, a.ws_url.as_deref(), &a.database_url).await?;
    let web = a.web.options(&rpc, rpc_url, &ws_url).await?;
    Ok((Some(Arc::new(rpc)), web))
}

/// `--market`, or every market the database has indexed so far (none is
/// fine: the replica serves each as it is first indexed).
async fn markets(a: &FeedArgs) -> Result<Vec<Pubkey>> {
    if !a.markets.is_empty() {
        return Ok(a.markets.clone());
    }
    let client = connect_db(&a.database_url).await?;
    let stored = db::cursor::markets(&client)
        .await
        .context("listing indexed markets")?;
    Ok(stored.iter().filter_map(|m| m.parse().ok()).collect())
}
