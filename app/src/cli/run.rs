//! `orderbook-app run` (the default): index every market of a node into
//! PostgreSQL, following new transactions, and serve the feed.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use clap::Args;
use orderbook_app::broker::publisher;
use orderbook_app::broker::replica::Replica;
use orderbook_app::db;
use orderbook_app::feed::AppState;
use orderbook_app::feed::web::WebOptions;
use orderbook_app::metrics::FeedMetrics;
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use tokio::sync::watch;

use super::serve::ServeArgs;
use super::web::WebArgs;
use super::{
    CLUSTER_DB, LOCAL_RPC, Probes, connect_db, connect_node, discover, indexer_readiness,
    stop_after,
};

#[derive(Args, Clone)]
pub struct RunArgs {
    /// JSON-RPC URL of the node (a local orderbook-node, solana-test-validator or a cluster).
    #[arg(long, env = "ORDERBOOK_RPC_URL", default_value = LOCAL_RPC)]
    rpc_url: String,
    /// PubSub URL of the node [default: the RPC URL's host, port + 1].
    #[arg(long, env = "ORDERBOOK_WS_URL")]
    ws_url: Option<String>,
    /// Program id of the deployed orderbook program (must be the one this build targets).
    #[arg(long, env = "ORDERBOOK_PROGRAM_ID")]
    program_id: Option<Pubkey>,
    /// Markets to index and serve (comma-separated); default: every market of the program.
    #[arg(long = "market", env = "ORDERBOOK_MARKETS", value_delimiter = ',')]
    markets: Vec<Pubkey>,
    /// PostgreSQL connection string (key=value); created if missing.
    #[arg(long, env = "ORDERBOOK_DATABASE_URL", default_value = CLUSTER_DB)]
    database_url: String,
    /// Empty the database first (after the node was started with --reset).
    #[arg(long, env = "ORDERBOOK_RESET_DB")]
    reset_db: bool,
    /// Redis URL of the broker (`redis://127.0.0.1:6379`): publish every
    /// ingested batch to the market's stream and feed this process's
    /// server from the streams, as `orderbook-app feed` replicas are.
    #[arg(long, env = "ORDERBOOK_REDIS_URL")]
    redis_url: Option<String>,
    #[command(flatten)]
    serve: ServeArgs,
    /// Indexer poll interval, milliseconds (the fallback: new transactions
    /// arrive through PubSub).
    #[arg(long, env = "ORDERBOOK_POLL_MS", default_value_t = 2_000)]
    poll_ms: u64,
    #[command(flatten)]
    web: WebArgs,
    /// Stop after this many seconds (default: until Ctrl-C / SIGTERM).
    #[arg(long, env = "ORDERBOOK_RUN_FOR_SECS")]
    run_for_secs: Option<u64>,
    /// Seconds between status lines.
    #[arg(long, env = "ORDERBOOK_STATUS_SECS", default_value_t = 5)]
    status_secs: u64,
}

