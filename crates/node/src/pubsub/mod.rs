//! PubSub over WebSocket, as `solana-test-validator` serves it on the RPC
//! port + 1: account, program, signature, slot and logs subscriptions, each
//! with its unsubscribe, at the commitment the subscriber asks for.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jsonrpc_core::{Error, ErrorCode, Id, Params, Value};
use orderbook_service::connections::ConnectionRefused;
use serde::Serialize;
use solana_account::Account;
use solana_commitment_config::CommitmentLevel;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::response::{
    ProcessedSignatureResult, RpcLogsResponse, RpcSignatureResult, SlotInfo,
};
use solana_signature::Signature;
use tokio::sync::broadcast::error::RecvError;

use self::subscription::{
    Kind, Subscription, account_subscription, logs_subscription, program_subscription,
    signature_subscription,
};
use crate::bank::NodeEvent;
use crate::limits::NodeLimits;
use crate::record::TxRecord;
use crate::rpc::{Args, Shared, invalid_params, with_context};

mod subscription;

/// Most live subscriptions on one connection.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 1_000;
/// Largest request message accepted.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Finalized-commitment notifications held for one connection.
const MAX_PENDING_FINALIZED: usize = 10_000;

/// One WebSocket connection's subscriptions.
struct Session {
    state: Shared,
    subscriptions: HashMap<u64, Subscription>,
    next_id: u64,
    /// Landed transactions waiting to become finalized.
    pending: VecDeque<Arc<TxRecord>>,
    /// Messages to send, in order.
    out: Vec<String>,
    /// Bytes in `out`, bounded by `--max-pubsub-queue-bytes`.
    out_bytes: usize,
    /// Set when the connection must close (why, for its close frame).
    closing: Option<String>,
    /// Notifications due right after the current reply.
    deferred: Vec<String>,
}

fn notification(method: &str, subscription: u64, result: impl Serialize) -> String {
    let mut params = serde_json::Map::new();
    params.insert(
        "result".into(),
        serde_json::to_value(result).unwrap_or_default(),
    );
    params.insert("subscription".into(), subscription.into());
    let notification = jsonrpc_core::Notification {
        jsonrpc: Some(jsonrpc_core::Version::V2),
        method: method.into(),
        params: Params::Map(params),
    };
    serde_json::to_string(&notification).unwrap_or_default()
}

fn reply(id: Id, result: Result<Value, Error>) -> String {
    let output = jsonrpc_core::Output::from(result, id, Some(jsonrpc_core::Version::V2));
    serde_json::to_string(&output).unwrap_or_default()
}

impl Session {
    fn new(state: Shared) -> Self {
        Self {
            state,
            subscriptions: HashMap::new(),
            next_id: 0,
            pending: VecDeque::new(),
            out: Vec::new(),
            out_bytes: 0,
            closing: None,
            deferred: Vec::new(),
        }
    }

    /// Queue a message, or mark the connection for closing past the byte bound.
    fn push(&mut self, message: String) {
        if self.closing.is_some() {
            return;
        }
        let limit = self.state.limits.max_pubsub_queue_bytes;
        if self.out_bytes + message.len() > limit {
            self.close_over(limit);
            return;
        }
        self.out_bytes += message.len();
        self.out.push(message);
    }

    /// Would `bytes` more fit? If not, mark the connection for closing.
    fn room_for(&mut self, bytes: usize) -> bool {
        let limit = self.state.limits.max_pubsub_queue_bytes;
        if self.closing.is_none() && self.out_bytes + bytes > limit {
            self.close_over(limit);
        }
        self.closing.is_none()
    }

    fn close_over(&mut self, limit: usize) {
        tracing::info!("pubsub client over {limit} bytes of notifications: closing");
        self.closing = Some(format!(
            "notifications over {limit} bytes (--max-pubsub-queue-bytes): subscribe to less or read faster"
        ));
        self.out.clear();
        self.out_bytes = 0;
    }

