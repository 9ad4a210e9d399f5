//! Malformed and hostile requests: each gets the JSON-RPC error a node gives,
//! none changes state, and the node keeps serving.

mod common;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use solana_keypair::Keypair;
use solana_message::{VersionedMessage, v0};
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction::versioned::VersionedTransaction;
use tokio_tungstenite::tungstenite::Message;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const PREFLIGHT_FAILURE: i64 = -32002;
const SIGNATURE_VERIFICATION_FAILURE: i64 = -32003;
const BLOCK_NOT_AVAILABLE: i64 = -32004;

struct Probe {
    http: reqwest::Client,
    url: String,
}

impl Probe {
    async fn raw(&self, body: String) -> (u16, Value) {
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.raw(body.to_string()).await.1
    }
}

fn code(response: &Value) -> Option<i64> {
    response["error"]["code"].as_i64()
}

fn b64(tx: &impl serde::Serialize) -> String {
    base64::engine::general_purpose::STANDARD.encode(bincode::serialize(tx).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_errors_and_change_nothing() {
    let node = common::TestNode::start().await;
    let client = node.client();
    let payer = common::funded(&client, 10).await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: node.node.rpc_url(),
    };
    let blockhash = client.get_latest_blockhash().await.unwrap();
    let landed = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    );
    client.send_and_confirm_transaction(&landed).await.unwrap();
    let balance_before = client.get_balance(&payer.pubkey()).await.unwrap();
    let count_before = probe
        .call("getTransactionCount", json!([{"commitment": "confirmed"}]))
        .await["result"]
        .clone();

    let to = Pubkey::new_unique().to_string();
    let mut tampered = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    );
    tampered.message.instructions[0].data[4] ^= 1;
    let expired = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        solana_hash::Hash::new_unique(),
    );
    let missing_table = {
        let table = solana_message::AddressLookupTableAccount {
            key: Pubkey::new_unique(),
            addresses: vec![Pubkey::new_unique()],
        };
        let ix =
            solana_system_interface::instruction::transfer(&payer.pubkey(), &table.addresses[0], 1);
        let message =
            v0::Message::try_compile(&payer.pubkey(), &[ix], &[table], blockhash).unwrap();
        VersionedTransaction::try_new(VersionedMessage::V0(message), &[&payer]).unwrap()
    };
    let many_keys: Vec<String> = (0..101).map(|_| Pubkey::new_unique().to_string()).collect();
    let many_signatures: Vec<String> = (0..257)
        .map(|_| solana_signature::Signature::default().to_string())
        .collect();
    let batch: Vec<Value> = (0..101)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "getSlot"}))
        .collect();

    // (what, response, expected code)
    let cases: Vec<(&str, Value, i64)> = vec![
        ("malformed JSON", probe.raw("{\"jsonrpc\": \"2.0\", ".into()).await.1, PARSE_ERROR),
        ("not JSON-RPC 2.0", probe.raw(json!({"jsonrpc": "1.0", "id": 1, "method": "getSlot"}).to_string()).await.1, INVALID_REQUEST),
        ("batch over the limit", probe.raw(Value::Array(batch).to_string()).await.1, INVALID_REQUEST),
        ("unknown method", probe.call("getEverything", json!([])).await, METHOD_NOT_FOUND),
        ("params as an object", probe.call("getBalance", json!({"pubkey": to})).await, INVALID_PARAMS),
        ("too many params", probe.call("getSlot", json!([{}, {}, {}])).await, INVALID_PARAMS),
        ("number for a pubkey", probe.call("getBalance", json!([42])).await, INVALID_PARAMS),
        ("bad pubkey", probe.call("getBalance", json!(["not-a-key"])).await, INVALID_PARAMS),
        ("missing parameter", probe.call("getAccountInfo", json!([])).await, INVALID_PARAMS),
        ("unknown encoding", probe.call("getAccountInfo", json!([to, {"encoding": "base99"}])).await, INVALID_PARAMS),
        ("base58 of a large account", probe.call("getAccountInfo", json!([solana_sdk_ids::sysvar::slot_hashes::ID.to_string(), {"encoding": "base58"}])).await, INVALID_PARAMS),
        ("101 accounts", probe.call("getMultipleAccounts", json!([many_keys])).await, INVALID_PARAMS),
        ("5 filters", probe.call("getProgramAccounts", json!([to, {"filters": [{"dataSize": 1}, {"dataSize": 2}, {"dataSize": 3}, {"dataSize": 4}, {"dataSize": 5}]}])).await, INVALID_PARAMS),
        ("bad memcmp bytes", probe.call("getProgramAccounts", json!([to, {"filters": [{"memcmp": {"offset": 0, "bytes": "0OIl"}}]}])).await, INVALID_PARAMS),
        ("bad base58 transaction", probe.call("sendTransaction", json!(["0OIl0OIl"])).await, INVALID_PARAMS),
        ("bad base64 transaction", probe.call("sendTransaction", json!(["***", {"encoding": "base64"}])).await, INVALID_PARAMS),
        ("oversized transaction", probe.call("sendTransaction", json!(["A".repeat(4000), {"encoding": "base64"}])).await, INVALID_PARAMS),
        ("bytes that are no transaction", probe.call("sendTransaction", json!(["AAAA", {"encoding": "base64"}])).await, INVALID_PARAMS),
        ("bad signature", probe.call("sendTransaction", json!([b64(&tampered), {"encoding": "base64"}])).await, SIGNATURE_VERIFICATION_FAILURE),
        ("replayed transaction", probe.call("sendTransaction", json!([b64(&landed), {"encoding": "base64"}])).await, PREFLIGHT_FAILURE),
        ("expired blockhash", probe.call("sendTransaction", json!([b64(&expired), {"encoding": "base64"}])).await, PREFLIGHT_FAILURE),
        ("missing lookup table", probe.call("sendTransaction", json!([b64(&missing_table), {"encoding": "base64"}])).await, PREFLIGHT_FAILURE),
        ("sigVerify with replaced blockhash", probe.call("simulateTransaction", json!([b64(&landed), {"encoding": "base64", "sigVerify": true, "replaceRecentBlockhash": true}])).await, INVALID_PARAMS),
        ("257 signature statuses", probe.call("getSignatureStatuses", json!([many_signatures])).await, INVALID_PARAMS),
        ("history limit over 1000", probe.call("getSignaturesForAddress", json!([to, {"limit": 1001}])).await, INVALID_PARAMS),
        ("history at processed", probe.call("getTransaction", json!([landed.signatures[0].to_string(), {"commitment": "processed"}])).await, INVALID_PARAMS),
        ("a block from the future", probe.call("getBlock", json!([1_000_000_000u64, {"commitment": "confirmed"}])).await, BLOCK_NOT_AVAILABLE),
        ("zero airdrop", probe.call("requestAirdrop", json!([to, 0])).await, INVALID_PARAMS),
        ("129 fee addresses", probe.call("getRecentPrioritizationFees", json!([(0..129).map(|_| to.clone()).collect::<Vec<_>>()])).await, INVALID_PARAMS),
    ];
    for (what, response, expected) in &cases {
        assert_eq!(code(response), Some(*expected), "{what}: {response}");
    }
    // The three transaction-level refusals say why, as a node does.
    let reasons: Vec<String> = cases[19..22]
        .iter()
        .map(|(_, r, _)| r["error"]["data"]["err"].to_string())
        .collect();
    assert!(reasons[0].contains("AlreadyProcessed"), "{reasons:?}");
    assert!(reasons[1].contains("BlockhashNotFound"), "{reasons:?}");
    assert!(
        reasons[2].contains("AddressLookupTableNotFound"),
        "{reasons:?}"
    );

    // An oversized body is refused before it is read.
    let (status, _) = probe.raw(format!("[{}]", " ".repeat(100_000))).await;
    assert_eq!(status, 413);

    // Nothing changed, and the node still answers.
    assert_eq!(
        client.get_balance(&payer.pubkey()).await.unwrap(),
        balance_before
    );
    let count_after = probe
        .call("getTransactionCount", json!([{"commitment": "confirmed"}]))
        .await["result"]
        .clone();
    assert_eq!(count_after, count_before);
    assert_eq!(probe.call("getHealth", json!([])).await["result"], "ok");
    println!(
        "{} hostile HTTP requests answered with the right error",
        cases.len() + 1
    );
    node.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_refuses_floods_and_garbage_and_keeps_the_connection() {
    let node = common::TestNode::start().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(node.node.ws_url())
        .await
        .unwrap();
    let next_reply = async |ws: &mut tokio_tungstenite::WebSocketStream<_>| -> Value {
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("connection closed")
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value.get("id").is_some() {
                return value;
            }
        }
    };
    ws.send(Message::text("not json")).await.unwrap();
    assert_eq!(code(&next_reply(&mut ws).await), Some(PARSE_ERROR));
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 1, "method": "everythingSubscribe"}).to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(code(&next_reply(&mut ws).await), Some(METHOD_NOT_FOUND));
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 2, "method": "accountUnsubscribe", "params": [999_999]})
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(code(&next_reply(&mut ws).await), Some(INVALID_PARAMS));
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 3, "method": "accountSubscribe", "params": ["nope"]})
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(code(&next_reply(&mut ws).await), Some(INVALID_PARAMS));

    // A flood of subscriptions from one socket stops at the cap.
    let cap = orderbook_node::pubsub::MAX_SUBSCRIPTIONS_PER_CONNECTION;
    let mut refused = 0;
    for id in 0..cap + 20 {
        let key = Keypair::new().pubkey().to_string();
        ws.send(Message::text(
            json!({"jsonrpc": "2.0", "id": id + 10, "method": "accountSubscribe", "params": [key]})
                .to_string(),
        ))
        .await
        .unwrap();
        if code(&next_reply(&mut ws).await) == Some(INVALID_REQUEST) {
            refused += 1;
        }
    }
    assert_eq!(refused, 20);
    // The connection still serves: unsubscribe one, subscribe again.
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 5, "method": "accountUnsubscribe", "params": [0]})
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next_reply(&mut ws).await["result"], true);
    ws.send(Message::text(
        json!({"jsonrpc": "2.0", "id": 6, "method": "slotSubscribe"}).to_string(),
    ))
    .await
    .unwrap();
    assert!(next_reply(&mut ws).await["result"].is_u64());
    node.node.shutdown().await;
}

