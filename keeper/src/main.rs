//! `orderbook-keeper`: crank orderbook markets on a cluster or a local
//! validator. Configuration by flags or environment (see `--help`);
//! Prometheus metrics on `--metrics-addr`; stops cleanly on SIGINT/SIGTERM
//! after the transaction in flight.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use clap::Parser;
use orderbook::instructions::MAX_GROWTH_PER_INSTRUCTION;
use orderbook::instructions::consume_events::MAX_CONSUME_EVENTS;
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_keeper::config::GrowthPolicy;
use orderbook_keeper::spend::SpendLimits;
use orderbook_keeper::{Keeper, KeeperConfig};
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::watch;

#[derive(Parser, Debug)]
#[command(
    about = "Crank orderbook markets: consume queued events (paid per event), prune expired orders and clear sealed batches"
)]
struct Args {
    /// JSON-RPC endpoint.
    #[arg(
        long,
        env = "ORDERBOOK_RPC_URL",
        default_value = "http://127.0.0.1:8899"
    )]
    rpc_url: String,
    /// Fee payer and reward recipient: a Solana CLI keypair file (JSON array of 64 bytes).
    #[arg(long, env = "ORDERBOOK_KEYPAIR")]
    keypair: PathBuf,
    /// Local node or test validator only: create the keypair file if it is
    /// missing and ask the node's faucet for this many SOL when the balance
    /// is below it.
    #[arg(long, env = "ORDERBOOK_AIRDROP_SOL")]
    airdrop_sol: Option<u64>,
    /// Markets to crank, an allowlist (repeat the flag, or comma-separate in
    /// the env var); none = every market of the program that pays enough.
    #[arg(long = "market", env = "ORDERBOOK_MARKETS", value_delimiter = ',')]
    markets: Vec<Pubkey>,
    /// Where to serve Prometheus metrics (GET /metrics) and the probes
    /// (`/livez`; `/readyz`: the last pass reached the node).
    #[arg(long, env = "ORDERBOOK_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    metrics_addr: SocketAddr,
    /// Milliseconds between passes.
    #[arg(long, env = "ORDERBOOK_POLL_MS", default_value_t = 500)]
    poll_ms: u64,
    /// Most events per crank transaction (1 to the program's limit, 64).
    #[arg(long, env = "ORDERBOOK_MAX_EVENTS_PER_TX", default_value_t = 32, value_parser = clap::value_parser!(u8).range(1..=MAX_CONSUME_EVENTS as i64))]
    max_events_per_tx: u8,
    /// Compute units budgeted per transaction...
    #[arg(long, env = "ORDERBOOK_CU_BASE", default_value_t = 40_000)]
    cu_base: u32,
    /// ...plus this many per event.
    #[arg(long, env = "ORDERBOOK_CU_PER_EVENT", default_value_t = 6_000)]
    cu_per_event: u32,
    /// Percentile of recent prioritization fees to pay (0 disables priority fees).
    #[arg(long, env = "ORDERBOOK_PRIORITY_PERCENTILE", default_value_t = 75, value_parser = clap::value_parser!(u8).range(0..=100))]
    priority_percentile: u8,
    /// Priority fee cap, micro-lamports per compute unit.
    #[arg(long, env = "ORDERBOOK_MAX_PRIORITY_FEE", default_value_t = 100_000)]
    max_priority_fee: u64,
    /// Random delay before each send, up to this many milliseconds (spreads several keepers).
    #[arg(long, env = "ORDERBOOK_JITTER_MS", default_value_t = 250)]
    jitter_ms: u64,
    /// Compute units requested by each `clear_batch` (sealed batch markets).
    #[arg(long, env = "ORDERBOOK_CLEAR_CU_LIMIT", default_value_t = orderbook_keeper::config::DEFAULT_CLEAR_CU_LIMIT)]
    clear_cu_limit: u32,
    /// Do not prune expired orders.
    #[arg(long, env = "ORDERBOOK_NO_PRUNE")]
    no_prune: bool,
    /// Most lamports of transaction fees per market in any rolling hour.
    #[arg(long, env = "ORDERBOOK_MAX_SPEND_PER_MARKET_HOUR", default_value_t = SpendLimits::default().max_per_market_hour)]
    max_spend_per_market_hour: u64,
    /// Most lamports of transaction fees over all markets that pay for their
    /// cranks, in any rolling hour.
    #[arg(long, env = "ORDERBOOK_MAX_SPEND_PER_HOUR", default_value_t = SpendLimits::default().max_per_hour)]
    max_spend_per_hour: u64,
    /// Most lamports of transaction fees over all subsidized markets in any
    /// rolling hour (their own budget: they cannot spend the others').
    #[arg(long, env = "ORDERBOOK_MAX_SUBSIDIZED_SPEND_PER_HOUR", default_value_t = SpendLimits::default().max_subsidized_per_hour)]
    max_subsidized_spend_per_hour: u64,
    /// Send a transaction only if its crank rewards exceed its fee by this many lamports.
    #[arg(long, env = "ORDERBOOK_MIN_PROFIT_LAMPORTS", default_value_t = 0)]
    min_profit_lamports: u64,
    /// Markets to crank even when their rewards do not cover the fees (your
    /// own markets; repeat or comma-separate). Still within the spend caps.
    #[arg(
        long = "subsidize-market",
        env = "ORDERBOOK_SUBSIDIZED_MARKETS",
        value_delimiter = ','
    )]
    subsidized_markets: Vec<Pubkey>,
    /// A drand beacon's HTTP API (drand quicknet's relay,
    /// `https://api.drand.sh`, or the local `orderbook-beacon`): reveal the
    /// encrypted orders of the batch markets that name this beacon.
    #[arg(long, env = "ORDERBOOK_BEACON_URL")]
    beacon_url: Option<String>,
    /// Markets to grow (`grow_market`), paying their rent: a book side or the
    /// event queue past --grow-at-permille of its capacity grows by
    /// --grow-step, up to the market's maximum. Repeat or comma-separate;
    /// none by default (the rent goes to the market's creator at close).
    #[arg(
        long = "grow-market",
        env = "ORDERBOOK_GROW_MARKETS",
        value_delimiter = ','
    )]
    grow_markets: Vec<Pubkey>,
    /// Grow a part once it is this full, per mille of its capacity.
    #[arg(long, env = "ORDERBOOK_GROW_AT_PERMILLE", default_value_t = GrowthPolicy::default().fill_permille,
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    grow_at_permille: u32,
    /// Orders or events one growth adds.
    #[arg(long, env = "ORDERBOOK_GROW_STEP", default_value_t = GrowthPolicy::default().step,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_GROWTH_PER_INSTRUCTION)))]
    grow_step: u32,
    /// Most lamports (rent and fees) spent growing one market in any rolling hour.
    #[arg(long, env = "ORDERBOOK_MAX_GROWTH_PER_MARKET_HOUR", default_value_t = GrowthPolicy::default().max_per_market_hour)]
    max_growth_per_market_hour: u64,
    /// Most lamports spent growing all markets in any rolling hour.
    #[arg(long, env = "ORDERBOOK_MAX_GROWTH_PER_HOUR", default_value_t = GrowthPolicy::default().max_per_hour)]
    max_growth_per_hour: u64,
}

