//! A local randomness beacon for time-lock encrypted orders (issue 26): it
//! signs rounds with drand quicknet's scheme ([`scheme`]) on drand's clock
//! ([`clock`]) and serves them over drand's HTTP API ([`http`]), so the
//! keeper, the web app and the tests use the same clients and libraries
//! against it as against the League of Entropy. Nothing but its key makes it
//! local: a market names a beacon by its chain hash.

pub mod clock;
pub mod http;
pub mod scheme;
pub mod state;

pub use clock::Clock;
pub use scheme::{ChainInfo, SecretKey};

/// A beacon: its key and its chain.
pub struct Beacon {
    key: SecretKey,
    pub info: ChainInfo,
}

impl Beacon {
    /// A beacon signing with `key` on `clock`, named `beacon_id`.
    pub fn new(key: SecretKey, clock: Clock, beacon_id: &str) -> Self {
        let info = ChainInfo::new(key.public_key(), clock, beacon_id);
        Self { key, info }
    }

    /// Round `round`'s signature (round 0 does not exist).
    pub fn signature(&self, round: u64) -> Option<[u8; scheme::SIGNATURE_LEN]> {
        (round > 0).then(|| self.key.sign_round(round))
    }
}
