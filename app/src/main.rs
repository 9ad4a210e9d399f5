//! `orderbook-app`: the indexer, the feed server, reconcile and the demo
//! market in one binary.
//!
//! * no subcommand (or `run`): index the program's markets from a node
//!   (default the local `orderbook-node` on 127.0.0.1:8899, or any cluster
//!   with `--rpc-url`) into PostgreSQL, following new transactions through
//!   PubSub, and serve the feed; the keeper runs separately
//!   (`orderbook-keeper`), as on a cluster;
//! * `demo`: a demo market on a local node with simulated makers and takers;
//! * `index`: only the indexer (leading each market or standing by for
//!   it), optionally publishing to Redis (`--redis-url`) or `--once`;
//! * `feed`: a feed replica serving from PostgreSQL and the Redis streams;
//! * `reconcile`: compare the indexer's database with the chain's accounts.
//!
//! Every flag has an environment variable (see `--help`).

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli::demo::DemoArgs;
use crate::cli::feed::FeedArgs;
use crate::cli::index::IndexArgs;
use crate::cli::reconcile::ReconcileArgs;
use crate::cli::run::RunArgs;

#[derive(Parser)]
#[command(
    name = "orderbook-app",
    version,
    about = "Orderbook indexer, feed server, reconcile and demo market"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// Index and serve a node's markets (the default command).
    Run(Box<RunArgs>),
    /// Create a demo market on a local node and trade on it with simulated makers and takers.
    Demo(DemoArgs),
    /// Index markets into PostgreSQL (no feed); several may run, one leads each market.
    Index(IndexArgs),
    /// Serve the feed from PostgreSQL and the broker's streams (a replica; no indexing).
    Feed(Box<FeedArgs>),
    /// Compare indexed orders and balances with the chain; exit 1 on any difference.
    Reconcile(ReconcileArgs),
}

fn main() -> ExitCode {
    orderbook_service::telemetry::init_tracing(
        "warn,tarpc=error,orderbook_app=info,orderbook_keeper=info,orderbook_chain=info",
    );
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = rt.block_on(async move {
        match cli.cmd {
            None => cli::run::run(cli.run).await,
            Some(Cmd::Run(a)) => cli::run::run(*a).await,
            Some(Cmd::Demo(a)) => cli::demo::demo(a).await,
            Some(Cmd::Index(a)) => cli::index::index(a).await,
            Some(Cmd::Feed(a)) => cli::feed::feed(*a).await,
            Some(Cmd::Reconcile(a)) => cli::reconcile::reconcile(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
