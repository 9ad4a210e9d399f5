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
    let key = Keypair::new().pubkey().to_string();
    let mut refused = 0;
    for id in 0..cap + 20 {
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

/// A web page on another origin (the trading app) sends its wallet's
/// transactions here: the preflight is answered and so is the call, as a
/// validator's RPC does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_on_another_origin_may_call_the_rpc() {
    let node = common::TestNode::start().await;
    let http = reqwest::Client::new();
    let url = node.node.rpc_url();
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://127.0.0.1:8080")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,solana-client",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        allowed(&preflight, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(
        allowed(&preflight, "access-control-allow-methods")
            .is_some_and(|m| m.contains("POST") || m == "*"),
    );
    let call = http
        .post(&url)
        .header("origin", "http://127.0.0.1:8080")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "getHealth"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed(&call, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert_eq!(call.json::<Value>().await.unwrap()["result"], "ok");
    node.node.shutdown().await;
}
