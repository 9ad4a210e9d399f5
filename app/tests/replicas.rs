//! The replicated read side end to end, every server a separate process over
//! loopback: an `orderbook-node`, Redis, two `orderbook-app index` processes
//! (one leads, one stands by) publishing to the broker, and two
//! `orderbook-app feed` replicas; the test trades on the node and runs
//! WebSocket clients split across the replicas.
//!
//! Mid-trading the leading indexer is SIGKILLed, then one replica (its
//! clients reconnect to the other; it is restarted), then Redis is killed
//! and restarted empty, then the other replica (every client ends on the
//! restarted one, half of them back on the replica they began on). At the end every client's L2 and L3 equal the chain's
//! book, no client ever saw a delta that skipped events or repeated a trade
//! of its subscription, each holds every fill since its first (merged by
//! sequence number across its connections),
//! the database holds every event exactly once, and the stream never
//! carried one sequence twice.
//!
//! A second test starts a replica without `--market` and then a new market's
//! indexer: the replica serves the market it did not know, and builds a
//! wallet's order for it.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use futures_util::{SinkExt, StreamExt};
use orderbook_app::broker;
use orderbook_chain::rpc::RpcChain;
use orderbook_test_support::db::ScratchDb;
use orderbook_test_support::process::{KilledOnDrop, NodeProcess, free_port, wait_until};
use serde_json::{Value, json};
use solana_signer::Signer;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

const APP: &str = env!("CARGO_BIN_EXE_orderbook-app");
/// WebSocket clients, split across the two replicas.
const CLIENTS: usize = 6;
/// The book a client rebuilt: `(side, price)` -> lots, order id -> (side, price, trader, lots).
type L2 = BTreeMap<(String, u64), u64>;
type L3 = BTreeMap<u64, (String, u64, u32, u64)>;

/// The password of the tests' Redis servers (as `scripts/redis.sh` sets
/// one): a stream is writable only with it.
const REDIS_PASSWORD: &str = "test-broker-secret";

/// A Redis server of this test's own (so it can be killed), no persistence.
fn spawn_redis(port: u16) -> KilledOnDrop {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(["--requirepass", REDIS_PASSWORD])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server installed (scripts/redis.sh installs it)");
    KilledOnDrop(child)
}

