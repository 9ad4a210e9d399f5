//! What a subscription asks for: its kind (account, program, signature,
//! slot, logs) with its filters, at a commitment, parsed from the request.

use jsonrpc_core::Error;
use solana_commitment_config::CommitmentLevel;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSignatureSubscribeConfig,
    RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_types::filter::RpcFilterType;
use solana_signature::Signature;

use crate::rpc::{Args, invalid_params, level, parse_pubkey, parse_signature};

#[derive(PartialEq)]
pub(super) enum Kind {
    Account {
        key: Pubkey,
        config: RpcAccountInfoConfig,
    },
    Program {
        program: Pubkey,
        filters: Vec<RpcFilterType>,
        config: RpcAccountInfoConfig,
    },
    Signature {
        signature: Signature,
    },
    Slot,
    /// `None`: every transaction.
    Logs {
        mentions: Option<Pubkey>,
    },
}

#[derive(PartialEq)]
pub(super) struct Subscription {
    pub(super) kind: Kind,
    pub(super) level: CommitmentLevel,
}

impl Kind {
    pub(super) fn method(&self) -> &'static str {
        match self {
            Kind::Account { .. } => "accountNotification",
            Kind::Program { .. } => "programNotification",
            Kind::Signature { .. } => "signatureNotification",
            Kind::Slot => "slotNotification",
            Kind::Logs { .. } => "logsNotification",
        }
    }
}

pub(super) fn account_subscription(args: &Args) -> Result<Subscription, Error> {
    let key = parse_pubkey(&args.required::<String>(0, "pubkey")?)?;
    let config: RpcAccountInfoConfig = args.optional(1, "config")?.unwrap_or_default();
    Ok(Subscription {
        level: level(config.commitment),
        kind: Kind::Account { key, config },
    })
}

pub(super) fn program_subscription(args: &Args) -> Result<Subscription, Error> {
    let program = parse_pubkey(&args.required::<String>(0, "program id")?)?;
    let config: RpcProgramAccountsConfig = args.optional(1, "config")?.unwrap_or_default();
    let filters = config.filters.unwrap_or_default();
    for filter in &filters {
        filter
            .verify()
            .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))?;
    }
    Ok(Subscription {
        level: level(config.account_config.commitment),
        kind: Kind::Program {
            program,
            filters,
            config: config.account_config,
        },
    })
}

pub(super) fn signature_subscription(args: &Args) -> Result<Subscription, Error> {
    let signature = parse_signature(&args.required::<String>(0, "signature")?)?;
    let config: RpcSignatureSubscribeConfig = args.optional(1, "config")?.unwrap_or_default();
    Ok(Subscription {
        level: level(config.commitment),
        kind: Kind::Signature { signature },
    })
}

pub(super) fn logs_subscription(args: &Args) -> Result<Subscription, Error> {
    let filter: RpcTransactionLogsFilter = args.required(0, "filter")?;
    let config: RpcTransactionLogsConfig = args
        .optional(1, "config")?
        .unwrap_or(RpcTransactionLogsConfig { commitment: None });
    let mentions = match filter {
        RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => None,
        RpcTransactionLogsFilter::Mentions(keys) => match keys.as_slice() {
            [key] => Some(parse_pubkey(key)?),
            _ => {
                return Err(invalid_params("Invalid Request: Only 1 address supported"));
            }
        },
    };
    Ok(Subscription {
        level: level(config.commitment),
        kind: Kind::Logs { mentions },
    })
}