/// Finding N9: any page the developer opened could drive the node (CORS
/// allowed every origin, `text/plain` was accepted without a preflight, and
/// PubSub checked no Origin). Pages from the origins the node was started
/// with (`--allow-origin`, the trading app) may call; others are refused;
/// clients that are not pages (no Origin) are served as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_allowed_origins_may_call_from_a_page() {
    const APP: &str = "http://127.0.0.1:8080";
    const EVIL: &str = "https://evil.example";
    let node = common::TestNode::start_with(orderbook_node::limits::NodeLimits {
        allowed_origins: vec![APP.into()],
        ..Default::default()
    })
    .await;
    let http = reqwest::Client::new();
    let url = node.node.rpc_url();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,solana-client",
            )
            .send()
    };
    let allowed = |response: &reqwest::Response| {
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // The trading app's page: preflight and call answered for its origin.
    let ok = preflight(APP).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(allowed(&ok).as_deref(), Some(APP));
    let health = json!({"jsonrpc": "2.0", "id": 1, "method": "getHealth"});
    let call = http
        .post(&url)
        .header("origin", APP)
        .json(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed(&call).as_deref(), Some(APP));
    assert_eq!(call.json::<Value>().await.unwrap()["result"], "ok");
    // Another page: no CORS grant, and its call is refused before it runs.
    assert_eq!(allowed(&preflight(EVIL).await.unwrap()), None);
    let airdrop = json!({"jsonrpc": "2.0", "id": 1, "method": "requestAirdrop",
        "params": [Pubkey::new_unique().to_string(), 1_000_000_000u64]});
    let refused = http
        .post(&url)
        .header("origin", EVIL)
        .json(&airdrop)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("--allow-origin"));
    // A body a page may send without a preflight is refused, whatever its origin.
    let plain = http
        .post(&url)
        .header("content-type", "text/plain")
        .body(airdrop.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 415);
    // Not a page (no Origin): served.
    let cli = http.post(&url).json(&health).send().await.unwrap();
    assert_eq!(cli.json::<Value>().await.unwrap()["result"], "ok");
    // PubSub: the same rule at the upgrade.
    let ws_url = node.node.ws_url();
    let upgrade = |origin: &'static str| {
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                ws_url.as_str(),
            )
            .unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(request)
    };
    match upgrade(EVIL).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a page from {EVIL} opened PubSub: {other:?}"),
    }
    assert!(upgrade(APP).await.is_ok());
    node.node.shutdown().await;
}

