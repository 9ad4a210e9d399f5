//! PostgreSQL connection and schema migrations.
//!
//! Migrations are the versioned SQL files in `migrations/` (embedded at build
//! time), applied in order inside one transaction each, recorded in
//! `schema_migrations`. Applying is idempotent and safe to race: a
//! transaction-level advisory lock serialises concurrent starters.

use tokio_postgres::{Client, NoTls};

/// `(version, sql)` of every migration, in order.
pub const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../../migrations/0001_init.sql"))];

/// Advisory lock key guarding migrations.
const MIGRATION_LOCK: i64 = 0x6f72_6465_7262_6f6f; // "orderboo"

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("value {0} does not fit a signed 64-bit column")]
    OutOfRange(u64),
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
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
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

/// A u64 for a bigint column, refusing values that would not fit.
pub fn i64_of(v: u64) -> Result<i64, DbError> {
    i64::try_from(v).map_err(|_| DbError::OutOfRange(v))
}
