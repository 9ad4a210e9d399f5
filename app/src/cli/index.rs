//! `orderbook-app index`: only the indexer, for one market.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use clap::Args;
use orderbook_app::indexer::Indexer;
use orderbook_chain::Chain;
use orderbook_chain::recorded::RecordedChain;
use orderbook_chain::rpc::RpcChain;
use tokio::sync::watch;

use super::{CLUSTER_DB, connect_db};

#[derive(Args)]
pub struct IndexArgs {
    /// JSON-RPC URL to index from.
    #[arg(
        long,
        env = "ORDERBOOK_RPC_URL",
        conflicts_with = "history",
        required_unless_present = "history"
    )]
    rpc_url: Option<String>,
    /// A recorded history file (written by the test tooling) to index from instead.
    #[arg(long)]
    history: Option<PathBuf>,
    #[arg(long, env = "ORDERBOOK_MARKET")]
    market: Pubkey,
    #[arg(long, env = "ORDERBOOK_DATABASE_URL", default_value = CLUSTER_DB)]
    database_url: String,
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
    async fn go<C: Chain>(
        ix: Indexer<C>,
        client: &mut tokio_postgres::Client,
        a: &IndexArgs,
        shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        if a.once {
            let s = ix.sync(client).await.context("indexing")?;
            eprintln!(
                "indexed {} transactions, {} new events{}",
                s.transactions,
                s.new_events,
                if s.rescanned { " (after a rescan)" } else { "" }
            );
        } else {
            ix.follow(client, Duration::from_millis(a.poll_ms), shutdown)
                .await;
        }
        Ok(())
    }
    match (&a.history, &a.rpc_url) {
        (Some(path), _) => {
            let chain = RecordedChain::load(path)
                .with_context(|| format!("reading history {}", path.display()))?;
            let mut ix = Indexer::new(Arc::new(chain), a.market);
            ix.batch_txs = a.batch_txs;
            ix.refresh_balances = false; // a recorded history has no accounts
            go(ix, &mut client, &a, shutdown).await?;
        }
        (None, Some(url)) => {
            let mut ix = Indexer::new(Arc::new(RpcChain::new(url)), a.market);
            ix.batch_txs = a.batch_txs;
            go(ix, &mut client, &a, shutdown).await?;
        }
        (None, None) => bail!("give --rpc-url or --history"),
    }
    Ok(ExitCode::SUCCESS)
}
