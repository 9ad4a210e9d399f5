//! `orderbook-beacon`: a local drand-compatible beacon (quicknet's scheme)
//! for time-lock encrypted orders. `orderbook-beacon --help` lists every flag.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::Parser;
use orderbook_beacon::{Beacon, Clock, SecretKey, http, state};

/// A randomness beacon that signs a round every period with drand
/// quicknet's scheme (bls-unchained-g1-rfc9380) and serves drand's HTTP API
/// (`/info`, `/public/latest`, `/public/{round}`), for a local stack: point
/// the keeper and the web app at drand's quicknet instead in production.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// HTTP address.
    #[arg(
        long,
        env = "ORDERBOOK_BEACON_LISTEN",
        default_value = "127.0.0.1:8091"
    )]
    listen: SocketAddr,
    /// Seconds between rounds (quicknet: 3).
    #[arg(long, env = "ORDERBOOK_BEACON_PERIOD_SECS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    period_secs: u64,
    /// File holding the beacon's key and genesis, created on first start
    /// (mode 0600), so a restart keeps the same chain; without it every
    /// start is a new chain with a new key.
    #[arg(long, env = "ORDERBOOK_BEACON_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// The chain's beacon id (`metadata.beaconID`; part of its hash).
    #[arg(long, env = "ORDERBOOK_BEACON_ID", default_value = "orderbook-local")]
    beacon_id: String,
    /// Log filter (tracing syntax).
    #[arg(long, env = "ORDERBOOK_BEACON_LOG", default_value = "info")]
    log: String,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    orderbook_service::telemetry::init_tracing_with(&args.log);
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let fresh = Clock {
        genesis_time: now,
        period_secs: args.period_secs,
    };
    let (key, clock) = match &args.state_file {
        Some(path) => state::load_or_create(path, fresh)?,
        None => (SecretKey::generate(), fresh),
    };
    let beacon = Arc::new(Beacon::new(key, clock, &args.beacon_id));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen {}", args.listen))?;
    tracing::info!(
        listen = %args.listen,
        chain_hash = %hex::encode(beacon.info.hash()),
        genesis_time = clock.genesis_time,
        period_secs = clock.period_secs,
        "beacon serving drand's HTTP API"
    );
    axum::serve(listener, http::router(beacon))
        .with_graceful_shutdown(orderbook_service::shutdown::requested())
        .await?;
    Ok(())
}
