//! Throw-away PostgreSQL databases for tests and benches.

use tokio_postgres::{Client, NoTls};

/// The admin connection scratch databases are created from, unless
/// `ORDERBOOK_TEST_PG` says otherwise.
pub const DEFAULT_ADMIN_URL: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

/// The admin connection string: `ORDERBOOK_TEST_PG` or [`DEFAULT_ADMIN_URL`].
pub fn admin_url() -> String {
    std::env::var("ORDERBOOK_TEST_PG").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into())
}

// Where a bench creates its `ScratchDb`: one flag, shared by every bench.
// (A plain comment: clap would show a doc comment as each bench's --help text.)
#[derive(clap::Args, Debug, Clone)]
pub struct ScratchDbArgs {
    /// Admin connection string (a scratch database is created beside it).
    #[arg(long, env = "ORDERBOOK_TEST_PG", default_value = DEFAULT_ADMIN_URL)]
    pub admin_url: String,
}

/// A database created empty with a random name next to the admin
/// connection's, dropped by [`ScratchDb::drop`]. The schema is the caller's
/// (`orderbook_app::db::migrate`): this crate does not know it.
pub struct ScratchDb {
    pub name: String,
    pub url: String,
    admin: Client,
}

impl ScratchDb {
    /// A new database named `{prefix}_{random}` and a connection to it.
    pub async fn new(
        admin_url: &str,
        prefix: &str,
    ) -> Result<(Self, Client), tokio_postgres::Error> {
        let admin = connect(admin_url).await?;
        let name = format!("{prefix}_{}", rand::random::<u32>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        // In a key=value connection string the last of a repeated key wins.
        let url = format!("{admin_url} dbname={name}");
        let client = connect(&url).await?;
        Ok((Self { name, url, admin }, client))
    }

    /// Drop the database (closing `client` first).
    pub async fn drop(self, client: Client) {
        drop(client);
        let _ = self
            .admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "scratch database connection closed");
        }
    });
    Ok(client)
}
