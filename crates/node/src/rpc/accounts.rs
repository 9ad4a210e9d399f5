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

use super::{Answer, LandingHandler};
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
];

/// Methods that answer once their transaction is durable.
pub const LANDING_METHODS: &[(&str, usize, LandingHandler)] =
    &[("requestAirdrop", 3, request_airdrop)];

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

/// An account read under the bank's lock, with what `jsonParsed` needs of
/// the bank, to be encoded once the lock is released: encoding a large
/// account takes long enough to hold up slots and every other request.
pub struct ReadAccount {
    pub key: Pubkey,
    pub account: Account,
    additional: Option<AccountAdditionalDataV3>,
}

impl ReadAccount {
    pub fn new(bank: &Bank, key: Pubkey, account: Account, config: &RpcAccountInfoConfig) -> Self {
        Self {
            additional: parse_data(bank, &account, config),
            key,
            account,
        }
    }

    /// Encode as asked (no bank needed).
    pub fn encode(&self, config: &RpcAccountInfoConfig) -> RpcResult<UiAccount> {
        encode(&self.key, &self.account, config, self.additional)
    }
}

/// What encoding `account` as `config` asks needs of the bank (a token
/// account's mint decimals, for `jsonParsed`).
pub fn parse_data(
    bank: &Bank,
    account: &Account,
    config: &RpcAccountInfoConfig,
) -> Option<AccountAdditionalDataV3> {
    (config.encoding == Some(UiAccountEncoding::JsonParsed))
        .then(|| additional_data(bank, account))
        .flatten()
}

/// Encode `account` as `config` asks, with what [`parse_data`] read.
pub fn encode(
    key: &Pubkey,
    account: &Account,
    config: &RpcAccountInfoConfig,
    additional: Option<AccountAdditionalDataV3>,
) -> RpcResult<UiAccount> {
    check_encoding(account, config)?;
    Ok(encode_ui_account(
        key,
        account,
        config.encoding.unwrap_or(UiAccountEncoding::Binary),
        additional,
        config.data_slice,
    ))
}

/// Bytes of JSON around an encoded account's data (keys, owner, lamports).
const ACCOUNT_ENVELOPE_BYTES: usize = 256;

/// An upper estimate of the bytes `account` takes encoded as `config`
/// asks, known before encoding it.
pub fn encoded_len(account: &Account, config: &RpcAccountInfoConfig) -> usize {
    let data = config.data_slice.map_or(account.data.len(), |s| {
        s.length.min(account.data.len().saturating_sub(s.offset))
    });
    let expanded = match config.encoding.unwrap_or(UiAccountEncoding::Binary) {
        UiAccountEncoding::Binary | UiAccountEncoding::Base58 => data * 138 / 100 + 1,
        // Parsed accounts are small; unparsable ones fall back to base64.
        UiAccountEncoding::Base64
        | UiAccountEncoding::Base64Zstd
        | UiAccountEncoding::JsonParsed => data.div_ceil(3) * 4,
    };
    expanded + ACCOUNT_ENVELOPE_BYTES
}

/// Refuse encodings that cannot carry the account (as agave).
fn check_encoding(account: &Account, config: &RpcAccountInfoConfig) -> RpcResult<()> {
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
    Ok(())
}