struct Running {
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Start an indexer per market (each leads its market or stands by), the
/// hub fed in process or, with a broker, from the streams, and the server.
async fn start_pipeline(
    a: &RunArgs,
    ws_url: Option<&str>,
    chain: Arc<dyn Chain>,
    markets: &[Pubkey],
    web: WebOptions,
    shutdown: watch::Receiver<bool>,
) -> Result<(AppState, Vec<tokio::task::JoinHandle<()>>)> {
    let (db_url, metrics) = (a.database_url.as_str(), FeedMetrics::new());
    let (hub, positions) = a.serve.start_hub(db_url, markets, &metrics).await?;
    let mut tasks = Vec::new();
    let sink = match &a.redis_url {
        None => hub.ingest_sender(),
        Some(redis_url) => {
            let replica = Replica {
                redis_url: redis_url.clone(),
                database_url: db_url.to_string(),
                hub: hub.clone(),
                metrics: metrics.clone(),
                // `run` serves the markets it indexes.
                discover: false,
            };
            tasks.push(tokio::spawn(replica.follow(positions, shutdown.clone())));
            publisher::spawn(redis_url, metrics.clone())
                .await
                .with_context(|| {
                    format!(
                        "connecting to Redis at {} (scripts/redis.sh starts it)",
                        orderbook_app::broker::redacted(redis_url)
                    )
                })?
        }
    };
    let poll = Duration::from_millis(a.poll_ms);
    tasks.extend(super::index::spawn_indexers(
        chain.clone(),
        markets,
        ws_url,
        db_url,
        poll,
        Some(sink),
        &metrics,
        &shutdown,
    ));
    let state = a.serve.state(
        hub,
        db_url,
        Some(chain),
        metrics,
        web,
        indexer_readiness(a.redis_url.is_some()),
    )?;
    tasks.push(a.serve.serve(state.clone(), shutdown).await?);
    Ok((state, tasks))
}

pub async fn run(a: RunArgs) -> Result<ExitCode> {
    if let Some(p) = a.program_id
        && p != orderbook::ID
    {
        bail!(
            "this build targets program {}; --program-id {p} differs (rebuild with that id in declare_id!)",
            orderbook::ID
        );
    }
    let (shutdown_tx, shutdown) = watch::channel(false);
    tokio::spawn(orderbook_service::shutdown::on_signal(shutdown_tx.clone()));
    stop_after(a.run_for_secs, shutdown_tx.clone());
    if a.reset_db {
        let mut reset = connect_db(&a.database_url).await?;
        db::reset(&mut reset)
            .await
            .context("emptying the database")?;
    }
    let (rpc_chain, ws_url) =
        connect_node(&a.rpc_url, a.ws_url.as_deref(), &a.database_url).await?;
    let web = a.web.options(&rpc_chain, &a.rpc_url, &ws_url).await?;
    let chain: Arc<dyn Chain> = Arc::new(rpc_chain);
    let markets = if a.markets.is_empty() {
        discover(chain.as_ref()).await?
    } else {
        a.markets.clone()
    };
    if markets.is_empty() {
        bail!(
            "no market of program {} found at {}; create one (orderbook-app demo) or pass --market",
            orderbook::ID,
            a.rpc_url
        );
    }
    let (pipe_tx, pipe_rx) = watch::channel(false);
    let (state, mut tasks) =
        start_pipeline(&a, Some(&ws_url), chain, &markets, web, pipe_rx.clone()).await?;
    let probes = Probes {
        rpc: Some(RpcChain::new(&a.rpc_url)),
        database_url: a.database_url.clone(),
        redis_url: a.redis_url.clone(),
        metrics: state.metrics.clone(),
        readiness: state.readiness.clone(),
    };
    tasks.push(probes.spawn(pipe_rx));
    announce(&a, &markets);
    status_loop(&a, &state, shutdown).await;
    stop(Running {
        shutdown: pipe_tx,
        tasks,
    })
    .await;
    Ok(ExitCode::SUCCESS)
}

async fn stop(running: Running) {
    let _ = running.shutdown.send(true);
    for t in running.tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
}

fn announce(a: &RunArgs, markets: &[Pubkey]) {
    let base = format!("http://{}", a.serve.listen);
    eprintln!();
    eprintln!("  web page     {base}/");
    eprintln!("  WebSocket    ws://{}/ws", a.serve.listen);
    eprintln!("  REST         {base}/api/markets");
    for m in markets {
        eprintln!("               {base}/api/markets/{m}/depth");
    }
    eprintln!("  health       {base}/health");
    eprintln!("  metrics      {base}/metrics");
    eprintln!("  node         {}", a.rpc_url);
    eprintln!("  Ctrl-C stops");
    eprintln!();
}

/// Print a status line every `status_secs` until shutdown.
async fn status_loop(a: &RunArgs, state: &AppState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(a.status_secs.max(1)));
    tick.tick().await;
    while !*shutdown.borrow() {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        let seqs = state.hub.status().await.unwrap_or_default();
        let seq = seqs
            .iter()
            .map(|(_, s)| s.map_or("-".into(), |s| s.to_string()))
            .collect::<Vec<_>>()
            .join(",");
        eprintln!(
            "status: market seq {seq} · events fed {} · ws clients {} · messages sent {}",
            state.metrics.ingested_events.get(),
            state.metrics.connections.get(),
            state.metrics.messages_sent.get()
        );
    }
}
