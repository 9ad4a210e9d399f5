// Generated from app/src/feed/wire.rs by `ORDERBOOK_WRITE_TS=1 cargo test -p orderbook-app --lib wire`; do not edit.
// The feed's wire format (docs/feed-protocol.md): quantities are decimal strings,
// parsed to bigint by ./feed.ts.

export type U64Text = `${bigint}`;

export type I64Text = `${bigint}`;

export type U128Text = `${bigint}`;

export type SideName = "bid" | "ask";

export type OrderTypeName = "limit" | "post_only" | "post_only_slide" | "ioc" | "fok" | "market";

export type MarketStatusName = "active" | "post_only" | "paused" | "closed" | "deleted";

export type OrderStatus = "open" | "filled" | "cancelled" | "expired" | "evicted" | "self_trade";

export type BookOrder = { order_id: U64Text, side: SideName, price: U64Text, trader_id: number, base_lots: U64Text, };

export type OrderUpdate = { status: OrderStatus, order_id: U64Text, side: SideName, price: U64Text, trader_id: number, base_lots: U64Text, };

export type Level = { price: U64Text, base_lots: U64Text, 
/**
 * Orders resting at the level.
 */
orders: number, };

export type LevelChange = { side: SideName, price: U64Text, base_lots: U64Text, 
/**
 * Orders resting at the level.
 */
orders: number, };

export type Trade = { seq: number, price: U64Text, base_lots: U64Text, quote: U64Text, taker_side: SideName, maker_order_id: U64Text, taker_order_id: U64Text, maker_trader_id: number, taker_trader_id: number, taker_fee: U64Text, 
/**
 * Negative: a rebate.
 */
maker_fee: I64Text, slot: number, block_time: number | null, };

export type Candle = { resolution: number, start: number, open: I64Text, high: I64Text, low: I64Text, close: I64Text, base_lots: U128Text, quote: U128Text, trades: number, };

export type Balances = { trader_id: number, base_free: U64Text, base_locked: U64Text, quote_free: U64Text, quote_locked: U64Text, open_orders: number, 
/**
 * The trader account is closed.
 */
closed: boolean, };

export type TradesData = { trades: Array<Trade>, };

export type L2Snapshot = { bids: Array<Level>, asks: Array<Level>, };

export type L2Delta = { levels: Array<LevelChange>, };

export type L3Snapshot = { orders: Array<BookOrder>, };

export type L3Delta = { orders: Array<OrderUpdate>, };

export type CandlesData = { candles: Array<Candle>, };

export type AccountSnapshot = { trader_id: number | null, orders: Array<BookOrder>, balances: Balances | null, };

export type AccountDelta = { trader_id: number, orders: Array<OrderUpdate>, balances?: Balances, };

export type BatchClock = { batch_account: string, start_slot: number, commit_slots: number, grace_slots: number, reveal_slots: number, entries_per_batch: number, entries_per_trader: number, bond_lamports: U64Text, commit_fee_lamports: U64Text, };

export type OpenBatch = { batch: number, 
/**
 * Sealed orders, revealed or not.
 */
commitments: number, revealed: number, posts: number, cancels: number, };

export type BatchClear = { batch: number, price: U64Text | null, volume_base_lots: U64Text, revealed: number, 
/**
 * Commitments never revealed: their bonds were forfeited.
 */
forfeited: number, 
/**
 * The market event of the clear.
 */
seq: number, };

export type AuctionSnapshot = { clock: BatchClock | null, open: Array<OpenBatch>, cleared: Array<BatchClear>, };

export type AuctionDelta = { clock?: BatchClock, open: Array<OpenBatch>, cleared: Array<BatchClear>, };

export type BatchEntryState = { batch: number, entry: number, 
/**
 * `committed` (never revealed: forfeited once cleared), `revealed`,
 * `post` or `cancel`.
 */
kind: string, 
/**
 * Its batch's clear, once cleared.
 */
clear: BatchClear | null, };

export type ChannelData = TradesData | L2Snapshot | L2Delta | L3Snapshot | L3Delta | CandlesData | AccountSnapshot | AccountDelta | AuctionSnapshot | AuctionDelta;

export type ChannelName = "trades" | "l2" | "l3" | "account" | "candles" | "auction";

export type MessageKind = "snapshot" | "delta";

export type ChannelMessage = { type: MessageKind, market: string, channel: ChannelName, 
/**
 * `account` channels: the owner.
 */
owner?: string, 
/**
 * `candles` channels: seconds per bucket.
 */
resolution?: number, 
/**
 * The market events this message's state reflects.
 */
seq: number, 
/**
 * Deltas: the `seq` of the channel's previous message.
 */
prev_seq?: number, 
/**
 * The last market event reflected (`seq` − 1; null before any).
 */
market_seq: number | null, data: ChannelData, };

