//! The chain through a JSON-RPC node (a cluster or `solana-test-validator`).

use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;
use solana_transaction_status_client_types::{UiInstruction, UiTransactionEncoding};

use crate::{
    Chain, ChainAccount, ChainError, SignatureInfo, TxEvents, events_from_inner, tx_error,
};

/// Most accounts per `getMultipleAccounts` call.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

pub struct RpcChain {
    client: RpcClient,
    commitment: CommitmentConfig,
}

impl RpcChain {
    /// A client for `url` at `confirmed` commitment.
    pub fn new(url: &str) -> Self {
        let commitment = CommitmentConfig::confirmed();
        Self {
            client: RpcClient::new_with_commitment(url.to_string(), commitment),
            commitment,
        }
    }

    pub fn url(&self) -> String {
        self.client.url()
    }
}

fn rpc(e: ClientError) -> ChainError {
    match e.kind() {
        ErrorKind::TransactionError(t) => tx_error(t),
        _ if e.to_string().contains("BlockhashNotFound")
            || e.to_string().contains("blockhash not found") =>
        {
            ChainError::BlockhashExpired
        }
        _ => ChainError::Rpc(e.to_string()),
    }
}

fn account(a: solana_account::Account) -> ChainAccount {
    ChainAccount {
        lamports: a.lamports,
        owner: a.owner,
        data: a.data,
    }
}

#[async_trait]
impl Chain for RpcChain {
    async fn account(&self, key: &Pubkey) -> Result<Option<ChainAccount>, ChainError> {
        let r = self
            .client
            .get_account_with_commitment(key, self.commitment)
            .await
            .map_err(rpc)?;
        Ok(r.value.map(account))
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<ChainAccount>>, ChainError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
            let r = self
                .client
                .get_multiple_accounts_with_commitment(chunk, self.commitment)
                .await
                .map_err(rpc)?;
            out.extend(r.value.into_iter().map(|a| a.map(account)));
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        discriminator: [u8; 8],
        market: Option<Pubkey>,
    ) -> Result<Vec<(Pubkey, ChainAccount)>, ChainError> {
        let mut filters = vec![RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            0,
            discriminator.to_vec(),
        ))];
        if let Some(m) = market {
            filters.push(RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
                8,
                m.to_bytes().to_vec(),
            )));
        }
        let config = RpcProgramAccountsConfig {
            filters: Some(filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_rpc_client_api::config::UiAccountEncoding::Base64),
                commitment: Some(self.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        // The non-deprecated variant returns UI-encoded accounts to decode by hand.
        #[allow(deprecated)]
        let r = self
            .client
            .get_program_accounts_with_config(&orderbook::ID, config)
            .await
            .map_err(rpc)?;
        Ok(r.into_iter().map(|(k, a)| (k, account(a))).collect())
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        self.client.get_latest_blockhash().await.map_err(rpc)
    }

    async fn minimum_balance(&self, len: usize) -> Result<u64, ChainError> {
        self.client
            .get_minimum_balance_for_rent_exemption(len)
            .await
            .map_err(rpc)
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> Result<(Signature, u64), ChainError> {
        let signature = self
            .client
            .send_and_confirm_transaction(tx)
            .await
            .map_err(rpc)?;
        let status = self
            .client
            .get_signature_statuses(&[signature])
            .await
            .map_err(rpc)?;
        let slot = status
            .value
            .first()
            .cloned()
            .flatten()
            .map(|s| s.slot)
            .unwrap_or_default();
        Ok((signature, slot))
    }

    async fn prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        let fees = self
            .client
            .get_recent_prioritization_fees(accounts)
            .await
            .map_err(rpc)?;
        Ok(fees.into_iter().map(|f| f.prioritization_fee).collect())
    }

    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        let config = GetConfirmedSignaturesForAddress2Config {
            before,
            until,
            limit: Some(limit),
            commitment: Some(self.commitment),
        };
        let r = self
            .client
            .get_signatures_for_address_with_config(address, config)
            .await
            .map_err(rpc)?;
        r.into_iter()
            .map(|s| {
                Ok(SignatureInfo {
                    signature: Signature::from_str(&s.signature)
                        .map_err(|e| ChainError::Rpc(e.to_string()))?,
                    slot: s.slot,
                    failed: s.err.is_some(),
                })
            })
            .collect()
    }

    async fn transaction_events(
        &self,
        signature: &Signature,
    ) -> Result<Option<TxEvents>, ChainError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.commitment),
            max_supported_transaction_version: Some(0),
        };
        let r = match self
            .client
            .get_transaction_with_config(signature, config)
            .await
        {
            Ok(r) => r,
            Err(e) if e.to_string().contains("not found") || e.to_string().contains("null") => {
                return Ok(None);
            }
            Err(e) => return Err(rpc(e)),
        };
        let tx = r
            .transaction
            .transaction
            .decode()
            .ok_or_else(|| ChainError::Rpc("transaction does not decode".into()))?;
        let mut keys: Vec<Pubkey> = tx.message.static_account_keys().to_vec();
        let Some(meta) = r.transaction.meta else {
            return Ok(None);
        };
        if let OptionSerializer::Some(loaded) = &meta.loaded_addresses {
            for k in loaded.writable.iter().chain(&loaded.readonly) {
                keys.push(Pubkey::from_str(k).map_err(|e| ChainError::Rpc(e.to_string()))?);
            }
        }
        let mut pairs: Vec<(Pubkey, Vec<u8>)> = Vec::new();
        if meta.err.is_none()
            && let OptionSerializer::Some(inner) = &meta.inner_instructions
        {
            for group in inner {
                for ix in &group.instructions {
                    if let UiInstruction::Compiled(c) = ix {
                        let program = *keys
                            .get(c.program_id_index as usize)
                            .ok_or_else(|| ChainError::Rpc("program index out of range".into()))?;
                        let data = bs58::decode(&c.data)
                            .into_vec()
                            .map_err(|e| ChainError::Rpc(e.to_string()))?;
                        pairs.push((program, data));
                    }
                }
            }
        }
        let events = events_from_inner(pairs.iter().map(|(p, d)| (*p, d.as_slice())))?;
        let lamports = |balances: &[u64]| balances.first().map_or(0, |b| *b as i128);
        let change = lamports(&meta.post_balances) - lamports(&meta.pre_balances);
        Ok(Some(TxEvents {
            signature: *signature,
            slot: r.slot,
            block_time: r.block_time,
            events,
            fee_payer_change_lamports: i64::try_from(change)
                .map_err(|_| ChainError::Rpc(format!("a balance change of {change} lamports")))?,
        }))
    }
}