/// Finding N9, the rest: PubSub connections are capped per address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_connections_are_capped_per_address() {
    let node = common::TestNode::start_with(orderbook_node::limits::NodeLimits {
        max_pubsub_connections_per_ip: 3,
        ..Default::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(
            tokio_tungstenite::connect_async(node.node.ws_url())
                .await
                .unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(node.node.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("a fourth connection was admitted: {other:?}"),
    }
    // A closed connection frees its place.
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + common::STATE_DEADLINE;
    while tokio_tungstenite::connect_async(node.node.ws_url())
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed place was never reused"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    node.node.shutdown().await;
}

/// Finding N6: the faucet gave 1,000 SOL to anyone as often as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faucet_caps_each_address_and_everyone() {
    const SOL: u64 = 1_000_000_000;
    let node = common::TestNode::start_with(orderbook_node::limits::NodeLimits {
        airdrop_lamports_per_recipient: 3 * SOL,
        airdrop_lamports_total: 5 * SOL,
        ..Default::default()
    })
    .await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: node.node.rpc_url(),
    };
    let (a, b) = (
        Pubkey::new_unique().to_string(),
        Pubkey::new_unique().to_string(),
    );
    let airdrop = |to: &str, sol: u64| probe.call("requestAirdrop", json!([to, sol * SOL]));
    assert!(airdrop(&a, 2).await["result"].is_string());
    let refused = airdrop(&a, 2).await;
    assert_eq!(code(&refused), Some(INVALID_PARAMS), "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--airdrop-lamports-per-recipient")
    );
    assert!(airdrop(&a, 1).await["result"].is_string());
    assert!(airdrop(&b, 2).await["result"].is_string());
    let refused = airdrop(&b, 1).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--airdrop-lamports-total"),
        "{refused}"
    );
    node.node.shutdown().await;
}

