// The sealed batch mode from a client (issue 25; docs/batch-auction.md): the
// commitment a trader signs with `commit_order` and the batch clock. Both
// mirror the engine (`auction::commitment_preimage`, `auction::BatchSchedule`)
// byte for byte and slot for slot; the shared vectors in
// crates/engine/tests/vectors/sealed-order.json hold them together.
import { sha256 } from '@noble/hashes/sha256';
import type { PublicKey } from '@solana/web3.js';

import type { OrderArgs } from './instructions.js';
import { NO_QUOTE_LIMIT, RAW_IDL, SEALED_BATCH } from './program.js';
import type { OrderType, SelfTradeMode, Side } from './types.js';

/** A taking order's parameters, as sealed and later revealed. */
export interface SealedOrder {
  side: Side;
  orderType: OrderType;
  selfTrade: SelfTradeMode;
  /** Limit price in ticks (ignored by a market order, but bound all the same). */
  price: bigint;
  maxBase: bigint;
  maxQuote: bigint;
  clientOrderId: bigint;
  /** Unix seconds; 0 = none. */
  expiry: bigint;
}

const U64_MAX = (1n << 64n) - 1n;
const SALT_BYTES = 32;
/** Bytes of a commitment preimage (the engine's `COMMITMENT_PREIMAGE_LEN`). */
export const COMMITMENT_PREIMAGE_BYTES = SEALED_BATCH.commitmentDomain.length + 32 + 32 + 8 + 3 + 5 * 8 + SALT_BYTES;

/** The byte of an enum variant: its position among the IDL's variants (the engine's `repr(u8)`). */
function variantByte(typeName: string, variant: string): number {
  const type = RAW_IDL.types.find((t) => t.name === typeName);
  const variants = type?.type.kind === 'enum' ? (type.type.variants as { name: string }[]) : [];
  const index = variants.findIndex((v) => v.name.toLowerCase() === variant.toLowerCase());
  if (index < 0) {
    throw new Error(`${typeName} has no variant ${variant}`);
  }
  return index;
}

