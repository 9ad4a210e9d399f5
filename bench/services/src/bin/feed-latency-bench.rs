//! Event-to-WebSocket-client latency through the whole production path:
//! `orderbook-node` and `orderbook-app run` are started as their own
//! processes on loopback (release binaries beside this one), the indexer
//! follows the node over RPC and wakes on PubSub `logsSubscribe` (its poll
//! is only the 2 s fallback), and a WebSocket client subscribes to the
//! market's `trades` channel. The bench then sends `--trades` taker orders,
//! one at a time at a random phase within a slot, each filling against a
//! resting maker order; latency runs from just before `sendTransaction` (an
//! upper bound on when the node commits the fill) until the client receives
//! the trade. Prints p50/p90/p99/max.
//!
//! `cargo build --release -p orderbook-node -p orderbook-app &&
//!  target/release/feed-latency-bench`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use orderbook::instructions::PlaceOrderArgs;
use orderbook::state::{MAX_QUEUE_EVENTS, MIN_QUEUE_EVENTS};
use orderbook::types::{OrderType, Side};
use orderbook_app::db;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::ix;
use orderbook_test_support::db::{ScratchDb, ScratchDbArgs};
use orderbook_test_support::process::{KilledOnDrop, NodeProcess, free_port, wait_until};
use orderbook_test_support::stats::percentile;
use serde_json::{Value, json};
use solana_signer::Signer;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    scratch: ScratchDbArgs,
    /// Trades measured.
    #[arg(long, default_value_t = 200)]
    trades: u32,
    /// Slot length of the node, milliseconds (trades are sent at a random
    /// phase within one).
    #[arg(long, default_value_t = 400)]
    slot_ms: u64,
}

/// Price of the maker's resting ask (ticks); takers bid at it.
const ASK_PRICE: u64 = 1_000;

fn sibling_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.with_file_name(name);
    if !path.exists() {
        bail!(
            "{} not found: build it first (cargo build --release -p orderbook-node -p orderbook-app)",
            path.display()
        );
    }
    Ok(path)
}

/// A validator's finality lag in slots (the node's default).
const VALIDATOR_FINALITY_LAG: u64 = 32;

/// `orderbook-node` on `ledger` on free ports, with `slot_ms` slots.
async fn start_node(ledger: &Path, slot_ms: u64) -> Result<NodeProcess> {
    let binary = sibling_binary("orderbook-node")?;
    let ports = (free_port()?, free_port()?);
    let timing = (Duration::from_millis(slot_ms), VALIDATOR_FINALITY_LAG);
    Ok(NodeProcess::spawn_with_timing(&binary, ledger, ports, timing, &[]).await?)
}

/// `orderbook-app run` on the scratch database; the feed's address.
async fn start_app(chain: &RpcChain, ws_url: &str, db_url: &str) -> Result<(KilledOnDrop, String)> {
    let feed = format!("127.0.0.1:{}", free_port()?);
    let child = Command::new(sibling_binary("orderbook-app")?)
        .arg("run")
        .args(["--rpc-url", &chain.url()])
        .args(["--ws-url", ws_url])
        .args(["--database-url", db_url])
        .args(["--listen", &feed])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting orderbook-app run")?;
    let app = KilledOnDrop(child);
    let health = format!("http://{feed}/api/markets");
    wait_until("orderbook-app run", || async {
        tokio::net::TcpStream::connect(&feed).await.is_ok()
    })
    .await
    .context(health)?;
    Ok((app, feed))
}

/// A market with one maker resting a large ask and one taker.
async fn market(
    chain: &RpcChain,
    trades: u32,
) -> Result<(MarketSetup, TraderSetup, solana_keypair::Keypair)> {
    let payer = solana_keypair::Keypair::new();
    chain.airdrop(&payer.pubkey(), 500 * 1_000_000_000).await?;
    let events = (trades * 2).clamp(MIN_QUEUE_EVENTS, MAX_QUEUE_EVENTS);
    let market = scenario::create_market(
        chain,
        &payer,
        scenario::standard_market_args(payer.pubkey()),
        MIN_QUEUE_EVENTS,
        events,
    )
    .await?;
    let fund = |c| {
        scenario::trader(
            chain,
            &payer,
            &market,
            Funding {
                lamports: 1_000_000_000,
                base_atoms: 1 << 40,
                quote_atoms: 1 << 40,
                deposit_pct: c,
            },
        )
    };
    let maker = fund(100).await?;
    let taker = fund(100).await?;
    let ask = PlaceOrderArgs::new(Side::Ask, OrderType::PostOnly, ASK_PRICE, trades as u64 + 1);
    scenario::place_all(chain, &payer, &market, &maker, &[ask]).await?;
    Ok((market, taker, payer))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// When the next `trades` delta arrived (snapshots and heartbeats skipped).
async fn next_trade(socket: &mut Socket) -> Result<Instant> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no trade within 10 s")?
            .context("the feed closed the connection")??;
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str())?;
            if value["type"] == "delta" && value["channel"] == "trades" {
                return Ok(Instant::now());
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let ledger = tempfile::tempdir()?;
    eprintln!("starting orderbook-node ({} ms slots)…", args.slot_ms);
    let node = start_node(ledger.path(), args.slot_ms).await?;
    let (chain, ws_url) = (RpcChain::new(&node.rpc_url), node.ws_url.clone());
    eprintln!("creating the market…");
    let (market, taker, payer) = market(&chain, args.trades).await?;
    let (scratch, mut db) = ScratchDb::new(&args.scratch.admin_url, "orderbook_latency").await?;
    db::migrate(&mut db).await?;
    eprintln!("starting orderbook-app run…");
    let (app, feed) = start_app(&chain, &ws_url, &scratch.url).await?;
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{feed}/ws")).await?;
    let subscribe =
        json!({"op": "subscribe", "market": market.keys.market.to_string(), "channel": "trades"});
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await?;

    eprintln!("sending {} trades…", args.trades);
    let mut latencies = Vec::with_capacity(args.trades as usize);
    for sent in 0..args.trades {
        let phase = rand::random_range(0..args.slot_ms.max(1));
        tokio::time::sleep(Duration::from_millis(phase)).await;
        let mut bid = PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, ASK_PRICE, 1);
        bid.client_order_id = sent as u64;
        let order = [ix::place_order(
            &taker.owner.pubkey(),
            &market.keys,
            bid,
            None,
        )];
        let signers = [&taker.owner];
        let started = Instant::now();
        // Read the feed while the send is still being confirmed, so the
        // receipt time is not delayed by the confirmation round trips.
        let (landed, received) = tokio::join!(
            scenario::send(&chain, &payer, &order, &signers),
            next_trade(&mut socket)
        );
        landed?;
        latencies.push(received? - started);
    }
    latencies.sort();
    println!(
        "feed-latency-bench: {} trades, node slot {} ms: event->WebSocket client p50 {:.2?} p90 {:.2?} p99 {:.2?} max {:.2?}",
        latencies.len(),
        args.slot_ms,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    drop(app);
    scratch.drop(db).await;
    Ok(())
}