/// A funded 10 MiB account (the largest an instruction can create), as
/// anyone can make one: 73 SOL of rent from the faucet.
async fn large_account(node: &common::TestNode) -> (Keypair, Pubkey) {
    let client = node.client();
    let payer = common::funded(&client, 100).await;
    let big = Keypair::new();
    let space = 10 * 1024 * 1024;
    let rent = client
        .get_minimum_balance_for_rent_exemption(space)
        .await
        .unwrap();
    let create = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &big.pubkey(),
            rent,
            space as u64,
            &solana_system_interface::program::ID,
        )],
        Some(&payer.pubkey()),
        &[&payer, &big],
        client.get_latest_blockhash().await.unwrap(),
    );
    client.send_and_confirm_transaction(&create).await.unwrap();
    (payer, big.pubkey())
}

/// A 1-lamport transfer to `account`: a change every subscriber hears of.
async fn touch(
    client: &solana_rpc_client::nonblocking::rpc_client::RpcClient,
    payer: &Keypair,
    account: &Pubkey,
) {
    let transfer = Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            account,
            1,
        )],
        Some(&payer.pubkey()),
        &[payer],
        client.get_latest_blockhash().await.unwrap(),
    );
    client
        .send_and_confirm_transaction(&transfer)
        .await
        .unwrap();
}

/// Finding N1: one 607-byte request for the same 10 MiB account ten times
/// made a 140 MB response and stalled the node 10 s; a batch of nine such
/// calls aborted it (allocation failure). Responses are now sized before
/// they are encoded, within a per-response and a per-batch budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_bounded_in_bytes_and_the_node_keeps_serving() {
    let node = common::TestNode::start().await;
    let (_payer, big) = large_account(&node).await;
    let probe = Probe {
        http: reqwest::Client::new(),
        url: node.node.rpc_url(),
    };
    let b64 = json!({"encoding": "base64", "commitment": "confirmed"});
    // One maximal account still fits one response.
    let one = probe
        .call("getAccountInfo", json!([big.to_string(), b64]))
        .await;
    assert_eq!(
        one["result"]["value"]["data"][1], "base64",
        "{}",
        one["error"]
    );
    // The same account ten times: refused, naming the limit.
    let keys = vec![big.to_string(); 10];
    let rss_before = orderbook_test_support::process::rss_bytes();
    let ten = probe.call("getMultipleAccounts", json!([keys, b64])).await;
    assert_eq!(code(&ten), Some(INVALID_REQUEST), "{ten}");
    assert!(
        ten["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-response-bytes")
    );
    // Nine calls of 100 keys in one batch: each refused before encoding.
    let hundred = vec![big.to_string(); 100];
    let batch: Vec<Value> = (0..9)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "getMultipleAccounts", "params": [hundred, b64]}))
        .collect();
    let (status, answers) = probe.raw(Value::Array(batch).to_string()).await;
    assert_eq!(status, 200);
    assert!(
        answers
            .as_array()
            .unwrap()
            .iter()
            .all(|a| code(a) == Some(INVALID_REQUEST))
    );
    // A batch whose answers each fit but together do not: the rest refused.
    let batch: Vec<Value> = (0..8)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "getAccountInfo", "params": [big.to_string(), b64]}))
        .collect();
    let (_, answers) = probe.raw(Value::Array(batch).to_string()).await;
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 8);
    let served = answers.iter().filter(|a| a["result"].is_object()).count();
    assert!((1..8).contains(&served), "{served} of 8 served");
    assert!(answers.iter().filter(|a| code(a).is_some()).all(|a| {
        a["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-batch-response-bytes")
    }));
    let grown = orderbook_test_support::process::rss_bytes().saturating_sub(rss_before);
    eprintln!("RSS grew {} MiB over the oversized requests", grown >> 20);
    // The node keeps serving.
    assert_eq!(probe.call("getHealth", json!([])).await["result"], "ok");
    node.node.shutdown().await;
}

