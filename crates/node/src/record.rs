//! What the node keeps about each landed transaction and each produced block,
//! in a form that survives a restart (bincode), and the conversions to the
//! ecosystem's status types that the RPC encoders take.

use serde::{Deserialize, Serialize};
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_clock::{Slot, UnixTimestamp};
use solana_hash::Hash;
use solana_message::v0::LoadedAddresses;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status::{
    InnerInstructions, TransactionStatusMeta, TransactionTokenBalance,
    VersionedTransactionWithStatusMeta,
};

/// A token account's balance before or after a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBalance {
    /// Index into the transaction's account keys (static, then loaded).
    pub account_index: u8,
    pub mint: Pubkey,
    pub owner: Pubkey,
    pub program_id: Pubkey,
    pub amount: u64,
    pub decimals: u8,
}

impl TokenBalance {
    pub fn to_status(&self) -> TransactionTokenBalance {
        TransactionTokenBalance {
            account_index: self.account_index,
            mint: self.mint.to_string(),
            ui_token_amount: token_amount_to_ui_amount_v3(
                self.amount,
                &SplTokenAdditionalDataV2::with_decimals(self.decimals),
            ),
            owner: self.owner.to_string(),
            program_id: self.program_id.to_string(),
        }
    }
}

/// A transaction the node landed (successful or failed and fee-charged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TxRecord {
    pub slot: Slot,
    pub block_time: UnixTimestamp,
    pub transaction: VersionedTransaction,
    pub err: Option<TransactionError>,
    pub fee: u64,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub pre_token_balances: Vec<TokenBalance>,
    pub post_token_balances: Vec<TokenBalance>,
    pub inner_instructions: Vec<InnerInstructions>,
    pub logs: Vec<String>,
    pub compute_units_consumed: u64,
    pub return_data: Option<solana_transaction_context::TransactionReturnData>,
    pub loaded_writable: Vec<Pubkey>,
    pub loaded_readonly: Vec<Pubkey>,
    /// Compute-unit price (micro-lamports) the transaction set, 0 if none.
    pub compute_unit_price: u64,
}

impl TxRecord {
    pub fn signature(&self) -> Signature {
        self.transaction.signatures[0]
    }

    /// Every account the transaction names: static keys, then loaded
    /// writable, then loaded read-only (the order balances are indexed by).
    pub fn account_keys(&self) -> Vec<Pubkey> {
        let mut keys = self.transaction.message.static_account_keys().to_vec();
        keys.extend(&self.loaded_writable);
        keys.extend(&self.loaded_readonly);
        keys
    }

    /// Accounts the transaction write-locked (for prioritization fees).
    pub fn writable_keys(&self) -> Vec<Pubkey> {
        let message = &self.transaction.message;
        let statics = message.static_account_keys();
        let mut out: Vec<Pubkey> = statics
            .iter()
            .enumerate()
            .filter(|(i, _)| message.is_maybe_writable(*i, None))
            .map(|(_, k)| *k)
            .collect();
        out.extend(&self.loaded_writable);
        out
    }

    pub fn status_meta(&self) -> TransactionStatusMeta {
        TransactionStatusMeta {
            status: self.err.clone().map_or(Ok(()), Err),
            fee: self.fee,
            pre_balances: self.pre_balances.clone(),
            post_balances: self.post_balances.clone(),
            inner_instructions: Some(self.inner_instructions.clone()),
            log_messages: Some(self.logs.clone()),
            pre_token_balances: Some(
                self.pre_token_balances
                    .iter()
                    .map(TokenBalance::to_status)
                    .collect(),
            ),
            post_token_balances: Some(
                self.post_token_balances
                    .iter()
                    .map(TokenBalance::to_status)
                    .collect(),
            ),
            rewards: Some(Vec::new()),
            loaded_addresses: LoadedAddresses {
                writable: self.loaded_writable.clone(),
                readonly: self.loaded_readonly.clone(),
            },
            return_data: self.return_data.clone(),
            compute_units_consumed: Some(self.compute_units_consumed),
            cost_units: None,
        }
    }

    pub fn with_meta(&self) -> VersionedTransactionWithStatusMeta {
        VersionedTransactionWithStatusMeta {
            transaction: self.transaction.clone(),
            meta: self.status_meta(),
        }
    }
}

/// A block the node produced: one per slot, no skipped slots, so a block's
/// height equals its slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRecord {
    pub slot: Slot,
    pub blockhash: Hash,
    pub previous_blockhash: Hash,
    pub block_time: UnixTimestamp,
}
