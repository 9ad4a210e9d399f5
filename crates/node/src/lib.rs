//! `orderbook-node`: a local Solana node for the order book. A LiteSVM bank
//! runs the program (natively, or an SBF build with `--program-so`) with the
//! real SPL Token / Token-2022 / ATA programs; slots advance on a clock;
//! JSON-RPC and PubSub answer as `solana-test-validator` does; the ledger
//! (accounts and transaction history) survives restarts.

// agave 3.1 marks solana-program-test and solana-transaction-status as
// "unstable API" (a feature flag from 4.0 on); these are the crates the
// ecosystem's own tools use for exactly this.
#![allow(deprecated)]

pub mod bank;
pub mod fees;
pub mod ledger;
pub mod limits;
pub mod pubsub;
pub mod record;
pub mod rpc;
pub mod tokens;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use bank::BankConfig;

/// Natively, the program's `msg!` is a `println!` (on-chain it is a log
/// syscall), so every instruction would print to this process's stdout.
/// Point fd 1 at /dev/null; the returned file is the original stdout, for
/// a binary whose output belongs there.
pub fn silence_native_program_output() -> std::io::Result<std::fs::File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    // SAFETY: dup and dup2 on valid descriptors; the duplicate is owned by
    // the returned File alone, and fd 1 stays open (now on /dev/null).
    unsafe {
        let original = libc::dup(1);
        if original < 0 || libc::dup2(null.as_raw_fd(), 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(std::fs::File::from_raw_fd(original))
    }
}

/// How a node is started.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub rpc_addr: SocketAddr,
    pub ws_addr: SocketAddr,
    pub slot_duration: Duration,
    pub bank: BankConfig,
    /// What one client may cost the node.
    pub limits: limits::NodeLimits,
}

/// A started node; `shutdown` stops it.
pub struct RunningNode {
    pub rpc_addr: SocketAddr,
    pub ws_addr: SocketAddr,
    pub state: rpc::Shared,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningNode {
    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.rpc_addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// Stop serving and the slot clock; open WebSockets get a second to
    /// close; then wait (as long as `LEDGER_FLUSH_TIMEOUT`) for what landed to be durable.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
        let flushed = self.state.bank().flush();
        match tokio::time::timeout(LEDGER_FLUSH_TIMEOUT, flushed.wait()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("{e}"),
            Err(_) => {
                tracing::error!("the ledger did not finish writing within {LEDGER_FLUSH_TIMEOUT:?}")
            }
        }
    }
}

/// How long a shutdown waits for the last group of writes to be durable.
const LEDGER_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the slot clock waits for a closed block to be durable; past it
/// the clock warns and goes on (blocks are still written in order).
const BLOCK_WRITE_WARNING: Duration = Duration::from_secs(5);

async fn bind(addr: SocketAddr, what: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen for {what} on {addr} (is another node or validator running? choose another address with the flag)")
    })
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// Open the ledger, bind both ports and start the slot clock.
pub async fn start(config: NodeConfig) -> Result<RunningNode> {
    let rpc_listener = bind(config.rpc_addr, "JSON-RPC").await?;
    let ws_listener = bind(config.ws_addr, "PubSub").await?;
    let bank_config = config.bank.clone();
    let (bank, _) = tokio::task::spawn_blocking(move || bank::Bank::open(&bank_config))
        .await
        .context("opening the bank")??;
    let state = rpc::NodeState::new(bank, config.limits.clone());
    let (stop, stop_rx) = watch::channel(false);
    let rpc_addr = rpc_listener.local_addr()?;
    let ws_addr = ws_listener.local_addr()?;
    let tasks = vec![
        tokio::spawn(slot_clock(
            state.clone(),
            config.slot_duration,
            stop_rx.clone(),
        )),
        tokio::spawn({
            let state = state.clone();
            let shutdown = stopped(stop_rx.clone());
            async move {
                if let Err(e) = rpc::serve(rpc_listener, state, shutdown).await {
                    tracing::error!("JSON-RPC server: {e}");
                }
            }
        }),
        tokio::spawn({
            let state = state.clone();
            let shutdown = stopped(stop_rx);
            async move {
                if let Err(e) = pubsub::serve(ws_listener, state, shutdown).await {
                    tracing::error!("PubSub server: {e}");
                }
            }
        }),
    ];
    Ok(RunningNode {
        rpc_addr,
        ws_addr,
        state,
        stop,
        tasks,
    })
}

/// Wait until a closed block is durable, so the next one follows it.
async fn wait_for_block(block: bank::Durable) {
    let waited = tokio::time::timeout(BLOCK_WRITE_WARNING, block.wait()).await;
    match waited {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!("closing the block: {e}"),
        Err(_) => tracing::warn!(
            "the ledger has not written the last block after {BLOCK_WRITE_WARNING:?}: is the disk stalled?"
        ),
    }
}

/// Close a block every `slot_duration`, like a leader.
async fn slot_clock(state: rpc::Shared, slot_duration: Duration, mut stop: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(slot_duration);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let advanced = state.bank().advance_slot();
        match advanced {
            Ok(block) => wait_for_block(block).await,
            Err(e) => tracing::error!("closing the block failed: {e:#}"),
        }
    }
}
