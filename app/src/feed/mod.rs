//! The feed server (axum): the WebSocket protocol (`/ws`, see
//! `docs/feed-protocol.md`), REST market data, unsigned transactions for
//! wallets, a test-token faucet, health and the probes (`/livez`, `/readyz`),
//! Prometheus metrics and the web
//! app (or, without one, a debug page).

pub mod client_ip;
pub mod hub;
pub mod wire;

use wire::ApiErrorCode;
pub mod limits;
pub mod outbox;
pub mod rest;
pub mod view;
pub mod web;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State, WebSocketUpgrade};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use orderbook_chain::Chain;
use orderbook_service::health::Readiness;
use tokio::sync::watch;

use crate::feed::client_ip::ClientIp;
use crate::feed::hub::HubHandle;
use orderbook_service::connections::{ConnectionRefused, client_key};

use crate::feed::limits::Guards;
use crate::metrics::FeedMetrics;

#[derive(Clone)]
pub struct AppState {
    pub hub: HubHandle,
    /// For REST reads: a pool, so one slow query does not hold up the rest.
    pub db: deadpool_postgres::Pool,
    /// Connection and request limits.
    pub guards: Arc<Guards>,
    /// For the unsigned-transaction endpoints (`None`: they answer 503).
    pub chain: Option<Arc<dyn Chain>>,
    pub metrics: FeedMetrics,
    /// The web app's files, chain URLs and faucet.
    pub web: Arc<web::WebOptions>,
    /// What `/readyz` reports (`/livez` checks nothing).
    pub readiness: Readiness,
}

const PAGE: &str = include_str!("page.html");

async fn ws_upgrade(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ws: WebSocketUpgrade,
) -> Response {
    let permit = match state.guards.connections.admit(client) {
        Ok(permit) => permit,
        Err(refused) => {
            state.metrics.refused_connections.inc();
            let (code, message) = match refused {
                ConnectionRefused::ServerFull => (
                    ApiErrorCode::ServerFull,
                    "the server is at its connection limit; try another",
                ),
                ConnectionRefused::TooManyFromIp => (
                    ApiErrorCode::TooManyConnections,
                    "too many WebSocket connections from this address",
                ),
            };
            let status = axum::http::StatusCode::TOO_MANY_REQUESTS;
            return rest::ApiError::new(status, code, message).into_response();
        }
    };
    ws.max_message_size(ws::MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| ws::connection(state, socket, permit))
}

/// Per-IP request budgets for the REST API (a stricter one for the
/// transaction builders, which read the chain on every call).
async fn rate_limit(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let (limiter, label, per_sec) = if path.starts_with("/api/tx/") || path == "/api/faucet" {
        (&state.guards.tx, "tx", state.guards.limits.tx_per_sec)
    } else if path.starts_with("/api/") {
        (&state.guards.rest, "rest", state.guards.limits.rest_per_sec)
    } else {
        return next.run(req).await;
    };
    if !limiter.allow(client_key(client)) {
        state.metrics.rate_limited.with_label_values(&[label]).inc();
        return rest::ApiError::rate_limited(format!(
            "more than {per_sec} requests per second from this address; slow down"
        ))
        .into_response();
    }
    next.run(req).await
}

async fn count_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    state
        .metrics
        .http_requests
        .with_label_values(&[route.as_str(), res.status().as_str()])
        .inc();
    res
}

async fn not_found() -> Response {
    rest::ApiError::not_found("no such endpoint").into_response()
}

pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/api/config", get(web::config))
        .route("/api/faucet", post(rest::faucet::faucet))
        .route("/health", get(rest::market_data::health))
        .merge(orderbook_service::health::routes(state.readiness.clone()))
        .route("/metrics", get(rest::market_data::metrics))
        .route("/api/markets", get(rest::market_data::markets))
        .route(
            "/api/markets/{market}/trades",
            get(rest::market_data::trades),
        )
        .route("/api/markets/{market}/depth", get(rest::market_data::depth))
        .route(
            "/api/markets/{market}/candles",
            get(rest::market_data::candles),
        )
        .route(
            "/api/markets/{market}/traders/{owner}/orders",
            get(rest::market_data::trader_orders),
        )
        .route(
            "/api/markets/{market}/auction",
            get(rest::market_data::auction),
        )
        .route(
            "/api/markets/{market}/batches/{batch}/entries/{entry}",
            get(rest::market_data::batch_entry),
        )
        .route(
            "/api/markets/{market}/traders/{owner}/balances",
            get(rest::market_data::trader_balances),
        )
        .route("/api/tx/deposit", post(rest::wallet_tx::deposit))
        .route("/api/tx/withdraw", post(rest::wallet_tx::withdraw))
        .route("/api/tx/place", post(rest::wallet_tx::place))
        .route("/api/tx/cancel", post(rest::wallet_tx::cancel))
        .route("/api/tx/commit", post(rest::wallet_tx::commit))
        .route("/api/tx/reveal", post(rest::wallet_tx::reveal))
        .route("/api/{*rest}", any(not_found));
    // The web app when built and given, else the debug page.
    let routes = match &state.web.dir {
        Some(dir) => routes.fallback_service(web::static_files(dir)),
        None => routes
            .route("/", get(|| async { Html(PAGE) }))
            .fallback(not_found),
    };
    routes
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

/// Serve on `listener` until `shutdown` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let hub = state.hub.clone();
    use axum::serve::ListenerExt;
    // Small frames (deltas) go out at once instead of waiting on Nagle;
    // the kernel holds a bounded backlog per connection (autotuning would
    // let a non-reader park megabytes there, beyond the feed's own limits).
    let send_buffer = state.hub.config.write.socket_send_buffer;
    let listener = listener.tap_io(move |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        if let Err(e) = socket2::SockRef::from(&*tcp).set_send_buffer_size(send_buffer) {
            tracing::debug!(error = %e, "SO_SNDBUF not set");
        }
    });
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = shutdown.wait_for(|s| *s).await;
        // Upgraded WebSockets outlive HTTP's graceful shutdown: close them
        // with a reason so clients know to reconnect elsewhere.
        hub.send(hub::Cmd::CloseAll("server shutting down".into()))
            .await;
    })
    .await
}
