// The feed's market data (docs/feed-protocol.md), as its WebSocket channels
// and REST routes carry it, and parsers to the types a page computes with.
//
// The wire types are generated from the server's Rust types
// (app/src/feed/wire.rs → ./feedWire.ts, exported here as `wire`), so a
// change on the server changes them, and whatever here no longer matches
// stops compiling. Every quantity (prices in ticks, sizes in lots, atoms,
// fees, order ids) is a decimal string on the wire, because a JavaScript
// number rounds past 2^53; the parsers turn each into a bigint and refuse
// anything else, so a number where a string belongs is an error here, not a
// silently rounded price. Counters that stay below 2^53 (seq, slot, times,
// counts, trader ids) are JSON numbers.
import type * as wire from './feedWire.js';

export type * as wire from './feedWire.js';

export type SideName = wire.SideName;

/** The wire type `W` with its decimal-string quantities as bigints. */
export type Parsed<W> = {
  [K in keyof W]: W[K] extends `${bigint}` ? bigint : W[K] extends `${bigint}` | null ? bigint | null : W[K];
};

/** One price level (its side is the list it is in, or `side` in a delta; 0 orders in a delta: gone). */
export type Level = Parsed<wire.Level>;
export type LevelChange = Parsed<wire.LevelChange>;
/** A resting order (L3 and account snapshots). */
export type BookOrder = Parsed<wire.BookOrder>;
/** An order's new state (L3 and account deltas); `base_lots` 0: it left the book. */
export type OrderUpdate = Parsed<wire.OrderUpdate>;
export type Trade = Parsed<wire.Trade>;
export type Candle = Parsed<wire.Candle>;
export type Balances = Parsed<wire.Balances>;
/** A sealed batch market's clock (`auction` channel; docs/batch-auction.md). */
export type BatchClock = Parsed<wire.BatchClock>;
/** A batch's clear: every fill at `price` (null: nothing crossed). */
export type BatchClear = Parsed<wire.BatchClear>;

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** How wide a quantity is: its range, and whether it may be negative. */
export type Width = 'u64' | 'i64' | 'u128';

const RANGES: Record<Width, { pattern: RegExp; min: bigint; max: bigint }> = {
  u64: { pattern: /^\d{1,20}$/, min: 0n, max: U64_MAX },
  i64: { pattern: /^-?\d{1,19}$/, min: I64_MIN, max: I64_MAX },
  u128: { pattern: /^\d{1,39}$/, min: 0n, max: U128_MAX },
};

/**
 * A quantity from the feed: a decimal string within `width`. Throws naming
 * `field` for a number, a non-decimal string or a value out of range.
 */
export function parseQuantity(value: unknown, field: string, width: Width = 'u64'): bigint {
  const { pattern, min, max } = RANGES[width];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new Error(`${field}: expected a decimal string, got ${JSON.stringify(value)}`);
  }
  const parsed = BigInt(value);
  if (parsed < min || parsed > max) throw new Error(`${field}: ${value} is out of range`);
  return parsed;
}

/** The keys of `W` whose values are decimal strings. */
type QuantityKey<W> = { [K in keyof W]-?: NonNullable<W[K]> extends `${bigint}` ? K : never }[keyof W] & string;

/**
 * Each quantity field of `W` with its width. Every quantity field of `W`
 * must be listed: a field the server adds makes the call a type error
 * that names it.
 */
function quantities<W>() {
  return <const F extends Partial<Record<QuantityKey<W>, Width>>>(
    fields: F & ([QuantityKey<W>] extends [keyof F] ? unknown : { missing: Exclude<QuantityKey<W>, keyof F> }),
  ): Readonly<Record<string, Width>> => fields as Readonly<Record<string, Width>>;
}

const LEVEL = quantities<wire.Level>()({ price: 'u64', base_lots: 'u64' });
const LEVEL_CHANGE = quantities<wire.LevelChange>()({ price: 'u64', base_lots: 'u64' });
const BOOK_ORDER = quantities<wire.BookOrder>()({ order_id: 'u64', price: 'u64', base_lots: 'u64' });
const ORDER_UPDATE = quantities<wire.OrderUpdate>()({ order_id: 'u64', price: 'u64', base_lots: 'u64' });
const TRADE = quantities<wire.Trade>()({
  price: 'u64',
  base_lots: 'u64',
  quote: 'u64',
  maker_order_id: 'u64',
  taker_order_id: 'u64',
  taker_fee: 'u64',
  maker_fee: 'i64',
});
const CANDLE = quantities<wire.Candle>()({
  open: 'i64',
  high: 'i64',
  low: 'i64',
  close: 'i64',
  base_lots: 'u128',
  quote: 'u128',
});
const BALANCES = quantities<wire.Balances>()({ base_free: 'u64', base_locked: 'u64', quote_free: 'u64', quote_locked: 'u64' });
const BATCH_CLOCK = quantities<wire.BatchClock>()({ bond_lamports: 'u64', commit_fee_lamports: 'u64' });
const BATCH_CLEAR = quantities<wire.BatchClear>()({ price: 'u64', volume_base_lots: 'u64' });

/**
 * `value` (a `what` from the wire) with each of `fields` parsed to a bigint;
 * the `nullable` ones may also be null.
 */
function parse<T>(value: unknown, what: string, fields: Readonly<Record<string, Width>>, nullable: readonly string[] = []): T {
  if (typeof value !== 'object' || value === null) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  const out: Record<string, unknown> = { ...value };
  for (const [field, width] of Object.entries(fields)) {
    if (out[field] === null && nullable.includes(field)) continue;
    out[field] = parseQuantity(out[field], `${what}.${field}`, width);
  }
  return out as T;
}

export const parseLevel = (value: unknown): Level => parse<Level>(value, 'level', LEVEL);
export const parseLevelChange = (value: unknown): LevelChange => parse<LevelChange>(value, 'level', LEVEL_CHANGE);
export const parseBookOrder = (value: unknown): BookOrder => parse<BookOrder>(value, 'order', BOOK_ORDER);
export const parseOrderUpdate = (value: unknown): OrderUpdate => parse<OrderUpdate>(value, 'order', ORDER_UPDATE);
export const parseTrade = (value: unknown): Trade => parse<Trade>(value, 'trade', TRADE);
export const parseCandle = (value: unknown): Candle => parse<Candle>(value, 'candle', CANDLE);
export const parseBalances = (value: unknown): Balances => parse<Balances>(value, 'balances', BALANCES);
export const parseBatchClock = (value: unknown): BatchClock => parse<BatchClock>(value, 'clock', BATCH_CLOCK);
export const parseBatchClear = (value: unknown): BatchClear => parse<BatchClear>(value, 'clear', BATCH_CLEAR, ['price']);

/** -1, 0 or 1 as `a` is below, equal to or above `b` (bigints in `Array.sort`). */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
