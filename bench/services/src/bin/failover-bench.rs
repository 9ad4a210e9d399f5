//! Indexer failover time: two `orderbook-app index` processes follow one
//! market of an `orderbook-node` process while the demo trades on it (a
//! transaction every `--interval-ms`, cranked by a keeper in this process).
//! `--kills` times, the leading indexer is SIGKILLed and two times are
//! taken from the kill: until PostgreSQL grants the standby's session the
//! market's advisory lock (`pg_locks`), and until the database's cursor
//! moves past where it was at the kill (the standby ingesting). The killed one is restarted as the
//! new standby before the next round.
//!
//! `cargo build --release -p orderbook-node -p orderbook-app && target/release/failover-bench`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, ensure};
use clap::Parser;
use orderbook_app::db::{self, cursor};
use orderbook_app::demo::Demo;
use orderbook_app::standby;
use orderbook_chain::rpc::RpcChain;
use orderbook_test_support::db::{ScratchDb, ScratchDbArgs};
use orderbook_test_support::process::{KilledOnDrop, NodeProcess, free_port};
use orderbook_test_support::stats::percentile;
use solana_signer::Signer;
use tokio::sync::watch;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    scratch: ScratchDbArgs,
    /// Leaders killed.
    #[arg(long, default_value_t = 10)]
    kills: usize,
    /// Milliseconds between demo transactions.
    #[arg(long, default_value_t = 25)]
    interval_ms: u64,
    /// Indexer poll interval (PubSub wakes it sooner).
    #[arg(long, default_value_t = 100)]
    poll_ms: u64,
}

struct Setup {
    app: PathBuf,
    rpc_url: String,
    ws_url: String,
    database_url: String,
    market: Pubkey,
    poll_ms: u64,
}

impl Setup {
    fn spawn_indexer(&self) -> Result<KilledOnDrop> {
        let child = Command::new(&self.app)
            .args(["index", "--poll-ms", &self.poll_ms.to_string()])
            .args(["--rpc-url", &self.rpc_url, "--ws-url", &self.ws_url])
            .args(["--database-url", &self.database_url])
            .args(["--market", &self.market.to_string()])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        Ok(KilledOnDrop(child))
    }
}

/// The session leading `market`, once there is one.
async fn leader(db: &tokio_postgres::Client, market: &Pubkey) -> Result<i32> {
    let started = Instant::now();
    loop {
        if let Some(pid) = standby::leader_pid(db, market).await? {
            return Ok(pid);
        }
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "no indexer leads"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn sibling(name: &str) -> Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name(name);
    ensure!(
        path.exists(),
        "{} missing: cargo build --release -p {name}",
        path.display()
    );
    Ok(path)
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Args::parse();
    let ledger = tempfile::tempdir()?;
    let node = spawn_node(&sibling("orderbook-node")?, ledger.path()).await?;
    let chain = Arc::new(RpcChain::new(&node.rpc_url));
    let payer = solana_keypair::Keypair::new();
    chain.airdrop(&payer.pubkey(), 1_000_000_000_000).await?;
    let demo = Demo::new(chain.clone(), payer.insecure_clone(), 2, 2).await?;
    let market = demo.market.keys.market;
    let (sdb, mut check) = ScratchDb::new(&a.scratch.admin_url, "orderbook_failover").await?;
    db::migrate(&mut check).await?;
    let setup = Setup {
        app: sibling("orderbook-app")?,
        rpc_url: node.rpc_url.clone(),
        ws_url: node.ws_url.clone(),
        database_url: sdb.url.clone(),
        market,
        poll_ms: a.poll_ms,
    };
    let (stop, trading) = watch::channel(false);
    let (demo_task, keeper_task) =
        demo.trade_and_crank(payer, Duration::from_millis(a.interval_ms), trading);

    let mut leader = setup.spawn_indexer()?;
    let mut leader_pid = self::leader(&check, &market).await?;
    let mut standby = setup.spawn_indexer()?;
    let (mut to_lock, mut to_ingest) = (Vec::new(), Vec::new());
    for round in 1..=a.kills {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let stored = cursor::last_seq(&check, &market.to_string()).await?;
        let killed_at = Instant::now();
        drop(leader); // SIGKILL
        let mut locked = None;
        let ingested = loop {
            ensure!(
                killed_at.elapsed() < Duration::from_secs(30),
                "no failover within 30 s"
            );
            if locked.is_none()
                && let Some(pid) = standby::leader_pid(&check, &market).await?
                && pid != leader_pid
            {
                locked = Some(killed_at.elapsed());
                leader_pid = pid;
            }
            if cursor::last_seq(&check, &market.to_string()).await? > stored {
                break killed_at.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        // The standby's first batch can commit before this loop saw its lock.
        let locked = locked.unwrap_or(ingested);
        leader_pid = self::leader(&check, &market).await?;
        println!(
            "kill {round}: standby leading after {:.1} ms, ingesting after {:.1} ms",
            ms(locked),
            ms(ingested)
        );
        to_lock.push(locked.as_micros() as u64);
        to_ingest.push(ingested.as_micros() as u64);
        leader = standby;
        standby = setup
            .spawn_indexer()
            .context("restarting the killed indexer")?;
    }
    let _ = stop.send(true);
    let _ = tokio::join!(demo_task, keeper_task);
    drop((leader, standby));
    sdb.drop(check).await;
    report("standby leading", &mut to_lock);
    report("standby ingesting", &mut to_ingest);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(what: &str, micros: &mut [u64]) {
    micros.sort_unstable();
    println!(
        "{what} after the kill, over {} kills: p50 {:.1} ms, max {:.1} ms",
        micros.len(),
        percentile(micros, 0.50) as f64 / 1e3,
        *micros.last().unwrap_or(&0) as f64 / 1e3
    );
}

async fn spawn_node(binary: &Path, ledger: &Path) -> Result<NodeProcess> {
    Ok(NodeProcess::spawn(binary, ledger, free_port()?, free_port()?, &[]).await?)
}
