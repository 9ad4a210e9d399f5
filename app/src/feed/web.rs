//! The trading web app's side of the server: its built files (`app/web`,
//! `npm run build -w app/web`) from a directory, and `GET /api/config`, which
//! tells the page where the chain is and whether a faucet is here.

use std::path::PathBuf;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
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
    pub faucet: Option<Faucet>,
}

/// The app's files; any other path is the app itself (it routes in the page).
pub fn static_files(dir: &std::path::Path) -> ServeDir<ServeFile> {
    ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))
}

pub async fn config(State(state): State<AppState>) -> Json<Value> {
    let web = &state.web;
    Json(json!({
        "program_id": orderbook::ID.to_string(),
        "rpc_url": web.rpc_url,
        "ws_url": web.ws_url,
        "faucet": web.faucet.as_ref().map(|f| json!({
            "authority": f.authority.pubkey().to_string(),
            "base_tokens": f.config.base_tokens.to_string(),
            "quote_tokens": f.config.quote_tokens.to_string(),
        })),
    }))
}
