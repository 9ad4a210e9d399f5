//! Every message the feed sends or accepts, as a type: REST responses,
//! WebSocket channel messages and control messages, WebSocket requests.
//! `docs/feed-protocol.md` documents them; the TypeScript declarations in
//! `clients/ts/src/feedWire.ts` are generated from these types (see
//! [`typescript`]), and a test fails when the committed file differs, so a
//! change here fails the TypeScript build until the client follows.
//!
//! Every quantity a JavaScript number could round travels as a decimal
//! string ([`U64Text`], [`I64Text`], [`U128Text`]; TypeScript type
//! `` `${bigint}` ``): prices (ticks), sizes (lots), atoms, fees, volumes and
//! order ids, whose high bits hold the price (docs/feed-protocol.md#numbers).
//! Counters that stay below 2^53 (`seq`, `slot`, `block_time`, counts,
//! trader ids) are JSON numbers. Enums travel by name.

use std::fmt;

use orderbook::types::{MarketStatus, OrderType, Side};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use ts_rs::TS;

use crate::model::{self, OrderStatus};

/// A decimal string of an integer: what [`U64Text`] and its kin serialise to.
fn as_text<S: Serializer>(value: &impl fmt::Display, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

macro_rules! integer_text {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, TS)]
        #[ts(type = "`${bigint}`")]
        pub struct $name(pub $int);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                as_text(&self.0, serializer)
            }
        }
    };
}

integer_text!(
    /// A u64 as a decimal string.
    U64Text(u64)
);
integer_text!(
    /// An i64 as a decimal string (a maker rebate is negative).
    I64Text(i64)
);
integer_text!(
    /// A u128 as a decimal string (a candle's summed volume).
    U128Text(u128)
);

/// A side by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SideName {
    Bid,
    Ask,
}

impl From<Side> for SideName {
    fn from(side: Side) -> Self {
        match side {
            Side::Bid => Self::Bid,
            Side::Ask => Self::Ask,
        }
    }
}

impl From<SideName> for Side {
    fn from(side: SideName) -> Self {
        match side {
            SideName::Bid => Side::Bid,
            SideName::Ask => Side::Ask,
        }
    }
}

/// An order type by name, in wallet requests and in a trader's orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrderTypeName {
    #[default]
    Limit,
    PostOnly,
    PostOnlySlide,
    Ioc,
    Fok,
    Market,
}

impl From<OrderTypeName> for OrderType {
    fn from(order_type: OrderTypeName) -> Self {
        match order_type {
            OrderTypeName::Limit => OrderType::Limit,
            OrderTypeName::PostOnly => OrderType::PostOnly,
            OrderTypeName::PostOnlySlide => OrderType::PostOnlySlide,
            OrderTypeName::Ioc => OrderType::ImmediateOrCancel,
            OrderTypeName::Fok => OrderType::FillOrKill,
            OrderTypeName::Market => OrderType::Market,
        }
    }
}

impl From<OrderType> for OrderTypeName {
    fn from(order_type: OrderType) -> Self {
        match order_type {
            OrderType::Limit => Self::Limit,
            OrderType::PostOnly => Self::PostOnly,
            OrderType::PostOnlySlide => Self::PostOnlySlide,
            OrderType::ImmediateOrCancel => Self::Ioc,
            OrderType::FillOrKill => Self::Fok,
            OrderType::Market => Self::Market,
        }
    }
}

/// A market's status by name; `deleted` once its accounts are closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MarketStatusName {
    Active,
    PostOnly,
    Paused,
    Closed,
    Deleted,
}

impl MarketStatusName {
    /// The `markets.status` column: the program's `MarketStatus` code, or
    /// [`model::MARKET_DELETED_STATUS`]; `None` for a code neither has.
    pub fn of_code(code: i16) -> Option<Self> {
        if code == model::MARKET_DELETED_STATUS {
            return Some(Self::Deleted);
        }
        let status = <MarketStatus as model::StoredEnum>::from_code(code)?;
        Some(match status {
            MarketStatus::Active => Self::Active,
            MarketStatus::PostOnly => Self::PostOnly,
            MarketStatus::Paused => Self::Paused,
            MarketStatus::Closed => Self::Closed,
        })
    }
}

