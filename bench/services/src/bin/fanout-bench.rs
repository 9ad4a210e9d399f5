//! Feed fan-out latency: `--clients` WebSocket clients on loopback
//! subscribed to one market's `trades` channel, while a producer ingests a
//! synthetic transaction (8 events, ~3 fills) into PostgreSQL every
//! `--interval-ms` through the indexer's real write path and hands the
//! committed batch to the hub. Latency = client receipt − commit of the
//! batch, per delivered message; p50/p90/p99/max over all of them. The
//! clients run in this same process (2 cores shared with the server), so
//! the figures include their own parsing; sequence gaps and dropped clients
//! are counted and must be zero.
//!
//! With `--replicas N` the clients are spread over N `orderbook-app feed`
//! processes instead, and each committed batch goes to them through Redis
//! (`XADD` to the market's stream, as `orderbook-app index --redis-url`
//! publishes): latency then includes the broker hop.
//!
//! `cargo build --release -p orderbook-app && target/release/fanout-bench --clients 2000 --replicas 2`

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use orderbook_app::broker::publisher;
use orderbook_app::db;
use orderbook_app::feed::hub::{self, HubConfig};
use orderbook_app::feed::view::MarketView;
use orderbook_app::feed::{self, AppState};
use orderbook_app::ingest::ingest_batch;
use orderbook_app::metrics::FeedMetrics;
use orderbook_chain::rpc::RpcChain;
use orderbook_test_support::db::{ScratchDb, ScratchDbArgs};
use orderbook_test_support::process::{KilledOnDrop, free_port, wait_until};
use orderbook_test_support::stats::percentile;
use orderbook_test_support::synthetic::Synthetic;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    scratch: ScratchDbArgs,
    #[arg(long, default_value_t = 1_000)]
    clients: usize,
    /// Milliseconds between ingested transactions.
    #[arg(long, default_value_t = 20)]
    interval_ms: u64,
    /// Transactions ingested while measuring.
    #[arg(long, default_value_t = 500)]
    batches: u64,
    /// Feed replica processes (`orderbook-app feed`) fed through Redis; 0:
    /// the hub in this process, fed directly.
    #[arg(long, default_value_t = 0)]
    replicas: usize,
    /// The broker of `--replicas` (with its password: `scripts/redis.sh`
    /// prints the URL).
    #[arg(
        long,
        env = "ORDERBOOK_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    redis_url: String,
}

/// Where committed batches go: this process's hub, or the broker.
enum Sink {
    Hub(tokio::sync::mpsc::Sender<orderbook_app::model::Ingested>),
    Broker(redis::aio::ConnectionManager),
}

impl Sink {
    async fn send(&mut self, batch: orderbook_app::model::Ingested) -> anyhow::Result<()> {
        match self {
            Sink::Hub(hub) => hub.send(batch).await?,
            Sink::Broker(conn) => {
                publisher::publish(conn, &batch).await?;
            }
        }
        Ok(())
    }
}

/// What the producer and the clients share: when each market sequence
/// number was committed, and the clients' counts.
#[derive(Default)]
struct Probe {
    /// Commit instants by market sequence number (the delta's `market_seq`).
    committed: Mutex<Vec<Option<Instant>>>,
    gaps: AtomicU64,
    subscribed: AtomicU64,
    /// The producer is done: clients stop once idle.
    finished: AtomicBool,
}

impl Probe {
    fn committed_at(&self, market_seq: usize, at: Instant) {
        let mut committed = self.committed.lock().unwrap();
        if committed.len() <= market_seq {
            committed.resize(market_seq + 1, None);
        }
        committed[market_seq] = Some(at);
    }

