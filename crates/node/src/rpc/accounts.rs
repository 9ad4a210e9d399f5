//! Account, token and airdrop methods.

use jsonrpc_core::Value;
use solana_account::Account;
use solana_account_decoder::parse_account_data::{
    AccountAdditionalDataV3, SplTokenAdditionalDataV2,
};
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_account_decoder::{MAX_BASE58_BYTES, UiAccount, UiAccountEncoding, encode_ui_account};
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcRequestAirdropConfig, RpcTokenAccountsFilter,
};
use solana_rpc_client_types::filter::RpcFilterType;
use solana_rpc_client_types::response::{OptionalContext, RpcKeyedAccount};

use super::{
    Args, Handler, NodeState, RpcResult, context_slot, internal, invalid_params, json, level,
    parse_pubkey, with_context,
};
use crate::bank::Bank;
use crate::tokens;

/// Most keys in one `getMultipleAccounts` (as agave).
pub const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// Most filters in one `getProgramAccounts` (as agave).
const MAX_GET_PROGRAM_ACCOUNT_FILTERS: usize = 4;
/// Largest airdrop, in lamports (1,000 SOL).
const MAX_AIRDROP_LAMPORTS: u64 = 1_000 * 1_000_000_000;

pub const METHODS: &[(&str, usize, Handler)] = &[
    ("getBalance", 2, get_balance),
    ("getAccountInfo", 2, get_account_info),
    ("getMultipleAccounts", 2, get_multiple_accounts),
    ("getProgramAccounts", 2, get_program_accounts),
    ("getTokenAccountBalance", 2, get_token_account_balance),
    ("getTokenAccountsByOwner", 3, get_token_accounts_by_owner),
    ("getTokenSupply", 2, get_token_supply),
    ("requestAirdrop", 3, request_airdrop),
];

/// Token accounts need their mint's decimals to be parsed.
fn additional_data(bank: &Bank, account: &Account) -> Option<AccountAdditionalDataV3> {
    let state = tokens::token_account(account)?;
    let mint = bank.account(
        &state.mint,
        solana_commitment_config::CommitmentLevel::Processed,
    )?;
    Some(AccountAdditionalDataV3 {
        spl_token_additional_data: Some(SplTokenAdditionalDataV2::with_decimals(
            tokens::mint_decimals(&mint)?,
        )),
    })
}

/// Encode as asked, refusing base58 for data it cannot carry (as agave).
pub fn ui_account(
    bank: &Bank,
    key: &Pubkey,
    account: &Account,
    config: &RpcAccountInfoConfig,
) -> RpcResult<UiAccount> {
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) {
        let len = config
            .data_slice
            .map_or(account.data.len(), |s| s.length.min(account.data.len()));
        if len > MAX_BASE58_BYTES {
            return Err(invalid_params(format!(
                "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding."
            )));
        }
    }
    if encoding == UiAccountEncoding::JsonParsed && config.data_slice.is_some() {
        return Err(invalid_params(
            "Sliced account data can only be encoded using binary (base 58) or base64 encoding.",
        ));
    }
    let additional = (encoding == UiAccountEncoding::JsonParsed)
        .then(|| additional_data(bank, account))
        .flatten();
    Ok(encode_ui_account(
        key,
        account,
        encoding,
        additional,
        config.data_slice,
    ))
}

fn get_balance(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let key = parse_pubkey(&args.required::<String>(0, "pubkey")?)?;
    let config: solana_rpc_client_types::config::RpcContextConfig =
        args.optional(1, "config")?.unwrap_or_default();
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let lamports = bank.account(&key, commitment).map_or(0, |a| a.lamports);
    json(Ok(with_context(slot, lamports)))
}

fn get_account_info(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let key = parse_pubkey(&args.required::<String>(0, "pubkey")?)?;
    let config: RpcAccountInfoConfig = args.optional(1, "config")?.unwrap_or_default();
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let value = bank
        .account(&key, commitment)
        .map(|account| ui_account(&bank, &key, &account, &config))
        .transpose()?;
    json(Ok(with_context(slot, value)))
}

fn get_multiple_accounts(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let keys: Vec<String> = args.required(0, "pubkeys")?;
    if keys.len() > MAX_MULTIPLE_ACCOUNTS {
        return Err(invalid_params(format!(
            "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
        )));
    }
    let keys = keys
        .iter()
        .map(|k| parse_pubkey(k))
        .collect::<RpcResult<Vec<_>>>()?;
    let config: RpcAccountInfoConfig = args.optional(1, "config")?.unwrap_or_default();
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let values = keys
        .iter()
        .map(|key| {
            bank.account(key, commitment)
                .map(|account| ui_account(&bank, key, &account, &config))
                .transpose()
        })
        .collect::<RpcResult<Vec<_>>>()?;
    json(Ok(with_context(slot, values)))
}

fn check_filters(filters: &[RpcFilterType]) -> RpcResult<()> {
    if filters.len() > MAX_GET_PROGRAM_ACCOUNT_FILTERS {
        return Err(invalid_params(format!(
            "Too many filters provided; max {MAX_GET_PROGRAM_ACCOUNT_FILTERS}"
        )));
    }
    for filter in filters {
        filter
            .verify()
            .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
    }
    Ok(())
}

