//! The feed end to end: chain → indexer → PostgreSQL/hub → WebSocket and
//! REST clients over real loopback sockets, against the real PostgreSQL.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use common::{Stack, get, post, sign_and_send, synthetic};
use futures_util::SinkExt;
use orderbook_app::feed::limits::FeedLimits;
use orderbook_app::feed::outbox::WriteLimits;
use orderbook_app::feed::view::MarketView;
use orderbook_app::reconcile::{self, Difference};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_client::accounts;
use serde_json::{Value, json};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// How long a test waits for an answer that must come (see `STATE_DEADLINE`).
const ANSWER: Duration = common::STATE_DEADLINE;

/// A client-side replica built only from snapshots and deltas.
#[derive(Default)]
struct Replica {
    seqs: HashMap<String, u64>,
    l3: BTreeMap<u64, (String, u64, u32, u64)>,
    l2: BTreeMap<(String, u64), (u64, u64)>,
    trades: usize,
    account_orders: BTreeMap<u64, u64>,
    balances: Value,
    deltas: usize,
}

impl Replica {
    fn apply(&mut self, m: &Value) {
        let ch = m["channel"].as_str().unwrap().to_string();
        let seq = m["seq"].as_u64().unwrap();
        let d = &m["data"];
        match m["type"].as_str().unwrap() {
            "snapshot" => {
                self.seqs.insert(ch.clone(), seq);
                match ch.as_str() {
                    "l3" => {
                        self.l3.clear();
                        for o in d["orders"].as_array().unwrap() {
                            self.put_l3(o);
                        }
                    }
                    "l2" => {
                        self.l2.clear();
                        for (side, key) in [("bid", "bids"), ("ask", "asks")] {
                            for l in d[key].as_array().unwrap() {
                                self.l2.insert(
                                    (side.into(), common::amount(&l["price"])),
                                    (
                                        common::amount(&l["base_lots"]),
                                        l["orders"].as_u64().unwrap(),
                                    ),
                                );
                            }
                        }
                    }
                    "trades" => self.trades = d["trades"].as_array().unwrap().len(),
                    "account" => {
                        self.account_orders.clear();
                        for o in d["orders"].as_array().unwrap() {
                            self.account_orders.insert(
                                common::amount(&o["order_id"]),
                                common::amount(&o["base_lots"]),
                            );
                        }
                        self.balances = d["balances"].clone();
                    }
                    _ => {}
                }
            }
            "delta" => {
                let last = *self.seqs.get(&ch).expect("delta before snapshot");
                self.seqs.insert(ch.clone(), common::next_seq(m, last));
                self.deltas += 1;
                match ch.as_str() {
                    "l3" => {
                        for o in d["orders"].as_array().unwrap() {
                            self.put_l3(o);
                        }
                    }
                    "l2" => {
                        for l in d["levels"].as_array().unwrap() {
                            let key = (
                                l["side"].as_str().unwrap().to_string(),
                                common::amount(&l["price"]),
                            );
                            if l["orders"] == 0 {
                                self.l2.remove(&key);
                            } else {
                                self.l2.insert(
                                    key,
                                    (
                                        common::amount(&l["base_lots"]),
                                        l["orders"].as_u64().unwrap(),
                                    ),
                                );
                            }
                        }
                    }
                    "trades" => self.trades += d["trades"].as_array().unwrap().len(),
                    "account" => {
                        for o in d["orders"].as_array().unwrap() {
                            let (id, lots) = (
                                common::amount(&o["order_id"]),
                                common::amount(&o["base_lots"]),
                            );
                            if lots == 0 {
                                self.account_orders.remove(&id);
                            } else {
                                self.account_orders.insert(id, lots);
                            }
                        }
                        if !d["balances"].is_null() {
                            self.balances = d["balances"].clone();
                        }
                    }
                    _ => {}
                }
            }
            other => panic!("unexpected message type {other}: {m}"),
        }
    }

    fn put_l3(&mut self, o: &Value) {
        let id = common::amount(&o["order_id"]);
        let lots = common::amount(&o["base_lots"]);
        if lots == 0 {
            self.l3.remove(&id);
        } else {
            self.l3.insert(
                id,
                (
                    o["side"].as_str().unwrap().into(),
                    common::amount(&o["price"]),
                    o["trader_id"].as_u64().unwrap() as u32,
                    lots,
                ),
            );
        }
    }
}

fn sub(market: &Pubkey, channel: &str) -> Value {
    json!({ "op": "subscribe", "market": market.to_string(), "channel": channel })
}

