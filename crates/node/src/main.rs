//! `orderbook-node`: the local node. `orderbook-node --help` lists every flag.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;
use orderbook_node::{BankConfig, NodeConfig};

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
    /// Run this SBF build of the program instead of the native one.
    #[arg(long, env = "ORDERBOOK_NODE_PROGRAM_SO")]
    program_so: Option<PathBuf>,
    /// Log filter (tracing syntax); the default prints warnings and a status line.
    #[arg(long, env = "ORDERBOOK_NODE_LOG", default_value = "warn")]
    log: String,
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
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log))
        .with_writer(std::io::stderr)
        .init();
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
        },
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
