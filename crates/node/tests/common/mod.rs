//! A node on loopback with a fresh ledger, and helpers to fund and trade on it
//! through the same clients a wallet or the keeper uses.
#![allow(dead_code)]

use std::time::Duration;

use orderbook_node::{NodeConfig, RunningNode};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

pub struct TestNode {
    pub node: RunningNode,
    pub ledger: tempfile::TempDir,
}

pub use orderbook_test_support::STATE_DEADLINE;
pub use orderbook_test_support::node::config;

impl TestNode {
    pub async fn start() -> Self {
        Self::start_with(orderbook_node::limits::NodeLimits::default()).await
    }

    /// A node with these limits.
    pub async fn start_with(limits: orderbook_node::limits::NodeLimits) -> Self {
        let ledger = tempfile::tempdir().unwrap();
        let config = NodeConfig {
            limits,
            ..config(ledger.path())
        };
        let node = orderbook_node::start(config).await.unwrap();
        Self { node, ledger }
    }

    pub fn client(&self) -> RpcClient {
        RpcClient::new_with_commitment(self.node.rpc_url(), CommitmentConfig::confirmed())
    }
}

/// A new keypair holding `sol` SOL from the node's faucet.
pub async fn funded(client: &RpcClient, sol: u64) -> Keypair {
    let owner = Keypair::new();
    let signature = client
        .request_airdrop(&owner.pubkey(), sol * 1_000_000_000)
        .await
        .unwrap();
    wait_confirmed(client, &signature).await;
    owner
}

/// Wait until `signature` is confirmed, and fail the test if the transaction failed.
pub async fn wait_confirmed(client: &RpcClient, signature: &solana_signature::Signature) {
    if let Err(e) = wait_settled(client, signature).await {
        panic!("{signature} failed: {e}");
    }
}

/// Wait until `signature` is confirmed, failed or not, and return its result.
pub async fn wait_settled(
    client: &RpcClient,
    signature: &solana_signature::Signature,
) -> Result<(), solana_transaction_error::TransactionError> {
    let deadline = tokio::time::Instant::now() + STATE_DEADLINE;
    while tokio::time::Instant::now() < deadline {
        let statuses = client.get_signature_statuses(&[*signature]).await.unwrap();
        if let Some(status) = &statuses.value[0]
            && status.satisfies_commitment(CommitmentConfig::confirmed())
        {
            return status.status.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{signature} not confirmed");
}
