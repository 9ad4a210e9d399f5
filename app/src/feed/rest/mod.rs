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

use crate::feed::wire::{ApiErrorCode, ErrorBody, ErrorDetail};
use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ApiErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ApiErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ApiErrorCode::NotFound, message)
    }
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ApiErrorCode::RateLimited,
            message,
        )
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiErrorCode::Unavailable,
            message,
        )
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
            Json(ErrorBody {
                error: ErrorDetail {
                    code: self.code,
                    message: self.message,
                },
            }),
        )
            .into_response()
    }
}

/// A REST answer: a `wire` type as JSON, or an error.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

pub fn parse_key(what: &str, s: &str) -> Result<Pubkey, ApiError> {
    s.parse()
        .map_err(|_| ApiError::bad(format!("{what} is {}", key_error(s))))
}

/// What is wrong with `text` as an address (query parameters and bodies say it alike).
fn key_error(text: &str) -> String {
    format!("not a base58 public key: {text:?}")
}
