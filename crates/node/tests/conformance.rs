//! Every JSON-RPC method and PubSub subscription the node serves, called
//! through the ecosystem's own clients (`solana-rpc-client`,
//! `solana-pubsub-client`), which parse the node's answers into their types.

// The byte-decoding account getters are deprecated in favour of the UI ones;
// wallets still call them, so they are exercised here.
#![allow(deprecated)]

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::ix;
use serde_json::json;
use solana_account_decoder::{UiAccountData, UiAccountEncoding, UiDataSliceConfig};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage, v0};
use solana_pubkey::Pubkey;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcBlockConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSignatureSubscribeConfig, RpcSimulateTransactionAccountsConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig, RpcTransactionLogsConfig,
    RpcTransactionLogsFilter,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::{
    RpcError, RpcRequest, RpcResponseErrorData, TokenAccountsFilter,
};
use solana_rpc_client_api::response::{Response, RpcSignatureResult};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{
    EncodedTransaction, TransactionConfirmationStatus, TransactionDetails, UiTransactionEncoding,
};

const CONFIRMED: CommitmentConfig = CommitmentConfig::confirmed();

struct World {
    node: common::TestNode,
    client: RpcClient,
    payer: Keypair,
    market: MarketSetup,
    maker: TraderSetup,
}

async fn world() -> World {
    let node = common::TestNode::start().await;
    let client = node.client();
    let payer = common::funded(&client, 100).await;
    let chain = RpcChain::new(&node.node.rpc_url());
    let market = scenario::create_market(
        &chain,
        &payer,
        scenario::standard_market_args(payer.pubkey()),
        64,
        orderbook::state::MIN_QUEUE_EVENTS,
    )
    .await
    .unwrap();
    let maker = scenario::trader(
        &chain,
        &payer,
        &market,
        Funding {
            lamports: 1_000_000_000,
            base_atoms: 5_000_000,
            quote_atoms: 7_000_000,
            deposit_pct: 40,
        },
    )
    .await
    .unwrap();
    World {
        node,
        client,
        payer,
        market,
        maker,
    }
}

fn transfer(
    from: &Keypair,
    to: &Pubkey,
    lamports: u64,
    blockhash: solana_hash::Hash,
) -> Transaction {
    Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &from.pubkey(),
            to,
            lamports,
        )],
        Some(&from.pubkey()),
        &[from],
        blockhash,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_and_slot_methods() {
    let w = world().await;
    let c = &w.client;
    assert!(!c.get_version().await.unwrap().solana_core.is_empty());
    c.get_health().await.unwrap();
    let genesis = c.get_genesis_hash().await.unwrap();
    assert_ne!(genesis, solana_hash::Hash::default());
    c.get_identity().await.unwrap();

    let processed = c
        .get_slot_with_commitment(CommitmentConfig::processed())
        .await
        .unwrap();
    let finalized = c
        .get_slot_with_commitment(CommitmentConfig::finalized())
        .await
        .unwrap();
    assert!(
        finalized + orderbook_test_support::TEST_FINALITY_LAG >= processed && finalized < processed
    );
    let height = c.get_block_height_with_commitment(CONFIRMED).await.unwrap();
    assert!(height >= processed);
    let epoch = c.get_epoch_info().await.unwrap();
    assert!(epoch.absolute_slot >= finalized && epoch.transaction_count.unwrap() >= 5);

    let (hash, last_valid) = c
        .get_latest_blockhash_with_commitment(CONFIRMED)
        .await
        .unwrap();
    assert!(last_valid >= height && last_valid <= height + 150);
    assert!(c.is_blockhash_valid(&hash, CONFIRMED).await.unwrap());
    assert!(
        !c.is_blockhash_valid(&solana_hash::Hash::new_unique(), CONFIRMED)
            .await
            .unwrap()
    );
    let message = Message::new_with_blockhash(
        &[solana_system_interface::instruction::transfer(
            &w.payer.pubkey(),
            &Pubkey::new_unique(),
            1,
        )],
        Some(&w.payer.pubkey()),
        &hash,
    );
    assert_eq!(c.get_fee_for_message(&message).await.unwrap(), 5_000);
    let rent = c.get_minimum_balance_for_rent_exemption(165).await.unwrap();
    assert!(rent > 0);
    let fees = c
        .get_recent_prioritization_fees(&[w.market.keys.market])
        .await
        .unwrap();
    assert!(!fees.is_empty() && fees.iter().all(|f| f.prioritization_fee == 0));

    // A slot not reached yet is refused, as a node refuses it.
    let err = c
        .send::<u64>(
            RpcRequest::GetSlot,
            json!([{"minContextSlot": processed + 1_000_000}]),
        )
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&err), Some(-32016), "{err}");
    w.node.node.shutdown().await;
}

