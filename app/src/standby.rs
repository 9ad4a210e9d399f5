//! One indexer leads per market; the others stand by.
//!
//! Leadership is a PostgreSQL session advisory lock taken on the very
//! connection the indexer writes through. When the leader dies its session
//! ends and PostgreSQL releases the lock at once, so a follower blocked in
//! `pg_advisory_lock` takes over without polling. A leader cut off from the
//! database loses the lock together with its only way to write, so two
//! indexers never write one market at the same time; and ingestion is
//! idempotent per `(market, seq)` in any case, so the new leader resumes
//! from the stored cursor with nothing lost or stored twice.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use tokio::sync::watch;
use tokio_postgres::Client;

use crate::db::{self, DbError};

/// What the leadership lock's key hashes with the market, so that no other
/// user of advisory locks shares our keys by accident.
const LOCK_DOMAIN: &[u8] = b"orderbook-indexer-leader";
/// Wait before reconnecting after the database went away.
const RECONNECT: Duration = Duration::from_millis(500);

/// The leadership lock of `market`: the one-key (`bigint`) form, the first
/// 8 bytes of sha256(domain ‖ market). A key from a few bytes of the market
/// alone let anyone create a market that shares them and so keep another
/// market's indexer standing by forever; finding a 64-bit collision of a
/// hash is out of reach.
fn lock_key(market: &Pubkey) -> i64 {
    let digest = solana_sha256_hasher::hashv(&[LOCK_DOMAIN, market.as_ref()]);
    let bytes = digest.to_bytes();
    i64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

/// Block until this session leads `market` (true) or `shutdown` (false).
pub async fn acquire(
    client: &Client,
    market: &Pubkey,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<bool, DbError> {
    let key = lock_key(market);
    if client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await?
        .get::<_, bool>(0)
    {
        return Ok(true);
    }
    tracing::info!(%market, "another indexer leads this market; standing by");
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&key];
    tokio::select! {
        locked = client.execute("SELECT pg_advisory_lock($1)", &params) => {
            locked?;
            tracing::info!(%market, "leading: the previous leader is gone");
            Ok(true)
        }
        _ = shutdown.wait_for(|stop| *stop) => Ok(false),
    }
}

/// A connection to `database_url` that leads `market`, retried until it
/// does or `shutdown`.
pub async fn lead(
    database_url: &str,
    market: &Pubkey,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<Client> {
    while !*shutdown.borrow() {
        match db::connect(database_url).await {
            Ok(client) => match acquire(&client, market, shutdown).await {
                Ok(true) => return Some(client),
                Ok(false) => return None,
                Err(e) => {
                    tracing::warn!(%market, error = %e, "waiting for leadership failed; retrying")
                }
            },
            Err(e) => tracing::warn!(%market, error = %e, "PostgreSQL unreachable; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RECONNECT) => {}
            _ = shutdown.changed() => {}
        }
    }
    None
}

/// The backend process id of the session that leads `market`, if any (from
/// `pg_locks`; for operators and the failover bench).
pub async fn leader_pid(client: &Client, market: &Pubkey) -> Result<Option<i32>, DbError> {
    // The one-key form stores the key's high and low 32 bits as classid /
    // objid (unsigned oids), objsubid 1.
    let row = client
        .query_opt(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
               AND classid = (($1::bigint >> 32) & 4294967295)::oid
               AND objid = ($1::bigint & 4294967295)::oid",
            &[&lock_key(market)],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}
