//! Findings 3 and 7 of the security review: what one hostile client can cost
//! the feed. A client that loops `subscribe l3` / `unsubscribe l3` without
//! reading used to make the single hub task serialise a full book each time
//! and queue gigabytes; REST had no rate limit, shared one database client,
//! listed every market at once and built transactions for accounts any
//! program could forge. Each is checked here against the real server.

use std::time::Duration;

use anchor_lang::Discriminator;
use anchor_lang::prelude::Pubkey;
use common::{Stack, get, post, synthetic};
use orderbook_app::feed::client_ip::TrustedProxies;
use orderbook_app::feed::limits::FeedLimits;
use orderbook_app::feed::outbox::WriteLimits;
use orderbook_app::feed::view::MarketView;
use orderbook_chain::scenario::{BASE_DECIMALS, QUOTE_DECIMALS};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod common;

fn sub(op: &str, market: &Pubkey, channel: &str) -> Value {
    json!({ "op": op, "market": market.to_string(), "channel": channel })
}

/// A WebSocket client whose socket buffers only 4 KiB, so what it does not
/// read stays in the server's queue.
async fn non_reading_client(s: &Stack) -> common::Ws {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4_096).unwrap();
    let stream = sock.connect(s.addr).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}/ws", s.addr),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .unwrap();
    common::Ws(ws)
}

/// Subscribe/unsubscribe pairs the attacker sends.
const ATTACK_ROUNDS: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscribe_loop_that_never_reads_cannot_stall_other_clients() {
    let book = Pubkey::new_unique();
    let limits = FeedLimits {
        write: WriteLimits {
            queue_bytes: 4 << 20,
            ..WriteLimits::default()
        },
        ..FeedLimits::default()
    };
    let s = Stack::start_with(vec![MarketView::empty(book)], limits).await;
    let ingest = s.hub.ingest_sender();
    // 20,000 resting orders: an L3 snapshot of a few megabytes.
    let mut seq = 0;
    for _ in 0..40 {
        ingest.send(synthetic(book, seq, 500)).await.unwrap();
        seq += 500;
    }
    let mut normal = s.ws().await;
    normal.send(sub("subscribe", &book, "l2")).await;
    let snap = normal.next(common::STATE_DEADLINE).await.unwrap();
    assert_eq!(snap["type"], "snapshot");

    // The attacker loops subscribe/unsubscribe on L3 and never reads.
    let mut attacker = non_reading_client(&s).await;
    let attack = tokio::spawn(async move {
        use futures_util::SinkExt;
        let text = |op| tungstenite::Message::Text(sub(op, &book, "l3").to_string().into());
        for _ in 0..ATTACK_ROUNDS {
            // The server hangs up on it at some point: that ends the attack.
            if attacker.0.send(text("subscribe")).await.is_err()
                || attacker.0.send(text("unsubscribe")).await.is_err()
            {
                break;
            }
        }
        attacker
    });
    // Meanwhile the market trades: the normal client must see every delta,
    // in order. (How promptly is a bench's question: `fanout-bench`.)
    let batches = 200u64;
    let reader = tokio::spawn(async move {
        let mut last = snap["seq"].as_u64().unwrap();
        let mut received = 0u64;
        while let Some(m) = normal.next(common::STATE_DEADLINE).await {
            if m["type"] != "delta" {
                continue;
            }
            assert_eq!(m["prev_seq"].as_u64().unwrap(), last, "gap");
            last = common::next_seq(&m, last);
            received += 1;
            if received == batches {
                break;
            }
        }
        received
    });
    for _ in 0..batches {
        ingest.send(synthetic(book, seq, 1)).await.unwrap();
        seq += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        reader.await.unwrap(),
        batches,
        "the normal client got every delta"
    );

    let mut attacker = attack.await.unwrap();
    let m = &s.state.metrics;
    // Hundreds of subscribes, 200 new versions of the book: the L3 snapshot
    // was serialised once (plus the normal client's L2 one), and replayed
    // with the deltas since for every later subscribe.
    assert!(
        m.snapshots_built.get() <= 3,
        "{} snapshots built",
        m.snapshots_built.get()
    );
    // The attacker was rate-limited, and dropped once its queue held
    // `queue_bytes` it did not read (with a close frame saying so when the
    // hub drops it, or a hang-up when its own request's reply did not fit).
    assert!(m.rate_limited.with_label_values(&["ws"]).get() > 0);
    assert!(m.slow_disconnects.get() >= 1);
    let reason = attacker.close_reason(common::STATE_DEADLINE).await;
    assert!(
        reason
            .as_deref()
            .is_none_or(|r| r.contains("slow consumer")),
        "{reason:?}"
    );
    s.stop().await;
}

