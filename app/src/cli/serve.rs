//! How the feed serves clients, shared by `run` and `feed`: the listen
//! address, per-connection limits, and starting the hub and the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use clap::Args;
use ipnet::IpNet;
use orderbook_app::broker::replica::Positions;
use orderbook_app::feed::client_ip::{TrustedProxies, parse_proxy};
use orderbook_app::feed::hub::{self, HubConfig, HubHandle};
use orderbook_app::feed::limits::{FeedLimits, Guards};
use orderbook_app::feed::outbox::{self, WriteLimits};
use orderbook_app::feed::view::MarketView;
use orderbook_app::feed::web::WebOptions;
use orderbook_app::feed::{self, AppState};
use orderbook_app::metrics::FeedMetrics;
use orderbook_chain::Chain;
use orderbook_service::health::Readiness;
use tokio::sync::watch;

use super::connect_db;

/// Where and how the feed serves clients (`run` and `feed` alike).
#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address of the feed (HTTP, WebSocket, metrics).
    #[arg(long, env = "ORDERBOOK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seconds between WebSocket heartbeats.
    #[arg(long, env = "ORDERBOOK_HEARTBEAT_SECS", default_value_t = 10)]
    heartbeat_secs: u64,
    #[command(flatten)]
    limits: LimitArgs,
}

impl ServeArgs {
    /// Load each market's view from the database and start the hub over
    /// them; returns the hub and where each view is.
    pub async fn start_hub(
        &self,
        database_url: &str,
        markets: &[Pubkey],
        metrics: &FeedMetrics,
    ) -> Result<(HubHandle, Positions)> {
        let mut load = connect_db(database_url).await?;
        let mut views = Vec::new();
        for m in markets {
            views.push(
                MarketView::load(&mut load, *m)
                    .await
                    .with_context(|| format!("loading market {m} from the database"))?,
            );
        }
        let positions = views
            .iter()
            .map(|v| (v.market, v.events_applied()))
            .collect();
        let config = HubConfig {
            write: self.limits.limits().write,
            heartbeat: Duration::from_secs(self.heartbeat_secs.max(1)),
        };
        Ok((hub::spawn(views, config, metrics.clone()), positions))
    }

    /// The server's shared state.
    pub fn state(
        &self,
        hub: HubHandle,
        database_url: &str,
        chain: Option<Arc<dyn Chain>>,
        metrics: FeedMetrics,
        web: WebOptions,
        readiness: Readiness,
    ) -> Result<AppState> {
        Ok(AppState {
            hub,
            db: orderbook_app::db::pool(database_url, self.limits.db_pool.max(1))?,
            guards: Guards::new(self.limits.limits()),
            chain,
            metrics,
            web: Arc::new(web),
            readiness,
        })
    }

    /// Bind `listen` and serve `state` until `shutdown`.
    pub async fn serve(
        &self,
        state: AppState,
        shutdown: watch::Receiver<bool>,
    ) -> Result<tokio::task::JoinHandle<()>> {
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .with_context(|| format!("binding the feed on {}", self.listen))?;
        Ok(tokio::spawn(async move {
            if let Err(e) = feed::serve(listener, state, shutdown).await {
                tracing::error!(error = %e, "feed server stopped");
            }
        }))
    }
}

/// What one client may cost the feed (see `feed::limits`).
#[derive(Args, Clone, Debug)]
struct LimitArgs {
    /// Bytes of outgoing messages a WebSocket client may have queued before
    /// it is dropped as a slow consumer.
    #[arg(long, env = "ORDERBOOK_WS_QUEUE_BYTES", default_value_t = outbox::DEFAULT_QUEUE_BYTES)]
    ws_queue_bytes: usize,
    /// Seconds a queued message may wait before its WebSocket client is
    /// dropped as a slow consumer (it reads, but slower than the market moves).
    #[arg(long, env = "ORDERBOOK_WS_MAX_LAG_SECS", default_value_t = outbox::DEFAULT_MAX_LAG.as_secs())]
    ws_max_lag_secs: u64,
    /// Seconds a WebSocket client's socket may take to accept one frame.
    #[arg(long, env = "ORDERBOOK_WS_WRITE_TIMEOUT_SECS", default_value_t = outbox::DEFAULT_WRITE_TIMEOUT.as_secs())]
    ws_write_timeout_secs: u64,
    /// Bytes of frames being written to sockets, across all connections.
    #[arg(long, env = "ORDERBOOK_WS_IN_FLIGHT_BYTES", default_value_t = outbox::DEFAULT_IN_FLIGHT_BYTES)]
    ws_in_flight_bytes: usize,
    /// The kernel's send buffer per feed connection (SO_SNDBUF), in bytes.
    #[arg(long, env = "ORDERBOOK_SOCKET_SEND_BUFFER", default_value_t = outbox::DEFAULT_SOCKET_SEND_BUFFER)]
    socket_send_buffer: usize,
    /// Open WebSocket connections, in total.
    #[arg(long, env = "ORDERBOOK_MAX_CONNECTIONS", default_value_t = FeedLimits::default().max_connections)]
    max_connections: usize,
    /// Open WebSocket connections from one IP address.
    #[arg(long, env = "ORDERBOOK_MAX_CONNECTIONS_PER_IP", default_value_t = FeedLimits::default().max_connections_per_ip)]
    max_connections_per_ip: usize,
    /// WebSocket requests per second per connection (bursts of 4 × this).
    #[arg(long, env = "ORDERBOOK_WS_REQUESTS_PER_SEC", default_value_t = FeedLimits::default().ws_requests_per_sec)]
    ws_requests_per_sec: f64,
    /// REST requests per second per IP address (bursts of 2 × this).
    #[arg(long, env = "ORDERBOOK_REST_PER_SEC", default_value_t = FeedLimits::default().rest_per_sec)]
    rest_per_sec: f64,
    /// `/api/tx/*` requests per second per IP address (bursts of 5 × this).
    #[arg(long, env = "ORDERBOOK_TX_PER_SEC", default_value_t = FeedLimits::default().tx_per_sec)]
    tx_per_sec: f64,
    /// Reverse proxies (addresses or CIDR networks, comma-separated: your
    /// Ingress controller's or load balancer's) whose `X-Forwarded-For`
    /// names the client the per-address limits count; from any other peer
    /// the header is ignored. None by default.
    #[arg(long, env = "ORDERBOOK_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<IpNet>,
    /// Database connections serving REST requests.
    #[arg(long, env = "ORDERBOOK_DB_POOL", default_value_t = 8)]
    db_pool: usize,
}

impl LimitArgs {
    fn limits(&self) -> FeedLimits {
        FeedLimits {
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            write: WriteLimits {
                queue_bytes: self.ws_queue_bytes,
                max_lag: Duration::from_secs(self.ws_max_lag_secs.max(1)),
                write_timeout: Duration::from_secs(self.ws_write_timeout_secs.max(1)),
                in_flight_bytes: self.ws_in_flight_bytes,
                socket_send_buffer: self.socket_send_buffer,
            },
            ws_requests_per_sec: self.ws_requests_per_sec,
            ws_request_burst: (4.0 * self.ws_requests_per_sec).max(1.0),
            rest_per_sec: self.rest_per_sec,
            rest_burst: (2.0 * self.rest_per_sec).max(1.0),
            tx_per_sec: self.tx_per_sec,
            tx_burst: (5.0 * self.tx_per_sec).max(1.0),
            trusted_proxies: TrustedProxies(self.trusted_proxies.clone()),
        }
    }
}
