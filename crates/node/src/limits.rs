//! What one client may cost the node, bounded as a public RPC provider
//! bounds it: bytes per response and per batch, who may call from a web
//! page (`Origin`), PubSub connections and the bytes one connection's
//! notifications may take, and the faucet's pace. Every limit has a flag
//! (`orderbook-node --help`); docs/security.md lists them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use solana_pubkey::Pubkey;

/// Largest response to one call (a 10 MiB account encodes to ~13.4 MB in
/// base64, so one maximal account still fits).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;
/// Largest sum of the responses to one batch.
pub const DEFAULT_MAX_BATCH_RESPONSE_BYTES: usize = 64 << 20;
/// PubSub connections in total, and from one address.
pub const DEFAULT_MAX_PUBSUB_CONNECTIONS: usize = 256;
pub const DEFAULT_MAX_PUBSUB_CONNECTIONS_PER_IP: usize = 64;
/// Bytes of notifications one PubSub connection may have waiting; past
/// it the connection is closed (it subscribed to more than it reads).
pub const DEFAULT_MAX_PUBSUB_QUEUE_BYTES: usize = 32 << 20;
/// Lamports one recipient may receive from the faucet per window, and the
/// faucet may hand out in total per window.
pub const DEFAULT_AIRDROP_LAMPORTS_PER_RECIPIENT: u64 = 10_000 * 1_000_000_000;
pub const DEFAULT_AIRDROP_LAMPORTS_TOTAL: u64 = 1_000_000 * 1_000_000_000;
/// The faucet's window.
pub const AIRDROP_WINDOW: Duration = Duration::from_secs(3_600);
/// Recipients the faucet remembers in a window; past it, new recipients
/// are refused until the window turns (the total cap bounds them anyway).
const MAX_AIRDROP_RECIPIENTS: usize = 100_000;

/// The node's limits (every one a flag of `orderbook-node`).
#[derive(Clone, Debug)]
pub struct NodeLimits {
    pub max_response_bytes: usize,
    pub max_batch_response_bytes: usize,
    /// Web origins allowed to call (CORS) and to open PubSub connections;
    /// `*` allows any. Requests without an `Origin` header (wallets, CLIs,
    /// servers) are never refused for it.
    pub allowed_origins: Vec<String>,
    pub max_pubsub_connections: usize,
    pub max_pubsub_connections_per_ip: usize,
    pub max_pubsub_queue_bytes: usize,
    pub airdrop_lamports_per_recipient: u64,
    pub airdrop_lamports_total: u64,
}

impl Default for NodeLimits {
    fn default() -> Self {
        Self {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_batch_response_bytes: DEFAULT_MAX_BATCH_RESPONSE_BYTES,
            allowed_origins: Vec::new(),
            max_pubsub_connections: DEFAULT_MAX_PUBSUB_CONNECTIONS,
            max_pubsub_connections_per_ip: DEFAULT_MAX_PUBSUB_CONNECTIONS_PER_IP,
            max_pubsub_queue_bytes: DEFAULT_MAX_PUBSUB_QUEUE_BYTES,
            airdrop_lamports_per_recipient: DEFAULT_AIRDROP_LAMPORTS_PER_RECIPIENT,
            airdrop_lamports_total: DEFAULT_AIRDROP_LAMPORTS_TOTAL,
        }
    }
}

impl NodeLimits {
    /// May a page from `origin` call? (`None`: not a browser page.)
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else {
            return true;
        };
        self.allowed_origins
            .iter()
            .any(|allowed| allowed == "*" || allowed.trim_end_matches('/') == origin)
    }
}

/// Why the faucet refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AirdropRefused {
    #[error(
        "airdrop limit for this address reached: {limit} lamports per {window_secs} s (--airdrop-lamports-per-recipient); try again in {retry_secs} s"
    )]
    Recipient {
        limit: u64,
        window_secs: u64,
        retry_secs: u64,
    },
    #[error(
        "the faucet's limit is reached: {limit} lamports per {window_secs} s for everyone (--airdrop-lamports-total); try again in {retry_secs} s"
    )]
    Total {
        limit: u64,
        window_secs: u64,
        retry_secs: u64,
    },
}

