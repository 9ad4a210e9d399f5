//! JSON-RPC 2.0 over HTTP (`POST /`), answering the methods wallets,
//! web3.js, Anchor and the Rust `RpcClient` call. The envelope, batches and
//! standard error codes are `jsonrpc-core`'s (the stack agave's own RPC
//! uses); request and response bodies are the ecosystem's types from
//! `solana-rpc-client-types` / `solana-transaction-status`.

pub(crate) mod accounts;
pub(crate) mod cluster;
mod history;
mod send;
pub mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use jsonrpc_core::{Error, ErrorCode, IoHandler, Params, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use solana_clock::Slot;
use solana_commitment_config::{CommitmentConfig, CommitmentLevel};
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_rpc_client_types::response::{Response, RpcResponseContext};

use crate::bank::Bank;
use orderbook_service::connections::ConnectionGate;

use crate::limits::{AirdropLedger, NodeLimits};

/// Largest request body accepted (agave's limit).
pub const MAX_REQUEST_BODY_BYTES: usize = 50 * 1024;
/// Most calls in one batch.
pub const MAX_BATCH_REQUESTS: usize = 100;

/// What every handler reads: the bank behind one lock, and the limits.
pub struct NodeState {
    bank: Mutex<Bank>,
    pub limits: NodeLimits,
    /// What the faucet handed out in the current window.
    pub airdrops: AirdropLedger,
    /// Open PubSub connections.
    pub pubsub_connections: Arc<ConnectionGate>,
}

impl NodeState {
    pub fn new(bank: Bank, limits: NodeLimits) -> Arc<Self> {
        Arc::new(Self {
            bank: Mutex::new(bank),
            airdrops: AirdropLedger::new(&limits),
            pubsub_connections: ConnectionGate::new(
                limits.max_pubsub_connections,
                limits.max_pubsub_connections_per_ip,
            ),
            limits,
        })
    }

    /// Refuse a response estimated at `bytes` over the per-response limit.
    pub fn check_response_size(&self, bytes: usize) -> RpcResult<()> {
        let limit = self.limits.max_response_bytes;
        if bytes > limit {
            return Err(Error {
                code: ErrorCode::InvalidRequest,
                message: format!(
                    "the response would be about {bytes} bytes, over this node's limit of {limit} (--max-response-bytes): ask for fewer accounts or a dataSlice"
                ),
                data: None,
            });
        }
        Ok(())
    }

    pub fn bank(&self) -> MutexGuard<'_, Bank> {
        // A panic inside the bank leaves its state as the ledger has it; keep serving.
        self.bank
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub type Shared = Arc<NodeState>;
pub type RpcResult<T> = Result<T, Error>;

/// Positional parameters with clear errors for missing, extra or mistyped ones.
pub struct Args(Vec<Value>);

impl Args {
    pub(crate) fn from_params(params: Params, max: usize) -> RpcResult<Self> {
        let values = match params {
            Params::None => Vec::new(),
            Params::Array(values) => values,
            Params::Map(_) => return Err(invalid_params("parameters must be an array")),
        };
        if values.len() > max {
            return Err(invalid_params(format!(
                "too many parameters: expected at most {max}, got {}",
                values.len()
            )));
        }
        Ok(Self(values))
    }

    /// Parameter `index`, which must be present.
    pub fn required<T: DeserializeOwned>(&self, index: usize, name: &str) -> RpcResult<T> {
        let value = self
            .0
            .get(index)
            .filter(|v| !v.is_null())
            .ok_or_else(|| invalid_params(format!("missing parameter {index} ({name})")))?;
        serde_json::from_value(value.clone())
            .map_err(|e| invalid_params(format!("invalid parameter {index} ({name}): {e}")))
    }

    /// Parameter `index`, `None` when absent or null.
    pub fn optional<T: DeserializeOwned>(&self, index: usize, name: &str) -> RpcResult<Option<T>> {
        match self.0.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| invalid_params(format!("invalid parameter {index} ({name}): {e}"))),
        }
    }
}

pub fn invalid_params(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into(),
        data: None,
    }
}

pub fn internal(e: impl std::fmt::Display) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: e.to_string(),
        data: None,
    }
}

pub fn custom(e: RpcCustomError) -> Error {
    e.into()
}

pub fn parse_pubkey(text: &str) -> RpcResult<solana_pubkey::Pubkey> {
    text.parse()
        .map_err(|_| invalid_params(format!("Invalid param: {text:?} is not a valid pubkey")))
}

pub fn parse_signature(text: &str) -> RpcResult<solana_signature::Signature> {
    text.parse()
        .map_err(|_| invalid_params(format!("Invalid param: {text:?} is not a valid signature")))
}

