import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { PublicKey } from '@solana/web3.js';

import { BatchSchedule, batchBeacon, commitment, commitmentPreimage, committedEntry, NO_QUOTE_LIMIT, randomSalt, SEALED_BATCH, sealedOrderOf, SlotPace, TARGET_SLOT_MS } from '../src/index.js';
import type { OrderType, SealedOrder, SelfTradeMode, Side } from '../src/index.js';

/** The vectors the engine writes (crates/engine/tests/commitment_vectors.rs). */
interface Vector {
  market: string;
  owner: string;
  batch: string;
  side: string;
  order_type: string;
  self_trade: string;
  price: string;
  max_base: string;
  max_quote: string;
  client_order_id: string;
  expiry: string;
  salt: string;
  preimage: string;
  commitment: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../../crates/engine/tests/vectors/sealed-order.json', import.meta.url), 'utf8'),
) as Vector[];

/** Rust's variant name (`ImmediateOrCancel`) as the client's (`immediateOrCancel`). */
function camel<T extends string>(rust: string): T {
  return (rust.charAt(0).toLowerCase() + rust.slice(1)) as T;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('commitments match the engine byte for byte on every shared vector', () => {
  assert.ok(vectors.length >= 4);
  for (const v of vectors) {
    const order: SealedOrder = {
      side: camel<Side>(v.side),
      orderType: camel<OrderType>(v.order_type),
      selfTrade: camel<SelfTradeMode>(v.self_trade),
      price: BigInt(v.price),
      maxBase: BigInt(v.max_base),
      maxQuote: BigInt(v.max_quote),
      clientOrderId: BigInt(v.client_order_id),
      expiry: BigInt(v.expiry),
    };
    const args = [new PublicKey(Buffer.from(v.market, 'hex')), new PublicKey(Buffer.from(v.owner, 'hex')), BigInt(v.batch), order, Buffer.from(v.salt, 'hex')] as const;
    assert.equal(hex(commitmentPreimage(...args)), v.preimage);
    assert.equal(hex(commitment(...args)), v.commitment);
  }
});

test('a bad salt or an out-of-range field is refused, not truncated', () => {
  const key = PublicKey.default;
  const order: SealedOrder = { side: 'bid', orderType: 'limit', selfTrade: 'decrementTake', price: 1n, maxBase: 1n, maxQuote: 1n, clientOrderId: 0n, expiry: 0n };
  assert.throws(() => commitment(key, key, 0n, order, new Uint8Array(31)), /a salt is 32 bytes/);
  assert.throws(() => commitment(key, key, 0n, { ...order, price: 1n << 64n }, randomSalt()), /price is not a u64/);
  assert.throws(() => commitment(key, key, -1n, order, randomSalt()), /batch is not a u64/);
  assert.notEqual(hex(randomSalt()), hex(randomSalt()));
});

test('the batch clock agrees with the engine: pipelined commits, a cancel grace, then reveals', () => {
  const s = new BatchSchedule(100n);
  // The defaults come from the IDL's constants (the engine's).
  assert.deepEqual([s.commitSlots, s.graceSlots, s.revealSlots], [2n, 4n, 8n]);
  assert.equal(SEALED_BATCH.maxWindowSlots, 256);
  assert.equal(s.committingBatch(99n), undefined);
  assert.equal(s.committingBatch(101n), 0n);
  assert.equal(s.committingBatch(102n), 1n);
  assert.deepEqual([99n, 100n, 101n, 102n].map((slot) => s.commitSlotsLeft(slot)), [0n, 2n, 1n, 2n]);
  assert.deepEqual(
    [99n, 100n, 102n, 105n, 106n, 113n, 114n].map((slot) => s.phase(0n, slot)),
    ['pending', 'committing', 'grace', 'grace', 'revealing', 'revealing', 'clearable'],
  );
  assert.equal(s.clearableFrom(3n), 120n);
  for (let slot = 100n; slot < 200n; slot++) {
    const k = s.cancellingBatch(slot)!;
    assert.ok(['committing', 'grace'].includes(s.phase(k, slot)), `slot ${slot}`);
    if (k > 0n) {
      assert.ok(['revealing', 'clearable'].includes(s.phase(k - 1n, slot)), `slot ${slot}`);
    }
  }
  assert.throws(() => new BatchSchedule(0n, 0n), /windows must be/);
});

test('an order seals as its reveal presents it, and its committed entry is found by its hash', () => {
  const sealed = sealedOrderOf({ side: 'ask', orderType: 'immediateOrCancel', priceTicks: 7n, maxBaseLots: 3 });
  assert.deepEqual(
    [sealed.selfTrade, sealed.maxQuote, sealed.clientOrderId, sealed.expiry, sealed.price],
    ['decrementTake', NO_QUOTE_LIMIT, 0n, 0n, 7n],
  );
  const entries = 4;
  const data = new Uint8Array(8 + SEALED_BATCH.headerBytes + entries * SEALED_BATCH.entryBytes);
  const hash = new Uint8Array(32).fill(9);
  const entryAt = (i: number) => 8 + SEALED_BATCH.headerBytes + i * SEALED_BATCH.entryBytes;
  // Entry 1 holds the hash but is already revealed (kind 2); entry 3 awaits its reveal.
  data.set(hash, entryAt(1) + 8);
  data[entryAt(1) + 44] = 2;
  data.set(hash, entryAt(3) + 8);
  data[entryAt(3) + 44] = 1;
  assert.equal(committedEntry(data, hash), 3);
  assert.equal(committedEntry(data, new Uint8Array(32).fill(8)), undefined);
});

test("a batch account names its beacon's chain hash at the IDL's offset, or none", () => {
  const data = new Uint8Array(8 + SEALED_BATCH.headerBytes + SEALED_BATCH.entryBytes);
  assert.equal(batchBeacon(data), null);
  const hash = Buffer.alloc(32, 0xbe);
  // The engine's BatchHeader: 64 bytes of clock, caps, cursor and lamports first.
  assert.equal(SEALED_BATCH.beaconChainHashOffset, 64);
  data.set(hash, 8 + 64);
  assert.equal(batchBeacon(data), hash.toString('hex'));
});

test('the slot pace is measured from what the node said, over its window, and the target until then', () => {
  const pace = new SlotPace(10_000, 2_000);
  assert.equal(pace.msPerSlot(), TARGET_SLOT_MS);
  pace.observe(100n, 0);
  pace.observe(110n, 1_000);
  assert.equal(pace.msPerSlot(), TARGET_SLOT_MS, 'one second is too short a span');
  pace.observe(130n, 3_000);
  assert.equal(pace.msPerSlot(), 100);
  // A slower node later: the window forgets the fast start.
  pace.observe(160n, 12_000);
  pace.observe(170n, 15_000);
  assert.equal(pace.msPerSlot(), (15_000 - 12_000) / (170 - 160));
  // Another node (its slot behind): start again.
  pace.observe(7n, 16_000);
  assert.equal(pace.msPerSlot(), TARGET_SLOT_MS);
});