pub fn filters_allow(filters: &[RpcFilterType], account: &Account) -> bool {
    filters.iter().all(|filter| match filter {
        RpcFilterType::DataSize(size) => account.data.len() as u64 == *size,
        RpcFilterType::Memcmp(memcmp) => memcmp.bytes_match(&account.data),
        RpcFilterType::TokenAccountState => tokens::token_account(account).is_some(),
    })
}

fn get_program_accounts(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let program = parse_pubkey(&args.required::<String>(0, "program id")?)?;
    let config: RpcProgramAccountsConfig = args.optional(1, "config")?.unwrap_or_default();
    let filters = config.filters.clone().unwrap_or_default();
    check_filters(&filters)?;
    let bank = state.bank();
    let commitment = level(config.account_config.commitment);
    let slot = context_slot(&bank, commitment, config.account_config.min_context_slot)?;
    let mut accounts = bank.scan_accounts(commitment, |_, account| {
        account.owner == program && filters_allow(&filters, account)
    });
    if config.sort_results.unwrap_or(true) {
        accounts.sort_by_key(|(key, _)| *key);
    }
    let keyed = keyed_accounts(&bank, accounts, &config.account_config)?;
    json(Ok(if config.with_context.unwrap_or(false) {
        OptionalContext::Context(with_context(slot, keyed))
    } else {
        OptionalContext::NoContext(keyed)
    }))
}

fn keyed_accounts(
    bank: &Bank,
    accounts: Vec<(Pubkey, Account)>,
    config: &RpcAccountInfoConfig,
) -> RpcResult<Vec<RpcKeyedAccount>> {
    accounts
        .into_iter()
        .map(|(key, account)| {
            Ok(RpcKeyedAccount {
                pubkey: key.to_string(),
                account: ui_account(bank, &key, &account, config)?,
            })
        })
        .collect()
}

fn get_token_account_balance(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let key = parse_pubkey(&args.required::<String>(0, "token account")?)?;
    let commitment = level(args.optional::<CommitmentConfig>(1, "config")?);
    let bank = state.bank();
    let slot = bank.slot_at(commitment);
    let not_token = || invalid_params("Invalid param: not a Token account");
    let account = bank.account(&key, commitment).ok_or_else(not_token)?;
    let token = tokens::token_account(&account).ok_or_else(not_token)?;
    let decimals = bank
        .account(&token.mint, commitment)
        .and_then(|mint| tokens::mint_decimals(&mint))
        .ok_or_else(|| invalid_params("Invalid param: mint could not be unpacked"))?;
    json(Ok(with_context(
        slot,
        token_amount_to_ui_amount_v3(
            token.amount,
            &SplTokenAdditionalDataV2::with_decimals(decimals),
        ),
    )))
}

fn get_token_supply(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let key = parse_pubkey(&args.required::<String>(0, "mint")?)?;
    let commitment = level(args.optional::<CommitmentConfig>(1, "config")?);
    let bank = state.bank();
    let slot = bank.slot_at(commitment);
    let mint = bank
        .account(&key, commitment)
        .and_then(|account| tokens::mint(&account))
        .ok_or_else(|| invalid_params("Invalid param: not a Token mint"))?;
    json(Ok(with_context(
        slot,
        token_amount_to_ui_amount_v3(
            mint.supply,
            &SplTokenAdditionalDataV2::with_decimals(mint.decimals),
        ),
    )))
}

fn get_token_accounts_by_owner(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let owner = parse_pubkey(&args.required::<String>(0, "owner")?)?;
    let filter: RpcTokenAccountsFilter = args.required(1, "mint or programId filter")?;
    let config: RpcAccountInfoConfig = args.optional(2, "config")?.unwrap_or_default();
    let (mint, program) = match filter {
        RpcTokenAccountsFilter::Mint(mint) => (Some(parse_pubkey(&mint)?), None),
        RpcTokenAccountsFilter::ProgramId(program) => {
            let program = parse_pubkey(&program)?;
            if !tokens::is_token_program(&program) {
                return Err(invalid_params(
                    "Invalid param: unrecognized Token program id",
                ));
            }
            (None, Some(program))
        }
    };
    let bank = state.bank();
    let commitment = level(config.commitment);
    let slot = context_slot(&bank, commitment, config.min_context_slot)?;
    let mut accounts = bank.scan_accounts(commitment, |_, account| {
        program.is_none_or(|p| account.owner == p)
            && tokens::token_account(account)
                .is_some_and(|t| t.owner == owner && mint.is_none_or(|m| t.mint == m))
    });
    accounts.sort_by_key(|(key, _)| *key);
    json(Ok(with_context(
        slot,
        keyed_accounts(&bank, accounts, &config)?,
    )))
}

fn request_airdrop(state: &NodeState, args: &Args) -> RpcResult<Value> {
    let to = parse_pubkey(&args.required::<String>(0, "pubkey")?)?;
    let lamports: u64 = args.required(1, "lamports")?;
    let _: Option<RpcRequestAirdropConfig> = args.optional(2, "config")?;
    if lamports == 0 || lamports > MAX_AIRDROP_LAMPORTS {
        return Err(invalid_params(format!(
            "airdrop amount must be between 1 and {MAX_AIRDROP_LAMPORTS} lamports"
        )));
    }
    let record = state
        .bank()
        .airdrop(&to, lamports)
        .map_err(|e| internal(format!("airdrop failed: {}", e.0)))?;
    if let Some(err) = &record.err {
        return Err(internal(format!("airdrop failed: {err}")));
    }
    json(Ok(record.signature().to_string()))
}