/// Finding N3: non-reading connections subscribed to a large book each
/// pinned a copy of its L3 snapshot (the frame being written), 2.7 MB per
/// connection. The frames being written now share one byte budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_reading_clients_pin_no_more_than_the_in_flight_budget() {
    const BUDGET: usize = 8 << 20;
    const CLIENTS: usize = 48;
    let book = Pubkey::new_unique();
    let limits = FeedLimits {
        write: WriteLimits {
            in_flight_bytes: BUDGET,
            // Nobody is dropped while memory is measured.
            write_timeout: Duration::from_secs(3_600),
            max_lag: Duration::from_secs(3_600),
            ..WriteLimits::default()
        },
        ..FeedLimits::default()
    };
    let s = Stack::start_with(vec![MarketView::empty(book)], limits).await;
    let ingest = s.hub.ingest_sender();
    // 32,768 resting orders: an L3 snapshot of several megabytes.
    for i in 0..64 {
        ingest.send(synthetic(book, i * 512, 512)).await.unwrap();
    }
    let mut reader = s.ws().await;
    reader.send(sub("subscribe", &book, "l3")).await;
    let snapshot = reader.next(common::STATE_DEADLINE).await.unwrap();
    let snapshot_bytes = snapshot.to_string().len();
    assert_eq!(
        snapshot["data"]["orders"].as_array().unwrap().len(),
        64 * 512
    );
    assert!(snapshot_bytes > 2 << 20, "{snapshot_bytes} bytes");

    let m = &s.state.metrics;
    let rss_before = orderbook_test_support::process::rss_bytes();
    let mut attackers = Vec::new();
    for _ in 0..CLIENTS {
        let mut a = non_reading_client(&s).await;
        a.send(sub("subscribe", &book, "l3")).await;
        attackers.push(a);
    }
    // As many snapshot frames as the budget holds are being written.
    let fits = (BUDGET / snapshot_bytes).min(CLIENTS) as i64;
    common::wait_for_state("the budget's worth of frames in flight", || {
        m.in_flight_bytes.get() >= (fits - 1).max(1) * snapshot_bytes as i64
    })
    .await;
    let grown = orderbook_test_support::process::rss_bytes().saturating_sub(rss_before);
    eprintln!(
        "{CLIENTS} non-readers of a {snapshot_bytes}-byte snapshot: RSS +{} MiB, {} bytes in flight",
        grown >> 20,
        m.in_flight_bytes.get()
    );
    assert!(
        m.in_flight_bytes.get() <= BUDGET as i64,
        "{} bytes in flight",
        m.in_flight_bytes.get()
    );
    // One copy each would be CLIENTS × the snapshot (> 96 MiB).
    assert!(
        grown < (BUDGET + (24 << 20)) as u64,
        "RSS grew {} MiB",
        grown >> 20
    );
    // The server still serves a reader.
    let mut normal = s.ws().await;
    normal.send(sub("subscribe", &book, "l2")).await;
    let l2 = normal.next(common::STATE_DEADLINE).await.unwrap();
    assert_eq!(l2["type"], "snapshot");
    drop(attackers);
    s.stop().await;
}

