// Decoders for the program's accounts: market, trader, book sides (L3 and
// L2, walking the tree as the Rust client does) and the event queue. The
// fixed parts decode with Anchor's coder from the IDL's typed layouts; the
// node pool and the ring are sliced by the sizes the IDL gives.
import type { IdlAccounts, IdlTypes, Program } from '@coral-xyz/anchor';
import type { PublicKey } from '@solana/web3.js';
import type BN from 'bn.js';

import type { Orderbook } from './idl/orderbook.js';
import { DISCRIMINATOR_BYTES, ORDER_NODE_BYTES, QUEUE_EVENT_BYTES, QUEUE_HEADER_BYTES, SIDE_HEADER_BYTES } from './layout.js';
import { type MarketStatus, type QueueEventKind, type Side, variantName } from './types.js';
import { formatAtoms } from './units.js';

type Accounts = IdlAccounts<Orderbook>;
type Defined = IdlTypes<Orderbook>;

/** A market as the program stores it, with its address and status by name. */
export type Market = Accounts['market'] & { address: PublicKey; status: MarketStatus };

function market(address: PublicKey, account: Accounts['market']): Market {
  return { ...account, address, status: variantName(account.engine.status) };
}

export function decodeMarket(program: Program<Orderbook>, address: PublicKey, data: Buffer): Market {
  return market(address, program.coder.accounts.decode<Accounts['market']>('market', data));
}

export async function fetchMarket(program: Program<Orderbook>, address: PublicKey): Promise<Market> {
  return market(address, await program.account.market.fetch(address));
}

/** One of a trader's open orders. */
export interface OpenOrder {
  orderId: BN;
  clientOrderId: BN;
  priceTicks: BN;
  side: Side;
  slot: number;
}

/** A trader account: balances in atoms and open orders. */
export interface Trader {
  address: PublicKey;
  market: PublicKey;
  owner: PublicKey;
  traderId: number;
  balances: Defined['balances'];
  openOrders: OpenOrder[];
}

function trader(address: PublicKey, account: Accounts['traderAccount']): Trader {
  const state = account.state;
  const openOrders = state.orders.flatMap((order, slot) =>
    order.inUse === 0
      ? []
      : [{ orderId: order.orderSeq, clientOrderId: order.clientOrderId, priceTicks: order.price, side: variantName(order.side), slot }],
  );
  return { address, market: account.market, owner: account.owner, traderId: state.traderId, balances: state.balances, openOrders };
}

export function decodeTrader(program: Program<Orderbook>, address: PublicKey, data: Buffer): Trader {
  return trader(address, program.coder.accounts.decode<Accounts['traderAccount']>('traderAccount', data));
}

/** `address`'s trader account, or null when it does not exist. */
export async function fetchTrader(program: Program<Orderbook>, address: PublicKey): Promise<Trader | null> {
  const account = await program.account.traderAccount.fetchNullable(address);
  return account ? trader(address, account) : null;
}

/** A trader's balances in the mints' units, as exact decimal strings. */
export function uiBalances(balances: Defined['balances'], market: Pick<Market, 'baseDecimals' | 'quoteDecimals'>) {
  return {
    freeBase: formatAtoms(balances.freeBase, market.baseDecimals),
    lockedBase: formatAtoms(balances.lockedBase, market.baseDecimals),
    freeQuote: formatAtoms(balances.freeQuote, market.quoteDecimals),
    lockedQuote: formatAtoms(balances.lockedQuote, market.quoteDecimals),
  };
}

/** One resting order (L3). */
export interface L3Order {
  orderId: BN;
  traderId: number;
  priceTicks: BN;
  baseLots: BN;
  /** Unix seconds; 0 = good till cancelled. */
  expiry: BN;
}

/** One price level (L2). */
export interface L2Level {
  priceTicks: BN;
  baseLots: BN;
  orders: number;
}

/** A decoded book side, best order first. */
export interface BookSide {
  side: Side;
  capacity: number;
  orders: L3Order[];
}

/** The sentinel node index: no node. */
const NIL = 0;

type OrderNode = Defined['orderNode'];

/** Reads pool nodes by index, decoding each once. */
class NodePool {
  private readonly decoded = new Map<number, OrderNode>();

  constructor(
    private readonly program: Program<Orderbook>,
    private readonly pool: Buffer,
    private readonly capacity: number,
  ) {}