/// Finding N2: 1,000 identical `accountSubscribe`s to a 10 MiB account and
/// a 1-lamport transfer to it made the node build 1,000 notifications of
/// 13 MB under the bank lock (unresponsive for 100+ s, memory toward
/// 14 GB). Identical subscriptions are one; notifications are encoded once,
/// outside the lock, and a connection's queue is bounded in bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_notifications_are_deduplicated_and_bounded() {
    let node = common::TestNode::start().await;
    let (payer, big) = large_account(&node).await;
    let client = node.client();
    let (mut ws, _) = tokio_tungstenite::connect_async(node.node.ws_url())
        .await
        .unwrap();
    let subscribe = |id: u64, config: Value| {
        Message::text(
            json!({"jsonrpc": "2.0", "id": id, "method": "accountSubscribe",
            "params": [big.to_string(), config]})
            .to_string(),
        )
    };
    let b64 = json!({"encoding": "base64", "commitment": "confirmed"});
    let mut ids = std::collections::BTreeSet::new();
    for id in 0..1_000 {
        ws.send(subscribe(id, b64.clone())).await.unwrap();
    }
    let mut replies = 0;
    while replies < 1_000 {
        let Some(Ok(Message::Text(text))) = ws.next().await else {
            panic!("closed")
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        if let Some(sub) = v["result"].as_u64() {
            ids.insert(sub);
            replies += 1;
        }
    }
    assert_eq!(ids.len(), 1, "identical subscriptions are one");
    let rss_before = orderbook_test_support::process::rss_bytes();
    touch(&client, &payer, &big).await;
    let notification = tokio::time::timeout(common::STATE_DEADLINE, async {
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("closed")
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["method"] == "accountNotification" {
                return v;
            }
        }
    })
    .await
    .expect("a notification");
    assert_eq!(
        notification["params"]["subscription"].as_u64(),
        ids.first().copied()
    );
    let grown = orderbook_test_support::process::rss_bytes().saturating_sub(rss_before);
    eprintln!("RSS grew {} MiB for the notification", grown >> 20);
    assert!(grown < 256 << 20, "RSS grew {} MiB", grown >> 20);
    assert_eq!(
        Probe {
            http: reqwest::Client::new(),
            url: node.node.rpc_url()
        }
        .call("getHealth", json!([]))
        .await["result"],
        "ok"
    );

    // Distinct subscriptions to it (a window each) add up past the
    // connection's byte bound: the connection is closed, saying why.
    let (mut greedy, _) = tokio_tungstenite::connect_async(node.node.ws_url())
        .await
        .unwrap();
    for offset in 0..8 {
        let config = json!({"encoding": "base64", "commitment": "confirmed",
            "dataSlice": {"offset": offset, "length": 10 * 1024 * 1024}});
        greedy.send(subscribe(offset, config)).await.unwrap();
    }
    touch(&client, &payer, &big).await;
    let reason = tokio::time::timeout(common::STATE_DEADLINE, async {
        loop {
            match greedy.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return Some(frame.reason.to_string()),
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await
    .expect("the connection ends");
    let reason = reason.expect("a close frame");
    assert!(reason.contains("--max-pubsub-queue-bytes"), "{reason}");
    node.node.shutdown().await;
}