    fn commit_instant(&self, market_seq: usize) -> Option<Instant> {
        self.committed
            .lock()
            .unwrap()
            .get(market_seq)
            .copied()
            .flatten()
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let (sdb, mut client) = ScratchDb::new(&a.scratch.admin_url, "orderbook_fanout").await?;
    db::migrate(&mut client).await?;
    let market = Pubkey::new_unique();
    let (stop_tx, stop) = watch::channel(false);
    let (urls, mut sink, metrics, replicas) = if a.replicas == 0 {
        let (url, hub, metrics) = in_process_feed(&a, &sdb.url, market, stop.clone()).await?;
        (
            vec![url],
            Sink::Hub(hub.ingest_sender()),
            Some(metrics),
            Vec::new(),
        )
    } else {
        let (urls, replicas) = spawn_replicas(&a, &sdb.url, market).await?;
        let conn = publisher::connect(&a.redis_url, Duration::from_secs(2)).await?;
        (urls, Sink::Broker(conn), None, replicas)
    };
    let probe = Arc::new(Probe::default());
    let mut tasks = Vec::new();
    print!(
        "connecting {} clients to {} server(s)… ",
        a.clients,
        urls.len()
    );
    for i in 0..a.clients {
        let url = &urls[i % urls.len()];
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
        tasks.push(tokio::spawn(measure_client(ws, market, probe.clone())));
    }
    while probe.subscribed.load(Ordering::Relaxed) < a.clients as u64 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("subscribed");
    let t0 = Instant::now();
    let fills = produce(&a, &mut client, market, &mut sink, &probe).await?;
    let elapsed = t0.elapsed();
    probe.finished.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut finished = 0;
    for t in tasks {
        if let Ok(Ok(Some(l))) = tokio::time::timeout(Duration::from_secs(10), t).await {
            all.extend(l);
            finished += 1;
        }
    }
    all.sort_unstable();
    anyhow::ensure!(!all.is_empty(), "no deliveries measured");
    println!(
        "{} clients, {} transactions in {:.1?} ({} fills), {} deliveries measured, {} clients finished",
        a.clients,
        a.batches,
        elapsed,
        fills,
        all.len(),
        finished
    );
    println!(
        "latency commit -> client: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&all, 0.50) as f64 / 1e3,
        percentile(&all, 0.90) as f64 / 1e3,
        percentile(&all, 0.99) as f64 / 1e3,
        *all.last().unwrap() as f64 / 1e3
    );
    println!(
        "deliveries per second: {:.0}",
        all.len() as f64 / elapsed.as_secs_f64()
    );
    println!("sequence gaps: {}", probe.gaps.load(Ordering::Relaxed));
    if let Some(metrics) = metrics {
        println!(
            "slow-client drops: {}, messages queued: {}",
            metrics.slow_disconnects.get(),
            metrics.messages_sent.get()
        );
    }
    let _ = stop_tx.send(true);
    if let Sink::Broker(conn) = &mut sink {
        // This run's market stream is of no use to anyone after it.
        let _: redis::RedisResult<()> = redis::cmd("DEL")
            .arg(orderbook_app::broker::stream_key(&market))
            .query_async(conn)
            .await;
    }
    drop(replicas); // before their database goes
    sdb.drop(client).await;
    Ok(())
}

/// One client: subscribe to `trades`, then record each delta's latency from
/// its batch's commit (µs) and count sequence gaps, until the producer is
/// done and the socket idle.
async fn measure_client(
    mut ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    market: Pubkey,
    probe: Arc<Probe>,
) -> Option<Vec<u64>> {
    let sub = json!({ "op": "subscribe", "market": market.to_string(), "channel": "trades" });
    ws.send(Message::Text(sub.to_string().into())).await.ok()?;
    let mut latencies = Vec::new();
    let mut last = None;
    loop {
        let msg = match tokio::time::timeout(Duration::from_millis(500), ws.next()).await {
            Ok(Some(Ok(m))) => m,
            Ok(_) => break,
            Err(_) if probe.finished.load(Ordering::Relaxed) => break,
            Err(_) => continue,
        };
        let Message::Text(t) = msg else { continue };
        let now = Instant::now();
        let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
            continue;
        };
        let Some(seq) = v["seq"].as_u64() else {
            continue;
        }; // heartbeats
        match v["type"].as_str().unwrap_or_default() {
            "snapshot" => {
                probe.subscribed.fetch_add(1, Ordering::Relaxed);
            }
            "delta" => {
                let prev = v["prev_seq"].as_u64().unwrap_or(u64::MAX);
                if last.is_some_and(|l: u64| prev > l) {
                    probe.gaps.fetch_add(1, Ordering::Relaxed);
                }
                let committed = v["market_seq"]
                    .as_u64()
                    .and_then(|ms| probe.commit_instant(ms as usize));
                if let Some(t0) = committed {
                    latencies.push(now.duration_since(t0).as_micros() as u64);
                }
            }
            _ => {}
        }
        last = Some(seq);
    }
    Some(latencies)
}

