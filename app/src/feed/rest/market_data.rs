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

use super::{ApiError, ApiResult, parse_key};
use crate::db;
use crate::feed::AppState;
use crate::feed::view::auction::{Auction, RECENT_CLEARS};
use crate::feed::wire::{
    self, CandlesData, Depth, Health, HealthStatus, MarketCapacity, MarketRow, MarketSeq,
    MarketStatusName, MarketsPage, SideCounts, TraderBalances, TraderOrder, TraderOrders,
    TradesPage, U64Text,
};
use crate::model::CANDLE_RESOLUTIONS;

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
    let body = Health {
        status: if db {
            HealthStatus::Ok
        } else {
            HealthStatus::Degraded
        },
        database: db,
        markets: markets
            .iter()
            .map(|(m, seq)| MarketSeq {
                market: m.to_string(),
                seq: *seq,
            })
            .collect(),
    };
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

/// A count the database holds as a non-negative u32, or 503 naming it.
fn count(what: &str, value: i64) -> Result<u32, ApiError> {
    u32::try_from(value).map_err(|_| {
        tracing::error!(column = what, value, "a market count is out of range");
        ApiError::unavailable("the database holds a market capacity this server cannot serve")
    })
}

/// Markets in key order, a page at a time (`limit`, default 100; `after`, the
/// last market of the previous page).
pub async fn markets(State(state): State<AppState>, q: Params) -> ApiResult<MarketsPage> {
    let Query(p) = q?;
    known(&p, &["limit", "after"])?;
    let limit = int_param(&p, "limit", 100, 1, MAX_PAGE)?;
    let after = match p.get("after") {
        Some(key) => parse_key("after", key)?.to_string(),
        None => String::new(),
    };
    let rows = db::markets::page(&**state.db.get().await?, &after, limit).await?;
    let markets = rows
        .into_iter()
        .map(|m| {
            let status = MarketStatusName::of_code(m.status).ok_or_else(|| {
                tracing::error!(market = %m.market, code = m.status, "markets.status holds an unknown code");
                ApiError::unavailable("the database holds a market status this server does not know")
            })?;
            Ok(MarketRow {
                market: m.market,
                base_mint: m.base_mint,
                quote_mint: m.quote_mint,
                base_decimals: m.base_decimals,
                quote_decimals: m.quote_decimals,
                base_symbol: m.base_symbol,
                quote_symbol: m.quote_symbol,
                base_lot_size: U64Text(m.base_lot_size),
                quote_lot_size: U64Text(m.quote_lot_size),
                tick_size: U64Text(m.tick_size),
                taker_fee_ppm: m.taker_fee_ppm,
                maker_fee_ppm: m.maker_fee_ppm,
                status,
                last_seq: m.last_seq,
                capacity: MarketCapacity {
                    bids: count("bids_capacity", m.bids_capacity.into())?,
                    asks: count("asks_capacity", m.asks_capacity.into())?,
                    event_queue: count("event_capacity", m.event_capacity.into())?,
                },
                resting: SideCounts {
                    bids: count("open bids", m.bids_resting)?,
                    asks: count("open asks", m.asks_resting)?,
                },
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let next_after = (markets.len() as i64 == limit)
        .then(|| markets.last().map(|m| m.market.clone()))
        .flatten();
    Ok(Json(MarketsPage {
        markets,
        next_after,
    }))
}

pub async fn trades(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult<TradesPage> {
    let Query(p) = q?;
    known(&p, &["limit", "before_seq"])?;
    let limit = int_param(&p, "limit", 50, 1, MAX_PAGE)?;
    let before = int_param(&p, "before_seq", i64::MAX, 0, i64::MAX)?;
    market_row(&state, &market).await?;
    let trades = db::fills::before(&**state.db.get().await?, &market, before, limit).await?;
    let trades: Vec<wire::Trade> = trades.iter().map(wire::Trade::from).collect();
    let next_before_seq = (trades.len() as i64 == limit)
        .then(|| trades.last().map(|t| t.seq))
        .flatten();
    Ok(Json(TradesPage {
        trades,
        next_before_seq,
    }))
}

pub async fn depth(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult<Depth> {
    let Query(p) = q?;
    known(&p, &["levels"])?;
    let levels = int_param(&p, "levels", 50, 1, MAX_PAGE)?;
    market_row(&state, &market).await?;
    let conn = state.db.get().await?;
    let side = async |side: Side| -> Result<Vec<wire::Level>, ApiError> {
        let levels = db::orders::depth(&**conn, &market, side, levels).await?;
        Ok(levels
            .iter()
            .map(|l| wire::Level {
                price: U64Text(l.price_ticks),
                base_lots: U64Text(l.base_lots),
                orders: l.orders,
            })
            .collect())
    };
    let market_seq = db::cursor::last_seq(&**conn, &market).await?;
    Ok(Json(Depth {
        market_seq,
        bids: side(Side::Bid).await?,
        asks: side(Side::Ask).await?,
    }))
}

/// A sealed batch market's clock, open batches and recent clears, as the
/// `auction` channel's snapshot (`clock` null: a continuous market).
pub async fn auction(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult<wire::AuctionSnapshot> {
    let Query(p) = q?;
    known(&p, &[])?;
    market_row(&state, &market).await?;
    let conn = state.db.get().await?;
    let view = Auction::load(
        db::batches::clock(&**conn, &market).await?,
        db::batches::open(&**conn, &market).await?,
        db::batches::recent_clears(&**conn, &market, RECENT_CLEARS as i64).await?,
    );
    Ok(Json(view.snapshot()))
}

/// `GET /api/markets/{m}/batches/{batch}/entries/{entry}`: one batch
/// entry's kind and its batch's clear.
pub async fn batch_entry(
    State(state): State<AppState>,
    Path((market, batch, entry)): Path<(String, String, String)>,
    q: Params,
) -> ApiResult<wire::BatchEntryState> {
    let Query(p) = q?;
    known(&p, &[])?;
    let batch: u64 = batch
        .parse()
        .map_err(|_| ApiError::bad("`batch` is a batch number (a u64)"))?;
    let entry: u32 = entry
        .parse()
        .map_err(|_| ApiError::bad("`entry` is a batch account entry index (a u32)"))?;
    market_row(&state, &market).await?;
    let conn = state.db.get().await?;
    let (kind, clear) = db::batches::entry_with_clear(&**conn, &market, batch, entry)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("batch {batch} of {market} has no entry {entry}"))
        })?;
    Ok(Json(wire::BatchEntryState {
        batch,
        entry,
        kind,
        clear: clear.as_ref().map(crate::feed::view::auction::clear_of),
    }))
}

pub async fn candles(
    State(state): State<AppState>,
    Path(market): Path<String>,
    q: Params,
) -> ApiResult<CandlesData> {
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
    let candles = candles
        .iter()
        .map(|((resolution, start), candle)| wire::Candle::new(*resolution, *start, candle))
        .collect();
    Ok(Json(CandlesData { candles }))
}

async fn trader_id(state: &AppState, market: &str, owner: &str) -> Result<Option<i32>, ApiError> {
    parse_key("owner", owner)?;
    Ok(db::traders::id_of(&**state.db.get().await?, market, owner).await?)
}

pub async fn trader_orders(
    State(state): State<AppState>,
    Path((market, owner)): Path<(String, String)>,
    q: Params,
) -> ApiResult<TraderOrders> {
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
        return Ok(Json(TraderOrders {
            trader_id: None,
            orders: Vec::new(),
        }));
    };
    let orders = db::orders::of_trader(
        &**state.db.get().await?,
        &market,
        id,
        status == "all",
        limit,
    )
    .await?;
    let orders = orders
        .iter()
        .map(|o| TraderOrder {
            // Written from u64s (`model::i64_of`), so never negative.
            order_id: U64Text(o.order_id as u64),
            client_order_id: U64Text(o.client_order_id),
            side: o.side.into(),
            order_type: o.order_type.into(),
            price: U64Text(o.price_ticks as u64),
            max_base_lots: U64Text(o.max_base_lots),
            open_base_lots: U64Text(o.open_base_lots),
            filled_base_lots: U64Text(o.filled_base_lots),
            status: o.status,
            expiry: o.expiry,
            placed_seq: o.placed_seq,
            updated_seq: o.updated_seq,
        })
        .collect();
    Ok(Json(TraderOrders {
        trader_id: Some(id),
        orders,
    }))
}

pub async fn trader_balances(
    State(state): State<AppState>,
    Path((market, owner)): Path<(String, String)>,
) -> ApiResult<TraderBalances> {
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
    Ok(Json(TraderBalances {
        trader_id: id,
        base_free: U64Text(balances.base_free),
        base_locked: U64Text(balances.base_locked),
        quote_free: U64Text(balances.quote_free),
        quote_locked: U64Text(balances.quote_locked),
        open_orders: balances.open_orders,
        as_of_seq,
    }))
}
