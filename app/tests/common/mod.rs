//! The whole stack against a node over loopback RPC: a local
//! `orderbook-node` (or the node at `ORDERBOOK_TEST_RPC_URL`) with the demo
//! market, the indexer into a scratch PostgreSQL database following it over
//! RPC + PubSub and feeding the hub, and the feed server on an ephemeral
//! localhost port.

#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use orderbook::events::OrderPlaced;
use orderbook_app::db;
use orderbook_app::demo::Demo;
use orderbook_app::feed::hub::{self, HubConfig, HubHandle};
use orderbook_app::feed::limits::{FeedLimits, Guards};
use orderbook_app::feed::rest::faucet::{Faucet, FaucetConfig};
use orderbook_app::feed::view::MarketView;
use orderbook_app::feed::web::WebOptions;
use orderbook_app::feed::{self, AppState};
use orderbook_app::indexer::Indexer;
use orderbook_app::metrics::FeedMetrics;
use orderbook_app::model::{Ingested, NewEvent};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_client::accounts;
use orderbook_client::events::ProgramEvent;
use orderbook_keeper::{Keeper, KeeperConfig};
use orderbook_test_support::db::ScratchDb;
use orderbook_test_support::node::LocalNode;
use serde_json::Value;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_postgres::Client;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

pub use orderbook_test_support::STATE_DEADLINE;
pub use orderbook_test_support::db::admin_url;

/// A scratch database with the indexer's schema, and a connection to it.
pub async fn scratch_db(prefix: &str) -> (ScratchDb, Client) {
    let (sdb, mut client) = ScratchDb::new(&admin_url(), prefix)
        .await
        .expect("postgres reachable (is it running?)");
    db::migrate(&mut client).await.expect("migrations apply");
    (sdb, client)
}

pub struct Stack {
    pub db: Option<ScratchDb>,
    pub client: Option<Client>,
    pub node: Option<LocalNode>,
    pub chain: Arc<RpcChain>,
    pub demo: Demo<RpcChain>,
    pub keeper: Keeper<RpcChain>,
    pub hub: HubHandle,
    pub state: AppState,
    pub addr: SocketAddr,
    pub market: Pubkey,
    /// A stand-in for the built web app (`index.html`, `assets/app.js`).
    pub web_dir: tempfile::TempDir,
    shutdown: watch::Sender<bool>,
}

/// Grants the stack's faucet gives one wallet per hour.
pub const FAUCET_GRANTS_PER_OWNER: u32 = 2;

/// The stand-in web app's page.
pub const WEB_INDEX: &str = "<!doctype html><title>web app</title>";

impl Stack {
    /// `extra`: additional (synthetic) markets the hub serves.
    pub async fn start(extra: Vec<MarketView>) -> Self {
        Self::start_with(extra, FeedLimits::default()).await
    }

