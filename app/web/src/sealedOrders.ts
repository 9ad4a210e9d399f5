// Sealed orders on a batch market (docs/batch-auction.md): the wallet signs
// one transaction that commits the order's hash and funds a throw-away
// reveal key; the order, its salt and that key wait in IndexedDB (so a
// reload loses nothing) until the batch's reveal window opens, when the
// page reveals it with the throw-away key, without a second wallet prompt,
// and sends what that key has left back to the wallet. Each order is shown
// sealed → revealed → cleared at the batch's price, from the feed's
// `auction` channel. On a market that names a drand beacon the server also
// knows (issue 26), the commit carries the order encrypted to the round at
// its reveal window: any keeper reveals it, so the tab may close; the page
// still reveals it itself late in the window if no keeper did.
import {
  BatchSchedule,
  batchBeacon,
  commitment,
  committedEntry,
  entryState,
  parseBatchClear,
  parseBatchClock,
  randomSalt,
  sealedOrderOf,
  SlotPace,
  TARGET_SLOT_MS,
  type BatchClear,
  type BatchClock,
  type Market,
  type OrderArgs,
  type OrderbookClient,
  type wire,
} from '@orderbook/client';
import { Keypair, PublicKey, SystemProgram, Transaction, type Connection, type TransactionInstruction } from '@solana/web3.js';

import { api } from './api';
import type { ChannelMessage } from './feed';
import { describeFailure, type Trading } from './trade';
import type { Units } from './units';

/** Lamports the commit moves to the reveal key: enough to exist (rent-exempt) and pay the reveal's fee. */
export const REVEAL_KEY_LAMPORTS = 1_000_000;
/** The base fee the reveal key pays for its one signature. */
const REVEAL_FEE_LAMPORTS = 5_000;
/** How often the page looks for reveals that are due. */
export const REVEAL_POLL_MS = 400;

/** An order and its salt encrypted to the beacon round `slotsAhead` slots from now. */
type Sealer = (order: OrderArgs, salt: Uint8Array, slotsAhead: bigint) => Promise<{ round: number; roundAtMs: number; ciphertext: Uint8Array }>;

/** An unreachable beacon costs the order its encryption, not its commit. */
function notEncrypted(error: unknown): null {
  console.warn(`not encrypted (the beacon: ${describeFailure(error)}); the page reveals it`);
  return null;
}

export type SealedStage = 'sealed' | 'revealed' | 'cleared' | 'forfeited' | 'failed';

/** A sealed order as the page keeps it. */
export interface StoredOrder {
  /** Hex of the commitment: the key. */
  id: string;
  market: string;
  owner: string;
  batchAccount: string;
  batch: string;
  entry: number | null;
  /** The order, its amounts as decimal strings. */
  order: { side: OrderArgs['side']; orderType: OrderArgs['orderType']; priceTicks: string; maxBaseLots: string; clientOrderId: string };
  salt: number[];
  revealKey: number[];
  stage: SealedStage;
  /** The batch's price once cleared (ticks), or why it failed. */
  detail: string;
  /** The beacon round its ciphertext is encrypted to, if it is (any keeper reveals it). */
  round?: number;
  /** When that round is published (epoch milliseconds, the beacon's clock). */
  roundAtMs?: number;
}

/** Why an encrypted order was not revealed in its window, as far as the page can tell. */
function whyUnrevealed(o: StoredOrder): string {
  if (o.round === undefined || o.roundAtMs === undefined) return '';
  return o.roundAtMs > Date.now() ? ` (its round ${o.round} comes only after the window closed)` : ` (its round ${o.round} was published, but no keeper revealed it)`;
}

/** " (in ~N s)" until a round's publication, " (published)" after; nothing if unknown. */
function roundEta(atMs: number | undefined): string {
  if (atMs === undefined) return '';
  const seconds = Math.ceil((atMs - Date.now()) / 1_000);
  return seconds > 0 ? ` (in ~${seconds} s)` : ' (published)';
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The page's IndexedDB store of sealed orders (one object store, keyed by commitment). */
class Store {
  private db: Promise<IDBDatabase> | null = null;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open('orderbook', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('sealed-orders', { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`IndexedDB: ${request.error?.message ?? 'cannot open'}`));
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const request = action(db.transaction('sealed-orders', mode).objectStore('sealed-orders'));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`IndexedDB: ${request.error?.message ?? 'failed'}`));
    });
  }

  put(order: StoredOrder): Promise<IDBValidKey> {
    return this.run('readwrite', (s) => s.put(order));
  }

  all(): Promise<StoredOrder[]> {
    return this.run('readonly', (s) => s.getAll() as IDBRequest<StoredOrder[]>);
  }
}

