//! Sending and simulating transactions, with the preflight checks a
//! validator makes before it forwards one.

use jsonrpc_core::Value;
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentLevel;
use solana_message::AccountKeys;
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_types::config::{
    RpcAccountInfoConfig, RpcSendTransactionConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client_types::response::{RpcBlockhash, RpcSimulateTransactionResult};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status::{UiTransactionEncoding, parse_ui_inner_instructions};

use super::wire::decode_transaction;
use super::{
    Answer, Args, Handler, LandingHandler, NodeState, RpcResult, context_slot, custom,
    invalid_params, json, level, parse_pubkey, with_context,
};
use crate::bank::{Bank, Simulation};

/// Most addresses whose post-simulation state `simulateTransaction` returns.
const MAX_SIMULATE_ACCOUNTS: usize = 64;

pub const METHODS: &[(&str, usize, Handler)] = &[("simulateTransaction", 2, simulate_transaction)];

/// Methods that answer once their transaction is durable.
pub const LANDING_METHODS: &[(&str, usize, LandingHandler)] =
    &[("sendTransaction", 2, send_transaction)];

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

/// Whether a transaction is refused before it runs: a duplicate or an
/// expired blockhash (with preflight an error, without it silently dropped,
/// as a cluster drops them).
fn refused_before_running(bank: &Bank, tx: &VersionedTransaction) -> Option<TransactionError> {
    if bank.has_landed(&tx.signatures[0]) {
        return Some(TransactionError::AlreadyProcessed);
    }
    if !bank.is_blockhash_valid(tx.message.recent_blockhash()) {
        return Some(TransactionError::BlockhashNotFound);
    }
    None
}

fn send_transaction(state: &NodeState, args: &Args) -> RpcResult<Answer> {
    let config: RpcSendTransactionConfig = args.optional(1, "config")?.unwrap_or_default();
    let tx = decode_arg(args, config.encoding)?;
    verify_signatures(&tx)?;
    let signature = tx.signatures[0];
    let answer = Value::from(signature.to_string());
    let preflight = !config.skip_preflight;
    let mut bank = state.bank();
    let preflight_level = config
        .preflight_commitment
        .unwrap_or(CommitmentLevel::Finalized);
    context_slot(&bank, preflight_level, config.min_context_slot)?;
    if let Some(err) = refused_before_running(&bank, &tx) {
        return match preflight {
            true => Err(preflight_failure(err, empty_result())),
            false => Ok(Answer::now(answer)),
        };
    }
    // With preflight, the one execution is also the preflight simulation:
    // a failure is refused with its logs and nothing kept.
    match bank.land(tx.clone(), preflight) {
        Ok(landed) => Ok(Answer {
            value: answer,
            durable: Some(landed.durable),
        }),
        Err(not_landed) if !preflight => {
            tracing::debug!("dropped {signature}: {:?}", not_landed.err);
            Ok(Answer::now(answer))
        }
        Err(not_landed) => {
            let keys = AccountKeys::new(tx.message.static_account_keys(), None);
            let result = not_landed
                .simulation
                .map(|sim| simulation_result(*sim, &keys))
                .unwrap_or_else(empty_result);
            Err(preflight_failure(not_landed.err, result))
        }
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
        result.accounts = Some(simulated_accounts(state, &bank, &post_accounts, accounts)?);
    }
    json(Ok(with_context(slot, result)))
}

fn simulated_accounts(
    state: &NodeState,
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
    let read = config
        .addresses
        .iter()
        .map(|address| {
            let key = parse_pubkey(address)?;
            let account = post
                .get(&key)
                .cloned()
                .filter(|a| a.lamports > 0)
                .or_else(|| bank.account(&key, CommitmentLevel::Processed));
            Ok(account.map(|a| super::accounts::ReadAccount::new(bank, key, a, &account_config)))
        })
        .collect::<RpcResult<Vec<_>>>()?;
    let estimate: usize = read
        .iter()
        .flatten()
        .map(|r| super::accounts::encoded_len(&r.account, &account_config))
        .sum();
    state.check_response_size(estimate)?;
    read.iter()
        .map(|r| r.as_ref().map(|r| r.encode(&account_config)).transpose())
        .collect()
}