pub fn parse_hash(text: &str) -> RpcResult<solana_hash::Hash> {
    text.parse()
        .map_err(|_| invalid_params(format!("Invalid param: {text:?} is not a valid hash")))
}

/// The commitment level a config asks for (default `finalized`, as a node).
pub fn level(commitment: Option<CommitmentConfig>) -> CommitmentLevel {
    commitment.map_or(CommitmentLevel::Finalized, |c| c.commitment)
}

/// The slot a read at `level` sees, refusing if it is below `min_context_slot`.
pub fn context_slot(bank: &Bank, level: CommitmentLevel, min: Option<Slot>) -> RpcResult<Slot> {
    let slot = bank.slot_at(level);
    match min {
        Some(min) if slot < min => Err(custom(RpcCustomError::MinContextSlotNotReached {
            context_slot: slot,
        })),
        _ => Ok(slot),
    }
}

pub fn with_context<T>(slot: Slot, value: T) -> Response<T> {
    Response {
        context: RpcResponseContext::new(slot),
        value,
    }
}

fn to_value<T: Serialize>(value: T) -> RpcResult<Value> {
    serde_json::to_value(value).map_err(internal)
}

/// A method: its name, how many parameters it takes at most, its handler.
pub type Handler = fn(&NodeState, &Args) -> RpcResult<Value>;

/// Helper for the method tables: serialise a handler's typed result.
pub fn json<T: Serialize>(result: RpcResult<T>) -> RpcResult<Value> {
    result.and_then(to_value)
}

/// A method that lands a transaction: its answer, given once the
/// transaction is durable (group commit, `bank::commit`).
pub type LandingHandler = fn(&NodeState, &Args) -> RpcResult<Answer>;

/// What a [`LandingHandler`] answers, and what must be durable first.
pub struct Answer {
    pub value: Value,
    pub durable: Option<crate::bank::Durable>,
}

impl Answer {
    pub fn now(value: Value) -> Self {
        Self {
            value,
            durable: None,
        }
    }
}

/// How long a method waits for what it answers to be durable.
const DURABLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

async fn answer_when_durable(answer: Answer) -> RpcResult<Value> {
    let Some(durable) = answer.durable else {
        return Ok(answer.value);
    };
    match tokio::time::timeout(DURABLE_TIMEOUT, durable.wait()).await {
        Ok(Ok(())) => Ok(answer.value),
        Ok(Err(failed)) => Err(internal(failed)),
        Err(_) => Err(internal(format!(
            "the ledger has not stored what this answer shows within {DURABLE_TIMEOUT:?} (a stalled disk?): a transaction's status will tell whether it landed"
        ))),
    }
}

