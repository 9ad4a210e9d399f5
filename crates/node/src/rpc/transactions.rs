//! Sending, simulating and looking up transactions and blocks.

use jsonrpc_core::Value;
use solana_account_decoder::UiAccountEncoding;
use solana_clock::Slot;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_message::AccountKeys;
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_types::config::{
    RpcAccountInfoConfig, RpcBlockConfig, RpcEncodingConfigWrapper, RpcSendTransactionConfig,
    RpcSignatureStatusConfig, RpcSignaturesForAddressConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig,
};
use solana_rpc_client_types::response::{
    RpcBlockhash, RpcConfirmedTransactionStatusWithSignature, RpcSimulateTransactionResult,
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status::{
    BlockEncodingOptions, ConfirmedBlock, ConfirmedTransactionWithStatusMeta, TransactionDetails,
    TransactionWithStatusMeta, UiTransactionEncoding, parse_ui_inner_instructions,
};
use solana_transaction_status_client_types::{TransactionConfirmationStatus, TransactionStatus};

use super::{
    Args, Handler, NodeState, RpcResult, context_slot, custom, invalid_params, json, level,
    parse_pubkey, parse_signature, with_context,
};
use crate::bank::{Bank, Simulation};
use crate::record::TxRecord;
use crate::wire::decode_transaction;

/// Most signatures in one `getSignatureStatuses` (as agave).
const MAX_SIGNATURE_STATUSES: usize = 256;
/// Most results of one `getSignaturesForAddress` (as agave).
const MAX_SIGNATURES_FOR_ADDRESS: usize = 1000;
/// Slots whose statuses a node keeps in its status cache (answered without
/// `searchTransactionHistory`).
const STATUS_CACHE_SLOTS: Slot = 300;
/// Most addresses whose post-simulation state `simulateTransaction` returns.
const MAX_SIMULATE_ACCOUNTS: usize = 64;

pub const METHODS: &[(&str, usize, Handler)] = &[
    ("sendTransaction", 2, send_transaction),
    ("simulateTransaction", 2, simulate_transaction),
    ("getSignatureStatuses", 2, get_signature_statuses),
    ("getSignaturesForAddress", 2, get_signatures_for_address),
    ("getTransaction", 2, get_transaction),
    ("getBlock", 2, get_block),
];

fn decode_arg(
    args: &Args,
    encoding: Option<UiTransactionEncoding>,
) -> RpcResult<VersionedTransaction> {
    let text: String = args.required(0, "transaction")?;
    let encoding = encoding.unwrap_or(UiTransactionEncoding::Base58);
    let binary = encoding.into_binary_encoding().ok_or_else(|| {
        invalid_params(format!(
            "unsupported encoding: {encoding}. Supported encodings: base58, base64"
        ))
    })?;
    decode_transaction(&text, binary)
}

fn verify_signatures(tx: &VersionedTransaction) -> RpcResult<()> {
    if tx.verify_with_results().iter().all(|ok| *ok) {
        Ok(())
    } else {
        Err(custom(
            RpcCustomError::TransactionSignatureVerificationFailure,
        ))
    }
}

fn simulation_result(sim: Simulation, keys: &AccountKeys<'_>) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: sim.err.map(Into::into),
        logs: Some(sim.logs),
        accounts: None,
        units_consumed: Some(sim.units_consumed),
        loaded_accounts_data_size: None,
        return_data: sim.return_data.map(Into::into),
        inner_instructions: Some(
            sim.inner_instructions
                .into_iter()
                .map(|inner| parse_ui_inner_instructions(inner, keys))
                .collect(),
        ),
        replacement_blockhash: None,
        fee: Some(sim.fee),
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

fn preflight_failure(
    err: TransactionError,
    result: RpcSimulateTransactionResult,
) -> jsonrpc_core::Error {
    custom(RpcCustomError::SendTransactionPreflightFailure {
        message: format!("Transaction simulation failed: {err}"),
        result: RpcSimulateTransactionResult {
            err: Some(err.into()),
            ..result
        },
    })
}

fn empty_result() -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: None,
        logs: Some(Vec::new()),
        accounts: None,
        units_consumed: Some(0),
        loaded_accounts_data_size: None,
        return_data: None,
        inner_instructions: None,
        replacement_blockhash: None,
        fee: None,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

/// Preflight: the checks and the simulation a node runs before forwarding.
fn preflight(bank: &Bank, tx: &VersionedTransaction) -> RpcResult<()> {
    if bank
        .ledger()
        .transaction(&tx.signatures[0])
        .ok()
        .flatten()
        .is_some()
    {
        return Err(preflight_failure(
            TransactionError::AlreadyProcessed,
            empty_result(),
        ));
    }
    if !bank.is_blockhash_valid(tx.message.recent_blockhash()) {
        return Err(preflight_failure(
            TransactionError::BlockhashNotFound,
            empty_result(),
        ));
    }
    let sim = bank
        .simulate(tx.clone())
        .map_err(|err| preflight_failure(err, empty_result()))?;
    if let Some(err) = sim.err.clone() {
        let statics = tx.message.static_account_keys();
        let keys = AccountKeys::new(statics, None);
        return Err(preflight_failure(err, simulation_result(sim, &keys)));
    }
    Ok(())
}

fn send_transaction(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let config: RpcSendTransactionConfig = args.optional(1, "config")?.unwrap_or_default();
    let tx = decode_arg(args, config.encoding)?;
    verify_signatures(&tx)?;
    let signature = tx.signatures[0];
    let mut bank = state.bank();
    let preflight_level = config
        .preflight_commitment
        .unwrap_or(CommitmentLevel::Finalized);
    context_slot(&bank, preflight_level, config.min_context_slot)?;
    if !config.skip_preflight {
        preflight(&bank, &tx)?;
    } else if bank
        .ledger()
        .transaction(&signature)
        .ok()
        .flatten()
        .is_some()
        || !bank.is_blockhash_valid(tx.message.recent_blockhash())
    {
        // A cluster silently drops a duplicate or an expired transaction.
        return json(Ok(signature.to_string()));
    }
    match bank.land(tx) {
        Ok(_) => json(Ok(signature.to_string())),
        Err(not_landed) if config.skip_preflight => {
            tracing::debug!("dropped {signature}: {:?}", not_landed.0);
            json(Ok(signature.to_string()))
        }
        Err(not_landed) => Err(preflight_failure(not_landed.0, empty_result())),
    }
}

fn simulate_transaction(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let config: RpcSimulateTransactionConfig = args.optional(1, "config")?.unwrap_or_default();
    let mut tx = decode_arg(args, config.encoding)?;
    if config.sig_verify && config.replace_recent_blockhash {
        return Err(invalid_params(
            "sigVerify may not be used with replaceRecentBlockhash",
        ));
    }
    if config.sig_verify {
        verify_signatures(&tx)?;
    }
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let mut replacement = None;
    if config.replace_recent_blockhash {
        let (block_slot, hash) = bank.latest_block(CommitmentLevel::Processed);
        tx.message.set_recent_blockhash(hash);
        replacement = Some(RpcBlockhash {
            blockhash: hash.to_string(),
            last_valid_block_height: block_slot + crate::bank::MAX_PROCESSING_AGE,
        });
    } else if !bank.is_blockhash_valid(tx.message.recent_blockhash()) {
        let result = RpcSimulateTransactionResult {
            err: Some(TransactionError::BlockhashNotFound.into()),
            ..empty_result()
        };
        return json(Ok(with_context(slot, result)));
    }
    let accounts_config = config.accounts.clone();
    let sim = match bank.simulate(tx.clone()) {
        Ok(sim) => sim,
        Err(err) => {
            let result = RpcSimulateTransactionResult {
                err: Some(err.into()),
                ..empty_result()
            };
            return json(Ok(with_context(slot, result)));
        }
    };
    let post_accounts = sim.post_accounts.clone();
    let include_inner = config.inner_instructions;
    let keys = AccountKeys::new(tx.message.static_account_keys(), None);
    let mut result = simulation_result(sim, &keys);
    if !include_inner {
        result.inner_instructions = None;
    }
    result.replacement_blockhash = replacement;
    if let Some(accounts) = accounts_config {
        result.accounts = Some(simulated_accounts(&bank, &post_accounts, accounts)?);
    }
    json(Ok(with_context(slot, result)))
}

fn simulated_accounts(
    bank: &Bank,
    post: &std::collections::HashMap<solana_pubkey::Pubkey, solana_account::Account>,
    config: solana_rpc_client_types::config::RpcSimulateTransactionAccountsConfig,
) -> RpcResult<Vec<Option<solana_account_decoder::UiAccount>>> {
    if config.addresses.len() > MAX_SIMULATE_ACCOUNTS {
        return Err(invalid_params(format!(
            "Too many accounts provided; max {MAX_SIMULATE_ACCOUNTS}"
        )));
    }
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Base64);
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) {
        return Err(invalid_params("base58 encoding not supported"));
    }
    let account_config = RpcAccountInfoConfig {
        encoding: Some(encoding),
        ..RpcAccountInfoConfig::default()
    };
    config
        .addresses
        .iter()
        .map(|address| {
            let key = parse_pubkey(address)?;
            let account = post
                .get(&key)
                .cloned()
                .filter(|a| a.lamports > 0)
                .or_else(|| bank.account(&key, CommitmentLevel::Processed));
            account
                .map(|a| super::accounts::ui_account(bank, &key, &a, &account_config))
                .transpose()
        })
        .collect()
}

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
