//! Transaction throughput and confirmation latency of the node on loopback:
//! `--clients` concurrent clients, each with its own trader and RpcClient,
//! send `place_order` transactions (post-only, resting, never crossing)
//! back to back, with an unmeasured `cancel_all` whenever the trader's
//! open-order slots are full; each place_order's latency runs from just before `sendTransaction` until
//! `getSignatureStatuses` reports it `confirmed`. Prints transactions/s and
//! p50/p99/max latency. The node runs in this process (release build, its
//! own tasks) unless `ORDERBOOK_TEST_RPC_URL` points at another.
//!
//! `cargo run --release -p orderbook-node --bin node-bench`

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use orderbook::instructions::PlaceOrderArgs;
use orderbook::types::{OrderType, Side};
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::ix;
use orderbook_engine::trader::MAX_OPEN_ORDERS;
use orderbook_test_support::node::LocalNode;
use orderbook_test_support::stats::percentile;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

#[derive(Parser)]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=MAX_CLIENTS as i64))]
    clients: u16,
    /// Transactions per client.
    #[arg(long, default_value_t = 250)]
    txs_per_client: u64,
    /// Slot length of the in-process node, milliseconds.
    #[arg(long, default_value_t = 400)]
    slot_ms: u64,
}

/// Compute-unit limit of the unmeasured cancel_all transactions (less one per cancel).
const CANCEL_CU_LIMIT: u32 = 400_000;

/// Most concurrent clients (each a trader with its own price band).
const MAX_CLIENTS: u16 = 1_000;
/// Ticks of one client's band of prices on each side of [`MID_TICKS`].
const BAND_TICKS: u64 = 100;
/// Every bid rests below it and every ask above, whatever the client count.
const MID_TICKS: u64 = 1 + MAX_CLIENTS as u64 * BAND_TICKS;

/// A resting post-only order, distinct per client and per send (the client
/// order id keeps every transaction's signature unique); bids and asks
/// alternate and never cross another client's.
fn resting_order(client: u64, sent: u64) -> PlaceOrderArgs {
    let offset = client * BAND_TICKS + sent % BAND_TICKS;
    let (side, price) = if sent.is_multiple_of(2) {
        (Side::Bid, MID_TICKS - 1 - offset)
    } else {
        (Side::Ask, MID_TICKS + 1 + offset)
    };
    let mut args = PlaceOrderArgs::new(side, OrderType::PostOnly, price, 1);
    args.client_order_id = sent;
    args
}

/// Send `tx` and poll until it is confirmed; the time that took.
async fn send_and_confirm(rpc: &RpcClient, tx: &Transaction) -> Result<Duration> {
    let started = Instant::now();
    let signature = rpc.send_transaction(tx).await.context("sendTransaction")?;
    loop {
        let status = rpc.get_signature_statuses(&[signature]).await?.value[0].clone();
        match status {
            Some(s) if s.satisfies_commitment(CommitmentConfig::confirmed()) => {
                if let Some(err) = s.err {
                    bail!("{signature} failed: {err}");
                }
                return Ok(started.elapsed());
            }
            _ => tokio::time::sleep(Duration::from_millis(2)).await,
        }
    }
}

/// One client: `count` place_order transactions, one at a time; before the
/// trader's open-order slots run out, a cancel_all (not measured) frees them.
async fn client_run(
    url: String,
    market: Arc<MarketSetup>,
    trader: TraderSetup,
    index: u64,
    count: u64,
) -> Result<Vec<Duration>> {
    let rpc = RpcClient::new_with_commitment(url, CommitmentConfig::confirmed());
    let owner = trader.owner.pubkey();
    let mut latencies = Vec::with_capacity(count as usize);
    let mut blockhash = rpc.get_latest_blockhash().await?;
    let mut fetched = Instant::now();
    let signed = |ixs: &[Instruction], blockhash| {
        Transaction::new_signed_with_payer(ixs, Some(&owner), &[&trader.owner], blockhash)
    };
    for sent in 0..count {
        if fetched.elapsed() > Duration::from_secs(5) {
            blockhash = rpc.get_latest_blockhash().await?;
            fetched = Instant::now();
        }
        let resting = sent as usize % MAX_OPEN_ORDERS;
        if sent > 0 && resting == 0 {
            let cancel = ix::cancel_all(&owner, &market.keys, None, MAX_OPEN_ORDERS as u8);
            // Every cancel_all is the same instruction: a compute-unit limit
            // that differs per cancel keeps their signatures distinct.
            let distinct = ComputeBudgetInstruction::set_compute_unit_limit(
                CANCEL_CU_LIMIT - (sent / MAX_OPEN_ORDERS as u64) as u32,
            );
            send_and_confirm(&rpc, &signed(&[distinct, cancel], blockhash)).await?;
        }
        let order = ix::place_order(&owner, &market.keys, resting_order(index, sent), None);
        latencies.push(send_and_confirm(&rpc, &signed(&[order], blockhash)).await?);
    }
    Ok(latencies)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut stdout = orderbook_test_support::node::quiet_in_process_node()?;
    let node = LocalNode::start_with(
        Duration::from_millis(args.slot_ms),
        orderbook_node::limits::NodeLimits::default(),
    )
    .await?;
    let chain = node.chain();
    let payer = node.funded(1_000).await?;
    eprintln!("setting up a market and {} traders…", args.clients);
    let market = scenario::create_market(
        &chain,
        &payer,
        scenario::standard_market_args(payer.pubkey()),
        orderbook::state::MAX_ORDERS_PER_SIDE,
        orderbook::state::MIN_QUEUE_EVENTS,
    )
    .await?;
    let mut traders = Vec::new();
    for _ in 0..args.clients {
        traders.push(
            scenario::trader(
                &chain,
                &payer,
                &market,
                Funding {
                    lamports: 10_000_000_000,
                    base_atoms: 1 << 40,
                    quote_atoms: 1 << 40,
                    deposit_pct: 100,
                },
            )
            .await?,
        );
    }
    let market = Arc::new(market);
    eprintln!(
        "sending {} place_order transactions from {} clients…",
        args.clients as u64 * args.txs_per_client,
        args.clients
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (index, trader) in traders.into_iter().enumerate() {
        tasks.push(tokio::spawn(client_run(
            node.rpc_url.clone(),
            market.clone(),
            trader,
            index as u64,
            args.txs_per_client,
        )));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    writeln!(
        stdout,
        "node-bench: {} txs from {} clients in {:.2?}: {:.0} tx/s; send->confirmed p50 {:.2?} p99 {:.2?} max {:.2?}",
        latencies.len(),
        args.clients,
        elapsed,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    )?;
    node.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_count_rests_bids_below_asks_without_overflow() {
        // `--clients 16` once panicked: a bid price of 1,000 - 1,500.
        let last = u64::from(MAX_CLIENTS) - 1;
        for client in [0, 15, last] {
            for sent in 0..2 * BAND_TICKS {
                let order = resting_order(client, sent);
                assert!(order.price > 0);
                assert_eq!(order.price < MID_TICKS, order.side == Side::Bid);
            }
        }
    }
}