// ---- market data, on channels and in REST responses alike ----

/// A resting order (L3 snapshots, account snapshots, `base_lots` still open).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BookOrder {
    pub order_id: U64Text,
    pub side: SideName,
    pub price: U64Text,
    pub trader_id: u32,
    pub base_lots: U64Text,
}

impl From<&model::BookOrder> for BookOrder {
    fn from(order: &model::BookOrder) -> Self {
        Self {
            order_id: U64Text(order.order_id),
            side: order.side.into(),
            price: U64Text(order.price_ticks),
            trader_id: order.trader_id,
            base_lots: U64Text(order.base_lots),
        }
    }
}

/// An order's new state on the L3 and account channels (`base_lots` 0: it left the book).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct OrderUpdate {
    #[serde(flatten)]
    pub order: BookOrder,
    pub status: OrderStatus,
}

/// A price level in an L2 snapshot or the depth endpoint (its side is the list it is in).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Level {
    pub price: U64Text,
    pub base_lots: U64Text,
    /// Orders resting at the level.
    pub orders: u32,
}

/// A price level's new totals in an L2 delta (0 orders: gone).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct LevelChange {
    pub side: SideName,
    #[serde(flatten)]
    pub level: Level,
}

/// A fill.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Trade {
    #[ts(type = "number")]
    pub seq: u64,
    pub price: U64Text,
    pub base_lots: U64Text,
    pub quote: U64Text,
    pub taker_side: SideName,
    pub maker_order_id: U64Text,
    pub taker_order_id: U64Text,
    pub maker_trader_id: u32,
    pub taker_trader_id: u32,
    pub taker_fee: U64Text,
    /// Negative: a rebate.
    pub maker_fee: I64Text,
    #[ts(type = "number")]
    pub slot: u64,
    #[ts(type = "number | null")]
    pub block_time: Option<i64>,
}

impl From<&model::Trade> for Trade {
    fn from(t: &model::Trade) -> Self {
        Self {
            seq: t.seq,
            price: U64Text(t.price_ticks),
            base_lots: U64Text(t.base_lots),
            quote: U64Text(t.quote_atoms),
            taker_side: t.taker_side.into(),
            maker_order_id: U64Text(t.maker_order_id),
            taker_order_id: U64Text(t.taker_order_id),
            maker_trader_id: t.maker_trader_id,
            taker_trader_id: t.taker_trader_id,
            taker_fee: U64Text(t.taker_fee),
            maker_fee: I64Text(t.maker_fee),
            slot: t.slot,
            block_time: t.block_time,
        }
    }
}

/// One bucket of `resolution` seconds starting at `start` (unix seconds).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Candle {
    #[ts(type = "number")]
    pub resolution: i64,
    #[ts(type = "number")]
    pub start: i64,
    pub open: I64Text,
    pub high: I64Text,
    pub low: I64Text,
    pub close: I64Text,
    pub base_lots: U128Text,
    pub quote: U128Text,
    #[ts(type = "number")]
    pub trades: i64,
}

impl Candle {
    pub fn new(resolution: i64, start: i64, c: &model::Candle) -> Self {
        Self {
            resolution,
            start,
            open: I64Text(c.open),
            high: I64Text(c.high),
            low: I64Text(c.low),
            close: I64Text(c.close),
            base_lots: U128Text(c.base_lots),
            quote: U128Text(c.quote),
            trades: c.trades,
        }
    }
}

/// A trader's balances in atoms, as last read from its account.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Balances {
    pub trader_id: u32,
    pub base_free: U64Text,
    pub base_locked: U64Text,
    pub quote_free: U64Text,
    pub quote_locked: U64Text,
    pub open_orders: u32,
    /// The trader account is closed.
    pub closed: bool,
}

impl From<&model::BalanceRow> for Balances {
    fn from(row: &model::BalanceRow) -> Self {
        Self {
            trader_id: row.trader_id,
            base_free: U64Text(row.base_free),
            base_locked: U64Text(row.base_locked),
            quote_free: U64Text(row.quote_free),
            quote_locked: U64Text(row.quote_locked),
            open_orders: row.open_orders,
            closed: row.closed,
        }
    }
}

