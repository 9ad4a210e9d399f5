//! The order book through the node, with the clients the keeper and indexer
//! use in production (`RpcChain` over `solana-rpc-client`): a market is
//! created, traders fund and trade, and the history answers with the
//! program's events, inner instructions, logs and token balances.

mod common;

use anchor_lang::Discriminator;
use orderbook::instructions::PlaceOrderArgs;
use orderbook::state::TraderAccount;
use orderbook::types::{OrderType, Side};
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::Funding;
use orderbook_chain::{Chain, scenario};
use orderbook_client::events::ProgramEvent;
use orderbook_client::ix;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signer::Signer;
use solana_transaction_status_client_types::UiTransactionEncoding;
use solana_transaction_status_client_types::option_serializer::OptionSerializer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_market_trades_through_the_node() {
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
    .expect("market created over RPC");
    let maker = scenario::trader(
        &chain,
        &payer,
        &market,
        Funding {
            lamports: 1_000_000_000,
            base_atoms: 1_000_000,
            quote_atoms: 1_000_000,
            deposit_pct: 100,
        },
    )
    .await
    .expect("maker funded");
    let taker = scenario::trader(
        &chain,
        &payer,
        &market,
        Funding {
            lamports: 1_000_000_000,
            base_atoms: 1_000_000,
            quote_atoms: 1_000_000,
            deposit_pct: 100,
        },
    )
    .await
    .expect("taker funded");
    scenario::place_all(
        &chain,
        &payer,
        &market,
        &maker,
        &[PlaceOrderArgs::new(Side::Ask, OrderType::Limit, 100, 5)],
    )
    .await
    .unwrap();
    let take = ix::place_order(
        &taker.owner.pubkey(),
        &market.keys,
        PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 100, 3),
        None,
    );
    let (signature, slot) = scenario::send(&chain, &payer, &[take], &[&taker.owner])
        .await
        .unwrap();
    assert!(slot > 0);

    // The events, decoded from the transaction's inner instructions.
    let events = chain
        .transaction_events(&signature)
        .await
        .unwrap()
        .expect("the node has the transaction");
    let filled: u64 = events
        .events
        .iter()
        .filter_map(|e| match e {
            ProgramEvent::OrderFilled(f) => Some(f.base_lots),
            _ => None,
        })
        .sum();
    assert_eq!(filled, 3, "events: {:?}", events.events);

    // Program accounts by discriminator and market (memcmp filters).
    let traders = chain
        .program_accounts(
            TraderAccount::DISCRIMINATOR.try_into().unwrap(),
            Some(market.keys.market),
        )
        .await
        .unwrap();
    assert_eq!(traders.len(), 2);

    // History by address, newest first.
    let history = chain
        .signatures_for_address(&market.keys.market, None, None, 100)
        .await
        .unwrap();
    assert_eq!(history.first().map(|s| s.signature), Some(signature));

    // The full transaction as a wallet or explorer reads it.
    let tx = client
        .get_transaction_with_config(
            &signature,
            RpcTransactionConfig {
                encoding: Some(UiTransactionEncoding::Json),
                commitment: Some(solana_commitment_config::CommitmentConfig::confirmed()),
                max_supported_transaction_version: Some(0),
            },
        )
        .await
        .unwrap();
    let meta = tx.transaction.meta.expect("meta");
    assert!(meta.err.is_none());
    let OptionSerializer::Some(logs) = meta.log_messages else {
        panic!("no logs")
    };
    // One line per frame, as a validator writes it (natively the runtime and
    // program-test's builtin entry both log each frame; the node keeps one).
    let count = |line: String| logs.iter().filter(|l| **l == line).count();
    let program = orderbook::ID;
    assert_eq!(
        count(format!("Program {program} invoke [1]")),
        1,
        "logs: {logs:?}"
    );
    assert_eq!(
        count(format!("Program {program} invoke [2]")),
        1,
        "the event self-CPI: {logs:?}"
    );
    assert_eq!(
        count(format!("Program {program} success")),
        2,
        "logs: {logs:?}"
    );
    // The program's own `msg!` lines, where a validator writes them: Anchor
    // names the instruction right after the frame opens.
    let named = logs
        .iter()
        .position(|l| l.starts_with("Program log: Instruction: "));
    assert_eq!(named, Some(1), "logs: {logs:?}");
    let OptionSerializer::Some(inner) = meta.inner_instructions else {
        panic!("no inner instructions")
    };
    assert!(!inner.is_empty());
    assert_eq!(meta.fee, 5_000 * 2);
    assert!(tx.block_time.is_some());
    node.node.shutdown().await;
}
