//! The node as a process: killed with SIGKILL mid-run and restarted on the
//! same ledger, it still has every confirmed transaction, account and block;
//! `--reset` starts a new chain.

mod common;

use std::process::Command;

use orderbook_test_support::process::{NodeProcess, free_port};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::config::RpcTransactionConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;

/// A node on `ledger` (with `extra` flags) on free ports.
async fn spawn(ledger: &std::path::Path, extra: &[&str]) -> NodeProcess {
    let (rpc, ws) = (free_port().unwrap(), free_port().unwrap());
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_orderbook-node"));
    NodeProcess::spawn(binary, ledger, rpc, ws, extra)
        .await
        .unwrap()
}

fn client(node: &NodeProcess) -> RpcClient {
    RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed())
}

/// What the last transaction before the kill sends.
const LAST_LAMPORTS: u64 = 3_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_resumes_its_chain() {
    let ledger = tempfile::tempdir().unwrap();
    let node = spawn(ledger.path(), &[]).await;
    let rpc = client(&node);
    let genesis = rpc.get_genesis_hash().await.unwrap();
    let payer = common::funded(&rpc, 10).await;
    let receivers: Vec<Pubkey> = (0..20).map(|_| Keypair::new().pubkey()).collect();
    let mut signatures = Vec::new();
    for (i, to) in receivers.iter().enumerate() {
        let tx = Transaction::new_signed_with_payer(
            &[solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                to,
                1_000_000 + i as u64,
            )],
            Some(&payer.pubkey()),
            &[&payer],
            rpc.get_latest_blockhash().await.unwrap(),
        );
        signatures.push(rpc.send_and_confirm_transaction(&tx).await.unwrap());
    }
    let payer_balance = rpc.get_balance(&payer.pubkey()).await.unwrap();
    let slot_before = rpc.get_slot().await.unwrap();
    // A transaction whose answer was "confirmed" the instant before the kill
    // (an amount none of the others sent, so it is never their duplicate).
    let last = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &receivers[0],
            LAST_LAMPORTS,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        rpc.get_latest_blockhash().await.unwrap(),
    );
    let last_signature = rpc.send_and_confirm_transaction(&last).await.unwrap();
    drop(node); // SIGKILL

    let node = spawn(ledger.path(), &[]).await;
    let rpc = client(&node);
    assert_eq!(rpc.get_genesis_hash().await.unwrap(), genesis);
    assert!(rpc.get_slot().await.unwrap() >= slot_before);
    for (i, to) in receivers.iter().enumerate() {
        let extra = if i == 0 { LAST_LAMPORTS } else { 0 };
        assert_eq!(
            rpc.get_balance(to).await.unwrap(),
            1_000_000 + i as u64 + extra
        );
    }
    assert_eq!(
        rpc.get_balance(&payer.pubkey()).await.unwrap(),
        payer_balance - LAST_LAMPORTS - 5_000
    );
    signatures.push(last_signature);
    let statuses = rpc
        .get_signature_statuses_with_history(&signatures)
        .await
        .unwrap()
        .value;
    assert!(
        statuses
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.err.is_none()))
    );
    let tx = rpc
        .get_transaction_with_config(
            &last_signature,
            RpcTransactionConfig {
                commitment: Some(CommitmentConfig::confirmed()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(tx.block_time.is_some());
    let history = rpc
        .get_signatures_for_address_with_config(
            &payer.pubkey(),
            GetConfirmedSignaturesForAddress2Config {
                commitment: Some(CommitmentConfig::confirmed()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(history.len(), signatures.len() + 1); // + the airdrop
    assert_eq!(history[0].signature, last_signature.to_string());
    // The resumed chain takes new transactions; an old blockhash is still
    // honoured within its 150 blocks, and a replay is refused.
    let again = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &receivers[1],
            1,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        last.message.recent_blockhash,
    );
    rpc.send_and_confirm_transaction(&again).await.unwrap();
    assert!(rpc.send_transaction(&last).await.is_err());
    drop(node);

    // --reset: a new chain.
    let node = spawn(ledger.path(), &["--reset"]).await;
    let rpc = client(&node);
    assert_ne!(rpc.get_genesis_hash().await.unwrap(), genesis);
    assert_eq!(rpc.get_balance(&payer.pubkey()).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_reported_clearly() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let ledger = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_orderbook-node"))
        .args(["--ledger", ledger.path().to_str().unwrap()])
        .args(["--rpc-addr", &format!("127.0.0.1:{port}")])
        .args(["--ws-addr", &format!("127.0.0.1:{}", free_port().unwrap())])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen for JSON-RPC on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// Finding N12: the ledger kept every block and transaction forever (about
/// 4 GB a day of demo trading). With `--history-slots` it keeps that many
/// slots behind the finalized one: older transactions and blocks are gone
/// (as a validator's RPC forgets them), newer ones survive a SIGKILL and a
/// restart, and accounts, being state, are never pruned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_beyond_the_window_is_pruned_and_inside_it_survives_a_restart() {
    let ledger = tempfile::tempdir().unwrap();
    // 200 slots of 50 ms: long enough that the recent transaction is
    // normally still inside the window after the restart; the checks below
    // hold however long the machine takes (history only ever moves forward).
    let flags = ["--history-slots", "200"];
    let node = spawn(ledger.path(), &flags).await;
    let rpc = client(&node);
    let payer = common::funded(&rpc, 10).await;
    let pay = |to: &Pubkey, blockhash| {
        Transaction::new_signed_with_payer(
            &[solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                to,
                1_000_000,
            )],
            Some(&payer.pubkey()),
            &[&payer],
            blockhash,
        )
    };
    let old_receiver = Keypair::new().pubkey();
    let old = rpc
        .send_and_confirm_transaction(&pay(
            &old_receiver,
            rpc.get_latest_blockhash().await.unwrap(),
        ))
        .await
        .unwrap();
    let old_slot = rpc.get_slot().await.unwrap();
    // Wait until the old transaction's slot is out of the window.
    let deadline = tokio::time::Instant::now() + common::STATE_DEADLINE;
    while rpc.get_first_available_block().await.unwrap() <= old_slot {
        assert!(tokio::time::Instant::now() < deadline, "never pruned");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let recent_receiver = Keypair::new().pubkey();
    let recent = rpc
        .send_and_confirm_transaction(&pay(
            &recent_receiver,
            rpc.get_latest_blockhash().await.unwrap(),
        ))
        .await
        .unwrap();
    let count = rpc.get_transaction_count().await.unwrap();
    drop(node); // SIGKILL
    let node = spawn(ledger.path(), &flags).await;
    let rpc = client(&node);
    let config = RpcTransactionConfig {
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    };
    let gone = rpc.get_transaction_with_config(&old, config).await;
    assert!(gone.is_err(), "a transaction beyond the window is pruned");
    assert_eq!(
        confirmed_signatures(&rpc, &old_receiver).await,
        0,
        "and so is its entry in the address index"
    );
    let recent_slot = rpc
        .get_signature_statuses_with_history(&[recent])
        .await
        .unwrap()
        .value[0]
        .as_ref()
        .map(|status| status.slot);
    let kept = rpc.get_transaction_with_config(&recent, config).await.ok();
    let indexed = confirmed_signatures(&rpc, &recent_receiver).await;
    let first_after = rpc.get_first_available_block().await.unwrap();
    // Still inside the window when last asked: so it was throughout.
    if recent_slot.is_some_and(|slot| slot >= first_after) {
        assert!(
            kept.is_some_and(|t| t.slot > old_slot),
            "a transaction inside the window survives"
        );
        assert_eq!(indexed, 1, "and so does its entry in the address index");
    } else {
        eprintln!("the machine was slow enough for the recent transaction to leave the window too");
    }
    // State is never pruned; the count still includes the pruned transactions.
    assert_eq!(rpc.get_balance(&old_receiver).await.unwrap(), 1_000_000);
    assert!(rpc.get_transaction_count().await.unwrap() >= count);
    let first = rpc.get_first_available_block().await.unwrap();
    assert!(first > old_slot && rpc.get_block(old_slot).await.is_err());
}

/// How many signatures mention `address`, at `confirmed` (the default,
/// `finalized`, lags a few slots behind a restart).
async fn confirmed_signatures(rpc: &RpcClient, address: &Pubkey) -> usize {
    let config = GetConfirmedSignaturesForAddress2Config {
        commitment: Some(CommitmentConfig::confirmed()),
        ..Default::default()
    };
    rpc.get_signatures_for_address_with_config(address, config)
        .await
        .unwrap()
        .len()
}