/// Finding N3, the other half: a socket that takes no frame within the
/// write timeout is dropped (and its frame's bytes given back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_that_takes_nothing_is_dropped_after_the_write_timeout() {
    let book = Pubkey::new_unique();
    let limits = FeedLimits {
        write: WriteLimits {
            write_timeout: Duration::from_secs(1),
            ..WriteLimits::default()
        },
        ..FeedLimits::default()
    };
    let s = Stack::start_with(vec![MarketView::empty(book)], limits).await;
    let ingest = s.hub.ingest_sender();
    for i in 0..32 {
        ingest.send(synthetic(book, i * 512, 512)).await.unwrap();
    }
    let m = &s.state.metrics;
    let mut stuck = non_reading_client(&s).await;
    stuck.send(sub("subscribe", &book, "l3")).await;
    // Deltas until its socket is full and one waits past the timeout.
    let mut seq = 32 * 512;
    while m.slow_disconnects.get() == 0 {
        assert!(seq < 1_000_000, "never dropped");
        ingest.send(synthetic(book, seq, 64)).await.unwrap();
        seq += 64;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    common::wait_for_state("the stuck client gone", || m.connections.get() == 0).await;
    assert_eq!(m.in_flight_bytes.get(), 0);
    drop(stuck);
    s.stop().await;
}

/// Finding N8: per-owner channels stayed in the hub after their last
/// subscriber left, so subscribing to random owners grew it without bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_owner_channels_leave_with_their_last_subscriber() {
    const OWNERS: usize = 300;
    let limits = FeedLimits {
        ws_requests_per_sec: 1e6,
        ws_request_burst: 1e6,
        ..FeedLimits::default()
    };
    let s = Stack::start_with(Vec::new(), limits).await;
    let mut ws = s.ws().await;
    ws.send(sub("subscribe", &s.market, "l2")).await;
    assert_eq!(
        ws.next(common::STATE_DEADLINE).await.unwrap()["type"],
        "snapshot"
    );
    let held = s.state.metrics.channels.get();
    for _ in 0..OWNERS {
        let owner = Pubkey::new_unique().to_string();
        let mut req = json!({ "op": "subscribe", "market": s.market.to_string(), "channel": "account", "owner": owner });
        ws.send(req.clone()).await;
        assert_eq!(
            ws.next(common::STATE_DEADLINE).await.unwrap()["type"],
            "snapshot"
        );
        req["op"] = "unsubscribe".into();
        ws.send(req).await;
        assert_eq!(
            ws.next(common::STATE_DEADLINE).await.unwrap()["type"],
            "unsubscribed"
        );
    }
    let channels = &s.state.metrics.channels;
    common::wait_for_state("the hub back to the channels it held", || {
        channels.get() == held
    })
    .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped_per_address() {
    let limits = FeedLimits {
        max_connections_per_ip: 3,
        ..FeedLimits::default()
    };
    let s = Stack::start_with(Vec::new(), limits).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(s.ws().await);
    }
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/ws", s.addr)).await;
    match refused {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("a fourth connection was not refused: {other:?}"),
    }
    assert_eq!(s.state.metrics.refused_connections.get(), 1);
    // A closed connection frees its place.
    drop(open.pop());
    let mut admitted = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if let Ok(ws) = tokio_tungstenite::connect_async(format!("ws://{}/ws", s.addr)).await {
            admitted = Some(ws);
            break;
        }
    }
    assert!(admitted.is_some(), "the freed place was not reused");
    s.stop().await;
}