// ---- WebSocket: what each channel's `data` holds ----

/// `trades`: a snapshot's recent trades, or a delta's new ones.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TradesData {
    pub trades: Vec<Trade>,
}

/// `l2` snapshot: both sides, best first. Also `GET …/depth` with `market_seq`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct L2Snapshot {
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// `l2` delta: the levels that changed.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct L2Delta {
    pub levels: Vec<LevelChange>,
}

/// `l3` snapshot: every resting order.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct L3Snapshot {
    pub orders: Vec<BookOrder>,
}

/// `l3` delta: the orders that changed.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct L3Delta {
    pub orders: Vec<OrderUpdate>,
}

/// `candles` of one resolution; also `GET …/candles`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct CandlesData {
    pub candles: Vec<Candle>,
}

/// `account` snapshot: an owner's resting orders and balances (`trader_id`
/// null: no trader account yet).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AccountSnapshot {
    pub trader_id: Option<u32>,
    pub orders: Vec<BookOrder>,
    pub balances: Option<Balances>,
}

/// `account` delta: the owner's orders that changed, and its balances when
/// they were refreshed.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AccountDelta {
    pub trader_id: u32,
    pub orders: Vec<OrderUpdate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub balances: Option<Balances>,
}

/// A sealed batch market's clock (docs/batch-auction.md): batch `k`
/// commits from `start_slot + k × commit_slots` for `commit_slots` slots,
/// waits `grace_slots`, reveals for `reveal_slots`, then may be cleared. A
/// client computes the phase and countdown from it and the node's slot.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchClock {
    pub batch_account: String,
    #[ts(type = "number")]
    pub start_slot: u64,
    pub commit_slots: u16,
    pub grace_slots: u16,
    pub reveal_slots: u16,
    pub entries_per_batch: u32,
    pub entries_per_trader: u16,
    pub bond_lamports: U64Text,
    pub commit_fee_lamports: U64Text,
}

/// A batch not yet cleared: what it holds so far (a sealed order shows
/// only that it exists until its reveal).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct OpenBatch {
    #[ts(type = "number")]
    pub batch: u64,
    /// Sealed orders, revealed or not.
    pub commitments: u32,
    pub revealed: u32,
    pub posts: u32,
    pub cancels: u32,
}

/// A batch's clear: one price for every fill (`price` null: nothing crossed).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchClear {
    #[ts(type = "number")]
    pub batch: u64,
    pub price: Option<U64Text>,
    pub volume_base_lots: U64Text,
    pub revealed: u32,
    /// Commitments never revealed: their bonds were forfeited.
    pub forfeited: u32,
    /// The market event of the clear.
    #[ts(type = "number")]
    pub seq: u64,
}

/// One batch account entry as the indexer holds it (`GET
/// /api/markets/{m}/batches/{batch}/entries/{entry}`): a wallet that was
/// away learns whether its sealed order was revealed (by a keeper, for an
/// encrypted one) and how its batch cleared.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct BatchEntryState {
    #[ts(type = "number")]
    pub batch: u64,
    pub entry: u32,
    /// `committed` (never revealed: forfeited once cleared), `revealed`,
    /// `post` or `cancel`.
    pub kind: String,
    /// Its batch's clear, once cleared.
    pub clear: Option<BatchClear>,
}

/// `auction` snapshot: the clock (null: not a batch market), the batches
/// not yet cleared that hold entries, the recent clears (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AuctionSnapshot {
    pub clock: Option<BatchClock>,
    pub open: Vec<OpenBatch>,
    pub cleared: Vec<BatchClear>,
}

/// `auction` delta: open batches whose counts changed, and new clears (a
/// cleared batch leaves the open ones).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct AuctionDelta {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub clock: Option<BatchClock>,
    pub open: Vec<OpenBatch>,
    pub cleared: Vec<BatchClear>,
}

