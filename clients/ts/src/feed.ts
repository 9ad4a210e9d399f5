// The feed's market data (docs/feed-protocol.md), as its WebSocket channels
// and REST routes carry it, and parsers to the types a page computes with.
// Every quantity (prices in ticks, sizes in lots, atoms, fees, order ids)
// is a decimal string on the wire, because a JavaScript number rounds past
// 2^53; the parsers turn each into a bigint and refuse anything else, so a
// number where a string belongs is an error here, not a silently rounded
// price. Counters that stay below 2^53 (seq, slot, times, counts, trader
// ids) are JSON numbers.

export type SideName = 'bid' | 'ask';

/** One price level (its side is the list it is in, or `side` in a delta). */
export interface Level {
  price: bigint;
  base_lots: bigint;
  /** Orders resting at the level; 0 in a delta: the level is gone. */
  orders: number;
}

export interface LevelChange extends Level {
  side: SideName;
}

/** An order on the L3 and account channels; `base_lots` 0: it left the book. */
export interface BookOrder {
  order_id: bigint;
  side: SideName;
  price: bigint;
  trader_id: number;
  base_lots: bigint;
  status?: string;
}

export interface Trade {
  seq: number;
  price: bigint;
  base_lots: bigint;
  quote: bigint;
  taker_side: SideName;
  maker_order_id: bigint;
  taker_order_id: bigint;
  maker_trader_id: number;
  taker_trader_id: number;
  taker_fee: bigint;
  /** Negative: a rebate. */
  maker_fee: bigint;
  slot: number;
  block_time: number | null;
}

export interface Candle {
  resolution: number;
  start: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  base_lots: bigint;
  quote: bigint;
  trades: number;
}

export interface Balances {
  trader_id: number;
  base_free: bigint;
  base_locked: bigint;
  quote_free: bigint;
  quote_locked: bigint;
  open_orders: number;
  closed: boolean;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/**
 * A quantity from the feed: a decimal string within u64 (i64 when `signed`).
 * Throws naming `field` for a number, a non-decimal string or a value out of
 * range.
 */
export function parseQuantity(value: unknown, field: string, signed = false): bigint {
  if (typeof value !== 'string' || !(signed ? /^-?\d{1,20}$/ : /^\d{1,20}$/).test(value)) {
    throw new Error(`${field}: expected a decimal string, got ${JSON.stringify(value)}`);
  }
  const parsed = BigInt(value);
  const [min, max] = signed ? [I64_MIN, I64_MAX] : [0n, U64_MAX];
  if (parsed < min || parsed > max) throw new Error(`${field}: ${value} is out of range`);
  return parsed;
}

/** `wire` with each of `fields` parsed (`signed` ones as i64). */
function parse<T>(wire: unknown, what: string, fields: readonly (keyof T & string)[], signed: readonly (keyof T & string)[] = []): T {
  if (typeof wire !== 'object' || wire === null) throw new Error(`${what}: expected an object, got ${JSON.stringify(wire)}`);
  const out: Record<string, unknown> = { ...wire };
  for (const field of fields) out[field] = parseQuantity(out[field], `${what}.${field}`);
  for (const field of signed) out[field] = parseQuantity(out[field], `${what}.${field}`, true);
  return out as T;
}

export const parseLevel = (wire: unknown): Level => parse<Level>(wire, 'level', ['price', 'base_lots']);
export const parseLevelChange = (wire: unknown): LevelChange => parse<LevelChange>(wire, 'level', ['price', 'base_lots']);
export const parseBookOrder = (wire: unknown): BookOrder => parse<BookOrder>(wire, 'order', ['order_id', 'price', 'base_lots']);
export const parseTrade = (wire: unknown): Trade =>
  parse<Trade>(wire, 'trade', ['price', 'base_lots', 'quote', 'maker_order_id', 'taker_order_id', 'taker_fee'], ['maker_fee']);
export const parseCandle = (wire: unknown): Candle => parse<Candle>(wire, 'candle', ['base_lots', 'quote'], ['open', 'high', 'low', 'close']);
export const parseBalances = (wire: unknown): Balances =>
  parse<Balances>(wire, 'balances', ['base_free', 'base_locked', 'quote_free', 'quote_locked']);

/** -1, 0 or 1 as `a` is below, equal to or above `b` (bigints in `Array.sort`). */
export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
