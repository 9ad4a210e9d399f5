//! `orderbook-node`: the local node. `orderbook-node --help` lists every flag.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;
use orderbook_node::{BankConfig, NodeConfig, limits};

/// A local Solana node running the order-book program: JSON-RPC and PubSub
/// like solana-test-validator, with a ledger that survives restarts.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// JSON-RPC address (HTTP, POST /).
    #[arg(
        long,
        env = "ORDERBOOK_NODE_RPC_ADDR",
        default_value = "127.0.0.1:8899"
    )]
    rpc_addr: SocketAddr,
    /// PubSub address (WebSocket).
    #[arg(long, env = "ORDERBOOK_NODE_WS_ADDR", default_value = "127.0.0.1:8900")]
    ws_addr: SocketAddr,
    /// Milliseconds per slot.
    #[arg(long, env = "ORDERBOOK_NODE_SLOT_MS", default_value_t = 400, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    slot_ms: u64,
    /// Slots between `confirmed` and `finalized` (a cluster roots ~32 behind).
    #[arg(long, env = "ORDERBOOK_NODE_FINALITY_LAG", default_value_t = 32, value_parser = clap::value_parser!(u64).range(0..=512))]
    finality_lag: u64,
    /// Ledger directory [default: the user's data directory, orderbook-node/ledger].
    #[arg(long, env = "ORDERBOOK_NODE_LEDGER")]
    ledger: Option<PathBuf>,
    /// Start a new chain, deleting the ledger's contents (like solana-test-validator --reset).
    #[arg(long, env = "ORDERBOOK_NODE_RESET")]
    reset: bool,
    /// Keep this many slots of blocks and transactions behind the finalized
    /// slot and prune older history (accounts are always kept); 0 keeps all.
    /// The default, 216,000, is a day at the default slot time.
    #[arg(long, env = "ORDERBOOK_NODE_HISTORY_SLOTS", default_value_t = 216_000)]
    history_slots: u64,
    /// Run this SBF build of the program instead of the native one.
    #[arg(long, env = "ORDERBOOK_NODE_PROGRAM_SO")]
    program_so: Option<PathBuf>,
    /// Log filter (tracing syntax); the default prints warnings and a status line.
    #[arg(long, env = "ORDERBOOK_NODE_LOG", default_value = "warn")]
    log: String,
    #[command(flatten)]
    limits: LimitArgs,
}

/// What one client may cost the node (`orderbook_node::limits`).
#[derive(clap::Args, Debug)]
struct LimitArgs {
    /// Web page origins allowed to call JSON-RPC (CORS) and open PubSub
    /// connections, comma-separated (`http://127.0.0.1:8080`); `*` allows
    /// any page. Clients that send no Origin (wallet apps, CLIs, servers)
    /// are always served.
    #[arg(
        long = "allow-origin",
        env = "ORDERBOOK_NODE_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Largest response to one JSON-RPC call, in bytes.
    #[arg(long, env = "ORDERBOOK_NODE_MAX_RESPONSE_BYTES", default_value_t = limits::DEFAULT_MAX_RESPONSE_BYTES)]
    max_response_bytes: usize,
    /// Largest sum of the responses to one JSON-RPC batch, in bytes.
    #[arg(long, env = "ORDERBOOK_NODE_MAX_BATCH_RESPONSE_BYTES", default_value_t = limits::DEFAULT_MAX_BATCH_RESPONSE_BYTES)]
    max_batch_response_bytes: usize,
    /// PubSub connections in total.
    #[arg(long, env = "ORDERBOOK_NODE_MAX_PUBSUB_CONNECTIONS", default_value_t = limits::DEFAULT_MAX_PUBSUB_CONNECTIONS)]
    max_pubsub_connections: usize,
    /// PubSub connections from one IP address.
    #[arg(long, env = "ORDERBOOK_NODE_MAX_PUBSUB_CONNECTIONS_PER_IP", default_value_t = limits::DEFAULT_MAX_PUBSUB_CONNECTIONS_PER_IP)]
    max_pubsub_connections_per_ip: usize,
    /// Bytes of notifications one PubSub connection may have waiting before it is closed.
    #[arg(long, env = "ORDERBOOK_NODE_MAX_PUBSUB_QUEUE_BYTES", default_value_t = limits::DEFAULT_MAX_PUBSUB_QUEUE_BYTES)]
    max_pubsub_queue_bytes: usize,
    /// Lamports the faucet (requestAirdrop) gives one address per hour.
    #[arg(long, env = "ORDERBOOK_NODE_AIRDROP_LAMPORTS_PER_RECIPIENT", default_value_t = limits::DEFAULT_AIRDROP_LAMPORTS_PER_RECIPIENT)]
    airdrop_lamports_per_recipient: u64,
    /// Lamports the faucet gives everyone together per hour.
    #[arg(long, env = "ORDERBOOK_NODE_AIRDROP_LAMPORTS_TOTAL", default_value_t = limits::DEFAULT_AIRDROP_LAMPORTS_TOTAL)]
    airdrop_lamports_total: u64,
}

