import assert from 'node:assert/strict';
import { test } from 'node:test';

import { freePorts, until } from '../index.js';

test('freePorts never hands out the same port twice in one call', async () => {
  const ports = await freePorts(50);
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port > 0 && port < 65536);
});

test('until fails naming what it waited for once the deadline passes', async () => {
  await assert.rejects(until('the impossible', () => false, { timeoutMs: 50, intervalMs: 10 }), /the impossible: not within 50 ms/);
});

test('until returns as soon as the state holds', async () => {
  let calls = 0;
  await until('the third call', () => (calls += 1) >= 3, { intervalMs: 1 });
  assert.equal(calls, 3);
});
