//! `orderbook-app reconcile`: compare the indexer's database with the
//! chain's accounts; exit 1 on any difference.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use clap::Args;
use orderbook_app::indexer::Indexer;
use orderbook_app::reconcile;
use orderbook_chain::rpc::RpcChain;

use super::{CLUSTER_DB, connect_db};

#[derive(Args)]
pub struct ReconcileArgs {
    #[arg(long, env = "ORDERBOOK_RPC_URL")]
    rpc_url: String,
    #[arg(long, env = "ORDERBOOK_MARKET")]
    market: Pubkey,
    #[arg(long, env = "ORDERBOOK_DATABASE_URL", default_value = CLUSTER_DB)]
    database_url: String,
    /// Compare without syncing the indexer first.
    #[arg(long)]
    no_sync: bool,
}

fn print_report(
    market: &Pubkey,
    r: &Result<reconcile::Report, reconcile::ReconcileError>,
) -> ExitCode {
    match r {
        Ok(r) if r.differences.is_empty() => {
            eprintln!(
                "reconcile {market}: OK at seq {:?} ({} resting orders, {} traders match the chain)",
                r.market_seq, r.orders, r.traders
            );
            ExitCode::SUCCESS
        }
        Ok(r) => {
            eprintln!(
                "reconcile {market}: {} difference(s) at seq {:?}",
                r.differences.len(),
                r.market_seq
            );
            for d in &r.differences {
                eprintln!("  {d}");
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("reconcile {market}: {e}");
            ExitCode::from(2)
        }
    }
}

pub async fn reconcile(a: ReconcileArgs) -> Result<ExitCode> {
    let mut sync_client = connect_db(&a.database_url).await?;
    let client = connect_db(&a.database_url).await?;
    let chain = Arc::new(RpcChain::new(&a.rpc_url));
    let ix = Indexer::new(chain.clone(), a.market);
    let sync = (!a.no_sync).then_some((&ix, &mut sync_client));
    let r = reconcile::reconcile(
        chain.as_ref(),
        &client,
        &a.market,
        sync,
        Duration::from_millis(500),
    )
    .await;
    Ok(print_report(&a.market, &r))
}
