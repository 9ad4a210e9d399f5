//! A node for tests, benches and tools that need a chain: started in this
//! process on loopback ports with a throw-away ledger, or, when
//! `ORDERBOOK_TEST_RPC_URL` is set, any running node or validator at that URL
//! (PubSub at `ORDERBOOK_TEST_WS_URL`, default port + 1).

use std::time::Duration;

use anyhow::{Context, Result};
use orderbook_chain::rpc::RpcChain;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{BankConfig, NodeConfig, RunningNode};

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
    /// A node with `slot` slots and a 4-slot finality lag (so every
    /// commitment is reached quickly), or the external one.
    pub async fn start(slot: Duration) -> Result<Self> {
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
        let node = crate::start(NodeConfig {
            rpc_addr: "127.0.0.1:0".parse()?,
            ws_addr: "127.0.0.1:0".parse()?,
            slot_duration: slot,
            bank: BankConfig {
                ledger_dir: ledger.path().to_path_buf(),
                reset: false,
                finality_lag: 4,
                program_so: None,
                history_slots: None,
            },
            limits: crate::limits::NodeLimits::default(),
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
