//! Looking up what landed: signature statuses, an address's signatures,
//! transactions and blocks.

use jsonrpc_core::Value;
use solana_clock::Slot;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_types::config::{
    RpcBlockConfig, RpcEncodingConfigWrapper, RpcSignatureStatusConfig,
    RpcSignaturesForAddressConfig, RpcTransactionConfig,
};
use solana_rpc_client_types::response::RpcConfirmedTransactionStatusWithSignature;
use solana_signature::Signature;
use solana_transaction_status::{
    BlockEncodingOptions, ConfirmedBlock, ConfirmedTransactionWithStatusMeta, TransactionDetails,
    TransactionWithStatusMeta, UiTransactionEncoding,
};
use solana_transaction_status_client_types::{TransactionConfirmationStatus, TransactionStatus};

use super::{
    Args, Handler, NodeState, RpcResult, context_slot, custom, invalid_params, json, level,
    parse_pubkey, parse_signature, with_context,
};
use crate::bank::Bank;
use crate::record::TxRecord;

/// Most signatures in one `getSignatureStatuses` (as agave).
const MAX_SIGNATURE_STATUSES: usize = 256;
/// Most results of one `getSignaturesForAddress` (as agave).
const MAX_SIGNATURES_FOR_ADDRESS: usize = 1000;
/// Slots whose statuses a node keeps in its status cache (answered without
/// `searchTransactionHistory`).
const STATUS_CACHE_SLOTS: Slot = 300;

pub const METHODS: &[(&str, usize, Handler)] = &[
    ("getSignatureStatuses", 2, get_signature_statuses),
    ("getSignaturesForAddress", 2, get_signatures_for_address),
    ("getTransaction", 2, get_transaction),
    ("getBlock", 2, get_block),
];

fn status_of(bank: &Bank, record: &TxRecord) -> TransactionStatus {
    let finalized = record.slot <= bank.finalized_slot();
    TransactionStatus {
        slot: record.slot,
        confirmations: (!finalized)
            .then(|| (bank.slot_at(CommitmentLevel::Processed) - record.slot) as usize),
        status: record.err.clone().map_or(Ok(()), Err),
        err: record.err.clone(),
        confirmation_status: Some(if finalized {
            TransactionConfirmationStatus::Finalized
        } else {
            TransactionConfirmationStatus::Confirmed
        }),
    }
}

fn get_signature_statuses(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let signatures: Vec<String> = args.required(0, "signatures")?;
    if signatures.len() > MAX_SIGNATURE_STATUSES {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_SIGNATURE_STATUSES}"
        )));
    }
    let signatures = signatures
        .iter()
        .map(|s| parse_signature(s))
        .collect::<RpcResult<Vec<_>>>()?;
    let config: RpcSignatureStatusConfig =
        args.optional(1, "config")?
            .unwrap_or(RpcSignatureStatusConfig {
                search_transaction_history: false,
            });
    let bank = state.bank();
    let current = bank.slot_at(CommitmentLevel::Processed);
    let statuses = signatures
        .iter()
        .map(|signature| {
            let record = bank
                .ledger()
                .transaction(signature)
                .map_err(super::internal)?;
            Ok(record
                .filter(|r| {
                    config.search_transaction_history || current - r.slot <= STATUS_CACHE_SLOTS
                })
                .map(|r| status_of(&bank, &r)))
        })
        .collect::<RpcResult<Vec<_>>>()?;
    json(Ok(with_context(current, statuses)))
}

/// History methods answer at `confirmed` or `finalized` only, as a node.
fn history_level(commitment: Option<CommitmentConfig>) -> RpcResult<CommitmentLevel> {
    match level(commitment) {
        CommitmentLevel::Processed => Err(invalid_params(
            "Method does not support commitment below `confirmed`",
        )),
        other => Ok(other),
    }
}

