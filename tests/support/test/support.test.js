import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';

import { adjacentFreePorts, freePorts, until } from '../index.js';

test('freePorts never hands out the same port twice in one call', async () => {
  const ports = await freePorts(50);
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) assert.ok(port > 0 && port < 65536);
});

test('adjacentFreePorts gives a free port and the next one, both bindable', async () => {
  const [rpc, ws] = await adjacentFreePorts();
  assert.equal(ws, rpc + 1);
  for (const port of [rpc, ws]) {
    const server = createServer().listen(port, '127.0.0.1');
    await once(server, 'listening');
    await new Promise((resolve) => server.close(resolve));
  }
});

test('until fails naming what it waited for once the deadline passes', async () => {
  await assert.rejects(until('the impossible', () => false, { timeoutMs: 50, intervalMs: 10 }), /the impossible: not within 50 ms/);
});

test('until returns as soon as the state holds', async () => {
  let calls = 0;
  await until('the third call', () => (calls += 1) >= 3, { intervalMs: 1 });
  assert.equal(calls, 3);
});
