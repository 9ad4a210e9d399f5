//! An indexer process killed with SIGKILL at random points and restarted
//! ends with exactly the rows of an uninterrupted run.
//!
//! A history is produced on a local node; the `orderbook-app index --rpc-url`
//! child process follows it over RPC into a scratch database, one
//! transaction per database transaction (many commit points), and is killed
//! after a random delay, again and again, until one run finishes. The
//! reference is the same history indexed over RPC in this process without
//! interruption.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use orderbook_app::db;
use orderbook_app::indexer::Indexer;
use orderbook_chain::rpc::RpcChain;
use rand::Rng;
use tokio_postgres::Client;

/// Every table's rows, as text, in a fixed order.
async fn dump(c: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for (table, order) in [
        ("events", "market, seq"),
        ("orders", "market, order_id"),
        ("fills", "market, seq"),
        ("transfers", "market, seq"),
        ("traders", "market, trader_id"),
        ("markets", "market"),
        ("candles", "market, resolution, bucket_start"),
        ("queue_owners", "market, queue_seq"),
        ("ingest_cursor", "market"),
    ] {
        let cols = if table == "ingest_cursor" {
            "market, last_seq, last_signature, last_slot"
        } else {
            "*"
        };
        for r in c
            .query(
                &format!("SELECT t::text FROM (SELECT {cols} FROM {table} ORDER BY {order}) t"),
                &[],
            )
            .await
            .unwrap()
        {
            out.push(format!("{table}: {}", r.get::<_, String>(0)));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_indexer_restarts_to_exactly_the_uninterrupted_result() {
    // A history: the demo market trading for a while.
    let mut s = common::Stack::start(Vec::new()).await;
    s.activity(100).await;
    let market = s.market;
    // The stack's own indexer and feed stop; the node keeps serving.
    s.shutdown();
    let rpc_url = s.node.as_ref().unwrap().rpc_url.clone();

    // Reference: uninterrupted, in process.
    let (ref_db, mut ref_client) = common::scratch_db("orderbook_ref").await;
    let ix = Indexer::new(Arc::new(RpcChain::new(&rpc_url)), market);
    let t0 = Instant::now();
    let stats = ix.sync(&mut ref_client).await.unwrap();
    // Kill within the time a whole run takes (plus the child's start-up).
    let span = (t0.elapsed().as_millis() as u64).max(100) + 40;
    assert!(stats.new_events > 300, "a substantial history: {stats:?}");
    let reference = dump(&ref_client).await;

    // Killed at random points.
    let (kill_db, mut kill_client) = common::scratch_db("orderbook_kill").await;
    let bin = env!("CARGO_BIN_EXE_orderbook-app");
    let (mut kills, mut mid_run) = (0, 0);
    let mut rng = rand::rng();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "never finished"
        );
        let mut child = std::process::Command::new(bin)
            .args([
                "index",
                "--once",
                "--batch-txs",
                "1",
                "--market",
                &market.to_string(),
            ])
            .args(["--rpc-url", &rpc_url])
            .args(["--database-url", &kill_db.url])
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_millis(rng.random_range(20..span));
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "the indexer failed: {status}");
                if mid_run >= 2 {
                    break;
                }
                // The run finished before two kills landed mid-ingestion (the
                // random delays came late): start over on an empty database.
                db::reset(&mut kill_client).await.unwrap();
                (kills, mid_run) = (0, 0);
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                let n: i64 = kill_client
                    .query_one("SELECT count(*) FROM events", &[])
                    .await
                    .unwrap()
                    .get(0);
                if n > 0 && (n as usize) < stats.new_events {
                    mid_run += 1;
                }
            }
        }
    }
    assert!(
        mid_run >= 2,
        "only {mid_run} of {kills} kills landed mid-ingestion"
    );
    assert_eq!(
        dump(&kill_client).await,
        reference,
        "after {kills} SIGKILLs"
    );
    eprintln!(
        "{kills} SIGKILLs, {mid_run} mid-ingestion; result identical to the uninterrupted run"
    );
    ref_db.drop(ref_client).await;
    kill_db.drop(kill_client).await;
    s.stop().await;
}
