//! REST: market data from PostgreSQL ([`market_data`]), unsigned
//! transactions for wallets ([`wallet_tx`]) and test tokens ([`faucet`]).
//!
//! Every error is an [`ApiError`], sent as JSON `{"error": {"code",
//! "message"}}` with a 4xx/5xx status; nothing a client sends can stop the
//! server.

mod bodies;
pub mod faucet;
pub mod market_data;
pub mod wallet_tx;

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: message.into(),
        }
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "unavailable",
            message: message.into(),
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        tracing::warn!(error = %e, "database error serving a request");
        Self::unavailable("database unavailable")
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection for a request");
        Self::unavailable("database unavailable")
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        tracing::warn!(error = %e, "database error serving a request");
        Self::unavailable("database unavailable")
    }
}

impl From<orderbook_chain::ChainError> for ApiError {
    fn from(e: orderbook_chain::ChainError) -> Self {
        Self::unavailable(format!("chain: {e}"))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::bad(e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        Self::bad(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

pub type ApiResult = Result<Json<Value>, ApiError>;

pub fn parse_key(what: &str, s: &str) -> Result<Pubkey, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad(format!("{what} is {}", key_error(s))))
}

/// What is wrong with `text` as an address (query parameters and bodies say it alike).
fn key_error(text: &str) -> String {
    format!("not a base58 public key: {text:?}")
}