    /// Answer one request message (a call or a batch of calls).
    fn request(&mut self, text: &str) {
        let parsed: Result<jsonrpc_core::Request, _> = serde_json::from_str(text);
        let calls = match parsed {
            Ok(jsonrpc_core::Request::Single(call)) => vec![call],
            Ok(jsonrpc_core::Request::Batch(calls))
                if calls.len() <= crate::rpc::MAX_BATCH_REQUESTS =>
            {
                calls
            }
            Ok(jsonrpc_core::Request::Batch(_)) => {
                self.push(reply(Id::Null, Err(Error::invalid_request())));
                return;
            }
            Err(_) => {
                self.push(reply(Id::Null, Err(Error::parse_error())));
                return;
            }
        };
        for call in calls {
            match call {
                jsonrpc_core::Call::MethodCall(call) => {
                    let result = self.call(&call.method, call.params);
                    self.push(reply(call.id, result));
                    for message in std::mem::take(&mut self.deferred) {
                        self.push(message);
                    }
                }
                jsonrpc_core::Call::Notification(_) => {}
                jsonrpc_core::Call::Invalid { id } => {
                    self.push(reply(id, Err(Error::invalid_request())));
                }
            }
        }
    }

    fn call(&mut self, method: &str, params: Params) -> Result<Value, Error> {
        let args = Args::from_params(params, 2)?;
        if let Some(kind) = method.strip_suffix("Unsubscribe") {
            let id: u64 = args.required(0, "subscription id")?;
            let removed = self
                .subscriptions
                .get(&id)
                .is_some_and(|s| s.kind.method().starts_with(kind));
            if !removed {
                return Err(invalid_params("Invalid subscription id."));
            }
            self.subscriptions.remove(&id);
            return Ok(Value::Bool(true));
        }
        let subscription = match method {
            "accountSubscribe" => account_subscription(&args)?,
            "programSubscribe" => program_subscription(&args)?,
            "signatureSubscribe" => signature_subscription(&args)?,
            "slotSubscribe" => Subscription {
                kind: Kind::Slot,
                level: CommitmentLevel::Processed,
            },
            "logsSubscribe" => logs_subscription(&args)?,
            // PubsubClient asks the node's version before filtered subscriptions.
            "getVersion" => {
                return serde_json::to_value(crate::rpc::cluster::version_info())
                    .map_err(crate::rpc::internal);
            }
            _ => return Err(Error::method_not_found()),
        };
        // The same subscription twice is one subscription (one id, one
        // notification per change), as a validator shares identical ones.
        if let Some((&id, _)) = self.subscriptions.iter().find(|(_, s)| **s == subscription) {
            return Ok(Value::from(id));
        }
        if self.subscriptions.len() >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            return Err(Error {
                code: ErrorCode::InvalidRequest,
                message: format!(
                    "too many subscriptions on one connection (max {MAX_SUBSCRIPTIONS_PER_CONNECTION})"
                ),
                data: None,
            });
        }
        let id = self.next_id;
        self.next_id += 1;
        let already = match &subscription.kind {
            Kind::Signature { signature } => self.landed(signature, subscription.level),
            _ => None,
        };
        self.subscriptions.insert(id, subscription);
        if let Some(record) = already {
            // The transaction landed before the subscription: answer at once
            // (after the subscription id, which `call`'s caller sends first).
            self.deferred_signature(id, &record);
        }
        Ok(Value::from(id))
    }

    fn landed(&self, signature: &Signature, level: CommitmentLevel) -> Option<TxRecord> {
        self.state
            .bank()
            .transaction(signature, level)
            .ok()
            .flatten()
    }

    fn deferred_signature(&mut self, id: u64, record: &TxRecord) {
        let message = signature_notification(id, record);
        self.subscriptions.remove(&id);
        self.deferred.push(message);
    }

    /// Notifications for one chain event.
    fn event(&mut self, event: &NodeEvent) {
        match event {
            NodeEvent::Slot { slot, parent, root } => {
                let info = SlotInfo {
                    slot: *slot,
                    parent: *parent,
                    root: *root,
                };
                let ids: Vec<u64> = self
                    .subscriptions
                    .iter()
                    .filter(|(_, sub)| matches!(sub.kind, Kind::Slot))
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    self.push(notification("slotNotification", id, info));
                }
            }
            NodeEvent::Transaction { record, accounts } => {
                self.transaction(record, CommitmentLevel::Confirmed);
                self.accounts_changed(accounts, CommitmentLevel::Confirmed);
                if self.wants_finalized() && self.pending.len() < MAX_PENDING_FINALIZED {
                    self.pending.push_back(record.clone());
                }
            }
            NodeEvent::Finalized { slot, accounts } => {
                while self.pending.front().is_some_and(|r| r.slot <= *slot) {
                    let record = self.pending.pop_front().expect("checked");
                    self.transaction(&record, CommitmentLevel::Finalized);
                }
                let bank = self.state.bank();
                let finalized: Vec<(Pubkey, Option<Account>)> = accounts
                    .iter()
                    .map(|key| (*key, bank.account(key, CommitmentLevel::Finalized)))
                    .collect();
                drop(bank);
                self.accounts_changed(&finalized, CommitmentLevel::Finalized);
            }
        }
    }

    fn wants_finalized(&self) -> bool {
        self.subscriptions.values().any(|s| {
            s.level == CommitmentLevel::Finalized
                && matches!(s.kind, Kind::Signature { .. } | Kind::Logs { .. })
        })
    }

    /// Signature and logs notifications at `view` (confirmed or finalized).
    fn transaction(&mut self, record: &TxRecord, view: CommitmentLevel) {
        let signature = record.signature();
        let mut messages = Vec::new();
        let mut done = Vec::new();
        for (id, sub) in &self.subscriptions {
            if view_of(sub.level) != view {
                continue;
            }
            match &sub.kind {
                Kind::Signature { signature: wanted } if *wanted == signature => {
                    messages.push(signature_notification(*id, record));
                    done.push(*id);
                }
                Kind::Logs { mentions }
                    if mentions.is_none_or(|key| record.account_keys().contains(&key)) =>
                {
                    let logs = RpcLogsResponse {
                        signature: signature.to_string(),
                        err: record.err.clone().map(Into::into),
                        logs: record.logs.clone(),
                    };
                    messages.push(notification(
                        "logsNotification",
                        *id,
                        with_context(record.slot, logs),
                    ));
                }
                _ => {}
            }
        }
        for id in done {
            self.subscriptions.remove(&id);
        }
        for message in messages {
            self.push(message);
        }
    }

    /// Account and program notifications for accounts that changed, as
    /// seen at `view`. What jsonParsed needs of the bank is read under its
    /// lock; encoding happens after, once per account and encoding, and
    /// only while the connection's notifications fit its byte bound.
    fn accounts_changed(&mut self, accounts: &[(Pubkey, Option<Account>)], view: CommitmentLevel) {
        if self.subscriptions.is_empty() {
            return;
        }
        let closed = Account::default();
        let changed: Vec<(&Pubkey, &Account)> = accounts
            .iter()
            .map(|(key, account)| (key, account.as_ref().unwrap_or(&closed)))
            .collect();
        // (subscription, method, which account, its config, what jsonParsed read)
        let mut due = Vec::new();
        let slot = {
            let bank = self.state.bank();
            for (id, sub) in &self.subscriptions {
                if view_of(sub.level) != view {
                    continue;
                }
                for (index, (key, account)) in changed.iter().enumerate() {
                    let (method, config) = match &sub.kind {
                        Kind::Account {
                            key: wanted,
                            config,
                        } if wanted == *key => ("accountNotification", config),
                        Kind::Program {
                            program,
                            filters,
                            config,
                        } if account.owner == *program
                            && crate::rpc::accounts::filters_allow(filters, account) =>
                        {
                            ("programNotification", config)
                        }
                        _ => continue,
                    };
                    let parsed = crate::rpc::accounts::parse_data(&bank, account, config);
                    due.push((*id, method, index, config.clone(), parsed));
                }
            }
            bank.slot_at(view)
        };
        let mut encoded: HashMap<(usize, String), Value> = HashMap::new();
        for (id, method, index, config, parsed) in due {
            let (key, account) = changed[index];
            let form =
                serde_json::to_string(&(config.encoding, config.data_slice)).unwrap_or_default();
            let ui = match encoded.get(&(index, form.clone())) {
                Some(ui) => ui.clone(),
                None => {
                    if !self.room_for(crate::rpc::accounts::encoded_len(account, &config)) {
                        return;
                    }
                    let Ok(ui) = crate::rpc::accounts::encode(key, account, &config, parsed) else {
                        continue;
                    };
                    let ui = serde_json::to_value(ui).unwrap_or_default();
                    encoded.insert((index, form), ui.clone());
                    ui
                }
            };
            let message = match method {
                "programNotification" => {
                    let keyed = serde_json::json!({ "pubkey": key.to_string(), "account": ui });
                    notification(method, id, with_context(slot, keyed))
                }
                _ => notification(method, id, with_context(slot, ui)),
            };
            self.push(message);
        }
    }
}