  node(index: number): OrderNode {
    if (index < 0 || index > this.capacity) {
      throw new Error(`corrupt book side: node ${index} outside the pool of ${this.capacity}`);
    }
    let node = this.decoded.get(index);
    if (!node) {
      const start = index * ORDER_NODE_BYTES;
      node = this.program.coder.types.decode<OrderNode>('orderNode', this.pool.subarray(start, start + ORDER_NODE_BYTES));
      this.decoded.set(index, node);
    }
    return node;
  }

  /** The in-order successor (the next worse order), as the engine's `BookSide::next`. */
  next(index: number): number {
    let right = this.node(index).right;
    if (right !== NIL) {
      for (let left = this.node(right).left; left !== NIL; left = this.node(right).left) {
        right = left;
      }
      return right;
    }
    let child = index;
    let parent = this.node(child).parent;
    while (parent !== NIL && child === this.node(parent).right) {
      child = parent;
      parent = this.node(parent).parent;
    }
    return parent;
  }
}

export function decodeBookSide(program: Program<Orderbook>, data: Buffer): BookSide {
  const body = data.subarray(DISCRIMINATOR_BYTES);
  const header = program.coder.accounts.decode<Accounts['bookSideAccount']>('bookSideAccount', data).header;
  const pool = body.subarray(SIDE_HEADER_BYTES);
  if (pool.length < (header.capacity + 1) * ORDER_NODE_BYTES) {
    throw new Error(`corrupt book side: ${pool.length} pool bytes for ${header.capacity} orders`);
  }
  const nodes = new NodePool(program, pool, header.capacity);
  const orders: L3Order[] = [];
  // `count` bounds the walk, so a corrupt tree cannot loop.
  for (let index = header.best; index !== NIL && orders.length < header.count; index = nodes.next(index)) {
    const node = nodes.node(index);
    orders.push({ orderId: node.seq, traderId: node.traderId, priceTicks: node.price, baseLots: node.baseLots, expiry: node.expiry });
  }
  return { side: variantName(header.side), capacity: header.capacity, orders };
}

/** Aggregate a side into at most `depth` price levels, best first. */
export function l2(book: BookSide, depth = Number.MAX_SAFE_INTEGER): L2Level[] {
  const levels: L2Level[] = [];
  for (const order of book.orders) {
    const last = levels.at(-1);
    if (last && last.priceTicks.eq(order.priceTicks)) {
      last.baseLots = last.baseLots.add(order.baseLots);
      last.orders += 1;
      continue;
    }
    if (levels.length === depth) {
      break;
    }
    levels.push({ priceTicks: order.priceTicks, baseLots: order.baseLots.clone(), orders: 1 });
  }
  return levels;
}

/** A queued maker event (`kind` names it; the rest as the IDL's `QueueEvent`). */
export type QueueEvent = Omit<Defined['queueEvent'], 'kind'> & { kind: QueueEventKind };

/** The queue's events, oldest first, and how many it can hold. */
export interface EventQueue {
  capacity: number;
  nextSeq: BN;
  events: QueueEvent[];
}

export function decodeEventQueue(program: Program<Orderbook>, data: Buffer): EventQueue {
  const header = program.coder.accounts.decode<Accounts['eventQueueAccount']>('eventQueueAccount', data).header;
  const ring = data.subarray(DISCRIMINATOR_BYTES + QUEUE_HEADER_BYTES);
  if (header.count > header.capacity || ring.length < header.capacity * QUEUE_EVENT_BYTES) {
    throw new Error(`corrupt event queue: ${header.count} events, capacity ${header.capacity}, ${ring.length} ring bytes`);
  }
  const events: QueueEvent[] = [];
  for (let i = 0; i < header.count; i += 1) {
    const start = ((header.head + i) % header.capacity) * QUEUE_EVENT_BYTES;
    const event = program.coder.types.decode<Defined['queueEvent']>('queueEvent', ring.subarray(start, start + QUEUE_EVENT_BYTES));
    events.push({ ...event, kind: variantName(event.kind) });
  }
  return { capacity: header.capacity, nextSeq: header.nextSeq, events };
}

/** The distinct maker trader ids of the oldest `limit` queued events, in queue order. */
export function queuedMakers(queue: EventQueue, limit: number): number[] {
  return [...new Set(queue.events.slice(0, limit).map((event) => event.makerTraderId))];
}
