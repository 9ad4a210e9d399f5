//! The chain interface the keeper, the indexer, the demo and the tests use,
//! implemented by [`rpc::RpcChain`] over a node's JSON-RPC and PubSub (a
//! real cluster, `solana-test-validator`, or `orderbook-node`). Tests and
//! benches hold it behind the [`Chain`] trait so that a fake is never needed:
//! they run against `orderbook-node`.

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use orderbook_client::events::ProgramEvent;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;

#[cfg(feature = "rpc")]
pub mod repeat;
pub mod rpc;
pub mod scenario;

/// An account as the chain returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainAccount {
    pub lamports: u64,
    pub owner: Pubkey,
    pub data: Vec<u8>,
}

/// A confirmed transaction that touched an address, newest first in listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureInfo {
    pub signature: Signature,
    pub slot: u64,
    /// The transaction failed (it emitted nothing).
    pub failed: bool,
}

/// The program events one confirmed transaction emitted, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct TxEvents {
    pub signature: Signature,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub events: Vec<ProgramEvent>,
    /// The fee payer's lamports after the transaction minus before (its fee
    /// included): what the transaction cost or earned whoever sent it.
    pub fee_payer_change_lamports: i64,
}

/// Why a chain call failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// The blockhash expired before the transaction landed: rebuild and resend.
    #[error("blockhash expired")]
    BlockhashExpired,
    /// The transaction executed and failed; `code` is the custom program error if any.
    #[error("transaction failed: {message}")]
    Transaction { code: Option<u32>, message: String },
    /// Transport, node or decoding trouble; usually worth retrying.
    #[error("rpc error: {0}")]
    Rpc(String),
}

#[async_trait]
pub trait Chain: Send + Sync + 'static {
    /// One account, `None` if it does not exist.
    async fn account(&self, key: &Pubkey) -> Result<Option<ChainAccount>, ChainError>;

    /// Several accounts, in the order asked.
    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<ChainAccount>>, ChainError>;

    /// Accounts of the orderbook program whose data starts with
    /// `discriminator` and, when `market` is given, holds it at bytes 8..40
    /// (trader accounts).
    async fn program_accounts(
        &self,
        discriminator: [u8; 8],
        market: Option<Pubkey>,
    ) -> Result<Vec<(Pubkey, ChainAccount)>, ChainError>;

    async fn latest_blockhash(&self) -> Result<Hash, ChainError>;

    /// Rent-exempt minimum balance for `len` bytes of data.
    async fn minimum_balance(&self, len: usize) -> Result<u64, ChainError>;

    /// Send and wait for confirmation; returns the signature and slot.
    async fn send_and_confirm(&self, tx: &Transaction) -> Result<(Signature, u64), ChainError>;

    /// Recent prioritization fees (micro-lamports per CU) paid by
    /// transactions that write-locked any of `accounts`.
    async fn prioritization_fees(&self, accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError>;

    /// Confirmed signatures that mention `address`, newest first: those
    /// older than `before` (exclusive) and newer than `until` (exclusive), at
    /// most `limit`.
    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError>;

    /// The orderbook program's events in a confirmed transaction, decoded
    /// from its inner instructions; `None` if the transaction is unknown.
    async fn transaction_events(
        &self,
        signature: &Signature,
    ) -> Result<Option<TxEvents>, ChainError>;
}

/// Program events contained in a transaction's inner instructions, given
/// `(program id, instruction data)` pairs in order.
pub fn events_from_inner<'a>(
    inner: impl IntoIterator<Item = (Pubkey, &'a [u8])>,
) -> Result<Vec<ProgramEvent>, ChainError> {
    let mut out = Vec::new();
    for (program, data) in inner {
        if program == orderbook::ID && orderbook_client::events::is_event_batch(data) {
            out.extend(
                orderbook_client::events::decode_batch(data)
                    .map_err(|e| ChainError::Rpc(e.to_string()))?,
            );
        }
    }
    Ok(out)
}

/// Map a transaction error to [`ChainError`], keeping the custom code.
#[cfg(feature = "rpc")]
pub(crate) fn tx_error(e: &solana_transaction_error::TransactionError) -> ChainError {
    use solana_instruction_error::InstructionError;
    use solana_transaction_error::TransactionError;
    match e {
        TransactionError::BlockhashNotFound => ChainError::BlockhashExpired,
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => {
            ChainError::Transaction {
                code: Some(*c),
                message: e.to_string(),
            }
        }
        other => ChainError::Transaction {
            code: None,
            message: other.to_string(),
        },
    }
}