/// Processed and confirmed are one view on this node (no forks).
fn view_of(level: CommitmentLevel) -> CommitmentLevel {
    match level {
        CommitmentLevel::Finalized => CommitmentLevel::Finalized,
        _ => CommitmentLevel::Confirmed,
    }
}

fn signature_notification(id: u64, record: &TxRecord) -> String {
    let result = RpcSignatureResult::ProcessedSignature(ProcessedSignatureResult {
        err: record.err.clone().map(Into::into),
    });
    notification(
        "signatureNotification",
        id,
        with_context(record.slot, result),
    )
}

/// How long one message may take to be written to a subscriber's socket.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Admit a WebSocket: from an allowed origin (pages only; clients without
/// an `Origin` header are not pages) and within the connection limits.
async fn upgrade(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> axum::response::Response {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !state.limits.origin_allowed(origin) {
        let message = format!(
            "origin {} may not subscribe to this node; start it with --allow-origin {0} to allow it",
            origin.unwrap_or_default()
        );
        return (StatusCode::FORBIDDEN, message).into_response();
    }
    let permit = match state.pubsub_connections.admit(peer.ip()) {
        Ok(permit) => permit,
        Err(refused) => {
            let message = refused_message(refused, &state.limits);
            return (StatusCode::TOO_MANY_REQUESTS, message).into_response();
        }
    };
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            connection(socket, state).await;
            drop(permit);
        })
        .into_response()
}