impl RpcChain {
    /// Ask the node's faucet for `lamports` (local nodes and test validators
    /// only) and wait until the transfer is confirmed.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<Signature, ChainError> {
        let signature = self
            .client
            .request_airdrop(to, lamports)
            .await
            .map_err(rpc)?;
        for _ in 0..AIRDROP_CONFIRM_POLLS {
            if self
                .client
                .confirm_transaction_with_commitment(&signature, self.commitment)
                .await
                .map_err(rpc)?
                .value
            {
                return Ok(signature);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(ChainError::Rpc(format!(
            "airdrop {signature} not confirmed"
        )))
    }

    /// The chain's genesis hash (tells one chain from another).
    pub async fn genesis_hash(&self) -> Result<Hash, ChainError> {
        self.client.get_genesis_hash().await.map_err(rpc)
    }
}

/// Polls of an airdrop's confirmation (100 ms apart).
const AIRDROP_CONFIRM_POLLS: usize = 300;

/// The PubSub URL a validator serves beside `rpc_url`: same host, port + 1,
/// `ws`/`wss` (what the Solana CLI assumes).
pub fn default_ws_url(rpc_url: &str) -> Result<String, ChainError> {
    let mut url =
        url::Url::parse(rpc_url).map_err(|e| ChainError::Rpc(format!("{rpc_url}: {e}")))?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|_| ChainError::Rpc(format!("{rpc_url}: cannot derive a WebSocket URL")))?;
    if let Some(port) = url.port() {
        url.set_port(Some(port + 1))
            .map_err(|_| ChainError::Rpc(format!("{rpc_url}: cannot set the port")))?;
    }
    Ok(url.to_string())
}

/// Ring `wake` whenever a confirmed transaction mentions `address`
/// (`logsSubscribe`), so a follower reacts within one confirmation instead of
/// one poll. Reconnects with backoff; rings once after each (re)connection so
/// the follower catches up on what happened while it was away.
pub async fn wake_on_logs(
    ws_url: String,
    address: Pubkey,
    wake: std::sync::Arc<tokio::sync::Notify>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    use futures_util::StreamExt;
    use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
    use solana_rpc_client_api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};
    let mut backoff = std::time::Duration::from_millis(200);
    while !*shutdown.borrow() {
        let connected = async {
            let client = PubsubClient::new(&ws_url)
                .await
                .map_err(|e| e.to_string())?;
            let (mut logs, _unsubscribe) = client
                .logs_subscribe(
                    RpcTransactionLogsFilter::Mentions(vec![address.to_string()]),
                    RpcTransactionLogsConfig {
                        commitment: Some(CommitmentConfig::confirmed()),
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
            wake.notify_one();
            while logs.next().await.is_some() {
                wake.notify_one();
            }
            Ok::<(), String>(())
        };
        tokio::select! {
            result = connected => match result {
                Ok(()) => tracing::warn!(%ws_url, "PubSub closed; reconnecting"),
                Err(e) => tracing::warn!(%ws_url, error = %e, retry_in = ?backoff, "PubSub unavailable; polling meanwhile"),
            },
            _ = shutdown.changed() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(std::time::Duration::from_secs(10));
    }
}

impl RpcChain {
    /// Transactions the node has processed (`getTransactionCount`).
    pub async fn transaction_count(&self) -> Result<u64, ChainError> {
        self.client
            .get_transaction_count_with_commitment(self.commitment)
            .await
            .map_err(rpc)
    }

    /// The node's current slot at the chain's commitment (`getSlot`).
    pub async fn slot(&self) -> Result<u64, ChainError> {
        self.client
            .get_slot_with_commitment(self.commitment)
            .await
            .map_err(rpc)
    }
}