async fn chain_balances(chain: &RpcChain, trader: &Pubkey) -> [u64; 4] {
    let acc = chain.account(trader).await.unwrap().unwrap();
    let t = accounts::trader(&acc.data).unwrap();
    let b = t.state().balances;
    [
        b.free_base.get(),
        b.locked_base.get(),
        b.free_quote.get(),
        b.locked_quote.get(),
    ]
}

fn json_balances(v: &Value) -> [u64; 4] {
    ["base_free", "base_locked", "quote_free", "quote_locked"]
        .map(|k| v[k].as_str().unwrap().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_snapshot_and_deltas_rebuild_the_chain_book_without_gaps() {
    let mut s = Stack::start(Vec::new()).await;
    // Some history before anyone subscribes, so snapshots are not empty.
    s.activity(15).await;
    s.caught_up().await;
    let maker = s.demo.makers[0].owner.pubkey();
    let mut ws = s.ws().await;
    for ch in ["l3", "l2", "trades"] {
        ws.send(sub(&s.market, ch)).await;
    }
    ws.send(json!({ "op": "subscribe", "market": s.market.to_string(), "channel": "account", "owner": maker.to_string() }))
        .await;
    ws.send(json!({ "op": "subscribe", "market": s.market.to_string(), "channel": "candles", "resolution": 60 }))
        .await;
    let mut r = Replica::default();
    // Trade while subscribed; read as we go.
    for _ in 0..8 {
        s.activity(5).await;
        while let Some(m) = ws.next(Duration::from_millis(20)).await {
            if m["channel"] != "candles" {
                r.apply(&m);
            } else {
                assert!(m["data"]["candles"].is_array());
            }
        }
    }
    let seq = s.caught_up().await;
    for m in ws.drain(&s.market, "l3").await {
        if m["channel"] != "candles" {
            r.apply(&m);
        }
    }
    assert!(r.deltas > 10, "only {} deltas", r.deltas);
    let book = s.chain_book().await;
    assert!(!book.is_empty());
    assert_eq!(
        r.l3, book,
        "L3 rebuilt from snapshot + deltas differs from the chain at seq {seq}"
    );
    let mut l2: BTreeMap<(String, u64), (u64, u64)> = BTreeMap::new();
    for (side, price, _, lots) in book.values() {
        let e = l2.entry((side.clone(), *price)).or_default();
        e.0 += lots;
        e.1 += 1;
    }
    assert_eq!(r.l2, l2, "L2 differs from the chain");
    let fills: i64 = s
        .db()
        .query_one("SELECT count(*) FROM fills", &[])
        .await
        .unwrap()
        .get(0);
    assert!(fills > 0, "the demo traded");
    assert_eq!(
        r.trades as i64,
        fills.min(100 + r.trades as i64),
        "every fill reached the trades channel"
    );
    // The account channel: that maker's orders and balances as on chain.
    let maker_id = accounts::trader(
        &s.chain
            .account(&s.demo.makers[0].account)
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap()
    .state()
    .trader_id;
    let mine: BTreeMap<u64, u64> = book
        .iter()
        .filter(|(_, o)| o.2 == maker_id)
        .map(|(id, o)| (*id, o.3))
        .collect();
    assert_eq!(r.account_orders, mine);
    assert_eq!(
        json_balances(&r.balances),
        chain_balances(&s.chain, &s.demo.makers[0].account).await
    );

    // A late subscriber's snapshot (and the deltas the hub replays after a
    // cached one) is the same book.
    let mut late = s.ws().await;
    late.send(sub(&s.market, "l3")).await;
    let mut r2 = Replica::default();
    let first = late.next(ANSWER).await.expect("snapshot");
    assert_eq!(first["type"], "snapshot");
    r2.apply(&first);
    for m in late.drain(&s.market, "l3").await {
        r2.apply(&m);
    }
    assert_eq!(r2.l3, book);

    // The indexer agrees with the chain; a tampered database does not.
    let rep = reconcile::reconcile::<RpcChain>(
        &s.chain,
        s.db(),
        &s.market,
        None,
        Duration::from_millis(100),
    )
    .await
    .unwrap();
    assert!(rep.differences.is_empty(), "{:?}", rep.differences);
    assert_eq!(rep.orders, book.len());
    assert_eq!(rep.traders, 4);
    let some_order = *book.keys().next().unwrap() as i64;
    s.db()
        .execute(
            "UPDATE orders SET status = 'cancelled' WHERE order_id = $1",
            &[&some_order],
        )
        .await
        .unwrap();
    s.db()
        .execute(
            "UPDATE balances SET quote_free = quote_free + 1 WHERE trader_id = $1",
            &[&(maker_id as i32)],
        )
        .await
        .unwrap();
    // A growth of the asks the indexer never recorded.
    s.db()
        .execute("UPDATE markets SET asks_capacity = asks_capacity - 1", &[])
        .await
        .unwrap();
    let rep = reconcile::reconcile::<RpcChain>(
        &s.chain,
        s.db(),
        &s.market,
        None,
        Duration::from_millis(100),
    )
    .await
    .unwrap();
    assert!(
        rep.differences.contains(&Difference::MissingOrder {
            order_id: some_order as u64
        }),
        "{:?}",
        rep.differences
    );
    assert!(
        rep.differences.iter().any(|d| matches!(d, Difference::BalancesMismatch { trader_id, .. } if *trader_id == maker_id)),
        "{:?}",
        rep.differences
    );
    assert!(
        rep.differences.iter().any(|d| matches!(d, Difference::CapacityMismatch { part: "asks", chain, indexed: Some(indexed) } if *indexed + 1 == *chain)),
        "{:?}",
        rep.differences
    );
    assert_eq!(rep.differences.len(), 3, "{:?}", rep.differences);
    s.stop().await;
}

/// The slow-consumer policy (`feed/outbox.rs`): a client is dropped for the
/// bytes it leaves queued or the time it is behind, never for how many
/// messages a burst queued. The normal client reads at its own pace (here:
/// whatever pace this machine gives it) while the producer stays at most
/// [`READ_WINDOW`] batches ahead of it; the slow client never reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_dropped_with_a_reason_and_a_normal_one_keeps_receiving() {
    const READ_WINDOW: u64 = 64;
    const MIN_BATCHES: u64 = 2_000;
    const MAX_BATCHES: u64 = 20_000;
    let fake = Pubkey::new_unique();
    // The byte rule decides here: the writer waits as long as it takes for
    // the slow socket, so the close frame is there when the client reads.
    let limits = FeedLimits {
        write: WriteLimits {
            queue_bytes: 1 << 20,
            write_timeout: Duration::from_secs(3_600),
            ..WriteLimits::default()
        },
        ..FeedLimits::default()
    };
    let s = Stack::start_with(vec![MarketView::empty(fake)], limits).await;
    // The slow client's socket takes 4 KiB (no autotuning), so the backlog
    // lands in the server's queue instead of the kernel's buffers.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4_096).unwrap();
    let stream = sock.connect(s.addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}/ws", s.addr),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    let mut slow = common::Ws(ws);
    slow.send(sub(&fake, "l3")).await;
    assert_eq!(slow.next(ANSWER).await.unwrap()["type"], "snapshot");
    let mut normal = s.ws().await;
    normal.send(sub(&fake, "l3")).await;
    let snap = normal.next(ANSWER).await.unwrap();
    assert_eq!(snap["type"], "snapshot");
    let (read_tx, mut read) = tokio::sync::watch::channel(0u64);
    let reader = tokio::spawn(async move {
        let mut last = snap["seq"].as_u64().unwrap();
        while let Some(m) = normal.next(ANSWER).await {
            assert_eq!(m["type"], "delta", "{m}");
            assert_eq!(m["prev_seq"].as_u64().unwrap(), last, "gap");
            last = common::next_seq(&m, last);
            read_tx.send_modify(|n| *n += 1);
        }
    });
    // Publish until the slow client is dropped (and at least MIN_BATCHES).
    let tx = s.hub.ingest_sender();
    let slow_dropped = || s.state.metrics.slow_disconnects.get() > 0;
    let mut sent = 0u64;
    while sent < MIN_BATCHES || !slow_dropped() {
        assert!(sent < MAX_BATCHES, "the slow client was never dropped");
        let behind = sent.saturating_sub(READ_WINDOW);
        let r = tokio::time::timeout(ANSWER, read.wait_for(|n| *n >= behind))
            .await
            .map(|r| r.is_ok());
        assert!(
            r == Ok(true),
            "the normal client stopped at {} of {sent} deltas",
            *read.borrow()
        );
        tx.send(synthetic(fake, sent * 50, 50)).await.unwrap();
        sent += 1;
    }
    let all = tokio::time::timeout(ANSWER, read.wait_for(|n| *n == sent))
        .await
        .map(|r| r.is_ok());
    assert!(
        all == Ok(true),
        "the normal client received {} of {sent} deltas",
        *read.borrow()
    );
    assert_eq!(
        s.state.metrics.slow_disconnects.get(),
        1,
        "only the slow client is dropped"
    );
    reader.abort();
    // The slow client finds, after the backlog the kernel buffered, a close frame with the reason.
    let reason = slow.close_reason(ANSWER).await;
    let reason = reason.expect("a close frame");
    assert!(reason.contains("slow consumer"), "{reason}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_websocket_input_gets_clear_errors_and_the_server_stays_up() {
    let s = Stack::start(Vec::new()).await;
    let mut ws = s.ws().await;
    let m = s.market.to_string();
    let cases = [
        (json!("not an object"), "bad_request"),
        (json!({ "op": "dance" }), "bad_request"),
        (
            json!({ "op": "subscribe", "market": "nope", "channel": "l2" }),
            "bad_request",
        ),
        (
            json!({ "op": "subscribe", "market": m, "channel": "gossip" }),
            "unknown_channel",
        ),
        (
            json!({ "op": "subscribe", "market": m, "channel": "candles", "resolution": 61 }),
            "bad_request",
        ),
        (
            json!({ "op": "subscribe", "market": m, "channel": "account" }),
            "bad_request",
        ),
        (
            json!({ "op": "subscribe", "market": Pubkey::new_unique().to_string(), "channel": "l2" }),
            "unknown_market",
        ),
        (
            json!({ "op": "unsubscribe", "market": m, "channel": "l2" }),
            "not_subscribed",
        ),
    ];
    for (req, code) in &cases {
        ws.send(req.clone()).await;
        let r = ws.next(ANSWER).await.expect("an answer");
        assert_eq!(r["type"], "error", "{req} -> {r}");
        assert_eq!(r["code"], *code, "{req} -> {r}");
        assert!(!r["message"].as_str().unwrap().is_empty());
    }
    ws.0.send(tokio_tungstenite::tungstenite::Message::Text(
        "{oops".into(),
    ))
    .await
    .unwrap();
    assert_eq!(ws.next(ANSWER).await.unwrap()["code"], "bad_request");
    ws.0.send(tokio_tungstenite::tungstenite::Message::Binary(
        vec![1, 2, 3].into(),
    ))
    .await
    .unwrap();
    assert_eq!(ws.next(ANSWER).await.unwrap()["code"], "bad_request");
    ws.send(sub(&s.market, "l2")).await;
    assert_eq!(ws.next(ANSWER).await.unwrap()["type"], "snapshot");
    ws.send(sub(&s.market, "l2")).await;
    assert_eq!(ws.next(ANSWER).await.unwrap()["code"], "already_subscribed");
    ws.send(json!({ "op": "unsubscribe", "market": m, "channel": "l2" }))
        .await;
    assert_eq!(ws.next(ANSWER).await.unwrap()["type"], "unsubscribed");
    ws.send(json!({ "op": "ping", "id": 7 })).await;
    let pong = ws.next(ANSWER).await.unwrap();
    assert_eq!(
        (pong["type"].as_str(), pong["request"]["id"].as_u64()),
        (Some("pong"), Some(7))
    );
    // An oversized message ends that connection only.
    let _ =
        ws.0.send(tokio_tungstenite::tungstenite::Message::Text(
            "x".repeat(10_000).into(),
        ))
        .await;
    assert!(
        ws.next(ANSWER).await.is_none(),
        "an oversized frame closes the connection"
    );
    let mut again = s.ws().await;
    again.send(sub(&s.market, "trades")).await;
    assert_eq!(again.next(ANSWER).await.unwrap()["type"], "snapshot");
    assert!(s.state.metrics.bad_requests.get() >= cases.len() as u64);
    // Shutting down closes open WebSockets with a reason.
    s.shutdown();
    assert_eq!(
        again.close_reason(ANSWER).await.as_deref(),
        Some("server shutting down")
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_serves_market_data_and_refuses_bad_parameters() {
    // More bad transaction requests than the default burst allows (abuse.rs
    // tests the limit itself).
    let limits = FeedLimits {
        tx_burst: 100.0,
        ..FeedLimits::default()
    };
    let mut s = Stack::start_with(Vec::new(), limits).await;
    s.activity(30).await;
    s.caught_up().await;
    let m = s.market.to_string();
    let (code, markets) = get(&s.url("/api/markets")).await;
    assert_eq!(code, 200);
    assert_eq!(markets["markets"][0]["market"], m.as_str());
    assert_eq!(markets["markets"][0]["tick_size"], "1");
    // The demo's mints name themselves (Token-2022 metadata); the indexer
    // recorded their symbols.
    assert_eq!(markets["markets"][0]["base_symbol"], "DEMO");
    assert_eq!(markets["markets"][0]["quote_symbol"], "USDQ");
    // Capacities and resting orders are the chain's.
    let keys = s.demo.market.keys;
    let mut chain_fill = Vec::new();
    for side in [keys.bids, keys.asks] {
        let account = s.chain.account(&side).await.unwrap().unwrap();
        chain_fill.push(orderbook_client::accounts::book_fill(&account.data).unwrap());
    }
    let queue = s.chain.account(&keys.event_queue).await.unwrap().unwrap();
    let (_, queue_capacity) =
        orderbook_client::accounts::event_queue_with_capacity(&queue.data).unwrap();
    let row = &markets["markets"][0];
    assert_eq!(
        [&row["resting"]["bids"], &row["resting"]["asks"]].map(|v| v.as_u64().unwrap() as u32),
        [chain_fill[0].0, chain_fill[1].0],
        "{row}"
    );
    assert_eq!(
        [
            &row["capacity"]["bids"],
            &row["capacity"]["asks"],
            &row["capacity"]["event_queue"]
        ]
        .map(|v| v.as_u64().unwrap() as u32),
        [chain_fill[0].1, chain_fill[1].1, queue_capacity],
        "{row}"
    );
    // Depth equals the chain's L2.
    let (code, depth) = get(&s.url(&format!("/api/markets/{m}/depth?levels=1000"))).await;
    assert_eq!(code, 200);
    let book = s.chain_book().await;
    let total: u64 = book.values().map(|o| o.3).sum();
    let sum = |k: &str| {
        depth[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| common::amount(&l["base_lots"]))
            .sum::<u64>()
    };
    assert_eq!(sum("bids") + sum("asks"), total);
    let best_bid = book.values().filter(|o| o.0 == "bid").map(|o| o.1).max();
    assert_eq!(Some(common::amount(&depth["bids"][0]["price"])), best_bid);
    // Trades page backwards without overlap.
    let (_, p1) = get(&s.url(&format!("/api/markets/{m}/trades?limit=3"))).await;
    let t1 = p1["trades"].as_array().unwrap();
    assert_eq!(t1.len(), 3, "{p1}");
    let next = p1["next_before_seq"].as_i64().unwrap();
    let (_, p2) = get(&s.url(&format!(
        "/api/markets/{m}/trades?limit=3&before_seq={next}"
    )))
    .await;
    assert!(p2["trades"][0]["seq"].as_i64().unwrap() < next);
    let (code, c) = get(&s.url(&format!("/api/markets/{m}/candles?resolution=60"))).await;
    assert_eq!(code, 200);
    let trades: i64 = c["candles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["trades"].as_i64().unwrap())
        .sum();
    let fills: i64 = s
        .db()
        .query_one("SELECT count(*) FROM fills", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(trades, fills);
    // A trader's orders and balances.
    let maker = s.demo.makers[0].owner.pubkey();
    let (code, orders) = get(&s.url(&format!("/api/markets/{m}/traders/{maker}/orders"))).await;
    assert_eq!(code, 200);
    let id = orders["trader_id"].as_u64().unwrap() as u32;
    assert_eq!(
        orders["orders"].as_array().unwrap().len(),
        book.values().filter(|o| o.2 == id).count()
    );
    let (code, bal) = get(&s.url(&format!("/api/markets/{m}/traders/{maker}/balances"))).await;
    assert_eq!(code, 200);
    assert_eq!(
        json_balances(&bal),
        chain_balances(&s.chain, &s.demo.makers[0].account).await
    );
    let (code, health) = get(&s.url("/health")).await;
    assert_eq!((code, health["status"].as_str()), (200, Some("ok")));
    let metrics = reqwest::get(s.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("orderbook_http_requests_total"),
        "{metrics}"
    );

    // Bad input: a JSON error with a message, never a crash.
    let nobody = Pubkey::new_unique();
    for (path, want) in [
        ("/api/markets/xyz/trades".to_string(), 400),
        (format!("/api/markets/{nobody}/trades"), 404),
        (format!("/api/markets/{m}/trades?limit=0"), 400),
        (format!("/api/markets/{m}/trades?limit=abc"), 400),
        (format!("/api/markets/{m}/trades?limt=5"), 400),
        (format!("/api/markets/{m}/candles?resolution=7"), 400),
        (format!("/api/markets/{m}/depth?levels=-1"), 400),
        (format!("/api/markets/{m}/traders/bad/orders"), 400),
        (
            format!("/api/markets/{m}/traders/{m}/orders?status=weird"),
            400,
        ),
        (format!("/api/markets/{m}/traders/{nobody}/balances"), 404),
        ("/api/nothing".to_string(), 404),
    ] {
        let (code, body) = get(&s.url(&path)).await;
        assert_eq!(code, want, "{path}: {body}");
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{path}: {body}"
        );
    }
    // Each refusal names what is wrong.
    for (path, body, want, names) in [
        ("/api/tx/place", json!({}), 400, "market"),
        (
            "/api/tx/place",
            json!({ "market": m, "owner": maker.to_string(), "side": "up", "price": 1, "base_lots": 1 }),
            400,
            "side",
        ),
        (
            "/api/tx/place",
            json!({ "market": m, "owner": maker.to_string(), "side": "bid", "price": 0, "base_lots": 1 }),
            400,
            "price",
        ),
        (
            "/api/tx/place",
            json!({ "market": m, "owner": maker.to_string(), "side": "bid", "price": 1, "base_lots": 1, "colour": 1 }),
            400,
            "colour",
        ),
        (
            "/api/tx/place",
            json!({ "market": "not-a-key", "owner": maker.to_string(), "side": "bid", "price": 1, "base_lots": 1 }),
            400,
            "market",
        ),
        (
            "/api/tx/place",
            json!({ "market": m, "owner": maker.to_string(), "side": "bid", "price": 1, "base_lots": 1, "match_limit": 65 }),
            400,
            "match_limit",
        ),
        (
            "/api/tx/deposit",
            json!({ "market": m, "owner": maker.to_string(), "token": "gold", "amount": 1 }),
            400,
            "token",
        ),
        (
            "/api/tx/deposit",
            json!({ "market": m, "owner": maker.to_string(), "token": "base", "amount": -5 }),
            400,
            "amount",
        ),
        (
            "/api/tx/deposit",
            json!({ "market": m, "owner": maker.to_string(), "token": "base", "amount": "12x" }),
            400,
            "amount",
        ),
        ("/api/tx/deposit", json!([1, 2]), 400, "JSON object"),
        (
            "/api/tx/cancel",
            json!({ "market": m, "owner": maker.to_string() }),
            400,
            "order_id",
        ),
        (
            "/api/tx/withdraw",
            json!({ "market": nobody.to_string(), "owner": maker.to_string(), "token": "base", "amount": 1 }),
            404,
            "does not exist",
        ),
    ] {
        let (code, b) = post(&s.url(path), body.clone()).await;
        assert_eq!(code, want, "{path} {body}: {b}");
        let message = b["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{path} {body}: {message}");
    }
    let r = reqwest::Client::new()
        .post(s.url("/api/tx/place"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let (code, _) = get(&s.url("/health")).await;
    assert_eq!(code, 200, "still up");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_transactions_from_the_api_sign_and_land() {
    let s = Stack::start(Vec::new()).await;
    let m = s.market.to_string();
    let t = &s.demo.takers[0];
    let owner = t.owner.pubkey().to_string();
    let before = chain_balances(&s.chain, &t.account).await;
    // The demo deposited the whole wallet: withdraw some first, then deposit part back.
    let (code, b) = post(
        &s.url("/api/tx/withdraw"),
        json!({ "market": m, "owner": owner, "token": "quote", "amount": "12345", "wallet": t.quote_wallet.to_string() }),
    )
    .await;
    assert_eq!(code, 200, "{b}");
    assert_eq!(b["instructions"], 1);
    sign_and_send(&s.chain, &b, &t.owner).await;
    assert_eq!(
        chain_balances(&s.chain, &t.account).await[2],
        before[2] - 12_345
    );
    let (code, b) = post(
        &s.url("/api/tx/deposit"),
        json!({ "market": m, "owner": owner, "token": "quote", "amount": 12_000, "wallet": t.quote_wallet.to_string() }),
    )
    .await;
    assert_eq!(code, 200, "{b}");
    sign_and_send(&s.chain, &b, &t.owner).await;
    assert_eq!(
        chain_balances(&s.chain, &t.account).await[2],
        before[2] - 345
    );

    let (code, b) = post(
        &s.url("/api/tx/place"),
        json!({ "market": m, "owner": owner, "side": "bid", "order_type": "post_only", "price": 10, "base_lots": 3, "client_order_id": 4242 }),
    )
    .await;
    assert_eq!(code, 200, "{b}");
    sign_and_send(&s.chain, &b, &t.owner).await;
    let book = s.chain_book().await;
    let (id, _) = book
        .iter()
        .find(|(_, o)| o.1 == 10 && o.3 == 3)
        .expect("the order rests");
    let (code, b) = post(
        &s.url("/api/tx/cancel"),
        json!({ "market": m, "owner": owner, "order_id": id }),
    )
    .await;
    assert_eq!(code, 200, "{b}");
    sign_and_send(&s.chain, &b, &t.owner).await;
    assert!(!s.chain_book().await.contains_key(id));

    // A wallet without a trader account gets it opened in the same transaction.
    let fresh = Pubkey::new_unique().to_string();
    let (code, b) = post(
        &s.url("/api/tx/deposit"),
        json!({ "market": m, "owner": fresh, "token": "base", "amount": 1 }),
    )
    .await;
    assert_eq!(code, 200, "{b}");
    assert_eq!(b["instructions"], 2);
    s.stop().await;
}

/// Atoms in `owner`'s associated token account for `mint`, 0 if it has none.
async fn wallet_atoms(chain: &RpcChain, owner: &Pubkey, mint: &Pubkey, program: &Pubkey) -> u64 {
    let wallet = orderbook_client::pda::associated_token(owner, mint, program);
    chain
        .account(&wallet)
        .await
        .unwrap()
        .and_then(|a| orderbook_client::setup::token_amount(&a.data))
        .unwrap_or(0)
}

/// What the web app needs of the server: its files (any path is the app),
/// `/api/config`, and a faucet that mints the demo tokens to a new wallet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_files_config_and_faucet() {
    let s = Stack::start(Vec::new()).await;
    let http = reqwest::Client::new();
    for path in ["/", "/markets/somewhere"] {
        let page = http.get(s.url(path)).send().await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{path}");
        assert_eq!(page.text().await.unwrap(), common::WEB_INDEX, "{path}");
    }
    let asset = http.get(s.url("/assets/app.js")).send().await.unwrap();
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let (code, missing) = get(&s.url("/api/nothing/here")).await;
    assert_eq!(
        (code, missing["error"]["code"].as_str()),
        (404, Some("not_found"))
    );

    let (code, config) = get(&s.url("/api/config")).await;
    assert_eq!(code, 200);
    assert_eq!(config["program_id"], orderbook::ID.to_string());
    let authority = s.demo.market.mint_authority.pubkey().to_string();
    assert_eq!(config["faucet"]["authority"], authority);
    // The markets it funds: the page offers test tokens only there.
    assert_eq!(config["faucet"]["markets"], json!([s.market.to_string()]));

    let keys = &s.demo.market.keys;
    let m = s.market.to_string();
    // A wallet without SOL cannot pay for its grant: refused, saying so.
    let (code, b) = post(
        &s.url("/api/faucet"),
        json!({ "market": m, "owner": Keypair::new().pubkey().to_string() }),
    )
    .await;
    assert_eq!(code, 400, "{b}");
    let message = b["error"]["message"].as_str().unwrap();
    assert!(message.contains("holds 0.000000000 SOL"), "{b}");
    assert!(message.contains("airdrop SOL to it first"), "{b}");
    // The owner's wallet pays the fee and its token accounts' rent: the
    // faucet's key spends nothing.
    let node = s.node.as_ref().unwrap();
    let owner_keys = node.funded(1).await.unwrap();
    let owner = owner_keys.pubkey();
    let lamports = async |key: &Pubkey| {
        s.chain
            .account(key)
            .await
            .unwrap()
            .map_or(0, |a| a.lamports)
    };
    let faucet_before = lamports(&s.demo.market.mint_authority.pubkey()).await;
    for round in 1..=2u64 {
        let (code, b) = post(
            &s.url("/api/faucet"),
            json!({ "market": m, "owner": owner.to_string() }),
        )
        .await;
        assert_eq!(code, 200, "{b}");
        assert_eq!(b["signers"].as_array().unwrap().len(), 2, "{b}");
        sign_and_send(&s.chain, &b, &owner_keys).await;
        let base = wallet_atoms(&s.chain, &owner, &keys.base_mint, &keys.base_token_program).await;
        let quote = wallet_atoms(
            &s.chain,
            &owner,
            &keys.quote_mint,
            &keys.quote_token_program,
        )
        .await;
        // 5 base and 700 quote tokens per request (the stack's faucet).
        let want = (
            round * 5 * 10u64.pow(orderbook_chain::scenario::BASE_DECIMALS.into()),
            round * 700 * 10u64.pow(orderbook_chain::scenario::QUOTE_DECIMALS.into()),
        );
        assert_eq!((base, quote), want, "round {round}");
        assert_eq!(b["base"]["amount"], (want.0 / round).to_string());
    }
    assert_eq!(
        lamports(&s.demo.market.mint_authority.pubkey()).await,
        faucet_before,
        "the faucet paid nothing"
    );
    assert!(lamports(&owner).await < 1_000_000_000, "the owner paid");
    // The stack's faucet grants two requests per wallet per hour.
    let (code, b) = post(
        &s.url("/api/faucet"),
        json!({ "market": m, "owner": owner.to_string() }),
    )
    .await;
    assert_eq!(
        (code, b["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{b}"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("per wallet"),
        "{b}"
    );
    // A market the faucet was not started for: refused, even one whose
    // mints it could mint.
    let payer = node.funded(20).await.unwrap();
    let args = orderbook_chain::scenario::standard_market_args(payer.pubkey());
    let other = orderbook_chain::scenario::create_market(&*s.chain, &payer, args, 64, 256)
        .await
        .unwrap();
    let other = other.keys.market.to_string();
    for (body, want, names) in [
        (
            json!({ "market": other, "owner": Keypair::new().pubkey().to_string() }),
            400,
            "--faucet-market",
        ),
        (json!({ "market": m }), 400, "owner"),
        (json!({ "market": m, "owner": "x" }), 400, "owner"),
        (
            json!({ "market": m, "owner": owner.to_string(), "amount": 1 }),
            400,
            "amount",
        ),
        (
            json!({ "market": Pubkey::new_unique().to_string(), "owner": owner.to_string() }),
            404,
            "does not exist",
        ),
    ] {
        let (code, b) = post(&s.url("/api/faucet"), body.clone()).await;
        assert_eq!(code, want, "{body}: {b}");
        let message = b["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{body}: {message}");
    }
    s.stop().await;
}

/// The wallet endpoints on a sealed batch market: a post-only `place` is
/// queued to the open batch and lands; a taking `place`, a top-up from the
/// wallet (a queued order has none) and a commit to a continuous market are
/// refused by name; a commit is built from the commitment alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_market_queues_posts_and_refuses_by_name_what_it_cannot_do() {
    use orderbook_app::demo::{SealedDemo, demo_batch_args};
    let s = Stack::start(Vec::new()).await;
    let payer = s.node.as_ref().unwrap().funded(100).await.unwrap();
    let sealed = SealedDemo::with_batch_args(s.chain.clone(), payer, 1, 1, demo_batch_args(), None)
        .await
        .unwrap();
    let m = sealed.demo.market.keys.market.to_string();
    let maker = &sealed.demo.makers[0];
    let owner = maker.owner.pubkey().to_string();
    let order = |order_type: &str| json!({ "market": m, "owner": owner, "side": "ask", "order_type": order_type, "price": 10_100, "base_lots": 1 });
    let mut top_up = order("post_only");
    top_up["top_up_wallet"] = json!(true);
    let commitment = "ab".repeat(32);
    for (path, body, want, names) in [
        ("/api/tx/place", order("ioc"), 400, "sealed"),
        ("/api/tx/place", top_up, 400, "deposit first"),
        (
            "/api/tx/commit",
            json!({ "market": s.market.to_string(), "owner": owner, "batch": 0, "commitment": commitment }),
            400,
            "continuous market",
        ),
    ] {
        let (code, b) = post(&s.url(path), body.clone()).await;
        assert_eq!(code, want, "{path} {body}: {b}");
        let message = b["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(names), "{path} {body}: {message}");
    }
    let commit = json!({ "market": m, "owner": owner, "batch": 0, "commitment": commitment });
    let (code, b) = post(&s.url("/api/tx/commit"), commit).await;
    assert_eq!((code, b["instructions"].as_u64()), (200, Some(1)), "{b}");
    // The queued post lands: the batch account holds it.
    let chain = s.chain.clone();
    let batch = sealed.batch;
    let entries = || {
        let chain = chain.clone();
        async move {
            let batches = orderbook_chain::scenario::batches(chain.as_ref(), &batch)
                .await
                .unwrap();
            batches.entries.iter().filter(|e| e.kind != 0).count()
        }
    };
    let before = entries().await;
    let (code, b) = post(&s.url("/api/tx/place"), order("post_only")).await;
    assert_eq!(code, 200, "{b}");
    sign_and_send(&s.chain, &b, &maker.owner).await;
    assert_eq!(entries().await, before + 1);
    // A batch entry by path: bad numbers are named; one the indexer does
    // not hold is 404 (this market is not indexed by the stack at all).
    for (path, want, names) in [
        (
            format!("/api/markets/{m}/batches/x/entries/0"),
            400,
            "batch",
        ),
        (
            format!("/api/markets/{m}/batches/0/entries/-1"),
            400,
            "entry",
        ),
        (
            format!("/api/markets/{}/batches/0/entries/0", s.market),
            404,
            "no entry",
        ),
    ] {
        let (code, b) = get(&s.url(&path)).await;
        let message = b["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(code, want, "{path}: {b}");
        assert!(message.contains(names), "{path}: {message}");
    }
    s.stop().await;
}