impl LimitArgs {
    fn limits(&self) -> limits::NodeLimits {
        limits::NodeLimits {
            max_response_bytes: self.max_response_bytes,
            max_batch_response_bytes: self.max_batch_response_bytes,
            allowed_origins: self.allowed_origins.clone(),
            max_pubsub_connections: self.max_pubsub_connections,
            max_pubsub_connections_per_ip: self.max_pubsub_connections_per_ip,
            max_pubsub_queue_bytes: self.max_pubsub_queue_bytes,
            airdrop_lamports_per_recipient: self.airdrop_lamports_per_recipient,
            airdrop_lamports_total: self.airdrop_lamports_total,
        }
    }
}

fn default_ledger() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("orderbook-node").join("ledger")
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // solana-program-test's logger reads RUST_LOG; its per-instruction debug
    // lines would drown the status line.
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: set before any other thread starts reading the environment.
        unsafe { std::env::set_var("RUST_LOG", "error") };
    }
    orderbook_service::telemetry::init_tracing_with(&args.log);
    if let Some(so) = &args.program_so
        && !so.is_file()
    {
        anyhow::bail!("--program-so {}: no such file", so.display());
    }
    let ledger_dir = args.ledger.clone().unwrap_or_else(default_ledger);
    let node = orderbook_node::start(NodeConfig {
        rpc_addr: args.rpc_addr,
        ws_addr: args.ws_addr,
        slot_duration: Duration::from_millis(args.slot_ms),
        bank: BankConfig {
            ledger_dir: ledger_dir.clone(),
            reset: args.reset,
            finality_lag: args.finality_lag,
            program_so: args.program_so.clone(),
            history_slots: (args.history_slots > 0).then_some(args.history_slots),
        },
        limits: args.limits.limits(),
    })
    .await?;
    let program = match &args.program_so {
        Some(so) => format!("SBF build {}", so.display()),
        None => "native".to_string(),
    };
    eprintln!("orderbook-node: program {} ({program})", orderbook::ID);
    eprintln!("  JSON-RPC URL: {}", node.rpc_url());
    eprintln!("  WebSocket URL: {}", node.ws_url());
    eprintln!("  Ledger: {}", ledger_dir.display());
    eprintln!("  Genesis hash: {}", node.state.bank().genesis_hash());
    if args.program_so.is_none()
        && let Err(e) = orderbook_node::silence_native_program_output()
    {
        tracing::warn!("cannot silence the program's output: {e}");
    }
    status_until_shutdown(&node).await;
    eprintln!("\norderbook-node: stopping");
    node.shutdown().await;
    Ok(())
}

/// A status line every few seconds (on a terminal) until Ctrl-C or SIGTERM.
async fn status_until_shutdown(node: &orderbook_node::RunningNode) {
    let shutdown = orderbook_service::shutdown::requested();
    tokio::pin!(shutdown);
    let mut status = tokio::time::interval(Duration::from_secs(2));
    let terminal = std::io::stderr().is_terminal();
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = status.tick() => {
                if terminal {
                    let bank = node.state.bank();
                    eprint!(
                        "\r  slot {} | finalized {} | transactions {}   ",
                        bank.slot_at(solana_commitment_config::CommitmentLevel::Processed),
                        bank.finalized_slot(),
                        bank.transaction_count()
                    );
                }
            }
        }
    }
}
