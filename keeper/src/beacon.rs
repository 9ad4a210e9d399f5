//! A drand beacon's HTTP API as the keeper reads it, from a chain's base
//! URL (a relay's `https://api.drand.sh/<chain hash>`, or
//! `orderbook-beacon`'s root): the chain hash (from `/info`, once) and a
//! round's signature (`/public/{round}`), `None` until the round is
//! published. Every request is bounded in time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orderbook_chain::ChainError;

/// How long one request to the beacon may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct BeaconClient {
    url: String,
    http: reqwest::Client,
    chain: Option<ChainInfo>,
}

/// What `/info` says of the chain, read once.
#[derive(Clone, Copy)]
struct ChainInfo {
    hash: [u8; 32],
    /// When round 1 is published, unix seconds.
    genesis_time: u64,
    period_secs: u64,
}

fn unreachable(e: impl std::fmt::Display) -> ChainError {
    ChainError::Rpc(format!("beacon: {e}"))
}

impl BeaconClient {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("an HTTP client builds"),
            chain: None,
        }
    }

    /// The beacon's chain hash, read from `/info` the first time.
    pub(crate) async fn chain_hash(&mut self) -> Result<[u8; 32], ChainError> {
        Ok(self.chain().await?.hash)
    }

    /// When `round` is published (drand's clock: round 1 at the genesis,
    /// then one per period), once `/info` was read.
    pub(crate) fn published_at(&self, round: u64) -> Option<SystemTime> {
        let c = self.chain?;
        let since_genesis = round.saturating_sub(1).checked_mul(c.period_secs)?;
        let secs = c.genesis_time.checked_add(since_genesis)?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    async fn chain(&mut self) -> Result<ChainInfo, ChainError> {
        if let Some(chain) = self.chain {
            return Ok(chain);
        }
        let info: serde_json::Value = self
            .http
            .get(format!("{}/info", self.url))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unreachable)?
            .json()
            .await
            .map_err(unreachable)?;
        let hash = info["hash"]
            .as_str()
            .and_then(|h| hex::decode(h).ok()?.try_into().ok())
            .ok_or_else(|| unreachable("/info has no 32-byte hex `hash`"))?;
        let number = |field: &str| {
            info[field]
                .as_u64()
                .ok_or_else(|| unreachable(format!("/info has no integer `{field}`")))
        };
        let chain = ChainInfo {
            hash,
            genesis_time: number("genesis_time")?,
            period_secs: number("period")?,
        };
        self.chain = Some(chain);
        Ok(chain)
    }

    /// Round `round`'s signature, or `None` while it is not published.
    pub(crate) async fn signature(&mut self, round: u64) -> Result<Option<Vec<u8>>, ChainError> {
        let r = self
            .http
            .get(format!("{}/public/{round}", self.url))
            .send()
            .await
            .map_err(unreachable)?;
        // drand's relays answer a future round with 425 (ours) or 404.
        if matches!(r.status().as_u16(), 404 | 425) {
            return Ok(None);
        }
        let body: serde_json::Value = r
            .error_for_status()
            .map_err(unreachable)?
            .json()
            .await
            .map_err(unreachable)?;
        let signature = body["signature"]
            .as_str()
            .and_then(|s| hex::decode(s).ok())
            .ok_or_else(|| unreachable(format!("round {round} has no hex `signature`")))?;
        Ok(Some(signature))
    }
}
