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
use crate::db;
use crate::feed::AppState;
use crate::feed::json;
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
    if !db::markets::exists(&**state.db.get().await?, market).await? {
        return Err(ApiError::not_found(format!("unknown market {market}")));
    }
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
    let rows = db::markets::page(&**state.db.get().await?, &after, limit).await?;
    let v: Vec<Value> = rows
        .iter()
        .map(|m| {
            json!({
                "market": m.market,
                "base_mint": m.base_mint,
                "quote_mint": m.quote_mint,
                "base_decimals": m.base_decimals,
                "quote_decimals": m.quote_decimals,
                "base_lot_size": m.base_lot_size.to_string(),
                "quote_lot_size": m.quote_lot_size.to_string(),
                "tick_size": m.tick_size.to_string(),
                "taker_fee_ppm": m.taker_fee_ppm,
                "maker_fee_ppm": m.maker_fee_ppm,
                "status": m.status,
                "last_seq": m.last_seq,
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
    let trades = db::fills::before(&**state.db.get().await?, &market, before, limit).await?;
    let v: Vec<Value> = trades.iter().map(json::trade).collect();
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
    let conn = state.db.get().await?;
    let side = async |side: Side| -> Result<Vec<Value>, ApiError> {
        let levels = db::orders::depth(&**conn, &market, side, levels).await?;
        Ok(levels
            .iter()
            .map(|l| json::level(l.price_ticks, l.base_lots, l.orders))
            .collect())
    };
    let seq = db::cursor::last_seq(&**conn, &market).await?;
    Ok(Json(
        json!({ "market_seq": seq, "bids": side(Side::Bid).await?, "asks": side(Side::Ask).await? }),
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
    let candles =
        db::candles::before(&**state.db.get().await?, &market, resolution, before, limit).await?;
    let v: Vec<Value> = candles
        .iter()
        .map(|((resolution, start), candle)| json::candle(*resolution, *start, candle))
        .collect();
    Ok(Json(json!({ "candles": v })))
}

async fn trader_id(state: &AppState, market: &str, owner: &str) -> Result<Option<i32>, ApiError> {
    parse_key("owner", owner)?;
    Ok(db::traders::id_of(&**state.db.get().await?, market, owner).await?)
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
    let orders = db::orders::of_trader(
        &**state.db.get().await?,
        &market,
        id,
        status == "all",
        limit,
    )
    .await?;
    let v: Vec<Value> = orders
        .iter()
        .map(|o| {
            json!({
                "order_id": o.order_id.to_string(),
                "client_order_id": o.client_order_id.to_string(),
                "side": side_name(o.side),
                "order_type": o.order_type.code(),
                "price": o.price_ticks.to_string(),
                "max_base_lots": o.max_base_lots.to_string(),
                "open_base_lots": o.open_base_lots.to_string(),
                "filled_base_lots": o.filled_base_lots.to_string(),
                "status": o.status,
                "expiry": o.expiry,
                "placed_seq": o.placed_seq,
                "updated_seq": o.updated_seq,
            })
        })
        .collect();
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
    let (balances, as_of_seq) = db::balances::of_trader(&**state.db.get().await?, &market, id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("no balances indexed for {owner} on {market}"))
        })?;
    Ok(Json(json!({
        "trader_id": id,
        "base_free": balances.base_free.to_string(),
        "base_locked": balances.base_locked.to_string(),
        "quote_free": balances.quote_free.to_string(),
        "quote_locked": balances.quote_locked.to_string(),
        "open_orders": balances.open_orders,
        "as_of_seq": as_of_seq,
    })))
}
