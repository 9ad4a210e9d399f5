//! Ingest throughput into PostgreSQL, in events per second.
//!
//! A synthetic stream (40% placements, 30% fills, 20% cancels, 10% deposits;
//! `--events-per-tx` events per chain transaction) is written with the
//! indexer's real code path (`ingest_batch`: events, orders, fills,
//! transfers, candles, cursor) into a scratch database, once per batch size
//! (chain transactions per database transaction), `--runs` times each; the
//! median is reported. Balances are not refreshed (that reads the chain).
//!
//! `cargo run --release -p orderbook-app --bin ingest-bench`

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use orderbook_app::db;
use orderbook_app::ingest::ingest_batch;
use orderbook_chain::rpc::RpcChain;
use orderbook_test_support::db::{ScratchDb, ScratchDbArgs};
use orderbook_test_support::synthetic::Synthetic;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    scratch: ScratchDbArgs,
    /// Events per run.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    #[arg(long, default_value_t = 8)]
    events_per_tx: usize,
    /// Chain transactions per database transaction, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,64,512")]
    batch_txs: Vec<usize>,
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    println!(
        "ingest bench: {} events per run, {} events per chain transaction, {} runs per batch size",
        a.events, a.events_per_tx, a.runs
    );
    println!(
        "{:>10} {:>14} {:>14} {:>14}",
        "batch_txs", "median ev/s", "min ev/s", "max ev/s"
    );
    let mut medians = Vec::new();
    for &batch in &a.batch_txs {
        let mut rates = Vec::new();
        for _ in 0..a.runs {
            let (scratch, mut client) =
                ScratchDb::new(&a.scratch.admin_url, "orderbook_bench").await?;
            db::migrate(&mut client).await?;
            let market = Pubkey::new_unique();
            let mut stream = Synthetic::new(market);
            let txs: Vec<_> = (0..a.events.div_ceil(a.events_per_tx))
                .map(|_| stream.tx(a.events_per_tx))
                .collect();
            let t0 = Instant::now();
            let mut n = 0;
            for chunk in txs.chunks(batch.max(1)) {
                n += ingest_batch::<RpcChain>(&mut client, &market, chunk, false, None)
                    .await?
                    .events
                    .len();
            }
            let secs = t0.elapsed().as_secs_f64();
            let stored: i64 = client
                .query_one("SELECT count(*) FROM events", &[])
                .await?
                .get(0);
            anyhow::ensure!(
                stored as usize == n && n == txs.len() * a.events_per_tx,
                "stored {stored} of {n}"
            );
            rates.push(n as f64 / secs);
            scratch.drop(client).await;
        }
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        medians.push((batch, median));
        println!(
            "{batch:>10} {median:>14.0} {:>14.0} {:>14.0}",
            rates[0],
            rates[rates.len() - 1]
        );
    }
    if let (Some(first), Some(last)) = (medians.first(), medians.last()) {
        println!(
            "batched ({} txs) / per-transaction ({} tx): {:.1}x",
            last.0,
            first.0,
            last.1 / first.1
        );
    }
    Ok(())
}