fn rpc_code(err: &solana_rpc_client_api::client_error::Error) -> Option<i64> {
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => Some(*code),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_and_token_methods() {
    let w = world().await;
    let c = &w.client;
    let wallet = w.maker.base_wallet;
    let mint = w.market.keys.base_mint;

    let balance = c
        .get_balance_with_commitment(&w.payer.pubkey(), CONFIRMED)
        .await
        .unwrap();
    assert!(balance.value > 0 && balance.value < 100_000_000_000);

    // The same account in every binary encoding decodes to the same bytes
    // (the mint: base58 carries at most 128 bytes).
    let mut seen = Vec::new();
    for encoding in [
        UiAccountEncoding::Base58,
        UiAccountEncoding::Base64,
        UiAccountEncoding::Base64Zstd,
    ] {
        let account = c
            .get_account_with_config(
                &mint,
                RpcAccountInfoConfig {
                    encoding: Some(encoding),
                    commitment: Some(CONFIRMED),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .value
            .expect("wallet exists");
        assert_eq!(account.owner, spl_token_interface::ID);
        seen.push(account.data);
    }
    assert!(seen.windows(2).all(|p| p[0] == p[1]) && seen[0].len() == 82);

    // A data slice.
    let sliced = c
        .get_account_with_config(
            &wallet,
            RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                data_slice: Some(UiDataSliceConfig {
                    offset: 32,
                    length: 32,
                }),
                commitment: Some(CONFIRMED),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .value
        .unwrap();
    assert_eq!(sliced.data, w.maker.owner.pubkey().to_bytes());

    // jsonParsed: the token account parsed with its mint's decimals.
    let parsed: Response<Option<solana_account_decoder::UiAccount>> = c
        .send(
            RpcRequest::GetAccountInfo,
            json!([wallet.to_string(), {"encoding": "jsonParsed", "commitment": "confirmed"}]),
        )
        .await
        .unwrap();
    let UiAccountData::Json(json_data) = parsed.value.unwrap().data else {
        panic!("not parsed")
    };
    assert_eq!(json_data.program, "spl-token");
    assert_eq!(
        json_data.parsed["info"]["tokenAmount"]["decimals"],
        scenario::BASE_DECIMALS
    );
    assert_eq!(
        json_data.parsed["info"]["owner"],
        w.maker.owner.pubkey().to_string()
    );

    let many = c
        .get_multiple_accounts_with_commitment(&[wallet, Pubkey::new_unique(), mint], CONFIRMED)
        .await
        .unwrap();
    assert!(many.value[0].is_some() && many.value[1].is_none() && many.value[2].is_some());

    // Program accounts with memcmp and dataSize filters, with and without context.
    let filters = vec![
        RpcFilterType::DataSize(165),
        RpcFilterType::Memcmp(Memcmp::new_raw_bytes(
            32,
            w.maker.owner.pubkey().to_bytes().to_vec(),
        )),
    ];
    let owned = c
        .get_program_accounts_with_config(
            &spl_token_interface::ID,
            RpcProgramAccountsConfig {
                filters: Some(filters.clone()),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(UiAccountEncoding::Base64),
                    commitment: Some(CONFIRMED),
                    ..Default::default()
                },
                with_context: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut keys: Vec<Pubkey> = owned.iter().map(|(k, _)| *k).collect();
    keys.sort();
    let mut expected = vec![w.maker.base_wallet, w.maker.quote_wallet];
    expected.sort();
    assert_eq!(keys, expected);

    let token_balance = c
        .get_token_account_balance_with_commitment(&wallet, CONFIRMED)
        .await
        .unwrap();
    assert_eq!(token_balance.value.amount, "3000000"); // 40% of 5,000,000 deposited
    assert_eq!(token_balance.value.decimals, scenario::BASE_DECIMALS);
    let by_owner = c
        .get_token_accounts_by_owner_with_commitment(
            &w.maker.owner.pubkey(),
            TokenAccountsFilter::ProgramId(spl_token_interface::ID),
            CONFIRMED,
        )
        .await
        .unwrap();
    assert_eq!(by_owner.value.len(), 2);
    let by_mint = c
        .get_token_accounts_by_owner_with_commitment(
            &w.maker.owner.pubkey(),
            TokenAccountsFilter::Mint(mint),
            CONFIRMED,
        )
        .await
        .unwrap();
    assert_eq!(by_mint.value.len(), 1);
    assert_eq!(by_mint.value[0].pubkey, wallet.to_string());
    let supply = c
        .get_token_supply_with_commitment(&mint, CONFIRMED)
        .await
        .unwrap();
    assert_eq!(supply.value.amount, "5000000");
    w.node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_simulating_and_history() {
    let w = world().await;
    let c = &w.client;
    let to = Pubkey::new_unique();
    let blockhash = c.get_latest_blockhash().await.unwrap();

    // base58 (the client's default is base64: ask for base58 explicitly).
    let tx = transfer(&w.payer, &to, 1_000_000, blockhash);
    let base58 = c
        .send_transaction_with_config(
            &tx,
            RpcSendTransactionConfig {
                encoding: Some(UiTransactionEncoding::Base58),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    common::wait_confirmed(c, &base58).await;
    // base64, a v0 message, preflight skipped.
    let message = v0::Message::try_compile(
        &w.payer.pubkey(),
        &[solana_system_interface::instruction::transfer(
            &w.payer.pubkey(),
            &to,
            2_000_000,
        )],
        &[],
        blockhash,
    )
    .unwrap();
    let v0_tx = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&w.payer]).unwrap();
    let v0_signature = c
        .send_transaction_with_config(
            &v0_tx,
            RpcSendTransactionConfig {
                skip_preflight: true,
                encoding: Some(UiTransactionEncoding::Base64),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    common::wait_confirmed(c, &v0_signature).await;
    assert_eq!(
        c.get_balance_with_commitment(&to, CONFIRMED)
            .await
            .unwrap()
            .value,
        3_000_000
    );

    // A preflight failure: -32002 with the simulation's err, logs and units.
    let overdraw = ix::withdraw(
        &w.maker.owner.pubkey(),
        &w.market.keys,
        orderbook_client::TokenKind::Base,
        &w.maker.base_wallet,
        u64::MAX / 2,
    );
    let failing = Transaction::new_signed_with_payer(
        &[overdraw],
        Some(&w.maker.owner.pubkey()),
        &[&w.maker.owner],
        blockhash,
    );
    let owner = w.maker.owner.pubkey();
    let before_failure = c
        .get_balance_with_commitment(&owner, CONFIRMED)
        .await
        .unwrap()
        .value;
    let err = c.send_transaction(&failing).await.unwrap_err();
    let ErrorKind::RpcError(RpcError::RpcResponseError { code, data, .. }) = err.kind() else {
        panic!("{err}")
    };
    assert_eq!(*code, -32002);
    let RpcResponseErrorData::SendTransactionPreflightFailure(result) = data else {
        panic!("{data:?}")
    };
    assert!(result.err.is_some());
    assert!(result.logs.as_ref().is_some_and(|l| !l.is_empty()));
    assert!(result.units_consumed.is_some());
    // Refused by preflight, it kept nothing: no fee, no status.
    assert_eq!(
        c.get_balance_with_commitment(&owner, CONFIRMED)
            .await
            .unwrap()
            .value,
        before_failure
    );
    let refused = c
        .get_signature_statuses(&[failing.signatures[0]])
        .await
        .unwrap();
    assert!(refused.value[0].is_none());
    // Sent without preflight it lands, fails and pays its fee once.
    let failed = c
        .send_transaction_with_config(
            &failing,
            RpcSendTransactionConfig {
                skip_preflight: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(common::wait_settled(c, &failed).await.is_err());
    let after_failure = c
        .get_balance_with_commitment(&owner, CONFIRMED)
        .await
        .unwrap()
        .value;
    assert_eq!(before_failure - after_failure, 5_000);

    // Simulation: sigVerify, replaceRecentBlockhash, accounts, inner instructions.
    let sim = c
        .simulate_transaction_with_config(
            &transfer(&w.payer, &to, 5, blockhash),
            RpcSimulateTransactionConfig {
                sig_verify: true,
                accounts: Some(RpcSimulateTransactionAccountsConfig {
                    encoding: Some(UiAccountEncoding::Base64),
                    addresses: vec![to.to_string()],
                }),
                inner_instructions: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .value;
    assert!(sim.err.is_none(), "{sim:?}");
    assert_eq!(
        sim.accounts.unwrap()[0].as_ref().unwrap().lamports,
        3_000_005
    );
    assert!(sim.inner_instructions.is_some());
    let stale = transfer(&w.payer, &to, 5, solana_hash::Hash::new_unique());
    let replaced = c
        .simulate_transaction_with_config(
            &stale,
            RpcSimulateTransactionConfig {
                replace_recent_blockhash: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .value;
    assert!(replaced.err.is_none() && replaced.replacement_blockhash.is_some());
    // The balance did not move: simulations keep nothing.
    assert_eq!(
        c.get_balance_with_commitment(&to, CONFIRMED)
            .await
            .unwrap()
            .value,
        3_000_000
    );

    // Statuses, with and without history search.
    let statuses = c
        .get_signature_statuses_with_history(&[
            base58,
            v0_signature,
            solana_signature::Signature::default(),
        ])
        .await
        .unwrap()
        .value;
    assert!(
        statuses[0]
            .as_ref()
            .unwrap()
            .satisfies_commitment(CONFIRMED)
    );
    // Confirmed, or already finalized on a slow machine (the finality lag
    // is a few slots): never less.
    assert!(matches!(
        statuses[1].as_ref().unwrap().confirmation_status,
        Some(TransactionConfirmationStatus::Confirmed | TransactionConfirmationStatus::Finalized)
    ));
    assert!(statuses[2].is_none());

    // History of `to`: newest first, paged by before/until/limit.
    let history = c
        .get_signatures_for_address_with_config(
            &to,
            GetConfirmedSignaturesForAddress2Config {
                commitment: Some(CONFIRMED),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let order: Vec<String> = history.iter().map(|s| s.signature.clone()).collect();
    assert_eq!(order, vec![v0_signature.to_string(), base58.to_string()]);
    let older = c
        .get_signatures_for_address_with_config(
            &to,
            GetConfirmedSignaturesForAddress2Config {
                before: Some(v0_signature),
                limit: Some(1),
                commitment: Some(CONFIRMED),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].signature, base58.to_string());
    let newer = c
        .get_signatures_for_address_with_config(
            &to,
            GetConfirmedSignaturesForAddress2Config {
                until: Some(base58),
                commitment: Some(CONFIRMED),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(newer.len(), 1);

    // The transaction in json, jsonParsed and base64; v0 needs maxSupportedTransactionVersion.
    for encoding in [
        UiTransactionEncoding::Json,
        UiTransactionEncoding::JsonParsed,
        UiTransactionEncoding::Base64,
    ] {
        let tx = c
            .get_transaction_with_config(
                &v0_signature,
                RpcTransactionConfig {
                    encoding: Some(encoding),
                    commitment: Some(CONFIRMED),
                    max_supported_transaction_version: Some(0),
                },
            )
            .await
            .unwrap();
        let meta = tx.transaction.meta.unwrap();
        assert_eq!(meta.fee, 5_000);
        assert_eq!(meta.post_balances.len(), 3);
        if encoding == UiTransactionEncoding::Base64 {
            assert!(matches!(
                tx.transaction.transaction,
                EncodedTransaction::Binary(..)
            ));
            assert_eq!(
                tx.transaction.transaction.decode().unwrap().signatures[0],
                v0_signature
            );
        }
    }
    let unsupported = c
        .get_transaction_with_config(
            &v0_signature,
            RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Json),
                commitment: Some(CONFIRMED),
                max_supported_transaction_version: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&unsupported), Some(-32015));

    // A deposit's token balances before and after.
    let deposit = Transaction::new_signed_with_payer(
        &[ix::deposit(
            &w.maker.owner.pubkey(),
            &w.market.keys,
            orderbook_client::TokenKind::Base,
            &w.maker.base_wallet,
            1_000,
        )],
        Some(&w.maker.owner.pubkey()),
        &[&w.maker.owner],
        c.get_latest_blockhash().await.unwrap(),
    );
    let deposit_signature = c.send_and_confirm_transaction(&deposit).await.unwrap();
    let tx = c
        .get_transaction_with_config(
            &deposit_signature,
            RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Json),
                commitment: Some(CONFIRMED),
                max_supported_transaction_version: Some(0),
            },
        )
        .await
        .unwrap();
    let meta = tx.transaction.meta.unwrap();
    let pre: Vec<_> = Option::from(meta.pre_token_balances).unwrap();
    let post: Vec<_> = Option::from(meta.post_token_balances).unwrap();
    let amount = |list: &[solana_transaction_status_client_types::UiTransactionTokenBalance],
                  mint: &Pubkey|
     -> Vec<String> {
        list.iter()
            .filter(|b| b.mint == mint.to_string())
            .map(|b| b.ui_token_amount.amount.clone())
            .collect()
    };
    let base_pre = amount(&pre, &w.market.keys.base_mint);
    let base_post = amount(&post, &w.market.keys.base_mint);
    assert_eq!(base_pre.len(), 2, "{pre:?}");
    assert!(base_pre.contains(&"3000000".into()) && base_post.contains(&"2999000".into()));
    assert!(Option::<u64>::from(meta.compute_units_consumed).is_some());

    // The block that holds it.
    let slot = tx.slot;
    let block = loop {
        match c
            .get_block_with_config(
                slot,
                RpcBlockConfig {
                    encoding: Some(UiTransactionEncoding::Base64),
                    transaction_details: Some(TransactionDetails::Full),
                    commitment: Some(CONFIRMED),
                    max_supported_transaction_version: Some(0),
                    ..Default::default()
                },
            )
            .await
        {
            Ok(block) => break block,
            // The block closes at the end of its slot.
            Err(e) if rpc_code(&e) == Some(-32004) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(block.block_height, Some(slot));
    assert!(block.transactions.unwrap().iter().any(|t| {
        t.transaction
            .decode()
            .is_some_and(|d| d.signatures[0] == deposit_signature)
    }));
    w.node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalized_reads_lag_confirmed_ones() {
    let w = world().await;
    let c = &w.client;
    let to = Pubkey::new_unique();
    let signature = c
        .send_and_confirm_transaction(&transfer(
            &w.payer,
            &to,
            1_000_000,
            c.get_latest_blockhash().await.unwrap(),
        ))
        .await
        .unwrap();
    assert_eq!(
        c.get_balance_with_commitment(&to, CONFIRMED)
            .await
            .unwrap()
            .value,
        1_000_000
    );
    assert_eq!(
        c.get_balance_with_commitment(&to, CommitmentConfig::finalized())
            .await
            .unwrap()
            .value,
        0
    );
    c.confirm_transaction_with_spinner(
        &signature,
        &c.get_latest_blockhash().await.unwrap(),
        CommitmentConfig::finalized(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.get_balance_with_commitment(&to, CommitmentConfig::finalized())
            .await
            .unwrap()
            .value,
        1_000_000
    );
    let status = c.get_signature_statuses(&[signature]).await.unwrap().value[0]
        .clone()
        .unwrap();
    assert_eq!(
        status.confirmation_status,
        Some(TransactionConfirmationStatus::Finalized)
    );
    assert_eq!(status.confirmations, None);
    w.node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_subscription_through_pubsub_client() {
    let w = world().await;
    let c = &w.client;
    let pubsub = PubsubClient::new(&w.node.node.ws_url()).await.unwrap();
    let to = Keypair::new().pubkey();

    let (mut slots, slot_unsub) = pubsub.slot_subscribe().await.unwrap();
    let first = tokio::time::timeout(common::STATE_DEADLINE, slots.next())
        .await
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(common::STATE_DEADLINE, slots.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.slot, first.slot + 1);
    assert_eq!(second.parent, first.slot);
    slot_unsub().await;

    let (mut account, account_unsub) = pubsub
        .account_subscribe(
            &to,
            Some(RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CONFIRMED),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let (mut program, program_unsub) = pubsub
        .program_subscribe(
            &spl_token_interface::ID,
            Some(RpcProgramAccountsConfig {
                filters: Some(vec![RpcFilterType::DataSize(165)]),
                account_config: RpcAccountInfoConfig {
                    encoding: Some(UiAccountEncoding::Base64),
                    commitment: Some(CONFIRMED),
                    ..Default::default()
                },
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let (mut all_logs, all_unsub) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::All,
            RpcTransactionLogsConfig {
                commitment: Some(CONFIRMED),
            },
        )
        .await
        .unwrap();
    let (mut mentions, mentions_unsub) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![orderbook::ID.to_string()]),
            RpcTransactionLogsConfig {
                commitment: Some(CONFIRMED),
            },
        )
        .await
        .unwrap();

    let tx = transfer(
        &w.payer,
        &to,
        7_000_000,
        c.get_latest_blockhash().await.unwrap(),
    );
    let (mut signature_stream, _signature_unsub) = pubsub
        .signature_subscribe(
            &tx.signatures[0],
            Some(RpcSignatureSubscribeConfig {
                commitment: Some(CONFIRMED),
                enable_received_notification: None,
            }),
        )
        .await
        .unwrap();
    let signature = c.send_transaction(&tx).await.unwrap();
    let within = common::STATE_DEADLINE;
    let update = tokio::time::timeout(within, account.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(update.value.lamports, 7_000_000);
    let done = tokio::time::timeout(within, signature_stream.next())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(done.value, RpcSignatureResult::ProcessedSignature(ref p) if p.err.is_none()));
    let logged = tokio::time::timeout(within, all_logs.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.value.signature, signature.to_string());

    // An order-book deposit: the program's logs and the wallet's new state.
    let deposit = Transaction::new_signed_with_payer(
        &[ix::deposit(
            &w.maker.owner.pubkey(),
            &w.market.keys,
            orderbook_client::TokenKind::Quote,
            &w.maker.quote_wallet,
            10,
        )],
        Some(&w.maker.owner.pubkey()),
        &[&w.maker.owner],
        c.get_latest_blockhash().await.unwrap(),
    );
    let deposit_signature = c.send_transaction(&deposit).await.unwrap();
    let mentioned = tokio::time::timeout(within, mentions.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mentioned.value.signature, deposit_signature.to_string());
    // The wallet and the vault both changed.
    let mut changed = Vec::new();
    for _ in 0..2 {
        let update = tokio::time::timeout(within, program.next())
            .await
            .unwrap()
            .unwrap();
        changed.push(update.value.pubkey);
    }
    changed.sort();
    let mut expected = vec![
        w.maker.quote_wallet.to_string(),
        w.market.keys.quote_vault.to_string(),
    ];
    expected.sort();
    assert_eq!(changed, expected);

    account_unsub().await;
    program_unsub().await;
    all_unsub().await;
    mentions_unsub().await;
    // After unsubscribing, no more account notifications arrive.
    c.send_and_confirm_transaction(&transfer(
        &w.payer,
        &to,
        1,
        c.get_latest_blockhash().await.unwrap(),
    ))
    .await
    .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), account.next())
            .await
            .map_or(true, |n| n.is_none())
    );
    w.node.node.shutdown().await;
}
