// One event self-CPI carries several events; all of them decode, in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import BN from 'bn.js';

import { decodeEventBatch, EVENT_IX_TAG, isEventBatch, RAW_IDL } from '../src/index.js';
import { key, program } from './helpers.js';

function discriminator(name: string): Buffer {
  const event = RAW_IDL.events.find((e) => e.name === name);
  assert.ok(event, name);
  return Buffer.from(event.discriminator);
}

const market = key();

function placed(seq: number): Buffer {
  return Buffer.concat([
    discriminator('OrderPlaced'),
    program.coder.types.encode('orderPlaced', {
      market, seq: new BN(seq), traderId: 3, orderId: new BN(40 + seq), clientOrderId: new BN(9), side: { ask: {} },
      orderType: { postOnly: {} }, price: new BN(100), maxBaseLots: new BN(5), postedBaseLots: new BN(5),
      filledBaseLots: new BN(0), filledQuote: new BN(0), takerFee: new BN(0), expiry: new BN(0),
    }),
  ]);
}

function filled(seq: number): Buffer {
  return Buffer.concat([
    discriminator('OrderFilled'),
    program.coder.types.encode('orderFilled', {
      market, seq: new BN(seq), queueSeq: new BN(1), makerTraderId: 3, takerTraderId: 4, makerOrderId: new BN(41),
      takerOrderId: new BN(42), takerSide: { bid: {} }, price: new BN(100), baseLots: new BN(2), quote: new BN(2000),
      takerFee: new BN(1), makerFee: new BN(-1), makerOut: false,
    }),
  ]);
}

test('every event of a batch decodes, in order (Anchor alone reads only the first)', () => {
  const batch = Buffer.concat([EVENT_IX_TAG, placed(1), filled(2), placed(3)]);
  assert.ok(isEventBatch(batch));
  const events = decodeEventBatch(program, batch);
  assert.deepEqual(events.map((e) => [e.name, e.data.seq.toNumber()]), [['orderPlaced', 1], ['orderFilled', 2], ['orderPlaced', 3]]);
  const fill = events[1];
  assert.ok(fill?.name === 'orderFilled');
  assert.equal(fill.data.makerFee.toNumber(), -1);
  assert.deepEqual(fill.data.takerSide, { bid: {} });
  // What Anchor's coder makes of the same bytes after the tag: one event.
  const first = program.coder.events.decode(batch.subarray(8).toString('base64'));
  assert.equal(first?.name, 'orderPlaced');
});

test('malformed batches are refused, not half-read', () => {
  const batch = Buffer.concat([EVENT_IX_TAG, placed(1), filled(2)]);
  assert.throws(() => decodeEventBatch(program, batch.subarray(0, batch.length - 3)), /malformed event batch/);
  assert.throws(() => decodeEventBatch(program, Buffer.concat([batch, Buffer.alloc(8, 7)])), /malformed event batch/);
  assert.throws(() => decodeEventBatch(program, placed(1)), /not an event batch/);
  assert.deepEqual(decodeEventBatch(program, EVENT_IX_TAG), []);
});

function encrypted(seq: number, ciphertext: Buffer): Buffer {
  return Buffer.concat([
    discriminator('OrderEncrypted'),
    program.coder.types.encode('orderEncrypted', { market, seq: new BN(seq), batch: new BN(7), entry: 2, ciphertext }),
  ]);
}

test('an encrypted order carries its ciphertext: a variable-length event between fixed ones', () => {
  const ciphertext = Buffer.alloc(563, 0xc1);
  const batch = Buffer.concat([EVENT_IX_TAG, placed(1), encrypted(2, ciphertext), filled(3)]);
  const events = decodeEventBatch(program, batch);
  assert.deepEqual(events.map((e) => e.name), ['orderPlaced', 'orderEncrypted', 'orderFilled']);
  const e = events[1];
  assert.ok(e?.name === 'orderEncrypted');
  assert.deepEqual(Buffer.from(e.data.ciphertext), ciphertext);
  // A length running past the data is refused.
  const cut = Buffer.concat([EVENT_IX_TAG, encrypted(1, ciphertext)]);
  assert.throws(() => decodeEventBatch(program, cut.subarray(0, cut.length - 1)), /malformed event batch/);
});