/** The open batch market's clock and clears (from the `auction` channel). */
export class Auction {
  clock: BatchClock | null = null;
  clears = new Map<string, BatchClear>();
  onChange: () => void = () => {};

  apply(message: ChannelMessage): void {
    const data = message.data as wire.AuctionSnapshot | wire.AuctionDelta;
    if (message.type === 'snapshot') this.clears.clear();
    if (data.clock) this.clock = parseBatchClock(data.clock);
    for (const clear of data.cleared.map(parseBatchClear)) this.clears.set(String(clear.batch), clear);
    this.onChange();
  }

  schedule(): BatchSchedule | null {
    const c = this.clock;
    return c ? new BatchSchedule(BigInt(c.start_slot), BigInt(c.commit_slots), BigInt(c.grace_slots), BigInt(c.reveal_slots)) : null;
  }
}

export class SealedOrders {
  private readonly store = new Store();
  private orders: StoredOrder[] = [];
  private revealing = false;
  /** The node's measured slot time: how far ahead a reveal window's round is reckoned. */
  private readonly pace = new SlotPace();

  constructor(
    private readonly connection: Connection,
    /** Builds the reveals (no wallet needed: the reveal key signs). */
    private readonly client: OrderbookClient,
    private readonly list: HTMLElement,
    private readonly units: () => Units | null,
    /** The drand beacon the server names (`/api/config`), if any. */
    private readonly beaconUrl: string | null = null,
  ) {}

  async load(): Promise<void> {
    this.orders = await this.store.all();
    this.draw();
  }

  /**
   * The commit of `order` on `market`: `build` gives the instructions for
   * the wallet to sign (hashed for the batch open when it is called), and
   * once they landed `keep` stores the order for its reveal.
   */
  commit(market: Market, schedule: BatchSchedule, order: OrderArgs) {
    const revealKey = Keypair.generate();
    const salt = randomSalt();
    let hash: Uint8Array = new Uint8Array();
    let batch = 0n;
    let owner = PublicKey.default;
    let round: number | undefined;
    let roundAtMs: number | undefined;
    const build = async (trading: Trading): Promise<TransactionInstruction[]> => {
      // The beacon is checked before the slot is read: the window's time
      // goes to encrypting, signing and landing, not to lookups.
      const seal = await this.sealer(market);
      const slot = await this.slotWithRoom(schedule);
      batch = schedule.committingBatch(slot)!;
      owner = trading.owner;
      hash = commitment(market.address, owner, batch, sealedOrderOf(order), salt);
      const encrypted = seal ? await seal(order, salt, schedule.revealOpens(batch) - slot).catch(notEncrypted) : null;
      round = encrypted?.round;
      roundAtMs = encrypted?.roundAtMs;
      const commit = encrypted
        ? await trading.client.ix.commitEncryptedOrder(owner, market.address, market.batch, batch, hash, encrypted.ciphertext)
        : await trading.client.ix.commitOrder(owner, market.address, market.batch, batch, hash);
      return [SystemProgram.transfer({ fromPubkey: owner, toPubkey: revealKey.publicKey, lamports: REVEAL_KEY_LAMPORTS }), commit];
    };
    const keep = async (): Promise<void> => {
      const account = await this.connection.getAccountInfo(market.batch, 'confirmed');
      const stored: StoredOrder = {
        id: hex(hash),
        market: market.address.toBase58(),
        owner: owner.toBase58(),
        batchAccount: market.batch.toBase58(),
        batch: batch.toString(),
        entry: account ? (committedEntry(account.data, hash) ?? null) : null,
        order: {
          side: order.side,
          orderType: order.orderType,
          priceTicks: order.priceTicks.toString(),
          maxBaseLots: order.maxBaseLots.toString(),
          clientOrderId: (order.clientOrderId ?? 0).toString(),
        },
        salt: Array.from(salt),
        revealKey: Array.from(revealKey.secretKey),
        stage: 'sealed',
        detail: '',
        round,
        roundAtMs,
      };
      this.orders.push(stored);
      await this.store.put(stored);
      this.draw();
    };
    return { build, keep };
  }

  /** The node's confirmed slot, noted for its pace. */
  async nodeSlot(): Promise<bigint> {
    const slot = BigInt(await this.connection.getSlot('confirmed'));
    this.pace.observe(slot);
    return slot;
  }

