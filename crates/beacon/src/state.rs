//! The beacon's persisted identity: its secret key and its clock, so a
//! restart keeps the same chain (markets name a beacon by its chain hash).
//! A JSON file written once, readable by its owner only.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::{Clock, SecretKey};

#[derive(Serialize, Deserialize)]
struct Stored {
    /// Hex of the 32-byte little-endian scalar.
    secret_key: String,
    genesis_time: u64,
    period: u64,
}

/// The key and clock stored at `path`, or, when it does not exist, a new
/// key with `clock`, stored there first. A stored period other than the
/// clock's is refused: it would be another chain.
pub fn load_or_create(path: &Path, clock: Clock) -> Result<(SecretKey, Clock)> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let stored: Stored = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a beacon state file", path.display()))?;
            let key_bytes = hex::decode(&stored.secret_key)
                .with_context(|| format!("{}: secret_key is not hex", path.display()))?;
            let key = SecretKey::from_bytes(&key_bytes)
                .with_context(|| format!("{}: secret_key", path.display()))?;
            if stored.period != clock.period_secs {
                bail!(
                    "{} holds a chain with a {} s period, not {} s: remove it to start a new chain",
                    path.display(),
                    stored.period,
                    clock.period_secs
                );
            }
            let clock = Clock {
                genesis_time: stored.genesis_time,
                period_secs: stored.period,
            };
            Ok((key, clock))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            let stored = Stored {
                secret_key: hex::encode(key.to_bytes()),
                genesis_time: clock.genesis_time,
                period: clock.period_secs,
            };
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(&serde_json::to_vec_pretty(&stored)?)?;
            file.sync_all()?;
            Ok((key, clock))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}