export type FeedErrorCode = "bad_request" | "unknown_channel" | "unknown_market" | "already_subscribed" | "not_subscribed" | "too_many_subscriptions" | "rate_limited";

export type ControlMessage = { "type": "error", code: FeedErrorCode, message: string, request: unknown, } | { "type": "unsubscribed", request: unknown, } | { "type": "pong", request: unknown, } | { "type": "heartbeat", time_ms: number, };

export type ClientRequest = { "op": "subscribe" } & ChannelRequest | { "op": "unsubscribe" } & ChannelRequest | { "op": "ping" };

export type ChannelRequest = { market: string, channel: ChannelName, 
/**
 * `account`: the owner.
 */
owner?: string, 
/**
 * `candles`: 60, 300, 3600 or 86400.
 */
resolution?: number, };

export type Health = { status: HealthStatus, database: boolean, markets: Array<MarketSeq>, };

export type HealthStatus = "ok" | "degraded";

export type MarketSeq = { market: string, seq: number | null, };

export type MarketsPage = { markets: Array<MarketRow>, 
/**
 * The `after` of the next page; null on the last.
 */
next_after: string | null, };

export type MarketCapacity = { bids: number, asks: number, event_queue: number, };

export type SideCounts = { bids: number, asks: number, };

export type MarketRow = { market: string, base_mint: string, quote_mint: string, 
/**
 * Null for markets indexed before the mints' decimals were recorded.
 */
base_decimals: number | null, quote_decimals: number | null, 
/**
 * The mints' symbols from their Token-2022 metadata; null when a mint
 * names none (an SPL Token mint): show its address instead.
 */
base_symbol: string | null, quote_symbol: string | null, base_lot_size: U64Text, quote_lot_size: U64Text, tick_size: U64Text, taker_fee_ppm: number, 
/**
 * Negative: a rebate.
 */
maker_fee_ppm: number, status: MarketStatusName, last_seq: number | null, 
/**
 * What each part can hold now (`grow_market` raises it).
 */
capacity: MarketCapacity, 
/**
 * Orders resting on each side now, as indexed: with `capacity`, how
 * full a side is.
 */
resting: SideCounts, };

export type TradesPage = { trades: Array<Trade>, 
/**
 * The `before_seq` of the next page; null on the last.
 */
next_before_seq: number | null, };

export type Depth = { market_seq: number | null, bids: Array<Level>, asks: Array<Level>, };

export type TraderOrders = { 
/**
 * Null: the owner has no trader account on the market.
 */
trader_id: number | null, orders: Array<TraderOrder>, };

export type TraderOrder = { order_id: U64Text, client_order_id: U64Text, side: SideName, order_type: OrderTypeName, price: U64Text, max_base_lots: U64Text, open_base_lots: U64Text, filled_base_lots: U64Text, status: OrderStatus, 
/**
 * Unix seconds; 0: none.
 */
expiry: number, placed_seq: number, updated_seq: number, };

export type TraderBalances = { trader_id: number, base_free: U64Text, base_locked: U64Text, quote_free: U64Text, quote_locked: U64Text, open_orders: number, as_of_seq: number, };

export type WalletTransaction = { 
/**
 * Base64 of its bincode.
 */
transaction: string, encoding: TransactionEncoding, blockhash: string, fee_payer: string, 
/**
 * Every key that must sign it, the owner's first.
 */
signers: Array<string>, 
/**
 * Instructions it holds.
 */
instructions: number, };

export type TransactionEncoding = "base64";

export type FaucetGrant = { base: TokenGrant, quote: TokenGrant, 
/**
 * Base64 of its bincode.
 */
transaction: string, encoding: TransactionEncoding, blockhash: string, fee_payer: string, 
/**
 * Every key that must sign it, the owner's first.
 */
signers: Array<string>, 
/**
 * Instructions it holds.
 */
instructions: number, };

export type TokenGrant = { wallet: string, amount: U64Text, };

export type ServerConfig = { program_id: string, rpc_url: string | null, ws_url: string | null, 
/**
 * The drand beacon the page encrypts sealed orders to (issue 26).
 */
beacon_url: string | null, faucet: FaucetConfigInfo | null, };

export type FaucetConfigInfo = { authority: string, 
/**
 * The markets it mints test tokens for (the local demo's live ones).
 */
markets: Array<string>, base_tokens: U64Text, quote_tokens: U64Text, };

export type ErrorBody = { error: ErrorDetail, };

export type ErrorDetail = { code: ApiErrorCode, message: string, };

export type ApiErrorCode = "bad_request" | "not_found" | "rate_limited" | "server_full" | "too_many_connections" | "unavailable";