function u64le(value: bigint, what: string): Uint8Array {
  if (value < 0n || value > U64_MAX) {
    throw new RangeError(`${what} is not a u64: ${value}`);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** The bytes whose SHA-256 is the commitment to `order` in `batch` (the engine's layout). */
export function commitmentPreimage(market: PublicKey, owner: PublicKey, batch: bigint, order: SealedOrder, salt: Uint8Array): Uint8Array {
  if (salt.length !== SALT_BYTES) {
    throw new RangeError(`a salt is ${SALT_BYTES} bytes, not ${salt.length}`);
  }
  const parts = [
    SEALED_BATCH.commitmentDomain,
    market.toBytes(),
    owner.toBytes(),
    u64le(batch, 'batch'),
    Uint8Array.of(variantByte('Side', order.side), variantByte('OrderType', order.orderType), variantByte('SelfTradeMode', order.selfTrade)),
    u64le(order.price, 'price'),
    u64le(order.maxBase, 'maxBase'),
    u64le(order.maxQuote, 'maxQuote'),
    u64le(order.clientOrderId, 'clientOrderId'),
    u64le(order.expiry, 'expiry'),
    salt,
  ];
  const out = new Uint8Array(COMMITMENT_PREIMAGE_BYTES);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The 32-byte commitment `commit_order` records. */
export function commitment(market: PublicKey, owner: PublicKey, batch: bigint, order: SealedOrder, salt: Uint8Array): Uint8Array {
  return sha256(commitmentPreimage(market, owner, batch, order, salt));
}

/** A fresh random salt: what keeps a commitment from being guessed by trying orders. */
export function randomSalt(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));
}

/** Where a batch stands at a slot (the engine's `BatchPhase`). */
export type BatchPhase = 'pending' | 'committing' | 'grace' | 'revealing' | 'clearable';

/**
 * A batch market's clock: batch k commits for `commitSlots`, has a cancel
 * grace of `graceSlots`, reveals for `revealSlots`, then may be cleared;
 * commit windows abut (the engine's `BatchSchedule`).
 */
export class BatchSchedule {
  constructor(
    readonly startSlot: bigint,
    readonly commitSlots: bigint = BigInt(SEALED_BATCH.defaultCommitSlots),
    readonly graceSlots: bigint = BigInt(SEALED_BATCH.defaultGraceSlots),
    readonly revealSlots: bigint = BigInt(SEALED_BATCH.defaultRevealSlots),
  ) {
    const max = BigInt(SEALED_BATCH.maxWindowSlots);
    if (commitSlots < 1n || commitSlots > max || revealSlots < 1n || revealSlots > max || graceSlots < 0n || graceSlots > max) {
      throw new RangeError(`windows must be 1..=${max} slots (grace 0..=${max})`);
    }
  }

  /** The batch a commitment or post-only order sent at `slot` lands in (undefined before the start). */
  committingBatch(slot: bigint): bigint | undefined {
    return slot < this.startSlot ? undefined : (slot - this.startSlot) / this.commitSlots;
  }

  /** Slots left, from `slot` on, in the window of the batch committing at `slot` (0 before the start). */
  commitSlotsLeft(slot: bigint): bigint {
    const batch = this.committingBatch(slot);
    return batch === undefined ? 0n : this.commitOpens(batch + 1n) - slot;
  }

  /** The batch a cancel sent at `slot` applies to: the oldest whose reveals have not opened. */
  cancellingBatch(slot: bigint): bigint | undefined {
    if (slot < this.startSlot) {
      return undefined;
    }
    const since = slot - this.startSlot;
    return (since > this.graceSlots ? since - this.graceSlots : 0n) / this.commitSlots;
  }

  commitOpens(k: bigint): bigint {
    return this.startSlot + k * this.commitSlots;
  }
  graceOpens(k: bigint): bigint {
    return this.commitOpens(k) + this.commitSlots;
  }
  revealOpens(k: bigint): bigint {
    return this.graceOpens(k) + this.graceSlots;
  }
  clearableFrom(k: bigint): bigint {
    return this.revealOpens(k) + this.revealSlots;
  }

  phase(k: bigint, slot: bigint): BatchPhase {
    if (slot >= this.clearableFrom(k)) return 'clearable';
    if (slot >= this.revealOpens(k)) return 'revealing';
    if (slot >= this.graceOpens(k)) return 'grace';
    if (slot >= this.commitOpens(k)) return 'committing';
    return 'pending';
  }
}

/** Solana's target slot time, milliseconds: the pace a [`SlotPace`] assumes until it has measured one. */
export const TARGET_SLOT_MS = 400;

/**
 * How fast a node's slots go, from the slots a client reads and when: the
 * mean milliseconds per slot over the last `windowMs`, once the samples
 * span at least `minSpanMs` (before that, Solana's target). A reveal
 * window's round is reckoned with it: a node that is slower or faster
 * than 400 ms slots (a local one, a congested cluster) opens the window
 * later or sooner than the target says.
 */
export class SlotPace {
  private samples: { atMs: number; slot: bigint }[] = [];

  constructor(
    private readonly windowMs = 60_000,
    private readonly minSpanMs = 2_000,
  ) {}

  /** The node was at `slot` at `atMs` (epoch milliseconds). */
  observe(slot: bigint, atMs = Date.now()): void {
    const last = this.samples.at(-1);
    if (last && (slot < last.slot || atMs < last.atMs)) this.samples = []; // another node, or the clock went back
    this.samples.push({ atMs, slot });
    while (this.samples.length > 2 && atMs - (this.samples[0]?.atMs ?? atMs) > this.windowMs) this.samples.shift();
  }

  /** Milliseconds per slot. */
  msPerSlot(): number {
    const [first, last] = [this.samples[0], this.samples.at(-1)];
    if (!first || !last || last.atMs - first.atMs < this.minSpanMs || last.slot === first.slot) return TARGET_SLOT_MS;
    return (last.atMs - first.atMs) / Number(last.slot - first.slot);
  }
}

/** `order` as its commitment binds it: what `revealOrder` later presents (no quote budget). */
export function sealedOrderOf(order: OrderArgs): SealedOrder {
  return {
    side: order.side,
    orderType: order.orderType ?? 'limit',
    selfTrade: order.selfTrade ?? 'decrementTake',
    price: BigInt(order.priceTicks.toString()),
    maxBase: BigInt(order.maxBaseLots.toString()),
    maxQuote: order.maxQuote === undefined ? NO_QUOTE_LIMIT : BigInt(order.maxQuote.toString()),
    clientOrderId: BigInt((order.clientOrderId ?? 0).toString()),
    expiry: BigInt((order.expiry ?? 0).toString()),
  };
}

/** `EntryKind::Committed` in a batch entry's kind byte. */
const ENTRY_COMMITTED = 1;
/** Offsets in a batch entry: batch (u64), commitment ([u8; 32]), trader id (u32), kind (u8). */
const ENTRY_COMMITMENT_AT = 8;
const ENTRY_KIND_AT = 44;

/**
 * The entry of the batch account (`data`, as fetched) holding `commitment`
 * awaiting its reveal: what `revealOrder` names. Undefined if none does.
 */
export function committedEntry(data: Uint8Array, commitment: Uint8Array): number | undefined {
  const first = 8 + SEALED_BATCH.headerBytes;
  const count = Math.floor((data.length - first) / SEALED_BATCH.entryBytes);
  for (let i = 0; i < count; i++) {
    const at = first + i * SEALED_BATCH.entryBytes;
    if (data[at + ENTRY_KIND_AT] !== ENTRY_COMMITTED) continue;
    const stored = data.subarray(at + ENTRY_COMMITMENT_AT, at + ENTRY_COMMITMENT_AT + 32);
    if (stored.every((byte, j) => byte === commitment[j])) return i;
  }
  return undefined;
}

/** Offset of the beacon's chain hash in a batch account (after the discriminator). */
const BEACON_CHAIN_HASH_AT = 8 + SEALED_BATCH.beaconChainHashOffset;

/**
 * The drand chain hash (hex) of the beacon a batch market's sealed orders
 * may be encrypted to, from its batch account (`data`, as fetched); null
 * when it names none (issue 26).
 */
export function batchBeacon(data: Uint8Array): string | null {
  const hash = data.subarray(BEACON_CHAIN_HASH_AT, BEACON_CHAIN_HASH_AT + 32);
  return hash.length === 32 && hash.some((byte) => byte !== 0) ? Buffer.from(hash).toString('hex') : null;
}

/** `EntryKind::Revealed` in a batch entry's kind byte. */
const ENTRY_REVEALED = 2;

/**
 * Whether entry `entry` of a batch account (`data`) is `commitment`
 * awaiting its reveal (`committed`), revealed (`revealed`: by anyone, a
 * keeper of an encrypted order included), or no longer holds it (`gone`:
 * cleared or never there).
 */
export function entryState(data: Uint8Array, entry: number, commitment: Uint8Array): 'committed' | 'revealed' | 'gone' {
  const at = 8 + SEALED_BATCH.headerBytes + entry * SEALED_BATCH.entryBytes;
  if (at + SEALED_BATCH.entryBytes > data.length) return 'gone';
  const stored = data.subarray(at + ENTRY_COMMITMENT_AT, at + ENTRY_COMMITMENT_AT + 32);
  if (!stored.every((byte, j) => byte === commitment[j])) return 'gone';
  const kind = data[at + ENTRY_KIND_AT];
  return kind === ENTRY_COMMITTED ? 'committed' : kind === ENTRY_REVEALED ? 'revealed' : 'gone';
}