/// A channel message's `data`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(untagged)]
pub enum ChannelData {
    Trades(TradesData),
    L2Snapshot(L2Snapshot),
    L2Delta(L2Delta),
    L3Snapshot(L3Snapshot),
    L3Delta(L3Delta),
    Candles(CandlesData),
    AccountSnapshot(AccountSnapshot),
    AccountDelta(AccountDelta),
    AuctionSnapshot(AuctionSnapshot),
    AuctionDelta(AuctionDelta),
}

/// A channel by name, in requests and messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChannelName {
    Trades,
    L2,
    L3,
    Account,
    Candles,
    /// A sealed batch market's batches (issue 25).
    Auction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Snapshot,
    Delta,
}

/// A snapshot or a delta of one channel (docs/feed-protocol.md#snapshot-then-deltas).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ChannelMessage {
    #[serde(rename = "type")]
    pub kind: MessageKind,
    pub market: String,
    pub channel: ChannelName,
    /// `account` channels: the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub owner: Option<String>,
    /// `candles` channels: seconds per bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub resolution: Option<i64>,
    /// The market events this message's state reflects.
    #[ts(type = "number")]
    pub seq: u64,
    /// Deltas: the `seq` of the channel's previous message.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub prev_seq: Option<u64>,
    /// The last market event reflected (`seq` − 1; null before any).
    #[ts(type = "number | null")]
    pub market_seq: Option<u64>,
    pub data: ChannelData,
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FeedErrorCode {
    BadRequest,
    UnknownChannel,
    UnknownMarket,
    AlreadySubscribed,
    NotSubscribed,
    TooManySubscriptions,
    RateLimited,
}

/// Every WebSocket message that is not a channel's: answers to requests and
/// the heartbeat. `request` echoes the client's request as sent.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlMessage {
    Error {
        code: FeedErrorCode,
        message: String,
        #[ts(type = "unknown")]
        request: Value,
    },
    Unsubscribed {
        #[ts(type = "unknown")]
        request: Value,
    },
    Pong {
        #[ts(type = "unknown")]
        request: Value,
    },
    Heartbeat {
        #[ts(type = "number")]
        time_ms: u64,
    },
}

/// A client's WebSocket request. `channel` and the keys stay text here so
/// that a bad one is refused with its own code (`unknown_channel`).
#[derive(Clone, Debug, PartialEq, Deserialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientRequest {
    Subscribe(ChannelRequest),
    Unsubscribe(ChannelRequest),
    Ping,
}

/// Which channel a request names.
#[derive(Clone, Debug, PartialEq, Deserialize, TS)]
pub struct ChannelRequest {
    pub market: String,
    #[ts(type = "ChannelName")]
    pub channel: String,
    /// `account`: the owner.
    #[ts(optional)]
    pub owner: Option<String>,
    /// `candles`: 60, 300, 3600 or 86400.
    #[ts(optional, type = "number")]
    pub resolution: Option<i64>,
}

// ---- REST responses ----

/// `GET /health`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Health {
    pub status: HealthStatus,
    pub database: bool,
    pub markets: Vec<MarketSeq>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Degraded,
}

/// A market served and the last event applied.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MarketSeq {
    pub market: String,
    #[ts(type = "number | null")]
    pub seq: Option<u64>,
}

/// `GET /api/markets`: a page in key order.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MarketsPage {
    pub markets: Vec<MarketRow>,
    /// The `after` of the next page; null on the last.
    pub next_after: Option<String>,
}

/// A market as indexed.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct MarketRow {
    pub market: String,
    pub base_mint: String,
    pub quote_mint: String,
    /// Null for markets indexed before the mints' decimals were recorded.
    pub base_decimals: Option<i16>,
    pub quote_decimals: Option<i16>,
    /// The mints' symbols from their Token-2022 metadata; null when a mint
    /// names none (an SPL Token mint): show its address instead.
    pub base_symbol: Option<String>,
    pub quote_symbol: Option<String>,
    pub base_lot_size: U64Text,
    pub quote_lot_size: U64Text,
    pub tick_size: U64Text,
    pub taker_fee_ppm: i32,
    /// Negative: a rebate.
    pub maker_fee_ppm: i32,
    pub status: MarketStatusName,
    #[ts(type = "number | null")]
    pub last_seq: Option<i64>,
    /// What each part can hold now (`grow_market` raises it).
    pub capacity: MarketCapacity,
    /// Orders resting on each side now, as indexed: with `capacity`, how
    /// full a side is.
    pub resting: SideCounts,
}