/// A refused PubSub connection, worded with the flag that sets the limit.
fn refused_message(refused: ConnectionRefused, limits: &NodeLimits) -> String {
    match refused {
        ConnectionRefused::ServerFull => format!(
            "the node serves at most {} PubSub connections (--max-pubsub-connections)",
            limits.max_pubsub_connections
        ),
        ConnectionRefused::TooManyFromIp => format!(
            "at most {} PubSub connections from one address (--max-pubsub-connections-per-ip)",
            limits.max_pubsub_connections_per_ip
        ),
    }
}

/// Send what the session queued; false when the connection is to end.
async fn send_all(socket: &mut WebSocket, session: &mut Session) -> bool {
    session.out_bytes = 0;
    for message in session.out.drain(..) {
        let sent = tokio::time::timeout(WRITE_TIMEOUT, socket.send(Message::Text(message.into())));
        if !matches!(sent.await, Ok(Ok(()))) {
            return false;
        }
    }
    if let Some(reason) = session.closing.take() {
        let frame = CloseFrame {
            code: close_code::POLICY,
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(WRITE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
        return false;
    }
    true
}

async fn connection(mut socket: WebSocket, state: Shared) {
    let mut events = state.bank().subscribe();
    let mut session = Session::new(state);
    loop {
        tokio::select! {
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => session.request(&text),
                Some(Ok(Message::Binary(bytes))) => {
                    session.request(&String::from_utf8_lossy(&bytes));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
            event = events.recv() => match event {
                Ok(event) => session.event(&event),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!("pubsub client too slow, missed {missed} events: closing");
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
        }
        if !send_all(&mut socket, &mut session).await {
            return;
        }
    }
}

/// Serve PubSub on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route("/", get(upgrade)).with_state(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
