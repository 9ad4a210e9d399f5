//! `keeper-bench`: how many events a crank transaction carries and how fast
//! the keeper drains a queue, against `orderbook-node` started in this
//! process (the program run natively, `--slot-ms` slots).
//!
//! Each run creates a market, `--makers` makers with `--orders-per-maker`
//! asks each, and a taker who fills them all, then times the keeper
//! draining the queue. Prints every run and the medians. The CU figure is
//! the budget the keeper *requests* per event (natively the program's own
//! CU cannot be measured; docs/sbf.md has the engine's CU measured on SBF).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anchor_lang::solana_program::system_instruction;
use clap::Parser;
use orderbook::instructions::PlaceOrderArgs;
use orderbook::types::{OrderType, Side};
use orderbook_chain::Chain;
use orderbook_chain::scenario::{self, Funding};
use orderbook_client::accounts as decode;
use orderbook_keeper::{Keeper, KeeperConfig};
use orderbook_node::limits::NodeLimits;
use orderbook_test_support::node::LocalNode;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[derive(Parser)]
#[command(about = "Measure keeper events per transaction and per second against orderbook-node")]
struct Args {
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 48)]
    makers: usize,
    #[arg(long, default_value_t = 8)]
    orders_per_maker: u64,
    #[arg(long, default_value_t = 32)]
    max_events_per_tx: u8,
    /// Slot length of the node, milliseconds.
    #[arg(long, default_value_t = 50)]
    slot_ms: u64,
}

struct Run {
    events: u32,
    txs: u32,
    secs: f64,
}

async fn run_once(a: &Args) -> anyhow::Result<Run> {
    let node =
        LocalNode::start_with(Duration::from_millis(a.slot_ms), NodeLimits::default()).await?;
    let chain = Arc::new(node.chain());
    // 48 makers at 1 SOL, the taker at 10, the cranker at 1, and the market's rent.
    let payer = node.funded(1_000).await?;
    let args = scenario::standard_market_args(payer.pubkey());
    let m = scenario::create_market(chain.as_ref(), &payer, args, 1024, 1024).await?;
    for i in 0..a.makers {
        let t = scenario::trader(chain.as_ref(), &payer, &m, Funding::seller(100_000_000)).await?;
        let orders: Vec<_> = (0..a.orders_per_maker)
            .map(|j| {
                PlaceOrderArgs::new(Side::Ask, OrderType::Limit, 100 + (i as u64 + j) % 64, 10)
            })
            .collect();
        scenario::place_all(chain.as_ref(), &payer, &m, &t, &orders).await?;
    }
    let taker = scenario::trader(
        chain.as_ref(),
        &payer,
        &m,
        Funding {
            lamports: 10_000_000_000,
            base_atoms: 0,
            quote_atoms: 100_000_000_000,
            deposit_pct: 100,
        },
    )
    .await?;
    let total = a.makers as u64 * a.orders_per_maker;
    scenario::take_asks(chain.as_ref(), &payer, &m, &taker, total, 10, 1_000).await?;
    let cranker = Keypair::new();
    scenario::send(
        chain.as_ref(),
        &payer,
        &[system_instruction::transfer(
            &payer.pubkey(),
            &cranker.pubkey(),
            1_000_000_000,
        )],
        &[],
    )
    .await?;
    let cfg = KeeperConfig {
        max_events_per_tx: a.max_events_per_tx,
        priority_fee_percentile: 0,
        max_txs_per_market: 1_000,
        prune: false,
        ..KeeperConfig::default()
    };
    let mut keeper = Keeper::new(chain.clone(), cranker, cfg);
    let start = Instant::now();
    let s = keeper.pass().await?;
    let secs = start.elapsed().as_secs_f64();
    let left = decode::event_queue(
        &chain
            .account(&m.keys.event_queue)
            .await?
            .expect("queue")
            .data,
    )?
    .len();
    anyhow::ensure!(
        left == 0 && s.events as u64 == total,
        "queue not drained: {left} left, {} applied",
        s.events
    );
    node.stop().await;
    Ok(Run {
        events: s.events,
        txs: s.transactions,
        secs,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let mut out = orderbook_test_support::node::quiet_in_process_node()?;
    let cfg = KeeperConfig {
        max_events_per_tx: a.max_events_per_tx,
        ..KeeperConfig::default()
    };
    writeln!(
        out,
        "keeper-bench: {} makers × {} orders = {} events per run, max {} events/tx, {} runs",
        a.makers,
        a.orders_per_maker,
        a.makers as u64 * a.orders_per_maker,
        a.max_events_per_tx,
        a.runs
    )?;
    let (mut per_tx, mut per_sec) = (Vec::new(), Vec::new());
    for i in 0..a.runs {
        let r = run_once(&a).await?;
        let (ept, eps) = (
            f64::from(r.events) / f64::from(r.txs),
            f64::from(r.events) / r.secs,
        );
        writeln!(
            out,
            "run {}: {} events in {} transactions ({ept:.1} events/tx), {:.3} s, {eps:.0} events/s",
            i + 1,
            r.events,
            r.txs,
            r.secs
        )?;
        per_tx.push(ept);
        per_sec.push(eps);
    }
    writeln!(
        out,
        "median: {:.1} events/tx, {:.0} events/s (orderbook-node, including confirmation and the per-tx getTransaction)",
        median(per_tx),
        median(per_sec)
    )?;
    writeln!(
        out,
        "compute budget requested per crank: {} + {} per event ({} CU for {} events)",
        cfg.cu_base,
        cfg.cu_per_event,
        cfg.cu_base + cfg.cu_per_event * u32::from(a.max_events_per_tx),
        a.max_events_per_tx
    )?;
    Ok(())
}
