//! Market data: markets, trades, depth, candles and a trader's orders and
//! balances, read from the indexer's tables; health and metrics.

use std::collections::HashMap;

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orderbook::types::Side;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, parse_key};
use crate::db::u64_text;
use crate::feed::AppState;
use crate::feed::view::{TRADE_COLUMNS, trade_json};
use crate::model::{CANDLE_RESOLUTIONS, StoredEnum, side_name};

/// Rows one page may return.
pub const MAX_PAGE: i64 = 1_000;

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// An integer query parameter within `min..=max`, `default` when absent.
fn int_param(
    p: &HashMap<String, String>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ApiError> {
    let Some(s) = p.get(name) else {
        return Ok(default);
    };
    let v: i64 = s
        .parse()
        .map_err(|_| ApiError::bad(format!("`{name}` must be an integer, got {s:?}")))?;
    if !(min..=max).contains(&v) {
        return Err(ApiError::bad(format!(
            "`{name}` must be within {min}..={max}, got {v}"
        )));
    }
    Ok(v)
}

/// Refuse parameters the endpoint does not know (a typo should not be ignored silently).
fn known(p: &HashMap<String, String>, allowed: &[&str]) -> Result<(), ApiError> {
    match p.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::bad(format!(
            "unknown parameter `{k}` (allowed: {})",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

async fn market_row(state: &AppState, market: &str) -> Result<Pubkey, ApiError> {
    let key = parse_key("market", market)?;
    state
        .db
        .get()
        .await?
        .query_opt("SELECT 1 FROM markets WHERE market = $1", &[&market])
        .await?
        .ok_or_else(|| ApiError::not_found(format!("unknown market {market}")))?;
    Ok(key)
}

pub async fn health(State(state): State<AppState>) -> Response {
    let db = match state.db.get().await {
        Ok(client) => client.query_one("SELECT 1", &[]).await.is_ok(),
        Err(_) => false,
    };
    let markets = state.hub.status().await.unwrap_or_default();
    let body = json!({
        "status": if db { "ok" } else { "degraded" },
        "database": db,
        "markets": markets.iter().map(|(m, s)| json!({ "market": m.to_string(), "seq": s })).collect::<Vec<_>>(),
    });
    let code = if db {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.render()
}

/// Markets in key order, a page at a time (`limit`, default 100; `after`, the
/// last market of the previous page).
pub async fn markets(State(state): State<AppState>, q: Params) -> ApiResult {
    let Query(p) = q?;
    known(&p, &["limit", "after"])?;
    let limit = int_param(&p, "limit", 100, 1, MAX_PAGE)?;
    let after = match p.get("after") {
        Some(key) => parse_key("after", key)?.to_string(),
        None => String::new(),
    };
    let rows = state
        .db
        .get()
        .await?
        .query(
            "SELECT m.market, base_mint, quote_mint, base_lot_size::text, quote_lot_size::text, tick_size::text,
                 taker_fee_ppm, maker_fee_ppm, status, c.last_seq
             FROM markets m LEFT JOIN ingest_cursor c ON c.market = m.market
             WHERE m.market > $1 ORDER BY m.market LIMIT $2",
            &[&after, &limit],
        )
        .await?;
    let v: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "market": r.get::<_, String>(0),
                "base_mint": r.get::<_, String>(1),
                "quote_mint": r.get::<_, String>(2),
                "base_lot_size": r.get::<_, String>(3),
                "quote_lot_size": r.get::<_, String>(4),
                "tick_size": r.get::<_, String>(5),
                "taker_fee_ppm": r.get::<_, i32>(6),
                "maker_fee_ppm": r.get::<_, i32>(7),
                "status": r.get::<_, i16>(8),
                "last_seq": r.get::<_, Option<i64>>(9),
            })
        })
        .collect();
    let next = (v.len() as i64 == limit)
        .then(|| v.last().map(|m| m["market"].clone()))
        .flatten();
    Ok(Json(json!({ "markets": v, "next_after": next })))
}

pub async fn trades(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult {
    let Query(p) = q?;
    known(&p, &["limit", "before_seq"])?;
    let limit = int_param(&p, "limit", 50, 1, MAX_PAGE)?;
    let before = int_param(&p, "before_seq", i64::MAX, 0, i64::MAX)?;
    market_row(&state, &market).await?;
    let rows = state
        .db
        .get()
        .await?
        .query(
            &format!(
                "SELECT {TRADE_COLUMNS}, taker_fee::text, maker_fee::text
                 FROM fills WHERE market = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
            ),
            &[&market, &before, &limit],
        )
        .await?;
    let v = rows
        .iter()
        .map(|r| {
            let mut t = trade_json(r)?;
            t["taker_fee"] = json!(r.get::<_, String>(11));
            t["maker_fee"] = json!(r.get::<_, String>(12));
            Ok(t)
        })
        .collect::<Result<Vec<Value>, ApiError>>()?;
    let next = (v.len() as i64 == limit)
        .then(|| v.last().map(|t| t["seq"].clone()))
        .flatten();
    Ok(Json(json!({ "trades": v, "next_before_seq": next })))
}

pub async fn depth(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult {
    let Query(p) = q?;
    known(&p, &["levels"])?;
    let levels = int_param(&p, "levels", 50, 1, MAX_PAGE)?;
    market_row(&state, &market).await?;
    let side = |s: i16, order: &'static str| {
        let db = state.db.clone();
        let market = market.clone();
        async move {
            let rows = db
                .get()
                .await?
                .query(
                    &format!(
                        "SELECT price, sum(open_base_lots)::text, count(*) FROM orders
                         WHERE market = $1 AND side = $2 AND status = 'open' AND open_base_lots > 0
                         GROUP BY price ORDER BY price {order} LIMIT $3"
                    ),
                    &[&market, &s, &levels],
                )
                .await?;
            // A level's lots fit a u64: every resting order is backed by
            // tokens in the vault, whose total supply is a u64.
            rows.iter()
                .map(|r| {
                    Ok(json!({ "price": r.get::<_, i64>(0), "base_lots": u64_text(r, 1)?, "orders": r.get::<_, i64>(2) }))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        }
    };
    let seq: Option<i64> = state
        .db
        .get()
        .await?
        .query_opt(
            "SELECT last_seq FROM ingest_cursor WHERE market = $1",
            &[&market],
        )
        .await?
        .map(|r| r.get(0));
    Ok(Json(
        json!({ "market_seq": seq, "bids": side(0, "DESC").await?, "asks": side(1, "ASC").await? }),
    ))
}

pub async fn candles(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult {
    let Query(p) = q?;
    known(&p, &["resolution", "limit", "before"])?;
    let resolution = int_param(&p, "resolution", 60, 1, 86_400)?;
    if !CANDLE_RESOLUTIONS.contains(&resolution) {
        return Err(ApiError::bad(format!(
            "`resolution` must be one of 60, 300, 3600, 86400, got {resolution}"
        )));
    }
    let limit = int_param(&p, "limit", 100, 1, MAX_PAGE)?;
    let before = int_param(&p, "before", i64::MAX, i64::MIN, i64::MAX)?;
    market_row(&state, &market).await?;
    let rows = state
        .db
        .get()
        .await?
        .query(
            "SELECT bucket_start, open, high, low, close, base_lots::text, quote::text, trades FROM candles
             WHERE market = $1 AND resolution = $2 AND bucket_start < $3 ORDER BY bucket_start DESC LIMIT $4",
            &[&market, &(resolution as i32), &before, &limit],
        )
        .await?;
    let v: Vec<Value> = rows
        .iter()
        .rev()
        .map(|r| {
            json!({
                "resolution": resolution,
                "start": r.get::<_, i64>(0),
                "open": r.get::<_, i64>(1),
                "high": r.get::<_, i64>(2),
                "low": r.get::<_, i64>(3),
                "close": r.get::<_, i64>(4),
                "base_lots": r.get::<_, String>(5),
                "quote": r.get::<_, String>(6),
                "trades": r.get::<_, i32>(7),
            })
        })
        .collect();
    Ok(Json(json!({ "candles": v })))
}

async fn trader_id(state: &AppState, market: &str, owner: &str) -> Result<Option<i32>, ApiError> {
    parse_key("owner", owner)?;
    Ok(state
        .db
        .get()
        .await?
        .query_opt(
            "SELECT trader_id FROM traders WHERE market = $1 AND owner = $2 ORDER BY opened_seq DESC LIMIT 1",
            &[&market, &owner],
        )
        .await?
        .map(|r| r.get(0)))
}

pub async fn trader_orders(
    State(state): State<AppState>,
    Path((market, owner)): Path<(String, String)>,
    q: Params,
) -> ApiResult {
    let Query(p) = q?;
    known(&p, &["status", "limit"])?;
    let status = p.get("status").map(String::as_str).unwrap_or("open");
    if !["open", "all"].contains(&status) {
        return Err(ApiError::bad(format!(
            "`status` must be open or all, got {status:?}"
        )));
    }
    let limit = int_param(&p, "limit", 100, 1, MAX_PAGE)?;
    market_row(&state, &market).await?;
    let Some(id) = trader_id(&state, &market, &owner).await? else {
        return Ok(Json(json!({ "trader_id": null, "orders": [] })));
    };
    let rows = state
        .db
        .get()
        .await?
        .query(
            "SELECT order_id, client_order_id::text, side, order_type, price, max_base_lots::text,
                 open_base_lots::text, filled_base_lots::text, status, expiry::text, placed_seq, updated_seq
             FROM orders WHERE market = $1 AND trader_id = $2 AND ($3 = 'all' OR status = 'open')
             ORDER BY order_id DESC LIMIT $4",
            &[&market, &id, &status, &limit],
        )
        .await?;
    let v = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "order_id": r.get::<_, i64>(0),
                "client_order_id": r.get::<_, String>(1),
                "side": side_name(Side::read(r, 2)?),
                "order_type": r.get::<_, i16>(3),
                "price": r.get::<_, i64>(4),
                "max_base_lots": u64_text(r, 5)?,
                "open_base_lots": u64_text(r, 6)?,
                "filled_base_lots": u64_text(r, 7)?,
                "status": r.get::<_, String>(8),
                "expiry": u64_text(r, 9)?,
                "placed_seq": r.get::<_, i64>(10),
                "updated_seq": r.get::<_, i64>(11),
            }))
        })
        .collect::<Result<Vec<Value>, ApiError>>()?;
    Ok(Json(json!({ "trader_id": id, "orders": v })))
}

pub async fn trader_balances(
    State(state): State<AppState>,
    Path((market, owner)): Path<(String, String)>,
) -> ApiResult {
    market_row(&state, &market).await?;
    let Some(id) = trader_id(&state, &market, &owner).await? else {
        return Err(ApiError::not_found(format!(
            "{owner} has no trader account on {market}"
        )));
    };
    let r = state
        .db
        .get()
        .await?
        .query_opt(
            "SELECT base_free::text, base_locked::text, quote_free::text, quote_locked::text, open_orders, as_of_seq
             FROM balances WHERE market = $1 AND trader_id = $2",
            &[&market, &id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no balances indexed for {owner} on {market}")))?;
    Ok(Json(json!({
        "trader_id": id,
        "base_free": r.get::<_, String>(0),
        "base_locked": r.get::<_, String>(1),
        "quote_free": r.get::<_, String>(2),
        "quote_locked": r.get::<_, String>(3),
        "open_orders": r.get::<_, i32>(4),
        "as_of_seq": r.get::<_, i64>(5),
    })))
}