fn read_keypair(path: &PathBuf) -> Result<Keypair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading keypair file {}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON byte array", path.display()))?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("{} is not a 64-byte keypair: {e}", path.display()))
}

/// A new keypair, written as the Solana CLI writes one (owner-only).
fn write_new_keypair(path: &PathBuf) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let keypair = Keypair::new();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating keypair file {}", path.display()))?;
    file.write_all(serde_json::to_string(&keypair.to_bytes().to_vec())?.as_bytes())?;
    tracing::info!(path = %path.display(), pubkey = %keypair.pubkey(), "created a keypair");
    Ok(())
}

/// Airdrop up to `lamports` when the balance is below it.
async fn top_up(chain: &RpcChain, payer: &Pubkey, lamports: u64) -> Result<()> {
    let balance = chain
        .account(payer)
        .await
        .with_context(|| format!("reading the keeper's balance at {}", chain.url()))?
        .map_or(0, |a| a.lamports);
    if balance < lamports {
        chain
            .airdrop(payer, lamports - balance)
            .await
            .context("airdrop (only a local node or test validator has a faucet)")?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    orderbook_service::telemetry::init_tracing("info");
    orderbook_client::encrypted::quiet_contained_panics();
    let args = Args::parse();
    if args.airdrop_sol.is_some() && !args.keypair.exists() {
        write_new_keypair(&args.keypair)?;
    }
    let payer = read_keypair(&args.keypair)?;
    let chain = Arc::new(RpcChain::new(&args.rpc_url));
    if let Some(sol) = args.airdrop_sol {
        top_up(&chain, &payer.pubkey(), sol * 1_000_000_000).await?;
    }
    let cfg = KeeperConfig {
        markets: args.markets,
        max_events_per_tx: args.max_events_per_tx,
        cu_base: args.cu_base,
        cu_per_event: args.cu_per_event,
        priority_fee_percentile: args.priority_percentile,
        max_priority_fee: args.max_priority_fee,
        jitter: Duration::from_millis(args.jitter_ms),
        prune: !args.no_prune,
        clear_cu_limit: args.clear_cu_limit,
        poll: Duration::from_millis(args.poll_ms),
        spend: SpendLimits {
            max_per_market_hour: args.max_spend_per_market_hour,
            max_per_hour: args.max_spend_per_hour,
            max_subsidized_per_hour: args.max_subsidized_spend_per_hour,
            min_profit_lamports: args.min_profit_lamports,
            subsidized: args.subsidized_markets,
        },
        beacon_url: args.beacon_url,
        growth: GrowthPolicy {
            markets: args.grow_markets,
            fill_permille: args.grow_at_permille,
            step: args.grow_step,
            max_per_market_hour: args.max_growth_per_market_hour,
            max_per_hour: args.max_growth_per_hour,
        },
        ..KeeperConfig::default()
    };
    log_configuration(&args.rpc_url, &cfg);
    let mut keeper = Keeper::new(chain, payer, cfg);
    let (tx, rx) = watch::channel(false);
    let metrics = keeper.metrics.clone();
    let metrics = orderbook_service::telemetry::serve_metrics(
        args.metrics_addr,
        "--metrics-addr",
        move || metrics.render(),
        keeper.readiness.clone(),
        rx.clone(),
    )
    .await?;
    tokio::spawn(orderbook_service::shutdown::on_signal(tx));
    keeper.run(rx).await;
    metrics.await.context("metrics task")?;
    Ok(())
}

/// The settings an operator checks at start, as plain values.
fn log_configuration(rpc_url: &str, cfg: &KeeperConfig) {
    let list = |keys: &[Pubkey], none: &str| match keys {
        [] => none.to_string(),
        keys => keys
            .iter()
            .map(Pubkey::to_string)
            .collect::<Vec<_>>()
            .join(","),
    };
    tracing::info!(
        rpc = rpc_url,
        markets = list(&cfg.markets, "every market of the program"),
        subsidized = list(&cfg.spend.subsidized, "none"),
        max_spend_per_hour_lamports = cfg.spend.max_per_hour,
        max_spend_per_market_hour_lamports = cfg.spend.max_per_market_hour,
        max_subsidized_spend_per_hour_lamports = cfg.spend.max_subsidized_per_hour,
        poll_ms = cfg.poll.as_millis() as u64,
        beacon = cfg.beacon_url.as_deref().unwrap_or("none"),
        grow = list(&cfg.growth.markets, "none"),
        grow_at_permille = cfg.growth.fill_permille,
        grow_step = cfg.growth.step,
        "configuration"
    );
}
