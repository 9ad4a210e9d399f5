// The order and transfer forms: what a person types, checked before anything is signed
// (malformed numbers, tick and lot rounding, funds, the market's status) and
// previewed (size, cost, fee); a valid form yields the program's order.
import { MAX_PRICE_TICKS, parseAtoms, type Level, type MarketStatus, type OrderArgs, type OrderType, type SideName } from '@orderbook/client';

import type { Units } from '../units';

export interface FormContext {
  units: Units;
  /** The market's status on chain (null until read). */
  status: MarketStatus | null;
  /** Free atoms in the trader account. */
  free: (token: 'base' | 'quote') => bigint;
  /** The book each side best first. */
  book: () => { bids: Level[]; asks: Level[] };
  connected: boolean;
  /** A sealed batch market: limit and IOC orders are sealed, post-only ones queued. */
  batch?: boolean;
}

/** What a sealed batch market takes (docs/batch-auction.md). */
const BATCH_TYPES: readonly OrderType[] = ['limit', 'immediateOrCancel', 'postOnly'];

export type Checked = { order: OrderArgs; summary: string; preview: string } | { error: string };

const PPM = 1_000_000n;

/** Quote atoms and lots an order of `lots` would take from `levels` at prices no worse than `limit`. */
function walk(levels: Level[], lots: bigint, units: Units, limit: ((price: bigint) => boolean) | null) {
  let [filled, quote] = [0n, 0n];
  for (const level of levels) {
    if (filled >= lots || (limit && !limit(level.price))) break;
    const take = level.base_lots < lots - filled ? level.base_lots : lots - filled;
    filled += take;
    quote += units.quoteFor(level.price, take);
  }
  return { filled, quote };
}

/** A non-negative decimal number as a person types one ("25", "0.5", ".5"). */
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

/** Why `text` typed as `what` is not a number, in a sentence; null when it is one. */
function notANumber(what: string, text: string, example: string): string | null {
  if (!text.trim()) return `enter ${what === 'amount' ? 'an' : 'a'} ${what}`;
  return DECIMAL.test(text.trim()) ? null : `the ${what} must be a number, like ${example}`;
}

