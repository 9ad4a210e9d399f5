//! Node, slot, blockhash and fee methods.

use jsonrpc_core::Value;
use solana_commitment_config::CommitmentConfig;
use solana_epoch_info::EpochInfo;
use solana_message::VersionedMessage;
use solana_rpc_client_types::config::RpcContextConfig;
use solana_rpc_client_types::response::{
    RpcBlockhash, RpcIdentity, RpcPrioritizationFee, RpcVersionInfo,
};

use super::{
    Args, Handler, NodeState, RpcResult, context_slot, invalid_params, json, level, parse_hash,
    parse_pubkey, with_context,
};
use crate::fees::fee_for_message;

/// Most addresses `getRecentPrioritizationFees` takes (as agave).
const MAX_PRIORITIZATION_FEE_ADDRESSES: usize = 128;

pub const METHODS: &[(&str, usize, Handler)] = &[
    ("getVersion", 0, get_version),
    ("getHealth", 0, |_, _| Ok(Value::from("ok"))),
    ("getGenesisHash", 0, |state, _| {
        Ok(Value::from(state.bank().genesis_hash().to_string()))
    }),
    ("getIdentity", 0, |state, _| {
        json(Ok(RpcIdentity {
            identity: state.bank().identity().to_string(),
        }))
    }),
    ("getSlot", 1, get_slot),
    ("getBlockHeight", 1, get_slot),
    ("getEpochInfo", 1, get_epoch_info),
    ("getLatestBlockhash", 1, get_latest_blockhash),
    ("isBlockhashValid", 2, is_blockhash_valid),
    ("getFeeForMessage", 2, get_fee_for_message),
    ("getMinimumBalanceForRentExemption", 2, get_minimum_balance),
    (
        "getRecentPrioritizationFees",
        1,
        get_recent_prioritization_fees,
    ),
    ("getTransactionCount", 1, |state, args| {
        let config: Option<RpcContextConfig> = args.optional(0, "config")?;
        let bank = state.bank();
        let config = config.unwrap_or_default();
        context_slot(&bank, level(config.commitment), config.min_context_slot)?;
        Ok(Value::from(bank.transaction_count()))
    }),
    ("getFirstAvailableBlock", 0, |state, _| {
        Ok(Value::from(state.bank().first_available_slot()))
    }),
];

/// The agave version whose crates this node runs (what `getVersion` tells).
pub fn version_info() -> RpcVersionInfo {
    let version = solana_version::Version::default();
    RpcVersionInfo {
        solana_core: version.to_string(),
        feature_set: Some(version.feature_set),
    }
}

fn get_version(_: &NodeState, _: &Args) -> RpcResult<Value> {
    json(Ok(version_info()))
}

/// `getSlot` and `getBlockHeight` (every slot has a block, so they agree).
fn get_slot(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let config: RpcContextConfig = args.optional(0, "config")?.unwrap_or_default();
    let bank = state.bank();
    json(context_slot(
        &bank,
        level(config.commitment),
        config.min_context_slot,
    ))
}

fn get_epoch_info(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let config: RpcContextConfig = args.optional(0, "config")?.unwrap_or_default();
    let bank = state.bank();
    let slot = context_slot(&bank, level(config.commitment), config.min_context_slot)?;
    let schedule = bank.epoch_schedule();
    let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
    json(Ok(EpochInfo {
        epoch,
        slot_index,
        slots_in_epoch: schedule.get_slots_in_epoch(epoch),
        absolute_slot: slot,
        block_height: slot,
        transaction_count: Some(bank.transaction_count()),
    }))
}

fn get_latest_blockhash(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let config: RpcContextConfig = args.optional(0, "config")?.unwrap_or_default();
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let (block_slot, blockhash) = bank.latest_block(commitment);
    json(Ok(with_context(
        slot,
        RpcBlockhash {
            blockhash: blockhash.to_string(),
            last_valid_block_height: block_slot + crate::bank::MAX_PROCESSING_AGE,
        },
    )))
}

fn is_blockhash_valid(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let hash = parse_hash(&args.required::<String>(0, "blockhash")?)?;
    let config: RpcContextConfig = args.optional(1, "config")?.unwrap_or_default();
    let bank = state.bank();
    let slot = context_slot(&bank, level(config.commitment), config.min_context_slot)?;
    json(Ok(with_context(slot, bank.is_blockhash_valid(&hash))))
}

fn get_fee_for_message(state: &NodeState, args: &Args) -> RpcResult<Value> {
    use base64::Engine;
    let encoded: String = args.required(0, "message")?;
    let config: RpcContextConfig = args.optional(1, "config")?.unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&encoded)
        .map_err(|e| invalid_params(format!("invalid base64 message: {e}")))?;
    let message: VersionedMessage = super::wire::deserialize_bounded(&bytes, "message")?;
    let bank = state.bank();
    let slot = context_slot(&bank, level(config.commitment), config.min_context_slot)?;
    // A message whose blockhash has expired has no fee (the node answers null).
    let fee = bank
        .is_blockhash_valid(message.recent_blockhash())
        .then(|| fee_for_message(&message, bank.lamports_per_signature()));
    json(Ok(with_context(slot, fee)))
}

fn get_minimum_balance(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let len: usize = args.required(0, "data length")?;
    let _: Option<CommitmentConfig> = args.optional(1, "config")?;
    json(Ok(state.bank().minimum_balance(len)))
}

fn get_recent_prioritization_fees(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let addresses: Vec<String> = args.optional(0, "addresses")?.unwrap_or_default();
    if addresses.len() > MAX_PRIORITIZATION_FEE_ADDRESSES {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_PRIORITIZATION_FEE_ADDRESSES}"
        )));
    }
    let keys = addresses
        .iter()
        .map(|a| parse_pubkey(a))
        .collect::<RpcResult<Vec<_>>>()?;
    let fees = state.bank().prioritization_fees(&keys);
    json(Ok(fees
        .into_iter()
        .map(|(slot, prioritization_fee)| RpcPrioritizationFee {
            slot,
            prioritization_fee,
        })
        .collect::<Vec<_>>()))
}
