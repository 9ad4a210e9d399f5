//! The trading web app's flags, shared by `run` and `feed`: where the built
//! app is, the chain URLs the page is told, and the test-token faucet.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result, bail};
use clap::Args;
use orderbook_app::feed::rest::faucet::{Faucet, FaucetConfig};
use orderbook_app::feed::web::WebOptions;
use orderbook_chain::rpc::RpcChain;
use solana_signer::Signer;

/// The trading web app: where its files are, what it is told, the faucet.
#[derive(Args, Clone)]
pub struct WebArgs {
    /// Directory of the built web app (`npm run build -w app/web` writes
    /// `app/web/dist`); without it `/` is a debug page.
    #[arg(long, env = "ORDERBOOK_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// JSON-RPC URL the page's wallet sends to [default: --rpc-url].
    #[arg(long, env = "ORDERBOOK_PUBLIC_RPC_URL")]
    public_rpc_url: Option<String>,
    /// PubSub URL the page confirms through [default: --ws-url or its default].
    #[arg(long, env = "ORDERBOOK_PUBLIC_WS_URL")]
    public_ws_url: Option<String>,
    /// A drand beacon's HTTP API as the page reaches it: on batch markets
    /// naming that beacon the page encrypts sealed orders to it, so any
    /// keeper reveals them and the tab may close (docs/encrypted-orders.md).
    #[arg(long, env = "ORDERBOOK_PUBLIC_BEACON_URL")]
    public_beacon_url: Option<String>,
    /// Keypair file (Solana CLI format) of the markets' mint authority:
    /// `POST /api/faucet` mints test tokens with it (local demo only; the
    /// demo writes `mint-authority.json`). Funded from the node's faucet.
    #[arg(long, env = "ORDERBOOK_FAUCET_KEYPAIR")]
    faucet_keypair: Option<PathBuf>,
    /// Whole base tokens one faucet request mints.
    #[arg(long, env = "ORDERBOOK_FAUCET_BASE_TOKENS", default_value_t = 100)]
    faucet_base_tokens: u64,
    /// Whole quote tokens one faucet request mints.
    #[arg(long, env = "ORDERBOOK_FAUCET_QUOTE_TOKENS", default_value_t = 10_000)]
    faucet_quote_tokens: u64,
    /// The markets the faucet mints for (the local demo's; repeat or
    /// comma-separate). Requests for any other market are refused.
    #[arg(
        long = "faucet-market",
        env = "ORDERBOOK_FAUCET_MARKETS",
        value_delimiter = ','
    )]
    faucet_markets: Vec<Pubkey>,
    /// Faucet grants per wallet per hour.
    #[arg(long, env = "ORDERBOOK_FAUCET_GRANTS_PER_OWNER", default_value_t = 5)]
    faucet_grants_per_owner: u32,
    /// Faucet grants per client address per hour.
    #[arg(long, env = "ORDERBOOK_FAUCET_GRANTS_PER_IP", default_value_t = 100)]
    faucet_grants_per_ip: u32,
}

/// SOL the faucet's key asks the node for: fees and token-account rent for
/// a few thousand requests.
const FAUCET_AIRDROP_LAMPORTS: u64 = 100 * 1_000_000_000;

impl WebArgs {
    /// Whether any of these flags was given.
    pub fn is_set(&self) -> bool {
        self.web_dir.is_some()
            || self.faucet_keypair.is_some()
            || self.public_rpc_url.is_some()
            || self.public_ws_url.is_some()
            || self.public_beacon_url.is_some()
    }

    /// Check the web directory, load and fund the faucet key.
    pub async fn options(
        &self,
        chain: &RpcChain,
        rpc_url: &str,
        ws_url: &str,
    ) -> Result<WebOptions> {
        if let Some(dir) = &self.web_dir
            && !dir.join("index.html").is_file()
        {
            bail!(
                "--web-dir {}: no index.html there (build the app: npm ci && npm run build -w app/web)",
                dir.display()
            );
        }
        let faucet = match &self.faucet_keypair {
            None => None,
            Some(path) => {
                let authority = solana_keypair::read_keypair_file(path)
                    .map_err(|e| anyhow::anyhow!("--faucet-keypair {}: {e}", path.display()))?;
                chain
                    .airdrop(&authority.pubkey(), FAUCET_AIRDROP_LAMPORTS)
                    .await
                    .context(
                        "funding the faucet's key from the node's faucet (local nodes only)",
                    )?;
                if self.faucet_markets.is_empty() {
                    bail!(
                        "--faucet-keypair needs the market(s) it mints for: --faucet-market <demo market>"
                    );
                }
                Some(Faucet::new(
                    authority,
                    FaucetConfig {
                        base_tokens: self.faucet_base_tokens,
                        quote_tokens: self.faucet_quote_tokens,
                        markets: self.faucet_markets.clone(),
                        grants_per_owner_hour: self.faucet_grants_per_owner,
                        grants_per_ip_hour: self.faucet_grants_per_ip,
                    },
                ))
            }
        };
        Ok(WebOptions {
            dir: self.web_dir.clone(),
            rpc_url: Some(
                self.public_rpc_url
                    .clone()
                    .unwrap_or_else(|| rpc_url.into()),
            ),
            ws_url: Some(self.public_ws_url.clone().unwrap_or_else(|| ws_url.into())),
            beacon_url: self.public_beacon_url.clone(),
            faucet,
        })
    }
}