/// Register methods answered once what they show is durable: `answer`
/// runs the handler (under the bank's lock, inside it) and says what to
/// wait for; the wait itself holds no lock.
fn register_durable<H: Copy + Send + Sync + 'static>(
    io: &mut IoHandler,
    state: &Shared,
    methods: &[(&'static str, usize, H)],
    answer: fn(&NodeState, &Args, H) -> RpcResult<Answer>,
) {
    for &(name, max_params, handler) in methods {
        let state = state.clone();
        io.add_method(name, move |params: Params| {
            let state = state.clone();
            async move {
                let args = Args::from_params(params, max_params)?;
                answer_when_durable(answer(&state, &args, handler)?).await
            }
        });
    }
}

/// Methods that land a transaction: they answer once it is durable.
fn register_landing(
    io: &mut IoHandler,
    state: &Shared,
    methods: &[(&'static str, usize, LandingHandler)],
) {
    register_durable(io, state, methods, |state, args, handler| {
        handler(state, args)
    });
}

/// Methods whose answers show account state: each answers once every
/// transaction executed before it read is durable (a barrier), so a
/// `confirmed` read never shows what a `kill -9` could take back.
fn register_state_reads(
    io: &mut IoHandler,
    state: &Shared,
    methods: &[(&'static str, usize, Handler)],
) {
    register_durable(io, state, methods, |state, args, handler| {
        let value = handler(state, args)?;
        Ok(Answer {
            value,
            durable: Some(state.bank().flush()),
        })
    });
}

fn register(io: &mut IoHandler, state: &Shared, methods: &[(&'static str, usize, Handler)]) {
    for &(name, max_params, handler) in methods {
        let state = state.clone();
        io.add_sync_method(name, move |params: Params| {
            let args = Args::from_params(params, max_params)?;
            handler(&state, &args)
        });
    }
}

/// Every method the node serves.
pub fn io_handler(state: &Shared) -> IoHandler {
    let mut io = IoHandler::new();
    register(&mut io, state, cluster::METHODS);
    register_state_reads(&mut io, state, accounts::METHODS);
    register_state_reads(&mut io, state, send::METHODS);
    register_landing(&mut io, state, send::LANDING_METHODS);
    register_landing(&mut io, state, accounts::LANDING_METHODS);
    register(&mut io, state, history::METHODS);
    io
}

struct HttpState {
    io: IoHandler,
    node: Shared,
}

fn failure(id: jsonrpc_core::Id, code: ErrorCode, message: String) -> jsonrpc_core::Output {
    jsonrpc_core::Output::Failure(jsonrpc_core::Failure {
        jsonrpc: Some(jsonrpc_core::Version::V2),
        error: Error {
            code,
            message,
            data: None,
        },
        id,
    })
}

fn batch_too_large(count: usize) -> String {
    let message = format!("batch of {count} requests exceeds the limit of {MAX_BATCH_REQUESTS}");
    serde_json::to_string(&failure(
        jsonrpc_core::Id::Null,
        ErrorCode::InvalidRequest,
        message,
    ))
    .unwrap_or_default()
}

/// Why an HTTP request is refused before any call runs: a page from an
/// origin the node does not serve, or a body that is not declared JSON
/// (`text/plain` is what a page can send without asking the browser first).
fn refuse_request(limits: &crate::limits::NodeLimits, headers: &HeaderMap) -> Option<HttpResponse> {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !limits.origin_allowed(origin) {
        let message = format!(
            "origin {} may not call this node; start it with --allow-origin {0} to allow it",
            origin.unwrap_or_default()
        );
        return Some((StatusCode::FORBIDDEN, message).into_response());
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        let message = "JSON-RPC requests must be sent with Content-Type: application/json";
        return Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response());
    }
    None
}

async fn handle(
    State(state): State<Arc<HttpState>>,
    headers: HeaderMap,
    body: String,
) -> HttpResponse {
    if let Some(refusal) = refuse_request(&state.node.limits, &headers) {
        return refusal;
    }
    if body.trim_start().starts_with('[')
        && let Ok(Value::Array(calls)) = serde_json::from_str::<Value>(&body)
    {
        return handle_batch(&state, calls).await;
    }
    match state.io.handle_request(&body).await {
        Some(response) => json_body(response),
        // Only notifications: nothing to answer.
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// A batch, call by call, so that the sum of its responses stays within
/// `--max-batch-response-bytes`: once over it, the remaining calls are
/// answered with an error naming the limit instead of being run.
async fn handle_batch(state: &HttpState, calls: Vec<Value>) -> HttpResponse {
    // Count a batch's calls before dispatching any of them.
    if calls.len() > MAX_BATCH_REQUESTS {
        return json_body(batch_too_large(calls.len()));
    }
    if calls.is_empty() {
        let output = failure(
            jsonrpc_core::Id::Null,
            ErrorCode::InvalidRequest,
            "empty batch".into(),
        );
        return json_body(serde_json::to_string(&output).unwrap_or_default());
    }
    let limit = state.node.limits.max_batch_response_bytes;
    let mut answers: Vec<String> = Vec::with_capacity(calls.len());
    let mut total = 0usize;
    for call in calls {
        let id = call
            .get("id")
            .and_then(|id| serde_json::from_value::<jsonrpc_core::Id>(id.clone()).ok())
            .unwrap_or(jsonrpc_core::Id::Null);
        if total > limit {
            let message = format!(
                "the batch's responses exceed this node's limit of {limit} bytes (--max-batch-response-bytes): send fewer calls at once"
            );
            answers.push(
                serde_json::to_string(&failure(id, ErrorCode::InvalidRequest, message))
                    .unwrap_or_default(),
            );
            continue;
        }
        if let Some(answer) = state.io.handle_request(&call.to_string()).await {
            total += answer.len();
            answers.push(answer);
        }
    }
    if answers.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    json_body(format!("[{}]", answers.join(",")))
}

fn json_body(body: String) -> HttpResponse {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// CORS for the origins the node allows (`--allow-origin`): a web page's
/// wallet sends its transactions here directly, but only from pages the
/// operator named.
fn cors(limits: &crate::limits::NodeLimits) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([axum::http::Method::POST, axum::http::Method::GET])
        // web3.js adds its own headers (`solana-client`).
        .allow_headers(tower_http::cors::Any);
    if limits.allowed_origins.iter().any(|o| o == "*") {
        return layer.allow_origin(AllowOrigin::any());
    }
    let origins = limits
        .allowed_origins
        .iter()
        .filter_map(|o| o.trim_end_matches('/').parse().ok());
    layer.allow_origin(AllowOrigin::list(origins))
}

/// Serve JSON-RPC on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cors = cors(&state.limits);
    let http = Arc::new(HttpState {
        io: io_handler(&state),
        node: state,
    });
    let app = Router::new()
        .route("/", post(handle))
        .route("/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
        .layer(cors)
        .with_state(http);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