/// Behind a reverse proxy every client arrives from the proxy's address.
/// With the proxy trusted, each client `X-Forwarded-For` names has its own
/// budgets; from an untrusted peer the header is ignored (a client cannot
/// pick its budget), and a forged entry left of what the proxy appended
/// does not move it either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    for trusted in [false, true] {
        let proxies = if trusted {
            vec!["127.0.0.1/32".parse().unwrap()]
        } else {
            Vec::new()
        };
        let limits = FeedLimits {
            rest_per_sec: 0.01,
            rest_burst: 2.0,
            max_connections_per_ip: 1,
            trusted_proxies: TrustedProxies(proxies),
            ..FeedLimits::default()
        };
        let s = Stack::start_with(Vec::new(), limits).await;
        let url = s.url("/api/markets");
        let from = |forwarded: &'static str| {
            let url = url.clone();
            async move {
                let r = reqwest::Client::new()
                    .get(url)
                    .header("x-forwarded-for", forwarded)
                    .send()
                    .await
                    .unwrap();
                r.status().as_u16()
            }
        };
        assert_eq!(from("203.0.113.1").await, 200);
        assert_eq!(from("203.0.113.1").await, 200);
        assert_eq!(
            from("203.0.113.1").await,
            429,
            "the first client's burst is spent"
        );
        let other = if trusted { 200 } else { 429 };
        assert_eq!(from("203.0.113.2").await, other, "trusted: {trusted}");
        assert_eq!(
            from("198.51.100.9, 203.0.113.1").await,
            429,
            "a forged first entry"
        );

        let ws_from = |forwarded: &'static str| {
            let mut req = format!("ws://{}/ws", s.addr).into_client_request().unwrap();
            req.headers_mut()
                .insert("x-forwarded-for", forwarded.parse().unwrap());
            tokio_tungstenite::connect_async(req)
        };
        let first = ws_from("203.0.113.1").await.expect("a first connection");
        let second = ws_from("203.0.113.2").await;
        match (trusted, second) {
            (true, Ok(_)) => {}
            (false, Err(tungstenite::Error::Http(r))) => assert_eq!(r.status(), 429),
            (trusted, other) => panic!("trusted {trusted}: second client's connection: {other:?}"),
        }
        match ws_from("203.0.113.1").await {
            Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 429),
            other => panic!("the first client's second connection: {other:?}"),
        }
        drop(first);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_is_rate_limited_paged_and_builds_only_for_program_accounts() {
    let limits = FeedLimits {
        rest_per_sec: 0.01,
        rest_burst: 6.0,
        tx_per_sec: 0.01,
        tx_burst: 1.0,
        ..FeedLimits::default()
    };
    let mut s = Stack::start_with(Vec::new(), limits).await;
    s.activity(2).await;
    s.caught_up().await;
    let m = s.market.to_string();

    // Paging: one market per page, then the page after it is empty.
    let (code, page) = get(&s.url("/api/markets?limit=1")).await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["markets"][0]["market"], m.as_str());
    assert_eq!(page["markets"][0]["base_decimals"], BASE_DECIMALS);
    assert_eq!(page["markets"][0]["quote_decimals"], QUOTE_DECIMALS);
    assert_eq!(page["next_after"], m.as_str());
    let (code, page) = get(&s.url(&format!("/api/markets?after={m}"))).await;
    assert_eq!((code, page["markets"].as_array().unwrap().len()), (200, 0));
    assert_eq!(page["next_after"], Value::Null);
    for bad in [
        "/api/markets?limit=0",
        "/api/markets?after=xyz",
        "/api/markets?page=2",
    ] {
        assert_eq!(get(&s.url(bad)).await.0, 400, "{bad}");
    }

    // A forged market: the program's discriminator and layout, owned by
    // another program. No transaction is built against it.
    let forged = Pubkey::new_unique();
    let mut data = orderbook::state::Market::DISCRIMINATOR.to_vec();
    data.resize(8 + std::mem::size_of::<orderbook::state::Market>(), 0);
    let Some(node) = s.node.as_ref().and_then(|n| n.node.as_ref()) else {
        return; // an external node: no way to write an account directly
    };
    node.state
        .bank()
        .set_account(
            forged,
            solana_account::Account {
                lamports: 1_000_000_000,
                data,
                owner: Pubkey::new_unique(),
                executable: false,
                rent_epoch: 0,
            },
        )
        .unwrap();
    let body = json!({ "market": forged.to_string(), "owner": Pubkey::new_unique().to_string(),
        "token": "base", "amount": 1 });
    let (code, refusal) = post(&s.url("/api/tx/deposit"), body.clone()).await;
    assert_eq!(code, 400, "{refusal}");
    assert!(
        refusal["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not owned"),
        "{refusal}"
    );

    // The transaction builders' budget (1) is spent; the next one is refused.
    let (code, refusal) = post(&s.url("/api/tx/deposit"), body).await;
    assert_eq!(code, 429, "{refusal}");
    assert_eq!(refusal["error"]["code"], "rate_limited");
    // So is REST after its burst of 6 (5 used above); health is not limited.
    assert_eq!(get(&s.url(&format!("/api/markets/{m}/depth"))).await.0, 200);
    let (code, refusal) = get(&s.url(&format!("/api/markets/{m}/depth"))).await;
    assert_eq!(
        (code, refusal["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(get(&s.url("/health")).await.0, 200);
    assert!(
        s.state
            .metrics
            .rate_limited
            .with_label_values(&["rest"])
            .get()
            >= 1
    );
    s.stop().await;
}
