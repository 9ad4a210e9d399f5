//! What one client may cost the feed: connections (in total and per IP),
//! requests per second (WebSocket requests per connection, REST requests per
//! IP, with a stricter budget for the transaction builders that read the
//! chain), and what a connection's writer may hold and take (see
//! `outbox::WriteLimits`). A client over a limit gets a clear refusal;
//! nobody else notices it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use orderbook_service::connections::ConnectionGate;

use crate::feed::client_ip::TrustedProxies;
use crate::feed::outbox::WriteLimits;

/// The limits, all configurable from the command line.
#[derive(Clone, Debug)]
pub struct FeedLimits {
    /// Open WebSocket connections, in total.
    pub max_connections: usize,
    /// Open WebSocket connections from one IP address.
    pub max_connections_per_ip: usize,
    /// When a connection is dropped as a slow consumer.
    pub write: WriteLimits,
    /// WebSocket requests (subscribe, unsubscribe, ping) per connection:
    /// sustained per second, and burst.
    pub ws_requests_per_sec: f64,
    pub ws_request_burst: f64,
    /// REST requests per IP: sustained per second, and burst.
    pub rest_per_sec: f64,
    pub rest_burst: f64,
    /// `/api/tx/*` requests per IP (each reads the chain): per second, burst.
    pub tx_per_sec: f64,
    pub tx_burst: f64,
    /// Proxies whose `X-Forwarded-For` names the client the limits apply to.
    pub trusted_proxies: TrustedProxies,
}

impl Default for FeedLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_connections_per_ip: 64,
            write: WriteLimits::default(),
            ws_requests_per_sec: 10.0,
            ws_request_burst: 40.0,
            rest_per_sec: 50.0,
            rest_burst: 100.0,
            tx_per_sec: 2.0,
            tx_burst: 10.0,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// A token bucket: `burst` tokens, refilled at `per_sec`.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(per_sec: f64, burst: f64) -> Self {
        Self {
            tokens: burst,
            burst,
            per_sec,
            last: Instant::now(),
        }
    }

    /// Take one token if there is one.
    pub fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Most keys (IP addresses, owners) a rate limiter remembers; past it,
/// full buckets are forgotten (an idle key costs nothing to re-create).
const MAX_TRACKED_KEYS: usize = 100_000;

/// One token bucket per key: a client's address
/// ([`orderbook_service::connections::client_key`]) or anything else a limit
/// is counted by.
pub struct RateLimiter<K = IpAddr> {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, TokenBucket>>,
}

impl<K: std::hash::Hash + Eq + Copy> RateLimiter<K> {
    pub fn new(per_sec: f64, burst: f64) -> Self {
        Self {
            per_sec,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// May `key` make one more request now?
    pub fn allow(&self, key: K) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED_KEYS && !buckets.contains_key(&key) {
            let now = Instant::now();
            buckets.retain(|_, b| {
                let mut probe = b.clone();
                probe.take_at(now);
                probe.tokens + 1.0 < probe.burst
            });
        }
        buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::new(self.per_sec, self.burst))
            .take()
    }
}

/// The shared limiters of one feed server.
pub struct Guards {
    pub limits: FeedLimits,
    pub connections: Arc<ConnectionGate>,
    pub rest: RateLimiter,
    pub tx: RateLimiter,
}

impl Guards {
    pub fn new(limits: FeedLimits) -> Arc<Self> {
        Arc::new(Self {
            connections: ConnectionGate::new(limits.max_connections, limits.max_connections_per_ip),
            rest: RateLimiter::new(limits.rest_per_sec, limits.rest_burst),
            tx: RateLimiter::new(limits.tx_per_sec, limits.tx_burst),
            limits,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let mut b = TokenBucket::new(2.0, 3.0);
        let t0 = b.last;
        assert!((0..3).all(|_| b.take_at(t0)));
        assert!(!b.take_at(t0));
        assert!(b.take_at(t0 + Duration::from_millis(500)));
        assert!(!b.take_at(t0 + Duration::from_millis(500)));
        // Refill stops at the burst.
        let later = t0 + Duration::from_secs(100);
        assert!((0..3).all(|_| b.take_at(later)));
        assert!(!b.take_at(later));
    }

    #[test]
    fn rate_limits_are_per_ip() {
        let limiter = RateLimiter::<IpAddr>::new(0.0, 2.0);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.3".parse().unwrap(), "127.0.0.4".parse().unwrap());
        assert!(limiter.allow(a) && limiter.allow(a));
        assert!(!limiter.allow(a));
        assert!(limiter.allow(b));
    }
}
