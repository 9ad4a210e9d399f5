// The package as a consumer imports it: by its name, through its `exports`
// (a path missing from the package fails here, as it would for a user).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PROGRAM_ID } from '../src/index.js';

test('@orderbook/client/idl.json is the IDL, importable by package name', async () => {
  const { default: idl } = (await import('@orderbook/client/idl.json', { with: { type: 'json' } })) as {
    default: { address: string; metadata: { name: string } };
  };
  assert.equal(idl.address, PROGRAM_ID.toBase58());
  assert.equal(idl.metadata.name, 'orderbook');
});

test('@orderbook/client resolves to the built entry point', async () => {
  const client = (await import('@orderbook/client')) as { PROGRAM_ID?: unknown };
  assert.equal(String(client.PROGRAM_ID), PROGRAM_ID.toBase58());
});

test('@orderbook/client/encrypted is its own entry point', async () => {
  const encrypted = (await import('@orderbook/client/encrypted')) as { REVEAL_PAYLOAD_VERSION?: unknown };
  assert.equal(encrypted.REVEAL_PAYLOAD_VERSION, 1);
});