/// Orders each book side can hold and events the queue can.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, TS)]
pub struct MarketCapacity {
    pub bids: u32,
    pub asks: u32,
    pub event_queue: u32,
}

/// A number per book side.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, TS)]
pub struct SideCounts {
    pub bids: u32,
    pub asks: u32,
}

/// `GET /api/markets/{m}/trades`: newest first.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TradesPage {
    pub trades: Vec<Trade>,
    /// The `before_seq` of the next page; null on the last.
    #[ts(type = "number | null")]
    pub next_before_seq: Option<u64>,
}

/// `GET /api/markets/{m}/depth`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct Depth {
    #[ts(type = "number | null")]
    pub market_seq: Option<u64>,
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
}

/// `GET /api/markets/{m}/traders/{owner}/orders`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TraderOrders {
    /// Null: the owner has no trader account on the market.
    pub trader_id: Option<i32>,
    pub orders: Vec<TraderOrder>,
}

/// An order of a trader, open or past.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TraderOrder {
    pub order_id: U64Text,
    pub client_order_id: U64Text,
    pub side: SideName,
    pub order_type: OrderTypeName,
    pub price: U64Text,
    pub max_base_lots: U64Text,
    pub open_base_lots: U64Text,
    pub filled_base_lots: U64Text,
    pub status: OrderStatus,
    /// Unix seconds; 0: none.
    #[ts(type = "number")]
    pub expiry: u64,
    #[ts(type = "number")]
    pub placed_seq: i64,
    #[ts(type = "number")]
    pub updated_seq: i64,
}

/// `GET /api/markets/{m}/traders/{owner}/balances`.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TraderBalances {
    pub trader_id: i32,
    pub base_free: U64Text,
    pub base_locked: U64Text,
    pub quote_free: U64Text,
    pub quote_locked: U64Text,
    pub open_orders: u32,
    #[ts(type = "number")]
    pub as_of_seq: i64,
}

/// A transaction for a wallet to sign and send (`POST /api/tx/*`).
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct WalletTransaction {
    /// Base64 of its bincode.
    pub transaction: String,
    pub encoding: TransactionEncoding,
    pub blockhash: String,
    pub fee_payer: String,
    /// Every key that must sign it, the owner's first.
    pub signers: Vec<String>,
    /// Instructions it holds.
    pub instructions: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TransactionEncoding {
    Base64,
}

/// `POST /api/faucet`: the grant's transaction, signed by the mint authority.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct FaucetGrant {
    #[serde(flatten)]
    pub transaction: WalletTransaction,
    pub base: TokenGrant,
    pub quote: TokenGrant,
}

/// What one token's grant mints, and to which account.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct TokenGrant {
    pub wallet: String,
    pub amount: U64Text,
}

/// `GET /api/config`: what the web app needs to know about this server.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ServerConfig {
    pub program_id: String,
    pub rpc_url: Option<String>,
    pub ws_url: Option<String>,
    /// The drand beacon the page encrypts sealed orders to (issue 26).
    pub beacon_url: Option<String>,
    pub faucet: Option<FaucetConfigInfo>,
}

/// The faucet's authority and what one grant mints.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct FaucetConfigInfo {
    pub authority: String,
    /// The markets it mints test tokens for (the local demo's live ones).
    pub markets: Vec<String>,
    pub base_tokens: U64Text,
    pub quote_tokens: U64Text,
}

/// Every REST error: `{"error": {"code", "message"}}` with the HTTP status.
#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, TS)]
pub struct ErrorDetail {
    pub code: ApiErrorCode,
    pub message: String,
}

/// What kind of REST error (the HTTP status says it too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorCode {
    /// 400: the request is wrong; the message says where.
    BadRequest,
    /// 404.
    NotFound,
    /// 429: over a rate limit or the faucet's quota.
    RateLimited,
    /// 429: the feed is at its WebSocket connection limit.
    ServerFull,
    /// 429: too many WebSocket connections from this address.
    TooManyConnections,
    /// 503: the database or the chain cannot be reached.
    Unavailable,
}

