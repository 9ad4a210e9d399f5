//! The node tests and benches run against: `orderbook-node` started in this
//! process on loopback ports (the kernel picks them) with a throw-away
//! ledger, or, when `ORDERBOOK_TEST_RPC_URL` is set, any running node or
//! validator at that URL (PubSub at `ORDERBOOK_TEST_WS_URL`, default port + 1).

use std::time::Duration;

use anyhow::{Context, Result};
use orderbook_chain::rpc::RpcChain;
use solana_keypair::Keypair;
use solana_signer::Signer;

use orderbook_node::limits::NodeLimits;
use orderbook_node::{BankConfig, NodeConfig, RunningNode};

use crate::{TEST_FINALITY_LAG, TEST_SLOT};

/// The environment variable that points tests at an external node.
pub const TEST_RPC_URL_ENV: &str = "ORDERBOOK_TEST_RPC_URL";
pub const TEST_WS_URL_ENV: &str = "ORDERBOOK_TEST_WS_URL";

pub struct LocalNode {
    pub rpc_url: String,
    pub ws_url: String,
    /// `None` when the node is external.
    pub node: Option<RunningNode>,
    _ledger: Option<tempfile::TempDir>,
}

impl LocalNode {
    /// A node with [`TEST_SLOT`] slots and the default limits, or the external one.
    pub async fn start() -> Result<Self> {
        Self::start_with(TEST_SLOT, NodeLimits::default()).await
    }

    /// A node with `slot` slots and a [`TEST_FINALITY_LAG`]-slot finality
    /// lag (so every commitment is reached quickly), or the external one.
    pub async fn start_with(slot: Duration, limits: NodeLimits) -> Result<Self> {
        if let Ok(rpc_url) = std::env::var(TEST_RPC_URL_ENV) {
            let ws_url = match std::env::var(TEST_WS_URL_ENV) {
                Ok(url) => url,
                Err(_) => orderbook_chain::rpc::default_ws_url(&rpc_url)?,
            };
            return Ok(Self {
                rpc_url,
                ws_url,
                node: None,
                _ledger: None,
            });
        }
        let ledger = tempfile::tempdir().context("a ledger directory")?;
        let node = orderbook_node::start(NodeConfig {
            slot_duration: slot,
            limits,
            ..config(ledger.path())
        })
        .await?;
        Ok(Self {
            rpc_url: node.rpc_url(),
            ws_url: node.ws_url(),
            node: Some(node),
            _ledger: Some(ledger),
        })
    }

    pub fn chain(&self) -> RpcChain {
        RpcChain::new(&self.rpc_url)
    }

    /// A new keypair holding `sol` SOL from the node's faucet.
    pub async fn funded(&self, sol: u64) -> Result<Keypair> {
        let owner = Keypair::new();
        self.chain()
            .airdrop(&owner.pubkey(), sol * 1_000_000_000)
            .await
            .context("airdrop")?;
        Ok(owner)
    }

    pub async fn stop(self) {
        if let Some(node) = self.node {
            node.shutdown().await;
        }
    }
}

/// A test node's configuration on `ledger`: loopback ports the kernel
/// picks, [`TEST_SLOT`] slots, a [`TEST_FINALITY_LAG`]-slot finality lag.
pub fn config(ledger: &std::path::Path) -> NodeConfig {
    NodeConfig {
        rpc_addr: "127.0.0.1:0".parse().expect("an address"),
        ws_addr: "127.0.0.1:0".parse().expect("an address"),
        slot_duration: TEST_SLOT,
        bank: BankConfig {
            ledger_dir: ledger.to_path_buf(),
            reset: false,
            finality_lag: TEST_FINALITY_LAG,
            program_so: None,
            history_slots: None,
        },
        limits: NodeLimits::default(),
    }
}

/// Quiet an in-process node for a binary that prints (a bench): its
/// runtime's per-instruction logs off unless `RUST_LOG` says otherwise, and
/// the natively run program's `msg!` lines (a `println!` natively) away
/// from stdout. Returns the original stdout to print to. Call it first,
/// before other threads start.
pub fn quiet_in_process_node() -> std::io::Result<std::fs::File> {
    if std::env::var_os("RUST_LOG").is_none() {
        // SAFETY: called at start-up, before other threads read the environment.
        unsafe { std::env::set_var("RUST_LOG", "error") };
    }
    orderbook_node::silence_native_program_output()
}