  /**
   * The node's slot once the open batch has at least half its commit
   * window left to sign and land in: past that, the next batch's window,
   * waited for (a commitment landing after its window closed is refused).
   */
  private async slotWithRoom(schedule: BatchSchedule): Promise<bigint> {
    let slot = await this.nodeSlot();
    const batch = schedule.committingBatch(slot);
    if (batch === undefined) throw new Error(`the market's batches start at slot ${schedule.startSlot}; the node is at ${slot}`);
    if (schedule.commitSlotsLeft(slot) * 2n >= schedule.commitSlots) return slot;
    const next = schedule.commitOpens(batch + 1n);
    // Bounded: ten times the slots at Solana's pace (the node may be slower).
    const deadline = Date.now() + Number(next - slot) * TARGET_SLOT_MS * 10;
    while (slot < next) {
      if (Date.now() > deadline) throw new Error(`the node's slot stays at ${slot}, before batch ${batch + 1n} opens at ${next}`);
      await new Promise((resolve) => setTimeout(resolve, this.pace.msPerSlot() / 4));
      slot = await this.nodeSlot();
    }
    return slot;
  }

  /**
   * How the order is encrypted on `market`, if it names a beacon the
   * server also names and that beacon answers (else null: the page reveals
   * the order itself, so keep the tab open); tlock-js loads only then.
   */
  private async sealer(market: Market): Promise<Sealer | null> {
    if (!this.beaconUrl) return null;
    try {
      return await this.beaconSealer(this.beaconUrl, market);
    } catch (error) {
      return notEncrypted(error);
    }
  }

  private async beaconSealer(beaconUrl: string, market: Market): Promise<Sealer | null> {
    const account = await this.connection.getAccountInfo(market.batch, 'confirmed');
    const chainHash = account ? batchBeacon(account.data) : null;
    if (!chainHash) return null;
    const tlock = await import('@orderbook/client/encrypted');
    const beacon = tlock.beaconClient(beaconUrl);
    const info = await beacon.chain().info();
    if (info.hash !== chainHash) {
      throw new Error(`the server's beacon is chain ${info.hash}, the market names ${chainHash}`);
    }
    // The first round published after the reveal window opens (`slotsAhead`
    // slots from now): readable by no one before, by any keeper within it.
    return async (order, salt, slotsAhead) => {
      const round = tlock.roundAt(Date.now() + Number(slotsAhead) * this.pace.msPerSlot(), info) + 1;
      const ciphertext = await tlock.encryptPayload(tlock.revealPayload(order, salt), round, beacon);
      return { round, roundAtMs: (info.genesis_time + (round - 1) * info.period) * 1_000, ciphertext };
    };
  }

  /** Reveal what is due at the node's slot, mark what its window passed, note the clears. */
  async tick(auction: Auction, market: Market | null): Promise<void> {
    const schedule = auction.schedule();
    if (this.revealing || !schedule || !market) return;
    this.revealing = true;
    try {
      const slot = await this.nodeSlot();
      for (const o of this.orders.filter((o) => o.market === market.address.toBase58())) {
        const batch = BigInt(o.batch);
        const clear = auction.clears.get(o.batch);
        if (o.stage === 'sealed' && slot >= schedule.clearableFrom(batch)) {
          await this.settleFromIndexer(o);
        } else if (o.stage === 'sealed' && slot >= schedule.revealOpens(batch)) {
          await this.revealIfNoKeeperDid(o, slot, schedule.revealOpens(batch), schedule.clearableFrom(batch));
        } else if (o.stage === 'revealed' && clear) {
          const at = clear.price === null ? 'nothing crossed' : `at ${this.units()?.price(clear.price) ?? clear.price}`;
          await this.update(o, 'cleared', at);
        }
      }
      // The countdowns to encrypted orders' rounds.
      if (this.orders.some((o) => o.stage === 'sealed' && o.roundAtMs !== undefined)) this.draw();
    } finally {
      this.revealing = false;
    }
  }

  /**
   * A sealed order whose window passed while the page was away (or
   * whose reveal a keeper sent): what the indexer holds says whether it
   * was revealed and how its batch cleared, else it was forfeited.
   */
  private async settleFromIndexer(o: StoredOrder): Promise<void> {
    const held = o.entry === null ? null : await api.batchEntry(o.market, o.batch, o.entry).catch(() => null);
    if (held?.kind === 'revealed' && held.clear) {
      const price = held.clear.price;
      return this.update(o, 'cleared', price === null ? 'nothing crossed' : `at ${this.units()?.price(BigInt(price)) ?? price}`);
    }
    if (held?.kind === 'revealed') return this.update(o, 'revealed', o.round !== undefined ? 'by a keeper' : '');
    if (held === null && o.round !== undefined) return; // not indexed yet: ask again next tick
    return this.update(o, 'forfeited', `not revealed in its window${whyUnrevealed(o)}: the bond is forfeited`);
  }

