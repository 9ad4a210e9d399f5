// Encrypted orders across languages (issue 26): the vectors Rust writes
// (keeper/tests/encrypted.rs) with a fixed beacon key. The payload bytes
// match, tlock-js decrypts the ciphertext Rust made, and Rust decrypts the
// one made here (ORDERBOOK_WRITE_VECTORS=1 rewrites it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';

import { type ChainClient, decryptPayload, encryptPayload, revealPayload } from '../src/encrypted.js';
import type { OrderType, Side } from '../src/index.js';

const path = new URL('../../../../crates/client/tests/vectors/encrypted-order.json', import.meta.url);

interface Vectors {
  info: { public_key: string; period: number; genesis_time: number; hash: string; groupHash: string; schemeID: string; metadata: { beaconID: string } };
  round: number;
  signature: string;
  order: { side: Side; orderType: OrderType; priceTicks: string; maxBaseLots: string; clientOrderId: string; expiry: string };
  salt: string;
  payload: string;
  rust_ciphertext: string;
  ts_ciphertext?: string;
}

const v = JSON.parse(readFileSync(path, 'utf8')) as Vectors;

/** The vectors' beacon, offline: its info and the one round's signature, verified by drand-client as over HTTP. */
const beacon: ChainClient = {
  options: { disableBeaconVerification: false, noCache: true },
  chain: () => ({ baseUrl: 'vectors', info: async () => v.info }),
  latest: async () => ({ round: v.round, randomness: '', signature: v.signature }),
  get: async (round: number) => {
    assert.equal(round, v.round, 'the ciphertext names the vectors round');
    const randomness = Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from(v.signature, 'hex'))).toString('hex');
    return { round, randomness, signature: v.signature };
  },
};

const payload = () =>
  revealPayload(
    { side: v.order.side, orderType: v.order.orderType, priceTicks: BigInt(v.order.priceTicks), maxBaseLots: BigInt(v.order.maxBaseLots), clientOrderId: BigInt(v.order.clientOrderId), expiry: BigInt(v.order.expiry) },
    Buffer.from(v.salt, 'hex'),
  );

test('the payload is byte for byte the one Rust builds', () => {
  assert.equal(Buffer.from(payload()).toString('hex'), v.payload);
  assert.throws(() => revealPayload({ side: 'bid', priceTicks: 1, maxBaseLots: 1 }, new Uint8Array(31)), /32 bytes/);
});

test('tlock-js decrypts what Rust encrypted, with the round the beacon signed', async () => {
  const plain = await decryptPayload(Buffer.from(v.rust_ciphertext, 'hex'), beacon);
  assert.equal(Buffer.from(plain).toString('hex'), v.payload);
});

test('what tlock-js encrypts decrypts back here, and Rust decrypts it (keeper/tests/encrypted.rs)', async () => {
  const ciphertext = await encryptPayload(payload(), v.round, beacon);
  const plain = await decryptPayload(ciphertext, beacon);
  assert.equal(Buffer.from(plain).toString('hex'), v.payload);
  if (process.env.ORDERBOOK_WRITE_VECTORS) {
    v.ts_ciphertext = Buffer.from(ciphertext).toString('hex');
    writeFileSync(path, `${JSON.stringify(v, null, 2)}\n`);
  }
  assert.ok(v.ts_ciphertext, 'the vectors hold a ciphertext made by tlock-js');
});
