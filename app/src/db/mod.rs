//! The database layer: connections, schema migrations, and one module per
//! table holding every statement that reads or writes it.
//!
//! Migrations are the versioned SQL files in `migrations/` (embedded at build
//! time), applied in order inside one transaction each, recorded in
//! `schema_migrations`. Applying is idempotent and safe to race: a
//! transaction-level advisory lock serialises concurrent starters.

use tokio_postgres::{Client, NoTls};

use crate::model::{OutOfRange, StoredEnum, i64_of};

pub mod balances;
pub mod batches;
pub mod candles;
pub mod cursor;
pub mod events;
pub mod fills;
pub mod markets;
pub mod orders;
pub mod queue_owners;
pub mod token_names;
pub mod traders;
pub mod transfers;

/// `(version, sql)` of every migration, in order.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../../migrations/0001_init.sql")),
    (2, include_str!("../../../migrations/0002_balances.sql")),
    (3, include_str!("../../../migrations/0003_lossless_u64.sql")),
    (
        4,
        include_str!("../../../migrations/0004_chain_identity.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/0005_mint_decimals.sql"),
    ),
    (6, include_str!("../../../migrations/0006_batches.sql")),
    (7, include_str!("../../../migrations/0007_token_names.sql")),
    (
        8,
        include_str!("../../../migrations/0008_ingest_indexes.sql"),
    ),
    (
        9,
        include_str!("../../../migrations/0009_market_capacity.sql"),
    ),
];

/// Advisory lock key guarding migrations.
const MIGRATION_LOCK: i64 = 0x6f72_6465_7262_6f6f; // "orderboo"

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    #[error("numeric column holds {0}, not a u64")]
    NotU64(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("{column} column holds {code}, which no variant has")]
    BadEnum { column: &'static str, code: i16 },
    #[error("database pool: {0}")]
    Pool(String),
}

/// Column `idx` of `row`, an enum stored as its variant's code; a code no
/// variant has is refused.
pub fn enum_column<E: StoredEnum>(row: &tokio_postgres::Row, idx: usize) -> Result<E, DbError> {
    let code: i16 = row.try_get(idx)?;
    E::from_code(code).ok_or(DbError::BadEnum {
        column: E::COLUMN,
        code,
    })
}

/// A pool of connections for request handlers (`size` connections at most).
pub fn pool(url: &str, size: usize) -> Result<deadpool_postgres::Pool, DbError> {
    let config: tokio_postgres::Config = url.parse()?;
    let manager = deadpool_postgres::Manager::from_config(
        config,
        NoTls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    deadpool_postgres::Pool::builder(manager)
        .max_size(size)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// A `numeric(20,0)` column selected as `::text`, read back as the u64
/// that was written into it.
pub fn u64_text(row: &tokio_postgres::Row, idx: usize) -> Result<u64, DbError> {
    let text: String = row.try_get(idx)?;
    text.parse().map_err(|_| DbError::NotU64(text))
}

/// A `numeric` column selected as `::text` holding a sum of u64s (a candle's volume).
pub fn u128_text(row: &tokio_postgres::Row, idx: usize) -> Result<u128, DbError> {
    let text: String = row.try_get(idx)?;
    text.parse()
        .map_err(|_| DbError::Corrupt(format!("numeric column holds {text}, not a u128")))
}

/// A text column holding a base58 address.
pub fn pubkey(
    row: &tokio_postgres::Row,
    idx: usize,
) -> Result<anchor_lang::prelude::Pubkey, DbError> {
    let text: &str = row.try_get(idx)?;
    text.parse()
        .map_err(|e| DbError::Corrupt(format!("bad address {text}: {e}")))
}

/// Numeric columns travel as text (u64 and u128 do not fit bigint).
pub(crate) fn num(v: impl ToString) -> String {
    v.to_string()
}

/// A column of `rows` mapped by `f`, for a set-based `UNNEST` statement.
pub(crate) fn column<'r, T, R>(rows: &'r [R], f: impl Fn(&'r R) -> T) -> Vec<T> {
    rows.iter().map(f).collect()
}

/// A bigint column of u64 values, refusing any past i64::MAX.
pub(crate) fn bigint_column<R>(rows: &[R], f: impl Fn(&R) -> u64) -> Result<Vec<i64>, DbError> {
    Ok(rows
        .iter()
        .map(|r| i64_of(f(r)))
        .collect::<Result<_, _>>()?)
}

/// Connect and drive the connection in the background.
pub async fn connect(url: &str) -> Result<Client, DbError> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::error!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

/// Apply every migration not yet applied; returns how many were applied.
pub async fn migrate(client: &mut Client) -> Result<usize, DbError> {
    // Under the lock too: two starters on a new database (the indexers and
    // the feed replicas of a fresh deployment) would otherwise both create
    // the table, and one fail on the catalog's unique index.
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    tx.commit().await?;
    let mut applied = 0;
    for (version, sql) in MIGRATIONS {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .await?;
        if done.is_none() {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await?;
            applied += 1;
            tracing::info!(version, "applied migration");
        }
        tx.commit().await?;
    }
    Ok(applied)
}

/// The value of `key` in a key=value connection string.
fn conn_param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    url.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// `url` with `dbname` replaced by (or set to) `name`.
pub fn with_dbname(url: &str, name: &str) -> String {
    let mut parts: Vec<String> = url
        .split_whitespace()
        .filter(|kv| !kv.starts_with("dbname="))
        .map(str::to_owned)
        .collect();
    parts.push(format!("dbname={name}"));
    parts.join(" ")
}

/// Connect to `url` (a key=value connection string), creating its database
/// first (through the `postgres` database) if it does not exist yet.
pub async fn connect_or_create(url: &str) -> Result<Client, DbError> {
    match connect(url).await {
        Ok(c) => Ok(c),
        Err(DbError::Postgres(e))
            if e.as_db_error().map(|d| d.code())
                == Some(&tokio_postgres::error::SqlState::INVALID_CATALOG_NAME) =>
        {
            let name = conn_param(url, "dbname").unwrap_or("postgres");
            let admin = connect(&with_dbname(url, "postgres")).await?;
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            match admin
                .batch_execute(&format!("CREATE DATABASE {quoted}"))
                .await
            {
                Ok(()) => tracing::info!(database = name, "created database"),
                // Another starter created it first.
                Err(e)
                    if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
                Err(e) => return Err(e.into()),
            }
            connect(url).await
        }
        Err(e) => Err(e),
    }
}

/// Whether the database mirrors the chain with genesis hash `genesis`.
#[derive(Debug, PartialEq, Eq)]
pub enum SameChain {
    Yes,
    /// Nothing recorded yet: `genesis` is recorded now.
    New,
    /// Another chain, with this genesis hash.
    No(String),
}

pub async fn chain_genesis(client: &Client, genesis: &str) -> Result<SameChain, DbError> {
    let inserted = client
        .execute(
            "INSERT INTO chain_identity (genesis_hash) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&genesis],
        )
        .await?;
    if inserted == 1 {
        return Ok(SameChain::New);
    }
    let row = client
        .query_one("SELECT genesis_hash FROM chain_identity", &[])
        .await?;
    let recorded: String = row.get(0);
    Ok(if recorded == genesis {
        SameChain::Yes
    } else {
        SameChain::No(recorded)
    })
}

/// Drop every table and re-apply the migrations (`run --reset`: a new
/// chain starts with an empty database).
pub async fn reset(client: &mut Client) -> Result<(), DbError> {
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .await?;
    migrate(client).await?;
    Ok(())
}