/// What the faucet handed out in the current window.
pub struct AirdropLedger {
    per_recipient: u64,
    total: u64,
    window: Mutex<Window>,
}

struct Window {
    started: Instant,
    total: u64,
    by_recipient: HashMap<Pubkey, u64>,
}

impl AirdropLedger {
    pub fn new(limits: &NodeLimits) -> Self {
        Self {
            per_recipient: limits.airdrop_lamports_per_recipient,
            total: limits.airdrop_lamports_total,
            window: Mutex::new(Window {
                started: Instant::now(),
                total: 0,
                by_recipient: HashMap::new(),
            }),
        }
    }

    /// Count `lamports` to `to` if both caps allow it.
    pub fn take(&self, to: &Pubkey, lamports: u64) -> Result<(), AirdropRefused> {
        self.take_at(to, lamports, Instant::now())
    }

    /// Give back what [`AirdropLedger::take`] counted (the airdrop failed).
    pub fn give_back(&self, to: &Pubkey, lamports: u64) {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        w.total = w.total.saturating_sub(lamports);
        if let Some(n) = w.by_recipient.get_mut(to) {
            *n = n.saturating_sub(lamports);
        }
    }

    fn take_at(&self, to: &Pubkey, lamports: u64, now: Instant) -> Result<(), AirdropRefused> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_duration_since(w.started) >= AIRDROP_WINDOW {
            *w = Window {
                started: now,
                total: 0,
                by_recipient: HashMap::new(),
            };
        }
        let window_secs = AIRDROP_WINDOW.as_secs();
        let retry_secs = AIRDROP_WINDOW
            .saturating_sub(now.saturating_duration_since(w.started))
            .as_secs()
            .max(1);
        if w.total.saturating_add(lamports) > self.total {
            return Err(AirdropRefused::Total {
                limit: self.total,
                window_secs,
                retry_secs,
            });
        }
        let known = w.by_recipient.contains_key(to);
        let had = w.by_recipient.get(to).copied().unwrap_or(0);
        if had.saturating_add(lamports) > self.per_recipient
            || (!known && w.by_recipient.len() >= MAX_AIRDROP_RECIPIENTS)
        {
            return Err(AirdropRefused::Recipient {
                limit: self.per_recipient,
                window_secs,
                retry_secs,
            });
        }
        w.total += lamports;
        w.by_recipient.insert(*to, had + lamports);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_faucet_caps_each_recipient_and_everyone_per_window() {
        let limits = NodeLimits {
            airdrop_lamports_per_recipient: 10,
            airdrop_lamports_total: 25,
            ..NodeLimits::default()
        };
        let ledger = AirdropLedger::new(&limits);
        let t0 = Instant::now();
        let (a, b, c) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        assert_eq!(ledger.take_at(&a, 6, t0), Ok(()));
        assert!(matches!(
            ledger.take_at(&a, 5, t0),
            Err(AirdropRefused::Recipient { limit: 10, .. })
        ));
        assert_eq!(ledger.take_at(&a, 4, t0), Ok(()));
        assert_eq!(ledger.take_at(&b, 10, t0), Ok(()));
        assert!(matches!(
            ledger.take_at(&c, 6, t0),
            Err(AirdropRefused::Total { limit: 25, .. })
        ));
        ledger.give_back(&b, 10);
        assert_eq!(ledger.take_at(&c, 6, t0), Ok(()));
        // A new window starts afresh.
        assert_eq!(ledger.take_at(&a, 10, t0 + AIRDROP_WINDOW), Ok(()));
    }

    #[test]
    fn origins_are_refused_unless_listed_and_absent_ones_are_not_pages() {
        let mut limits = NodeLimits::default();
        assert!(limits.origin_allowed(None));
        assert!(!limits.origin_allowed(Some("https://evil.example")));
        limits.allowed_origins = vec!["http://127.0.0.1:8080/".into()];
        assert!(limits.origin_allowed(Some("http://127.0.0.1:8080")));
        assert!(!limits.origin_allowed(Some("http://127.0.0.1:8081")));
        limits.allowed_origins.push("*".into());
        assert!(limits.origin_allowed(Some("https://evil.example")));
    }
}