/// Ingest `--batches` synthetic transactions through the indexer's write
/// path, one per tick, handing each committed batch to the hub; returns the
/// fills published.
async fn produce(
    a: &Args,
    client: &mut tokio_postgres::Client,
    market: Pubkey,
    sink: &mut Sink,
    probe: &Probe,
) -> anyhow::Result<u64> {
    let mut stream = Synthetic::new(market);
    let mut tick = tokio::time::interval(Duration::from_millis(a.interval_ms));
    let mut fills = 0u64;
    for _ in 0..a.batches {
        tick.tick().await;
        let tx = stream.tx(8);
        let done =
            ingest_batch::<RpcChain>(client, &market, std::slice::from_ref(&tx), false, None)
                .await?;
        let last = done.events.last().map(|e| e.seq as usize).unwrap_or(0);
        probe.committed_at(last, Instant::now());
        fills += done
            .events
            .iter()
            .filter(|e| e.event.kind() == "order_filled")
            .count() as u64;
        sink.send(done).await?;
    }
    Ok(fills)
}

/// The feed server in this process over a hub of one empty market.
async fn in_process_feed(
    a: &Args,
    database_url: &str,
    market: Pubkey,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<(String, hub::HubHandle, FeedMetrics)> {
    let metrics = FeedMetrics::new();
    let hub = hub::spawn(
        vec![MarketView::empty(market)],
        HubConfig::default(),
        metrics.clone(),
    );
    let state = AppState {
        hub: hub.clone(),
        db: db::pool(database_url, 4)?,
        // Every bench client connects from 127.0.0.1.
        guards: orderbook_app::feed::limits::Guards::new(orderbook_app::feed::limits::FeedLimits {
            max_connections_per_ip: 2 * a.clients,
            ..Default::default()
        }),
        chain: None,
        metrics: metrics.clone(),
        web: Default::default(),
        readiness: orderbook_service::health::Readiness::new(&[]),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/ws", listener.local_addr()?);
    tokio::spawn(feed::serve(listener, state, stop));
    Ok((url, hub, metrics))
}

/// `--replicas` `orderbook-app feed` processes (the binary beside this
/// one) serving `market` from the scratch database and the broker.
async fn spawn_replicas(
    a: &Args,
    database_url: &str,
    market: Pubkey,
) -> anyhow::Result<(Vec<String>, Vec<KilledOnDrop>)> {
    let app = std::env::current_exe()?.with_file_name("orderbook-app");
    anyhow::ensure!(
        app.exists(),
        "{} missing: cargo build --release -p orderbook-app",
        app.display()
    );
    let (mut urls, mut replicas) = (Vec::new(), Vec::new());
    for _ in 0..a.replicas {
        let port = free_port()?;
        let child = std::process::Command::new(&app)
            .args(["feed", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .env("ORDERBOOK_REDIS_URL", &a.redis_url)
            .args(["--market", &market.to_string()])
            .args(["--max-connections-per-ip", &(2 * a.clients).to_string()])
            .env("RUST_LOG", "error")
            .spawn()?;
        replicas.push(KilledOnDrop(child));
        let addr = format!("127.0.0.1:{port}");
        wait_until("orderbook-app feed", || async {
            tokio::net::TcpStream::connect(&addr).await.is_ok()
        })
        .await?;
        urls.push(format!("ws://{addr}/ws"));
    }
    Ok((urls, replicas))
}