    /// [`Stack::start`] with the feed's limits chosen.
    pub async fn start_with(extra: Vec<MarketView>, limits: FeedLimits) -> Self {
        let (sdb, client) = scratch_db("orderbook_feed").await;
        let node = LocalNode::start().await.expect("a node");
        let chain = Arc::new(node.chain());
        let payer = node.funded(1_000).await.expect("faucet");
        let demo = Demo::new(chain.clone(), payer.insecure_clone(), 2, 2)
            .await
            .expect("demo market");
        let market = demo.market.keys.market;
        let metrics = FeedMetrics::new();
        let mut views = vec![MarketView::empty(market)];
        views.extend(extra);
        let hub = hub::spawn(
            views,
            HubConfig {
                write: limits.write.clone(),
                heartbeat: Duration::from_secs(30),
            },
            metrics.clone(),
        );
        let (shutdown, rx) = watch::channel(false);
        let mut ix_client = db::connect(&sdb.url).await.unwrap();
        let ix = Indexer::new(chain.clone(), market).with_sink(hub.ingest_sender());
        tokio::spawn(orderbook_chain::rpc::wake_on_logs(
            node.ws_url.clone(),
            market,
            ix.wake(),
            rx.clone(),
        ));
        let sd = rx.clone();
        tokio::spawn(async move {
            ix.follow(&mut ix_client, Duration::from_millis(50), sd)
                .await
        });
        let dyn_chain: Arc<dyn Chain> = chain.clone();
        let web_dir = tempfile::tempdir().unwrap();
        chain
            .airdrop(&demo.market.mint_authority.pubkey(), 1_000_000_000)
            .await
            .expect("the faucet's fees");
        std::fs::write(web_dir.path().join("index.html"), WEB_INDEX).unwrap();
        std::fs::create_dir(web_dir.path().join("assets")).unwrap();
        std::fs::write(web_dir.path().join("assets/app.js"), "console.log(1)").unwrap();
        let state = AppState {
            hub: hub.clone(),
            db: db::pool(&sdb.url, 4).unwrap(),
            guards: Guards::new(limits),
            chain: Some(dyn_chain),
            metrics,
            // The demo's mint authority as the faucet, as scripts/run.sh gives it.
            web: Arc::new(WebOptions {
                dir: Some(web_dir.path().to_owned()),
                faucet: Some(Faucet::new(
                    demo.market.mint_authority.insecure_clone(),
                    FaucetConfig {
                        base_tokens: 5,
                        quote_tokens: 700,
                        markets: vec![market],
                        grants_per_owner_hour: FAUCET_GRANTS_PER_OWNER,
                        grants_per_ip_hour: 100,
                    },
                )),
                ..WebOptions::default()
            }),
            readiness: orderbook_service::health::Readiness::new(&[]),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(feed::serve(listener, state.clone(), rx));
        let keeper = Keeper::new(
            chain.clone(),
            payer,
            KeeperConfig {
                markets: vec![market],
                ..KeeperConfig::default()
            },
        );
        Self {
            db: Some(sdb),
            client: Some(client),
            node: Some(node),
            chain,
            demo,
            keeper,
            hub,
            state,
            addr,
            market,
            web_dir,
            shutdown,
        }
    }

    pub fn db(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// `n` demo transactions, cranking every 5.
    pub async fn activity(&mut self, n: usize) {
        for i in 0..n {
            let _ = self.demo.step().await;
            if i % 5 == 4 {
                self.keeper.pass().await.unwrap();
            }
        }
        self.keeper.pass().await.unwrap();
    }

    /// The market's last emitted sequence number on chain.
    pub async fn chain_seq(&self) -> u64 {
        let acc = self.chain.account(&self.market).await.unwrap().unwrap();
        accounts::market(&acc.data).unwrap().engine().next_emit_seq - 1
    }

    /// Wait until the hub has applied everything the chain emitted.
    pub async fn caught_up(&self) -> u64 {
        let target = self.chain_seq().await;
        let deadline = tokio::time::Instant::now() + STATE_DEADLINE;
        loop {
            let status = self.hub.status().await.unwrap();
            let seq = status
                .iter()
                .find(|(m, _)| *m == self.market)
                .and_then(|(_, s)| *s);
            if seq == Some(target) {
                return target;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the feed did not reach seq {target} (at {seq:?})"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The chain's book: order id -> (side, price, trader, lots).
    pub async fn chain_book(&self) -> BTreeMap<u64, (String, u64, u32, u64)> {
        let keys = self.demo.market.keys;
        book_orders(&self.chain, [keys.bids, keys.asks]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn ws(&self) -> Ws {
        let (s, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", self.addr))
            .await
            .expect("websocket connects");
        Ws(s)
    }

    /// Signal shutdown to the indexer and the feed server.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (db, client) = (self.db.take().unwrap(), self.client.take().unwrap());
        db.drop(client).await;
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
    }
}

pub struct Ws(pub WebSocketStream<MaybeTlsStream<TcpStream>>);

impl Ws {
    /// Read until a close frame (its reason) or the end of the stream.
    pub async fn close_reason(&mut self, within: Duration) -> Option<String> {
        while let Ok(Some(msg)) = tokio::time::timeout(within, self.0.next()).await {
            match msg {
                Ok(Message::Close(Some(f))) => return Some(f.reason.to_string()),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    pub async fn send(&mut self, v: Value) {
        self.0
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    /// Every message the server queued for this connection before now:
    /// subscribe again to `channel` of `market` (already subscribed) and
    /// read up to the hub's refusal, which it queued after them.
    pub async fn drain(&mut self, market: &Pubkey, channel: &str) -> Vec<Value> {
        self.send(serde_json::json!({ "op": "subscribe", "market": market.to_string(), "channel": channel }))
            .await;
        let mut before = Vec::new();
        loop {
            let m = self
                .next(STATE_DEADLINE)
                .await
                .expect("the barrier's answer");
            if m["code"] == "already_subscribed" {
                return before;
            }
            before.push(m);
        }
    }

    /// The next JSON message (heartbeats skipped), `None` after `idle`
    /// without one or when the connection ended.
    pub async fn next(&mut self, idle: Duration) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(idle, self.0.next())
                .await
                .ok()??
                .ok()?;
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] != "heartbeat" {
                    return Some(v);
                }
            }
        }
    }
}

/// Wait until `ok()` holds, failing after [`STATE_DEADLINE`] with `what`.
pub async fn wait_for_state(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + STATE_DEADLINE;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// GET `url`: (status, JSON body).
pub async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// POST `body` as JSON to `url`: (status, JSON body).
pub async fn post(url: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// A batch of `n` synthetic resting orders on `market` starting at `seq`.
pub fn synthetic(market: Pubkey, seq: u64, n: u64) -> Ingested {
    Ingested {
        market,
        events: (0..n)
            .map(|i| NewEvent {
                seq: seq + i,
                signature: Default::default(),
                slot: 1,
                block_time: None,
                event: ProgramEvent::OrderPlaced(OrderPlaced {
                    market,
                    seq: seq + i,
                    trader_id: 1,
                    order_id: seq + i,
                    client_order_id: 0,
                    side: orderbook::types::Side::Ask,
                    order_type: orderbook::types::OrderType::Limit,
                    price: 1_000 + (seq + i) % 500,
                    max_base_lots: 10,
                    posted_base_lots: 10,
                    filled_base_lots: 0,
                    filled_quote: 0,
                    taker_fee: 0,
                    expiry: 0,
                }),
            })
            .collect(),
        balances: Vec::new(),
    }
}

/// The `seq` a channel is at after delta `m`, given it was at `last`:
/// asserts the delta continues it (`prev_seq <= last < seq`, see
/// `docs/feed-protocol.md`).
pub fn next_seq(m: &Value, last: u64) -> u64 {
    let (prev, seq) = (m["prev_seq"].as_u64().unwrap(), m["seq"].as_u64().unwrap());
    assert!(
        prev <= last && last < seq,
        "delta does not continue seq {last}: {m}"
    );
    seq
}

/// A quantity the feed sends as a decimal string (docs/feed-protocol.md#numbers);
/// a JSON number here fails the test, since JavaScript would round it.
pub fn amount(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a quantity must be a decimal string, got {v}"))
}

/// The `orderbook-node` binary beside this test's (built if missing: cargo
/// builds a package's binaries only for that package's own tests).
pub fn node_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("orderbook-node");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args([
                "build",
                "-q",
                "-p",
                "orderbook-node",
                "--bin",
                "orderbook-node",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "building orderbook-node");
    }
    bin
}

/// A node on `ledger` serving on `ports` (the same ones after a restart, so
/// keeper and indexer reconnect to it).
pub async fn spawn_node(
    ledger: &std::path::Path,
    (rpc, ws): (u16, u16),
) -> orderbook_test_support::process::NodeProcess {
    orderbook_test_support::process::NodeProcess::spawn(&node_binary(), ledger, rpc, ws, &[])
        .await
        .unwrap()
}

pub async fn chain_seq(chain: &RpcChain, market: &anchor_lang::prelude::Pubkey) -> u64 {
    let account = chain.account(market).await.unwrap().unwrap();
    accounts::market(&account.data)
        .unwrap()
        .engine()
        .next_emit_seq
        - 1
}

/// Wait until `market`'s last emitted sequence number on chain is at
/// least `seq` (the market trades on).
pub async fn chain_reaches(chain: &RpcChain, market: &anchor_lang::prelude::Pubkey, seq: u64) {
    let deadline = tokio::time::Instant::now() + STATE_DEADLINE;
    loop {
        let now = chain_seq(chain, market).await;
        if now >= seq {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the market stopped trading at seq {now}, short of {seq}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait until the database holds `market`'s events up to `seq`.
pub async fn database_reaches(db: &Client, market: &anchor_lang::prelude::Pubkey, seq: u64) {
    let deadline = tokio::time::Instant::now() + STATE_DEADLINE;
    loop {
        let stored = orderbook_app::db::cursor::last_seq(db, &market.to_string())
            .await
            .unwrap();
        if stored == Some(seq) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the database at {stored:?}, the chain at {seq}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The chain at `rpc_url`, a payer funded by its faucet, and the demo
/// market (2 makers, 2 takers) created by that payer.
pub async fn demo_on(rpc_url: &str) -> (Arc<RpcChain>, solana_keypair::Keypair, Demo<RpcChain>) {
    let chain = Arc::new(RpcChain::new(rpc_url));
    let payer = solana_keypair::Keypair::new();
    chain
        .airdrop(&payer.pubkey(), 1_000_000_000_000)
        .await
        .unwrap();
    let demo = Demo::new(chain.clone(), payer.insecure_clone(), 2, 2)
        .await
        .unwrap();
    (chain, payer, demo)
}

/// The resting orders of a market's book side accounts `sides`:
/// order id -> (side, price, trader, lots).
pub async fn book_orders(
    chain: &RpcChain,
    sides: [Pubkey; 2],
) -> BTreeMap<u64, (String, u64, u32, u64)> {
    let mut out = BTreeMap::new();
    for key in sides {
        let acc = chain.account(&key).await.unwrap().unwrap();
        let book = accounts::book(&acc.data).unwrap();
        let side = if book.side as u8 == 0 { "bid" } else { "ask" };
        for o in book.orders {
            out.insert(
                o.order_id,
                (side.to_string(), o.price, o.trader_id, o.base_lots),
            );
        }
    }
    out
}

/// Decode an unsigned transaction from the API, sign it as `owner`, send it.
pub async fn sign_and_send(chain: &RpcChain, body: &Value, owner: &solana_keypair::Keypair) {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body["transaction"].as_str().unwrap())
        .unwrap();
    let mut tx: Transaction = bincode::deserialize(&bytes).unwrap();
    assert_eq!(tx.message.account_keys[0], owner.pubkey(), "the owner pays");
    assert_eq!(tx.signatures[0], Default::default(), "left for the owner");
    let hash = tx.message.recent_blockhash;
    tx.partial_sign(&[owner], hash);
    assert!(tx.is_signed(), "the server signed for every other signer");
    chain
        .send_and_confirm(&tx)
        .await
        .expect("the wallet-signed transaction lands");
}