/// The TypeScript declarations of every type above, in dependency order,
/// as `clients/ts/src/feedWire.ts` holds them.
pub fn typescript() -> String {
    let config = ts_rs::Config::default();
    let decls = [
        U64Text::decl(&config),
        I64Text::decl(&config),
        U128Text::decl(&config),
        SideName::decl(&config),
        OrderTypeName::decl(&config),
        MarketStatusName::decl(&config),
        OrderStatus::decl(&config),
        BookOrder::decl(&config),
        OrderUpdate::decl(&config),
        Level::decl(&config),
        LevelChange::decl(&config),
        Trade::decl(&config),
        Candle::decl(&config),
        Balances::decl(&config),
        TradesData::decl(&config),
        L2Snapshot::decl(&config),
        L2Delta::decl(&config),
        L3Snapshot::decl(&config),
        L3Delta::decl(&config),
        CandlesData::decl(&config),
        AccountSnapshot::decl(&config),
        AccountDelta::decl(&config),
        BatchClock::decl(&config),
        OpenBatch::decl(&config),
        BatchClear::decl(&config),
        AuctionSnapshot::decl(&config),
        AuctionDelta::decl(&config),
        BatchEntryState::decl(&config),
        ChannelData::decl(&config),
        ChannelName::decl(&config),
        MessageKind::decl(&config),
        ChannelMessage::decl(&config),
        FeedErrorCode::decl(&config),
        ControlMessage::decl(&config),
        ClientRequest::decl(&config),
        ChannelRequest::decl(&config),
        Health::decl(&config),
        HealthStatus::decl(&config),
        MarketSeq::decl(&config),
        MarketsPage::decl(&config),
        MarketCapacity::decl(&config),
        SideCounts::decl(&config),
        MarketRow::decl(&config),
        TradesPage::decl(&config),
        Depth::decl(&config),
        TraderOrders::decl(&config),
        TraderOrder::decl(&config),
        TraderBalances::decl(&config),
        WalletTransaction::decl(&config),
        TransactionEncoding::decl(&config),
        FaucetGrant::decl(&config),
        TokenGrant::decl(&config),
        ServerConfig::decl(&config),
        FaucetConfigInfo::decl(&config),
        ErrorBody::decl(&config),
        ErrorDetail::decl(&config),
        ApiErrorCode::decl(&config),
    ];
    let mut out = String::from(
        "// Generated from app/src/feed/wire.rs by `ORDERBOOK_WRITE_TS=1 cargo test -p orderbook-app --lib wire`; do not edit.\n\
         // The feed's wire format (docs/feed-protocol.md): quantities are decimal strings,\n\
         // parsed to bigint by ./feed.ts.\n",
    );
    for decl in decls {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../clients/ts/src/feedWire.ts");
    const SAMPLES_PATH: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../clients/ts/test/fixtures/feed-wire.json"
    );

    /// `path` holds `generated`; with `ORDERBOOK_WRITE_TS` set it is rewritten first.
    fn assert_committed(path: &str, generated: &str) {
        if std::env::var_os("ORDERBOOK_WRITE_TS").is_some() {
            std::fs::write(path, generated).expect("writing the generated file");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "{path} is not what app/src/feed/wire.rs declares: run \
             `ORDERBOOK_WRITE_TS=1 cargo test -p orderbook-app --lib wire` and fix the TypeScript that no longer compiles"
        );
    }

    /// The committed TypeScript declarations are these types'.
    #[test]
    fn typescript_declarations_are_current() {
        assert_committed(TS_PATH, &typescript());
    }

    /// One message of each data type at the edges of its ranges, which the
    /// TypeScript client's tests parse (`clients/ts/test/feed.test.ts`).
    #[test]
    fn samples_for_the_typescript_tests_are_current() {
        let order = BookOrder {
            order_id: U64Text(u64::MAX),
            side: SideName::Ask,
            price: U64Text(1 << 53 | 1),
            trader_id: 7,
            base_lots: U64Text(3),
        };
        let level = Level {
            price: U64Text(u64::MAX),
            base_lots: U64Text(1 << 60),
            orders: 2,
        };
        let samples = serde_json::json!({
            "book_order": order,
            "order_update": OrderUpdate { order: order.clone(), status: OrderStatus::SelfTrade },
            "level": level,
            "level_change": LevelChange { side: SideName::Bid, level: level.clone() },
            "trade": Trade {
                seq: 9,
                price: U64Text(u64::MAX),
                base_lots: U64Text(1),
                quote: U64Text(u64::MAX - 1),
                taker_side: SideName::Bid,
                maker_order_id: U64Text(1 << 63),
                taker_order_id: U64Text(2),
                maker_trader_id: 1,
                taker_trader_id: 2,
                taker_fee: U64Text(5),
                maker_fee: I64Text(i64::MIN),
                slot: 100,
                block_time: Some(1_700_000_000),
            },
            "candle": Candle::new(60, 120, &model::Candle {
                open: i64::MAX,
                high: i64::MAX,
                low: 1,
                close: 2,
                base_lots: u128::from(u64::MAX) + 1,
                quote: u128::MAX,
                trades: 3,
            }),
            "balances": Balances {
                trader_id: 7,
                base_free: U64Text(u64::MAX),
                base_locked: U64Text(0),
                quote_free: U64Text(1),
                quote_locked: U64Text(2),
                open_orders: 1,
                closed: false,
            },
            "batch_clock": BatchClock {
                batch_account: "11111111111111111111111111111111".into(),
                start_slot: 1 << 52,
                commit_slots: 2,
                grace_slots: 4,
                reveal_slots: 8,
                entries_per_batch: 256,
                entries_per_trader: 4,
                bond_lamports: U64Text(u64::MAX),
                commit_fee_lamports: U64Text(0),
            },
            "batch_clear": BatchClear {
                batch: 3,
                price: Some(U64Text(u64::MAX)),
                volume_base_lots: U64Text(1 << 60),
                revealed: 2,
                forfeited: 1,
                seq: 40,
            },
            "batch_clear_without_trade": BatchClear {
                batch: 4,
                price: None,
                volume_base_lots: U64Text(0),
                revealed: 0,
                forfeited: 1,
                seq: 41,
            },
        });
        let text = serde_json::to_string_pretty(&samples).expect("samples serialise") + "\n";
        assert_committed(SAMPLES_PATH, &text);
    }

    #[test]
    fn quantities_are_decimal_strings_and_enums_names() {
        let trade = Trade {
            seq: 7,
            price: U64Text(u64::MAX),
            base_lots: U64Text(3),
            quote: U64Text(30),
            taker_side: SideName::Ask,
            maker_order_id: U64Text(1 << 60),
            taker_order_id: U64Text(2),
            maker_trader_id: 1,
            taker_trader_id: 2,
            taker_fee: U64Text(1),
            maker_fee: I64Text(-1),
            slot: 9,
            block_time: None,
        };
        let v = serde_json::to_value(&trade).unwrap();
        assert_eq!(v["price"], "18446744073709551615");
        assert_eq!(v["maker_fee"], "-1");
        assert_eq!(v["taker_side"], "ask");
        assert_eq!(v["seq"], 7);
        let update = OrderUpdate {
            order: BookOrder {
                order_id: U64Text(5),
                side: SideName::Bid,
                price: U64Text(10),
                trader_id: 1,
                base_lots: U64Text(0),
            },
            status: OrderStatus::SelfTrade,
        };
        let v = serde_json::to_value(&update).unwrap();
        assert_eq!(
            (v["status"].as_str(), v["order_id"].as_str()),
            (Some("self_trade"), Some("5"))
        );
        assert_eq!(
            MarketStatusName::of_code(4),
            Some(MarketStatusName::Deleted)
        );
        assert_eq!(
            serde_json::to_value(MarketStatusName::of_code(1).unwrap()).unwrap(),
            "post_only"
        );
        assert_eq!(MarketStatusName::of_code(9), None);
    }
}
