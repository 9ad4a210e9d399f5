//! `orderbook-app reconcile`: compare the indexer's database with the
//! chain's accounts; exit 1 on any difference. Run periodically (cron, a
//! systemd timer) with `--metrics-file` so the alerts hear of differences.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
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
    /// Also write the outcome as Prometheus metrics to this file
    /// (`orderbook_reconcile_differences`,
    /// `orderbook_reconcile_last_run_timestamp_seconds`), for
    /// node_exporter's textfile collector; replaced atomically.
    #[arg(long, env = "ORDERBOOK_RECONCILE_METRICS_FILE")]
    metrics_file: Option<PathBuf>,
}

/// The outcome of a run in Prometheus' text format.
fn metrics_text(market: &Pubkey, differences: usize) -> Result<String> {
    let registry = prometheus::Registry::new();
    let gauge = |name: &str, help: &str| -> Result<prometheus::IntGaugeVec> {
        let g = prometheus::IntGaugeVec::new(prometheus::Opts::new(name, help), &["market"])?;
        registry.register(Box::new(g.clone()))?;
        Ok(g)
    };
    let label = [market.to_string()];
    gauge(
        "orderbook_reconcile_differences",
        "Differences between the indexed database and the chain at the last reconcile",
    )?
    .with_label_values(&label)
    .set(differences as i64);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    gauge(
        "orderbook_reconcile_last_run_timestamp_seconds",
        "Unix time of the last reconcile that compared the database with the chain",
    )?
    .with_label_values(&label)
    .set(now.as_secs() as i64);
    Ok(prometheus::TextEncoder::new().encode_to_string(&registry.gather())?)
}

/// Write `text` to `path` through a temporary file and a rename, so a
/// collector never reads half a file.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

fn print_report(
    market: &Pubkey,
    r: &Result<reconcile::Report, reconcile::ReconcileError>,
) -> ExitCode {
    // A market with no event indexed yet has no sequence number.
    let seq = |r: &reconcile::Report| r.market_seq.map_or("none".to_string(), |s| s.to_string());
    match r {
        Ok(r) if r.differences.is_empty() => {
            let entries = if r.batch_entries > 0 {
                format!(", {} pending batch entries", r.batch_entries)
            } else {
                String::new()
            };
            eprintln!(
                "reconcile {market}: OK at seq {} ({} resting orders, {} traders{entries} match the chain)",
                seq(r),
                r.orders,
                r.traders
            );
            ExitCode::SUCCESS
        }
        Ok(r) => {
            eprintln!(
                "reconcile {market}: {} difference(s) at seq {}",
                r.differences.len(),
                seq(r)
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
    if let (Some(path), Ok(report)) = (&a.metrics_file, &r) {
        write_atomically(path, &metrics_text(&a.market, report.differences.len())?)?;
    }
    Ok(print_report(&a.market, &r))
}