fn get_signatures_for_address(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let address = parse_pubkey(&args.required::<String>(0, "address")?)?;
    let config: RpcSignaturesForAddressConfig = args.optional(1, "config")?.unwrap_or_default();
    let limit = config.limit.unwrap_or(MAX_SIGNATURES_FOR_ADDRESS);
    if limit == 0 || limit > MAX_SIGNATURES_FOR_ADDRESS {
        return Err(invalid_params(format!(
            "Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}"
        )));
    }
    let before = config.before.as_deref().map(parse_signature).transpose()?;
    let until = config.until.as_deref().map(parse_signature).transpose()?;
    let bank = state.bank();
    let commitment = history_level(config.commitment)?;
    let max_slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let signatures = page(&bank, &address, max_slot, before, until, limit)?;
    let out = signatures
        .iter()
        .filter_map(|signature| bank.ledger().transaction(signature).ok().flatten())
        .map(|record| {
            let status = status_of(&bank, &record);
            RpcConfirmedTransactionStatusWithSignature {
                signature: record.signature().to_string(),
                slot: record.slot,
                err: record.err.clone().map(Into::into),
                memo: None,
                block_time: Some(record.block_time),
                confirmation_status: status.confirmation_status,
            }
        })
        .collect::<Vec<_>>();
    json(Ok(out))
}

/// Newest first: after `before` (exclusive), down to `until` (exclusive).
fn page(
    bank: &Bank,
    address: &solana_pubkey::Pubkey,
    max_slot: Slot,
    before: Option<Signature>,
    until: Option<Signature>,
    limit: usize,
) -> RpcResult<Vec<Signature>> {
    let mut started = before.is_none();
    let mut out = Vec::new();
    bank.ledger()
        .signatures_for_address(address, max_slot, |signature| {
            if Some(signature) == until || out.len() >= limit {
                return Ok(false);
            }
            if started {
                out.push(signature);
            } else {
                started = Some(signature) == before;
            }
            Ok(true)
        })
        .map_err(super::internal)?;
    Ok(out)
}

fn get_transaction(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let signature = parse_signature(&args.required::<String>(0, "signature")?)?;
    let config = args
        .optional::<RpcEncodingConfigWrapper<RpcTransactionConfig>>(1, "config")?
        .map(|c| c.convert_to_current())
        .unwrap_or_default();
    let bank = state.bank();
    let commitment = history_level(config.commitment)?;
    let Some(record) = bank
        .transaction(&signature, commitment)
        .map_err(super::internal)?
    else {
        return Ok(Value::Null);
    };
    let confirmed = ConfirmedTransactionWithStatusMeta {
        slot: record.slot,
        tx_with_meta: TransactionWithStatusMeta::Complete(record.with_meta()),
        block_time: Some(record.block_time),
    };
    let encoded = confirmed
        .encode(
            config.encoding.unwrap_or(UiTransactionEncoding::Json),
            config.max_supported_transaction_version,
        )
        .map_err(|e| custom(e.into()))?;
    json(Ok(encoded))
}

fn get_block(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let slot: Slot = args.required(0, "slot")?;
    let config = args
        .optional::<RpcEncodingConfigWrapper<RpcBlockConfig>>(1, "config")?
        .map(|c| c.convert_to_current())
        .unwrap_or_default();
    let bank = state.bank();
    let commitment = history_level(config.commitment)?;
    let first_available_block = bank.first_available_slot();
    if slot < first_available_block {
        return Err(custom(RpcCustomError::BlockCleanedUp {
            slot,
            first_available_block,
        }));
    }
    let Some((block, txs)) = bank.block(slot, commitment).map_err(super::internal)? else {
        return Err(custom(RpcCustomError::BlockNotAvailable { slot }));
    };
    let confirmed = ConfirmedBlock {
        previous_blockhash: block.previous_blockhash.to_string(),
        blockhash: block.blockhash.to_string(),
        parent_slot: slot.saturating_sub(1),
        transactions: txs
            .iter()
            .map(|r| TransactionWithStatusMeta::Complete(r.with_meta()))
            .collect(),
        rewards: Vec::new(),
        num_partitions: None,
        block_time: Some(block.block_time),
        block_height: Some(slot),
    };
    let encoded = confirmed
        .encode_with_options(
            config.encoding.unwrap_or(UiTransactionEncoding::Json),
            BlockEncodingOptions {
                transaction_details: config
                    .transaction_details
                    .unwrap_or(TransactionDetails::Full),
                show_rewards: config.rewards.unwrap_or(true),
                max_supported_transaction_version: config.max_supported_transaction_version,
            },
        )
        .map_err(|e| custom(e.into()))?;
    json(Ok(encoded))
}
