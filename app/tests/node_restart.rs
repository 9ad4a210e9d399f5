//! The node itself killed with SIGKILL mid-run and restarted on the same
//! ledger: the demo traders, the keeper and the indexer (following over RPC
//! and PubSub) reconnect, nothing the node confirmed is lost, and the
//! indexer reconciles with the chain.

mod common;

use std::time::Duration;

use orderbook_app::db;
use orderbook_app::indexer::Indexer;
use orderbook_app::reconcile;
use orderbook_chain::rpc::RpcChain;
use orderbook_test_support::process::free_port;
use tokio::sync::watch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_is_rejoined_by_keeper_and_indexer_and_nothing_is_lost() {
    let ledger = tempfile::tempdir().unwrap();
    let ports = (free_port().unwrap(), free_port().unwrap());
    let node = common::spawn_node(ledger.path(), ports).await;
    let ws_url = node.ws_url.clone();
    let (chain, payer, demo) = common::demo_on(&node.rpc_url).await;
    let market = demo.market.keys.market;

    // The indexer follows over RPC + PubSub; the keeper cranks; the demo trades.
    let (sdb, check) = common::scratch_db("orderbook_node_kill").await;
    let (stop, stopped) = watch::channel(false);
    let indexer = Indexer::new(chain.clone(), market);
    tokio::spawn(orderbook_chain::rpc::wake_on_logs(
        ws_url.clone(),
        market,
        indexer.wake(),
        stopped.clone(),
    ));
    let mut indexer_db = db::connect(&sdb.url).await.unwrap();
    let indexer_task = {
        let stopped = stopped.clone();
        tokio::spawn(async move {
            indexer
                .follow(&mut indexer_db, Duration::from_millis(200), stopped)
                .await
        })
    };
    let (traders_stop, traders_stopped) = watch::channel(false);
    let (demo_task, keeper_task) =
        demo.trade_and_crank(payer, Duration::from_millis(30), traders_stopped);

    // Let it trade (and the indexer follow) before the kill.
    common::chain_reaches(&chain, &market, 20).await;
    let seq_before_kill = common::chain_seq(&chain, &market).await;
    drop(node); // SIGKILL, mid-run
    let _node = common::spawn_node(ledger.path(), ports).await;
    let seq_after_restart = common::chain_seq(&chain, &market).await;
    assert!(
        seq_after_restart >= seq_before_kill,
        "the restarted chain lost events: {seq_after_restart} < {seq_before_kill}"
    );
    // Trading resumes on the restarted node.
    common::chain_reaches(&chain, &market, seq_after_restart + 11).await;

    let _ = traders_stop.send(true);
    demo_task.await.unwrap();
    keeper_task.await.unwrap();
    let final_seq = common::chain_seq(&chain, &market).await;
    common::database_reaches(&check, &market, final_seq).await;

    // The indexer, still following, reaches the final state and matches it.
    let report = reconcile::reconcile::<RpcChain>(
        chain.as_ref(),
        &check,
        &market,
        None,
        Duration::from_millis(200),
    )
    .await
    .unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    let events: i64 = check
        .query_one(
            "SELECT count(*) FROM events WHERE market = $1",
            &[&market.to_string()],
        )
        .await
        .unwrap()
        .get(0);
    // Sequence numbers run 0..=final_seq.
    assert_eq!(
        events as u64,
        final_seq + 1,
        "every event indexed once, none missing"
    );
    let _ = stop.send(true);
    let _ = indexer_task.await;
    sdb.drop(check).await;
}

/// A restarted demo (run.sh's supervisor, or a second run) trades the same
/// market with the same makers: their requotes replace the orders they left
/// resting, instead of a new market beside a frozen one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_demo_resumes_its_market_and_its_makers() {
    use orderbook_app::demo::{Demo, LADDER, SavedDemo};
    use orderbook_chain::Chain;
    use solana_signer::Signer;

    let ledger = tempfile::tempdir().unwrap();
    let ports = (free_port().unwrap(), free_port().unwrap());
    let node = common::spawn_node(ledger.path(), ports).await;
    let (chain, _, mut first) = common::demo_on(&node.rpc_url).await;
    for _ in 0..12 {
        let _ = first.step().await;
    }
    let file = ledger.path().join("demo.json");
    first.saved().write(&file).unwrap();
    let saved = SavedDemo::read(&file).unwrap().expect("the resume file");

    let payer = solana_keypair::Keypair::new();
    chain
        .airdrop(&payer.pubkey(), 1_000_000_000_000)
        .await
        .unwrap();
    let mint_authority = first.market.mint_authority.insecure_clone();
    let mut resumed = Demo::resume(
        chain.clone(),
        payer.insecure_clone(),
        &saved,
        mint_authority,
    )
    .await
    .unwrap()
    .expect("the chain still has the demo's market");
    assert_eq!(resumed.market.keys, first.market.keys);
    assert_eq!(resumed.mid, first.mid);
    let owners = |d: &Demo<RpcChain>| {
        d.makers
            .iter()
            .map(|m| m.owner.pubkey())
            .collect::<Vec<_>>()
    };
    assert_eq!(owners(&resumed), owners(&first));
    for _ in 0..12 {
        resumed.step().await.unwrap();
    }
    // Each maker holds at most one ladder: a requote cancels what it left.
    let sides = [first.market.keys.bids, first.market.keys.asks];
    let orders = common::book_orders(&chain, sides).await;
    for maker in &first.makers {
        let account = chain.account(&maker.account).await.unwrap().unwrap();
        let trader = orderbook_client::accounts::trader(&account.data).unwrap();
        let id = trader.state().trader_id;
        let resting = orders.values().filter(|o| o.2 == id).count() as u64;
        assert!(resting <= 2 * LADDER, "maker {id} rests {resting} orders");
    }

    // A resume file naming a market this chain lacks starts nothing.
    let elsewhere = SavedDemo {
        market: solana_keypair::Keypair::new().pubkey().to_string(),
        ..saved
    };
    let none = Demo::resume(
        chain,
        payer,
        &elsewhere,
        first.market.mint_authority.insecure_clone(),
    )
    .await
    .unwrap();
    assert!(none.is_none());
    drop(node);
}

/// The sealed batch demo resumes its batch market (and its batch account);
/// a continuous market's file does not resume as a batch market.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_sealed_demo_resumes_its_batch_market() {
    use orderbook_app::demo::SealedDemo;

    let ledger = tempfile::tempdir().unwrap();
    let ports = (free_port().unwrap(), free_port().unwrap());
    let node = common::spawn_node(ledger.path(), ports).await;
    let (chain, payer, continuous) = common::demo_on(&node.rpc_url).await;
    let sealed = SealedDemo::new(chain.clone(), payer.insecure_clone(), 1, 1)
        .await
        .unwrap();
    let authority = sealed.demo.market.mint_authority.insecure_clone();
    let resumed = SealedDemo::resume(
        chain.clone(),
        payer.insecure_clone(),
        &sealed.demo.saved(),
        authority,
    )
    .await
    .unwrap()
    .expect("the chain still has the batch market");
    assert_eq!(resumed.batch, sealed.batch);
    assert_eq!(resumed.demo.market.keys, sealed.demo.market.keys);

    let authority = continuous.market.mint_authority.insecure_clone();
    let not_batch = SealedDemo::resume(chain, payer, &continuous.saved(), authority)
        .await
        .unwrap();
    assert!(
        not_batch.is_none(),
        "a continuous market is not resumed as a batch market"
    );
    drop(node);
}