/** The form's values as an order, or the first thing wrong with them. */
export function checkOrder(values: { side: SideName; type: OrderType; price: string; size: string }, ctx: FormContext): Checked {
  const { units } = ctx;
  if (!ctx.connected) return { error: 'connect a wallet to trade' };
  if (ctx.status === 'paused' || ctx.status === 'closed') return { error: `the market is ${ctx.status}: no orders now` };
  if (ctx.status === 'postOnly' && values.type !== 'postOnly') return { error: 'the market takes post-only orders only now' };
  if (ctx.batch && !BATCH_TYPES.includes(values.type)) {
    return { error: 'a sealed batch market takes limit and immediate-or-cancel orders (sealed) and post-only orders (queued)' };
  }
  let lots: bigint;
  let ticks = 0n;
  const wrong = notANumber('size', values.size, units.size(1)) ?? (values.type === 'market' ? null : notANumber('price', values.price, units.price(1)));
  if (wrong) return { error: wrong };
  try {
    lots = units.lots(values.size);
    // Rounded toward the safe side: a bid never pays more, an ask never sells for less.
    if (values.type !== 'market') ticks = units.ticks(values.price, values.side === 'bid' ? 'down' : 'up');
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (lots === 0n) return { error: `the size is below one lot (${units.size(1)} ${units.base})` };
  if (values.type !== 'market' && ticks === 0n) return { error: `the price is below one tick (${units.price(1)} ${units.quote})` };
  if (ticks > MAX_PRICE_TICKS) return { error: `the price is above the maximum the program takes (${units.price(MAX_PRICE_TICKS)} ${units.quote})` };
  const notes: string[] = [];
  if (units.size(lots) !== values.size.trim() && Number(units.size(lots)) !== Number(values.size)) notes.push(`size rounded down to ${units.size(lots)}`);
  if (values.type !== 'market' && Number(units.price(ticks)) !== Number(values.price)) notes.push(`price rounded to ${units.price(ticks)}`);
  const book = ctx.book();
  const opposite = values.side === 'bid' ? book.asks : book.bids;
  const crosses = values.type === 'market' ? null : (price: bigint) => (values.side === 'bid' ? price <= ticks : price >= ticks);
  const taken = walk(opposite, lots, units, crosses);
  if (values.type === 'postOnly' && taken.filled > 0n) return { error: 'a post-only order at this price would cross the book' };
  if (values.type === 'fillOrKill' && taken.filled < lots) return { error: `fill-or-kill: the book has only ${units.size(taken.filled)} ${units.base} at this price or better` };
  if (values.type === 'market' && taken.filled === 0n) return { error: 'a market order needs liquidity on the other side: the book is empty' };
  const takerFee = (taken.quote * BigInt(units.row.taker_fee_ppm) + PPM - 1n) / PPM;
  const rests = values.type === 'limit' || values.type === 'postOnly' ? lots - taken.filled : 0n;
  const restingQuote = values.side === 'bid' ? units.quoteFor(ticks, rests) : 0n;
  if (values.side === 'bid') {
    const need = taken.quote + takerFee + restingQuote;
    const free = ctx.free('quote');
    if (need > free) return { error: `needs ${units.quoteAtoms(need)} ${units.quote}; ${units.quoteAtoms(free)} free (deposit more)` };
  } else {
    const need = lots * BigInt(units.row.base_lot_size);
    const free = ctx.free('base');
    if (need > free) return { error: `needs ${units.baseAtoms(need)} ${units.base}; ${units.baseAtoms(free)} free (deposit more)` };
  }
  const verb = values.side === 'bid' ? 'Buy' : 'Sell';
  const at = values.type === 'market' ? 'at market' : `at ${units.price(ticks)}`;
  const lines = [
    `${verb} ${units.size(lots)} ${units.base} ${at}`,
    taken.filled > 0n
      ? `takes ${units.size(taken.filled)} now for ${units.quoteAtoms(taken.quote)} ${units.quote}, fee ≤ ${units.quoteAtoms(takerFee)}`
      : 'takes nothing now',
    rests > 0n ? `rests ${units.size(rests)}${values.side === 'bid' ? ` (locks ${units.quoteAtoms(restingQuote)} ${units.quote})` : ''}` : '',
    ...notes,
  ];
  const order: OrderArgs = {
    side: values.side,
    orderType: values.type,
    priceTicks: ticks,
    maxBaseLots: lots,
    // A market bid spends at most what is free.
    ...(values.type === 'market' && values.side === 'bid' ? { maxQuote: ctx.free('quote') } : {}),
  };
  if (ctx.batch) {
    // Nothing trades now: the order waits for its batch's one price.
    const how = values.type === 'postOnly' ? 'queued: rests at its batch\'s clear' : 'sealed: hidden until its batch reveals, then trades at the batch\'s one price';
    return { order, summary: `${verb} ${units.size(lots)} ${at} (${values.type === 'postOnly' ? 'queued' : 'sealed'})`, preview: [`${verb} ${units.size(lots)} ${units.base} ${at}`, how, ...notes].join('\n') };
  }
  return { order, summary: `${verb} ${units.size(lots)} ${at}`, preview: lines.filter(Boolean).join('\n') };
}

/**
 * A deposit or withdrawal of `text` tokens against what there is (`available`
 * atoms: the wallet's for a deposit, the free balance for a withdrawal).
 * `null` is a balance not read yet: the chain is the judge then, and its
 * answer (or the node's absence) is what the user sees, never a made-up 0.
 */
export function checkTransfer(
  units: Units,
  token: 'base' | 'quote',
  text: string,
  available: bigint | null,
  action: 'deposit' | 'withdraw',
): { atoms: bigint; label: string } | { error: string } {
  const symbol = units.symbol(token);
  const wrong = notANumber('amount', text, '10');
  if (wrong) return { error: wrong };
  let atoms: bigint;
  try {
    atoms = BigInt(parseAtoms(text, units.decimals(token)).toString());
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (atoms === 0n) return { error: 'enter an amount above zero' };
  if (available !== null && atoms > available) return { error: `only ${units.atoms(token, available)} ${symbol} ${action === 'deposit' ? 'in the wallet' : 'free'}` };
  return { atoms, label: `${units.atoms(token, atoms)} ${symbol}` };
}