  /**
   * An encrypted order is the keepers' to reveal: the page reveals it
   * itself only from the middle of its window, if none did by then.
   */
  private async revealIfNoKeeperDid(o: StoredOrder, slot: bigint, opens: bigint, closes: bigint): Promise<void> {
    if (o.round !== undefined && o.entry !== null) {
      const account = await this.connection.getAccountInfo(new PublicKey(o.batchAccount), 'confirmed');
      const state = account ? entryState(account.data, o.entry, Uint8Array.from(o.id.match(/../g)!.map((h) => parseInt(h, 16)))) : 'gone';
      if (state === 'revealed') return this.update(o, 'revealed', 'by a keeper');
      if (slot < opens + (closes - opens) / 2n) return;
    }
    return this.reveal(o);
  }

  private async reveal(o: StoredOrder): Promise<void> {
    if (o.entry === null) {
      const account = await this.connection.getAccountInfo(new PublicKey(o.batchAccount), 'confirmed');
      o.entry = account ? (committedEntry(account.data, Uint8Array.from(o.id.match(/../g)!.map((h) => parseInt(h, 16)))) ?? null) : null;
      if (o.entry === null) return this.update(o, 'failed', 'its commitment is not in the batch account');
    }
    const key = Keypair.fromSecretKey(Uint8Array.from(o.revealKey));
    const order: OrderArgs = { ...o.order, priceTicks: BigInt(o.order.priceTicks), maxBaseLots: BigInt(o.order.maxBaseLots), clientOrderId: BigInt(o.order.clientOrderId) };
    try {
      const reveal = await this.client.ix.revealOrder(key.publicKey, new PublicKey(o.owner), new PublicKey(o.market), new PublicKey(o.batchAccount), o.entry, order, Uint8Array.from(o.salt));
      // What the reveal key has left, less this transaction's fee, goes back
      // to the wallet in the same transaction (the account closes at zero).
      const left = (await this.connection.getBalance(key.publicKey, 'confirmed')) - REVEAL_FEE_LAMPORTS;
      const refund = SystemProgram.transfer({ fromPubkey: key.publicKey, toPubkey: new PublicKey(o.owner), lamports: Math.max(left, 0) });
      const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash('confirmed');
      const tx = new Transaction({ feePayer: key.publicKey, blockhash, lastValidBlockHeight }).add(reveal, refund);
      tx.sign(key);
      const signature = await this.connection.sendRawTransaction(tx.serialize());
      const result = await this.connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, 'confirmed');
      if (result.value.err) throw new Error(JSON.stringify(result.value.err));
      await this.update(o, 'revealed', '');
    } catch (error) {
      // Still sealed: the next tick tries again until the window closes
      // (then the order is forfeited), so a node that was briefly
      // unreachable or a blockhash that expired costs nothing.
      await this.update(o, 'sealed', `(reveal failed: ${describeFailure(error)}; trying again)`);
    }
  }

  private async update(o: StoredOrder, stage: SealedStage, detail: string): Promise<void> {
    o.stage = stage;
    o.detail = detail;
    await this.store.put(o);
    this.draw();
  }

  draw(): void {
    const units = this.units();
    this.list.replaceChildren(
      ...this.orders
        .slice(-20)
        .reverse()
        .map((o) => {
          const li = document.createElement('li');
          li.dataset.stage = o.stage;
          const verb = o.order.side === 'bid' ? 'Buy' : 'Sell';
          const size = units ? units.size(BigInt(o.order.maxBaseLots)) : o.order.maxBaseLots;
          const price = units ? units.price(BigInt(o.order.priceTicks)) : o.order.priceTicks;
          const encrypted = o.round !== undefined && o.stage === 'sealed' ? ` · encrypted until round ${o.round}${roundEta(o.roundAtMs)}: any keeper reveals it, this tab may close` : '';
          li.textContent = `${verb} ${size} at ${price} · batch ${o.batch} · ${o.stage}${o.detail ? ` ${o.detail}` : ''}${encrypted}`;
          return li;
        }),
    );
  }
}