/// Encode `read` within the per-response byte limit, each distinct account
/// once (a key asked for twice is encoded once and repeated).
fn encode_all(
    state: &NodeState,
    read: &[&ReadAccount],
    config: &RpcAccountInfoConfig,
) -> RpcResult<Vec<UiAccount>> {
    let estimate: usize = read.iter().map(|r| encoded_len(&r.account, config)).sum();
    state.check_response_size(estimate)?;
    let mut encoded: std::collections::HashMap<Pubkey, UiAccount> = Default::default();
    read.iter()
        .map(|r| match encoded.get(&r.key) {
            Some(ui) => Ok(ui.clone()),
            None => {
                let ui = r.encode(config)?;
                encoded.insert(r.key, ui.clone());
                Ok(ui)
            }
        })
        .collect()
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
    let (slot, read) = {
        let bank = state.bank();
        let commitment = level(config.commitment);
        let slot = context_slot(&bank, commitment, config.min_context_slot)?;
        let read = bank
            .account(&key, commitment)
            .map(|account| ReadAccount::new(&bank, key, account, &config));
        (slot, read)
    };
    let value = match read {
        Some(read) => encode_all(state, &[&read], &config)?.pop(),
        None => None,
    };
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
    let (slot, read) = {
        let bank = state.bank();
        let commitment = level(config.commitment);
        let slot = context_slot(&bank, commitment, config.min_context_slot)?;
        let read: Vec<Option<ReadAccount>> = keys
            .iter()
            .map(|key| {
                bank.account(key, commitment)
                    .map(|account| ReadAccount::new(&bank, *key, account, &config))
            })
            .collect();
        (slot, read)
    };
    let present: Vec<&ReadAccount> = read.iter().flatten().collect();
    let mut encoded = encode_all(state, &present, &config)?.into_iter();
    let values: Vec<Option<UiAccount>> = read
        .iter()
        .map(|r| r.as_ref().and_then(|_| encoded.next()))
        .collect();
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
    let (slot, mut read) = {
        let bank = state.bank();
        let commitment = level(config.account_config.commitment);
        let slot = context_slot(&bank, commitment, config.account_config.min_context_slot)?;
        let accounts = bank.scan_accounts(commitment, |_, account| {
            account.owner == program && filters_allow(&filters, account)
        });
        (slot, read_all(&bank, accounts, &config.account_config))
    };
    if config.sort_results.unwrap_or(true) {
        read.sort_by_key(|r| r.key);
    }
    let keyed = keyed_accounts(state, &read, &config.account_config)?;
    json(Ok(if config.with_context.unwrap_or(false) {
        OptionalContext::Context(with_context(slot, keyed))
    } else {
        OptionalContext::NoContext(keyed)
    }))
}

fn read_all(
    bank: &Bank,
    accounts: Vec<(Pubkey, Account)>,
    config: &RpcAccountInfoConfig,
) -> Vec<ReadAccount> {
    accounts
        .into_iter()
        .map(|(key, account)| ReadAccount::new(bank, key, account, config))
        .collect()
}

fn keyed_accounts(
    state: &NodeState,
    read: &[ReadAccount],
    config: &RpcAccountInfoConfig,
) -> RpcResult<Vec<RpcKeyedAccount>> {
    let refs: Vec<&ReadAccount> = read.iter().collect();
    let encoded = encode_all(state, &refs, config)?;
    Ok(read
        .iter()
        .zip(encoded)
        .map(|(r, account)| RpcKeyedAccount {
            pubkey: r.key.to_string(),
            account,
        })
        .collect())
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
    let (slot, mut read) = {
        let bank = state.bank();
        let commitment = level(config.commitment);
        let slot = context_slot(&bank, commitment, config.min_context_slot)?;
        let accounts = bank.scan_accounts(commitment, |_, account| {
            program.is_none_or(|p| account.owner == p)
                && tokens::token_account(account)
                    .is_some_and(|t| t.owner == owner && mint.is_none_or(|m| t.mint == m))
        });
        (slot, read_all(&bank, accounts, &config))
    };
    read.sort_by_key(|r| r.key);
    json(Ok(with_context(
        slot,
        keyed_accounts(state, &read, &config)?,
    )))
}

fn request_airdrop(state: &NodeState, args: &Args) -> RpcResult<Answer> {
    let to = parse_pubkey(&args.required::<String>(0, "pubkey")?)?;
    let lamports: u64 = args.required(1, "lamports")?;
    let _: Option<RpcRequestAirdropConfig> = args.optional(2, "config")?;
    if lamports == 0 || lamports > MAX_AIRDROP_LAMPORTS {
        return Err(invalid_params(format!(
            "airdrop amount must be between 1 and {MAX_AIRDROP_LAMPORTS} lamports"
        )));
    }
    state
        .airdrops
        .take(&to, lamports)
        .map_err(|refused| invalid_params(refused.to_string()))?;
    let landed = state.bank().airdrop(&to, lamports);
    match landed {
        Ok(landed) => Ok(Answer {
            value: Value::from(landed.record.signature().to_string()),
            durable: Some(landed.durable),
        }),
        Err(refused) => {
            state.airdrops.give_back(&to, lamports);
            Err(internal(format!("airdrop failed: {}", refused.err)))
        }
    }
}
