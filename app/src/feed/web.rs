//! The trading web app's side of the server: its built files (`app/web`,
//! `npm run build -w app/web`) from a directory, and `GET /api/config`, which
//! tells the page where the chain is and whether a faucet is here.

use std::path::PathBuf;

use crate::feed::wire::{FaucetConfigInfo, ServerConfig, U64Text};
use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::State;
use solana_signer::Signer;
use tower_http::services::{ServeDir, ServeFile};

use crate::feed::AppState;
use crate::feed::rest::faucet::Faucet;

/// What the server tells and gives the web app.
#[derive(Default)]
pub struct WebOptions {
    /// The built app (`index.html` and `assets/`); `None`: `/` is the
    /// built-in debug page.
    pub dir: Option<PathBuf>,
    /// JSON-RPC and PubSub URLs as a browser reaches them.
    pub rpc_url: Option<String>,
    pub ws_url: Option<String>,
    /// A drand beacon's HTTP API as a browser reaches it (encrypted orders).
    pub beacon_url: Option<String>,
    pub faucet: Option<Faucet>,
}

/// The app's files; any other path is the app itself (it routes in the page).
pub fn static_files(dir: &std::path::Path) -> ServeDir<ServeFile> {
    ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))
}

pub async fn config(State(state): State<AppState>) -> Json<ServerConfig> {
    let web = &state.web;
    Json(ServerConfig {
        program_id: orderbook::ID.to_string(),
        rpc_url: web.rpc_url.clone(),
        ws_url: web.ws_url.clone(),
        beacon_url: web.beacon_url.clone(),
        faucet: web.faucet.as_ref().map(|f| FaucetConfigInfo {
            authority: f.authority.pubkey().to_string(),
            markets: f.config.markets.iter().map(Pubkey::to_string).collect(),
            base_tokens: U64Text(f.config.base_tokens),
            quote_tokens: U64Text(f.config.quote_tokens),
        }),
    })
}