async fn redis_ready(port: u16) {
    wait_until("redis-server", || async move {
        let Ok(client) = redis::Client::open(redis_url(port)) else {
            return false;
        };
        match client.get_multiplexed_async_connection().await {
            Ok(mut c) => redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap();
}

fn redis_url(port: u16) -> String {
    format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{port}")
}

struct Topology {
    rpc_url: String,
    ws_url: String,
    database_url: String,
    redis_port: u16,
    redis_url: String,
    market: Pubkey,
}

impl Topology {
    /// Around `node` and `market`: a scratch database named after `db_name`
    /// (its URL; the admin connection that drops it) and a Redis server of
    /// the test's own.
    async fn start(
        node: &NodeProcess,
        market: Pubkey,
        db_name: &str,
    ) -> (Self, ScratchDb, tokio_postgres::Client, KilledOnDrop) {
        let (sdb, check) = common::scratch_db(db_name).await;
        let redis_port = free_port().unwrap();
        let redis_server = spawn_redis(redis_port);
        redis_ready(redis_port).await;
        let topology = Topology {
            rpc_url: node.rpc_url.clone(),
            ws_url: node.ws_url.clone(),
            database_url: sdb.url.clone(),
            redis_port,
            redis_url: redis_url(redis_port),
            market,
        };
        (topology, sdb, check, redis_server)
    }

    /// An indexer process; its metrics on `metrics_port`.
    fn indexer(&self, metrics_port: u16) -> KilledOnDrop {
        let child = Command::new(APP)
            .args(["index", "--poll-ms", "100", "--batch-txs", "4"])
            .args(["--rpc-url", &self.rpc_url, "--ws-url", &self.ws_url])
            .args(["--database-url", &self.database_url])
            .args(["--redis-url", &self.redis_url])
            .args(["--market", &self.market.to_string()])
            .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        KilledOnDrop(child)
    }

    /// A feed replica of `self.market` on `port`.
    async fn replica(&self, port: u16) -> KilledOnDrop {
        self.replica_with(port, &["--market", &self.market.to_string()])
            .await
    }

    /// A feed replica on `port` with these extra arguments (none: every
    /// market indexed, now and later).
    async fn replica_with(&self, port: u16, args: &[&str]) -> KilledOnDrop {
        let child = Command::new(APP)
            .args(["feed", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--heartbeat-secs", "1"])
            .args(["--database-url", &self.database_url])
            .args(["--redis-url", &self.redis_url])
            .args(args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        wait_until("orderbook-app feed", || async {
            tokio::net::TcpStream::connect(&addr).await.is_ok()
        })
        .await
        .unwrap();
        KilledOnDrop(child)
    }
}

/// What the process serving metrics on `port` exports (empty if it does not answer).
async fn metrics(port: u16) -> String {
    let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await else {
        return String::new();
    };
    r.text().await.unwrap_or_default()
}

/// Whether the indexer serving metrics on `port` leads `market`.
async fn leads(port: u16, market: &Pubkey) -> bool {
    metrics(port).await.contains(&format!(
        "orderbook_indexer_leading{{market=\"{market}\"}} 1"
    ))
}

/// What one client saw and rebuilt.
#[derive(Default)]
struct Seen {
    l2: L2,
    l3: L3,
    /// Trades by market sequence number, over every connection.
    trades: BTreeMap<u64, Value>,
    /// The newest trade of the current subscription (its snapshot's, then
    /// each delta's): a delta's trades must all be newer.
    newest_trade: Option<u64>,
    /// Each channel's `seq`.
    seqs: BTreeMap<String, u64>,
    /// Deltas whose `prev_seq` was past the client's state (events skipped).
    gaps: Vec<String>,
    /// Trades a delta delivered again within one subscription.
    duplicates: Vec<u64>,
    deltas: usize,
    reconnects: usize,
}

impl Seen {
    fn apply(&mut self, m: &Value) {
        let channel = m["channel"].as_str().unwrap_or_default().to_string();
        let seq = m["seq"].as_u64().unwrap();
        let data = &m["data"];
        if m["type"] == "snapshot" {
            self.seqs.insert(channel.clone(), seq);
            self.apply_snapshot(&channel, data);
            return;
        }
        let mine = self.seqs[&channel];
        let prev = m["prev_seq"].as_u64().unwrap();
        if seq <= mine {
            return;
        }
        if prev > mine {
            self.gaps
                .push(format!("{channel}: at {mine}, delta {prev}..{seq}"));
        }
        self.seqs.insert(channel.clone(), seq);
        self.deltas += 1;
        match channel.as_str() {
            "l2" => {
                for level in data["levels"].as_array().unwrap() {
                    self.put_level(level, level["side"].as_str().unwrap());
                }
            }
            "l3" => {
                for order in data["orders"].as_array().unwrap() {
                    self.put_order(order);
                }
            }
            "trades" => {
                for trade in data["trades"].as_array().unwrap() {
                    let trade_seq = trade["seq"].as_u64().unwrap();
                    if self.newest_trade.is_some_and(|newest| trade_seq <= newest) {
                        self.duplicates.push(trade_seq);
                    }
                    self.newest_trade = Some(trade_seq);
                    self.trades.insert(trade_seq, trade.clone());
                }
            }
            _ => {}
        }
    }

    fn apply_snapshot(&mut self, channel: &str, data: &Value) {
        match channel {
            "l2" => {
                self.l2.clear();
                for (side, key) in [("bid", "bids"), ("ask", "asks")] {
                    for level in data[key].as_array().unwrap() {
                        self.put_level(level, side);
                    }
                }
            }
            "l3" => {
                self.l3.clear();
                for order in data["orders"].as_array().unwrap() {
                    self.put_order(order);
                }
            }
            // A new subscription's snapshot repeats trades an earlier
            // connection delivered: merged by sequence number.
            "trades" => {
                self.newest_trade = None;
                for trade in data["trades"].as_array().unwrap() {
                    let trade_seq = trade["seq"].as_u64().unwrap();
                    self.newest_trade = self.newest_trade.max(Some(trade_seq));
                    self.trades.insert(trade_seq, trade.clone());
                }
            }
            _ => {}
        }
    }

    fn put_level(&mut self, level: &Value, side: &str) {
        let key = (side.to_string(), common::amount(&level["price"]));
        match common::amount(&level["base_lots"]) {
            0 => self.l2.remove(&key),
            lots => self.l2.insert(key, lots),
        };
    }

    fn put_order(&mut self, o: &Value) {
        let id = common::amount(&o["order_id"]);
        match common::amount(&o["base_lots"]) {
            0 => self.l3.remove(&id),
            lots => self.l3.insert(
                id,
                (
                    o["side"].as_str().unwrap().to_string(),
                    common::amount(&o["price"]),
                    o["trader_id"].as_u64().unwrap() as u32,
                    lots,
                ),
            ),
        };
    }
}

/// A client: subscribes l2, l3 and trades on `ports[first]`, and after a
/// disconnect on the other replica, or failing that the same one again.
async fn client(
    ports: [u16; 2],
    first: usize,
    market: Pubkey,
    seen: Arc<Mutex<Seen>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut attempt = 0;
    while !*stop.borrow() {
        let port = ports[(first + attempt) % 2];
        attempt += 1;
        let Ok((mut ws, _)) =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws")).await
        else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        attempt -= 1; // `attempt` names this replica while connected
        seen.lock().unwrap().reconnects += 1;
        for channel in ["l2", "l3", "trades"] {
            let sub = json!({"op": "subscribe", "market": market.to_string(), "channel": channel});
            if ws
                .send(Message::Text(sub.to_string().into()))
                .await
                .is_err()
            {
                break;
            }
        }
        loop {
            let next = tokio::select! {
                // Silent past three heartbeats: the replica is gone.
                m = tokio::time::timeout(Duration::from_secs(30), ws.next()) => m,
                _ = stop.changed() => return,
            };
            let Ok(Some(Ok(Message::Text(text)))) = next else {
                if matches!(next, Ok(Some(Ok(_)))) {
                    continue;
                }
                break; // closed, failed or silent: reconnect
            };
            let m: Value = serde_json::from_str(text.as_str()).unwrap();
            if m["type"] == "snapshot" || m["type"] == "delta" {
                seen.lock().unwrap().apply(&m);
            }
        }
        attempt += 1; // dropped: the other replica first
    }
}

/// One [`client`] of the replica on `port`: its stop signal, what it saw, its task.
fn one_client(
    port: u16,
    market: Pubkey,
) -> (
    watch::Sender<bool>,
    Arc<Mutex<Seen>>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = watch::channel(false);
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let task = tokio::spawn(client([port, port], 0, market, seen.clone(), stopped));
    (stop, seen, task)
}

/// The chain's book as L2 (levels summed from its orders) and L3.
async fn chain_book(chain: &RpcChain, bids: Pubkey, asks: Pubkey) -> (L2, L3) {
    let l3 = common::book_orders(chain, [bids, asks]).await;
    let mut l2 = L2::new();
    for (side, price, _, lots) in l3.values() {
        *l2.entry((side.clone(), *price)).or_default() += lots;
    }
    (l2, l3)
}

/// Market events the chain emits between two steps of the kill sequence.
const STEP_EVENTS: u64 = 20;

/// Wait until the chain emitted `events` more events for `market`.
async fn chain_advances(chain: &RpcChain, market: &Pubkey, events: u64) {
    let start = common::chain_seq(chain, market).await;
    common::chain_reaches(chain, market, start + events).await;
}

/// Each client's connection count.
fn reconnects(seen: &[Arc<Mutex<Seen>>]) -> Vec<usize> {
    seen.iter().map(|s| s.lock().unwrap().reconnects).collect()
}

/// Wait until `ok(index, client)` holds for every client.
async fn every_client(seen: &[Arc<Mutex<Seen>>], what: &str, ok: impl Fn(usize, &Seen) -> bool) {
    let deadline = Instant::now() + common::STATE_DEADLINE;
    while !seen
        .iter()
        .enumerate()
        .all(|(i, s)| ok(i, &s.lock().unwrap()))
    {
        assert!(Instant::now() < deadline, "not every client {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The fills a client should hold: the database's, from its first trade on.
fn fills_since_first(seen: &Seen, fills: &[u64]) -> Vec<u64> {
    let first = seen.trades.keys().next().copied().unwrap_or(u64::MAX);
    fills.iter().copied().filter(|seq| *seq >= first).collect()
}

/// Wait until every client holds the chain's book and the database's fills.
/// (A channel's `seq` moves only when the channel changes, so the clients'
/// `seq`s need not reach the chain's last event: the state is the test.)
async fn clients_converge(
    seen: &[Arc<Mutex<Seen>>],
    book: &(L2, L3),
    fills: &[u64],
    within: Duration,
) {
    let started = Instant::now();
    while started.elapsed() < within {
        let converged = seen.iter().all(|s| {
            let s = s.lock().unwrap();
            (&s.l2, &s.l3) == (&book.0, &book.1)
                && s.trades.keys().copied().collect::<Vec<_>>() == fills_since_first(&s, fills)
        });
        if converged {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_and_a_standby_indexer_survive_kills_without_gaps_or_duplicates() {
    // The node, a market, and traders + keeper running in this process.
    let ledger = tempfile::tempdir().unwrap();
    let node =
        common::spawn_node(ledger.path(), (free_port().unwrap(), free_port().unwrap())).await;
    let (chain, payer, demo) = common::demo_on(&node.rpc_url).await;
    let keys = demo.market.keys;
    let (topology, sdb, check, mut redis_server) =
        Topology::start(&node, keys.market, "orderbook_replicas").await;

    // Two indexers: the first leads, the second stands by.
    let metrics_ports = [free_port().unwrap(), free_port().unwrap()];
    let mut indexers = vec![Some(topology.indexer(metrics_ports[0]))];
    wait_until("the first indexer leading", || {
        leads(metrics_ports[0], &keys.market)
    })
    .await
    .unwrap();
    indexers.push(Some(topology.indexer(metrics_ports[1])));
    let feed_ports = [free_port().unwrap(), free_port().unwrap()];
    let mut replicas = vec![
        Some(topology.replica(feed_ports[0]).await),
        Some(topology.replica(feed_ports[1]).await),
    ];
    // Given no node, a replica exports no `orderbook_node_up` (a 0 would
    // page "node unreachable"); it does probe the database.
    wait_until("the replica's first database probe", || async {
        metrics(feed_ports[0])
            .await
            .contains("orderbook_database_up 1")
    })
    .await
    .unwrap();
    let exported = metrics(feed_ports[0]).await;
    assert!(!exported.contains("orderbook_node_up"), "{exported}");

    let (stop_trading, trading) = watch::channel(false);
    let (demo_task, keeper_task) = demo.trade_and_crank(payer, Duration::from_millis(40), trading);
    let (stop_clients, clients_stop) = watch::channel(false);
    let seen: Vec<Arc<Mutex<Seen>>> = (0..CLIENTS).map(|_| Arc::default()).collect();
    let client_tasks: Vec<_> = seen
        .iter()
        .enumerate()
        .map(|(i, s)| {
            tokio::spawn(client(
                feed_ports,
                i % 2,
                keys.market,
                s.clone(),
                clients_stop.clone(),
            ))
        })
        .collect();
    every_client(&seen, "receiving deltas", |_, s| s.deltas > 0).await;
    // Each step below waits for the state it needs and lets the market
    // trade on (the chain emits more events) before the next one.
    let trades_on = || chain_advances(&chain, &keys.market, STEP_EVENTS);
    trades_on().await;

    // 1. The leading indexer dies mid-ingest; the standby takes over.
    drop(indexers[0].take());
    let failover = Instant::now();
    wait_until("the standby leading", || {
        leads(metrics_ports[1], &keys.market)
    })
    .await
    .unwrap();
    eprintln!("standby leads {:?} after the kill", failover.elapsed());
    trades_on().await;

    // 2. A replica dies; its clients move to the other; it comes back.
    let before = reconnects(&seen);
    drop(replicas[0].take());
    every_client(&seen, "moved off the killed replica", |i, s| {
        i % 2 == 1 || s.reconnects > before[i]
    })
    .await;
    replicas[0] = Some(topology.replica(feed_ports[0]).await);
    trades_on().await;

    // 3. Redis dies and comes back empty; the indexer publishes to it again
    // once its connection is back (it drops batches meanwhile).
    drop(redis_server);
    redis_server = spawn_redis(topology.redis_port);
    redis_ready(topology.redis_port).await;
    wait_until("the indexer publishing to the restarted broker", || {
        stream_has_entries(&topology.redis_url, &keys.market)
    })
    .await
    .unwrap();
    trades_on().await;

    // 4. The other replica dies: every client is now on the restarted one.
    let before = reconnects(&seen);
    drop(replicas[1].take());
    every_client(&seen, "moved off the second killed replica", |i, s| {
        i % 2 == 0 || s.reconnects > before[i]
    })
    .await;
    trades_on().await;

    // Trading stops; every client converges on the chain.
    let _ = stop_trading.send(true);
    demo_task.await.unwrap();
    keeper_task.await.unwrap();
    let final_seq = common::chain_seq(&chain, &keys.market).await;
    common::database_reaches(&check, &keys.market, final_seq).await;
    let (l2, l3) = chain_book(&chain, keys.bids, keys.asks).await;
    let fills = fills(&check, &keys.market).await;
    let book = (l2, l3);
    clients_converge(&seen, &book, &fills, common::STATE_DEADLINE).await;
    let (l2, l3) = book;
    for (i, s) in seen.iter().enumerate() {
        let s = s.lock().unwrap();
        assert!(
            s.gaps.is_empty(),
            "client {i} saw deltas skip events: {:?}",
            s.gaps
        );
        assert!(
            s.duplicates.is_empty(),
            "client {i} got trades twice: {:?}",
            s.duplicates
        );
        assert_eq!(s.l3, l3, "client {i}'s L3");
        assert_eq!(s.l2, l2, "client {i}'s L2");
        // Its trades are the database's fills from its first on, none missing.
        assert!(!s.trades.is_empty(), "client {i} saw trades");
        assert_eq!(
            s.trades.keys().copied().collect::<Vec<_>>(),
            fills_since_first(&s, &fills),
            "client {i}'s trades"
        );
        assert!(s.reconnects >= 1);
        assert!(
            s.seqs.values().all(|seq| *seq <= final_seq + 1),
            "client {i} ahead of the chain: {:?}",
            s.seqs
        );
    }
    let moved = seen
        .iter()
        .filter(|s| s.lock().unwrap().reconnects > 1)
        .count();
    assert_eq!(
        moved, CLIENTS,
        "every client reconnected after a replica it was on died"
    );

    // The database holds every event once.
    let (count, distinct, max): (i64, i64, i64) = {
        let row = check
            .query_one(
                "SELECT count(*), count(DISTINCT seq), coalesce(max(seq), -1) FROM events WHERE market = $1",
                &[&keys.market.to_string()],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(
        (count, distinct, max),
        (final_seq as i64 + 1, final_seq as i64 + 1, final_seq as i64)
    );
    assert_stream_never_repeats(&topology.redis_url, &keys.market).await;

    let _ = stop_clients.send(true);
    for task in client_tasks {
        let _ = task.await;
    }
    drop((replicas, indexers, redis_server));
    sdb.drop(check).await;
}

/// A replica started without `--market` serves a market first indexed after
/// it started: refused while no indexer has it, then snapshots and deltas
/// (from the stream) that end on the chain's book. Given the node, it also
/// builds a wallet's transaction: the order placed through it shows in its
/// own feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_serves_a_market_first_indexed_after_it_started() {
    let ledger = tempfile::tempdir().unwrap();
    let node =
        common::spawn_node(ledger.path(), (free_port().unwrap(), free_port().unwrap())).await;
    let (_, _, first) = common::demo_on(&node.rpc_url).await;
    let (mut topology, sdb, check, redis_server) = Topology::start(
        &node,
        first.market.keys.market,
        "orderbook_replica_discovers",
    )
    .await;
    let metrics_ports = [free_port().unwrap(), free_port().unwrap()];
    let first_indexer = topology.indexer(metrics_ports[0]);
    wait_until("the first market's indexer leading", || {
        leads(metrics_ports[0], &topology.market)
    })
    .await
    .unwrap();
    let feed_port = free_port().unwrap();
    let replica = topology
        .replica_with(feed_port, &["--rpc-url", &node.rpc_url])
        .await;

    // A second market, not indexed yet: the replica does not know it.
    let (chain, payer, second) = common::demo_on(&node.rpc_url).await;
    let keys = second.market.keys;
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{feed_port}/ws"))
        .await
        .unwrap();
    let mut ws = common::Ws(ws);
    let subscribe = json!({"op": "subscribe", "market": keys.market.to_string(), "channel": "l2"});
    ws.send(subscribe.clone()).await;
    let refused = ws.next(common::STATE_DEADLINE).await.unwrap();
    assert_eq!(refused["code"], "unknown_market", "{refused}");

    // Its indexer starts and trading begins: the replica serves it.
    topology.market = keys.market;
    let second_indexer = topology.indexer(metrics_ports[1]);
    let (stop_trading, trading) = watch::channel(false);
    let (demo_task, keeper_task) =
        second.trade_and_crank(payer, Duration::from_millis(40), trading);
    let indexed = Instant::now();
    let served = loop {
        ws.send(subscribe.clone()).await;
        let reply = ws.next(common::STATE_DEADLINE).await.unwrap();
        if reply["type"] == "snapshot" {
            break indexed.elapsed();
        }
        assert_eq!(reply["code"], "unknown_market", "{reply}");
        assert!(indexed.elapsed() < common::STATE_DEADLINE, "never served");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!("served {served:?} after its indexer started");
    assert!(metrics(feed_port).await.contains("orderbook_node_up 1"));
    let (stop_client, seen, client_task) = one_client(feed_port, keys.market);
    every_client(std::slice::from_ref(&seen), "receiving deltas", |_, s| {
        s.deltas > 0
    })
    .await;
    chain_advances(&chain, &keys.market, STEP_EVENTS).await;
    let _ = stop_trading.send(true);
    let demo = demo_task.await.unwrap();
    keeper_task.await.unwrap();

    // A wallet's order, built by the replica: far below the book, 3 lots.
    let wallet = &demo.takers[0].owner;
    let place = json!({ "market": keys.market.to_string(), "owner": wallet.pubkey().to_string(),
        "side": "bid", "order_type": "post_only", "price": 10, "base_lots": 3 });
    let url = format!("http://127.0.0.1:{feed_port}/api/tx/place");
    let (code, body) = common::post(&url, place).await;
    assert_eq!(code, 200, "{body}");
    common::sign_and_send(&chain, &body, wallet).await;

    let final_seq = common::chain_seq(&chain, &keys.market).await;
    common::database_reaches(&check, &keys.market, final_seq).await;
    let book = chain_book(&chain, keys.bids, keys.asks).await;
    let fills = fills(&check, &keys.market).await;
    clients_converge(
        std::slice::from_ref(&seen),
        &book,
        &fills,
        common::STATE_DEADLINE,
    )
    .await;
    {
        let s = seen.lock().unwrap();
        assert!(s.deltas > 0, "deltas from the stream");
        assert!(s.gaps.is_empty(), "deltas skipped events: {:?}", s.gaps);
        assert_eq!((&s.l2, &s.l3), (&book.0, &book.1), "the client's book");
        assert_eq!(
            s.l2.get(&("bid".to_string(), 10)),
            Some(&3),
            "the wallet's order"
        );
    }
    let _ = stop_client.send(true);
    let _ = client_task.await;
    drop((replica, first_indexer, second_indexer, redis_server));
    sdb.drop(check).await;
}

/// Finding N4: one `XADD` copying the last entry under ID 10^12, or under
/// the largest ID Redis takes, froze every feed at that sequence while the
/// database moved on, and made every later publish fail silently. Entries
/// are now checked before use, the publisher replaces a stream that is
/// ahead of what it indexed, and the replica's client ends on the chain's
/// book. (Writing a stream takes the broker's password; this test is the
/// attacker who has it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stream_entries_neither_freeze_nor_mislead_a_replica() {
    let ledger = tempfile::tempdir().unwrap();
    let node =
        common::spawn_node(ledger.path(), (free_port().unwrap(), free_port().unwrap())).await;
    let (chain, payer, demo) = common::demo_on(&node.rpc_url).await;
    let keys = demo.market.keys;
    let (topology, sdb, check, redis_server) =
        Topology::start(&node, keys.market, "orderbook_replica_forged").await;
    let metrics_port = free_port().unwrap();
    let indexer = topology.indexer(metrics_port);
    wait_until("the indexer leading", || leads(metrics_port, &keys.market))
        .await
        .unwrap();
    let feed_port = free_port().unwrap();
    let replica = topology.replica(feed_port).await;
    let (stop_trading, trading) = watch::channel(false);
    let (demo_task, keeper_task) = demo.trade_and_crank(payer, Duration::from_millis(40), trading);
    let (stop_client, seen, client_task) = one_client(feed_port, keys.market);
    let one = std::slice::from_ref(&seen);
    every_client(one, "receiving deltas", |_, s| s.deltas > 0).await;

    // Without the password, nothing can be written.
    let stream = broker::stream_key(&keys.market);
    let anonymous =
        redis::Client::open(format!("redis://127.0.0.1:{}", topology.redis_port)).unwrap();
    let mut anonymous = anonymous.get_multiplexed_async_connection().await.unwrap();
    let refused: redis::RedisResult<String> = redis::cmd("XADD")
        .arg(&stream)
        .arg("*")
        .arg("batch")
        .arg("x")
        .query_async(&mut anonymous)
        .await;
    assert!(
        refused.is_err(),
        "an XADD without the password was accepted"
    );

    let mut conn = redis::Client::open(topology.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    const REJECTED: &str = "orderbook_broker_rejected_entries_total";
    const RESETS: &str = "orderbook_broker_stream_resets_total";
    for forged_id in ["1000000000000-0", "18446744073709551615-0"] {
        chain_advances(&chain, &keys.market, STEP_EVENTS).await;
        let rejected = counter(&metrics(feed_port).await, REJECTED);
        let resets = counter(&metrics(metrics_port).await, RESETS);
        let last: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(&stream)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await
            .unwrap();
        let Some(redis::Value::BulkString(batch)) = last.ids[0].map.get("batch").cloned() else {
            panic!("the last entry has no batch");
        };
        let added: String = redis::cmd("XADD")
            .arg(&stream)
            .arg(forged_id)
            .arg("batch")
            .arg(batch)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(added, forged_id);
        let forged_at = Instant::now();
        wait_until("the replica refusing the forged entry", || async {
            counter(&metrics(feed_port).await, REJECTED) > rejected
        })
        .await
        .unwrap();
        wait_until("the publisher replacing the stream", || async {
            counter(&metrics(metrics_port).await, RESETS) > resets
        })
        .await
        .unwrap();
        // The replica follows the chain again, from the stream.
        let target = common::chain_seq(&chain, &keys.market).await + 1;
        every_client(one, "past the forged entry", |_, s| {
            s.seqs.values().any(|seq| *seq >= target)
        })
        .await;
        eprintln!(
            "{forged_id}: the client moved on {:?} after the forgery",
            forged_at.elapsed()
        );
    }

    let _ = stop_trading.send(true);
    demo_task.await.unwrap();
    keeper_task.await.unwrap();
    let final_seq = common::chain_seq(&chain, &keys.market).await;
    common::database_reaches(&check, &keys.market, final_seq).await;
    let book = chain_book(&chain, keys.bids, keys.asks).await;
    let fills = fills(&check, &keys.market).await;
    clients_converge(one, &book, &fills, common::STATE_DEADLINE).await;
    {
        let s = seen.lock().unwrap();
        assert_eq!((&s.l2, &s.l3), (&book.0, &book.1), "the client's book");
        assert!(
            s.seqs.values().all(|seq| *seq <= final_seq + 1),
            "the client was shown a sequence the chain never reached: {:?}",
            s.seqs
        );
    }
    let _ = stop_client.send(true);
    let _ = client_task.await;
    drop((replica, indexer, redis_server));
    sdb.drop(check).await;
}

/// The value of an unlabelled counter in a Prometheus exposition.
fn counter(exposition: &str, name: &str) -> u64 {
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

/// Market sequence numbers of the stored fills, in order.
async fn fills(db: &tokio_postgres::Client, market: &Pubkey) -> Vec<u64> {
    db.query(
        "SELECT seq FROM fills WHERE market = $1 ORDER BY seq",
        &[&market.to_string()],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<_, i64>(0) as u64)
    .collect()
}

/// Whether `market`'s stream holds an entry.
async fn stream_has_entries(redis_url: &str, market: &Pubkey) -> bool {
    let Ok(client) = redis::Client::open(redis_url) else {
        return false;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return false;
    };
    let len: redis::RedisResult<u64> = redis::cmd("XLEN")
        .arg(broker::stream_key(market))
        .query_async(&mut conn)
        .await;
    len.is_ok_and(|n| n > 0)
}

/// Each entry of the (restarted) stream starts after the previous one ended.
async fn assert_stream_never_repeats(redis_url: &str, market: &Pubkey) {
    let client = redis::Client::open(redis_url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(broker::stream_key(market))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        !reply.ids.is_empty(),
        "batches were published after the restart"
    );
    let mut next = 0;
    for entry in reply.ids {
        let Some(redis::Value::BulkString(bytes)) = entry.map.get("batch") else {
            panic!("entry {} without a batch", entry.id);
        };
        let batch = broker::decode(bytes).unwrap();
        let first = batch.events[0].seq;
        assert!(first >= next, "entry {} repeats sequence {first}", entry.id);
        next = broker::seq_after(&batch).unwrap();
        assert_eq!(
            broker::EntryId::parse(&entry.id),
            Some(broker::EntryId::of_batch(next)),
            "the ID is the batch's sequence"
        );
    }
}
