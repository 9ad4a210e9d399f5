// A book side built byte by byte (header + node pool, as the engine lays it
// out) decodes best first by walking the tree, and aggregates into levels.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import BN from 'bn.js';

import { decodeBookSide, l2, ORDER_NODE_BYTES } from '../src/index.js';
import { program } from './helpers.js';

interface Node { index: number; left: number; right: number; parent: number; price: number; seq: number; lots: number }

async function bookSide(side: 'bid' | 'ask', capacity: number, root: number, best: number, nodes: Node[]): Promise<Buffer> {
  const header = await program.coder.accounts.encode('bookSideAccount', {
    header: {
      capacity, count: nodes.length, root, best, freeHead: 0, bump: nodes.length + 1, pruneCursor: 0, pad0: 0,
      side: { [side]: {} }, reserved: new Array(31).fill(0),
    },
  });
  const pool = Buffer.alloc((capacity + 1) * ORDER_NODE_BYTES);
  for (const node of nodes) {
    const bytes = program.coder.types.encode('orderNode', {
      left: node.left, right: node.right, parent: node.parent, traderId: 7, price: new BN(node.price), seq: new BN(node.seq),
      baseLots: new BN(node.lots), expiry: new BN(0), color: 0, tag: 1, slot: 0, pad: 0, reserved: new Array(12).fill(0),
    });
    bytes.copy(pool, node.index * ORDER_NODE_BYTES);
  }
  return Buffer.concat([header, pool]);
}

test('a bid side walks best price first, then time priority, through left, right and parent links', async () => {
  //        1 (100, #1)
  //       /          \
  //  2 (101, #2)    3 (100, #3)
  //                    \
  //                   4 (99, #4)
  const data = await bookSide('bid', 8, 1, 2, [
    { index: 1, left: 2, right: 3, parent: 0, price: 100, seq: 1, lots: 5 },
    { index: 2, left: 0, right: 0, parent: 1, price: 101, seq: 2, lots: 1 },
    { index: 3, left: 0, right: 4, parent: 1, price: 100, seq: 3, lots: 2 },
    { index: 4, left: 0, right: 0, parent: 3, price: 99, seq: 4, lots: 9 },
  ]);
  const book = decodeBookSide(program, data);
  assert.equal(book.side, 'bid');
  assert.equal(book.capacity, 8);
  assert.deepEqual(book.orders.map((o) => [o.priceTicks.toNumber(), o.orderId.toNumber(), o.baseLots.toNumber()]), [
    [101, 2, 1], [100, 1, 5], [100, 3, 2], [99, 4, 9],
  ]);
  assert.deepEqual(l2(book).map((l) => [l.priceTicks.toNumber(), l.baseLots.toNumber(), l.orders]), [
    [101, 1, 1], [100, 7, 2], [99, 9, 1],
  ]);
  assert.equal(l2(book, 2).length, 2);
});

test('an empty side has no orders; a truncated pool is refused', async () => {
  const empty = await bookSide('ask', 4, 0, 0, []);
  assert.deepEqual(decodeBookSide(program, empty).orders, []);
  assert.equal(decodeBookSide(program, empty).side, 'ask');
  const truncated = (await bookSide('ask', 4, 1, 1, [{ index: 1, left: 0, right: 0, parent: 0, price: 5, seq: 1, lots: 1 }])).subarray(0, 200);
  assert.throws(() => decodeBookSide(program, truncated), /corrupt book side/);
});

test('a cycle in the links cannot loop: the walk stops at the order count', async () => {
  const data = await bookSide('ask', 4, 1, 1, [
    { index: 1, left: 0, right: 2, parent: 0, price: 5, seq: 1, lots: 1 },
    { index: 2, left: 1, right: 0, parent: 1, price: 6, seq: 2, lots: 1 },
  ]);
  assert.ok(decodeBookSide(program, data).orders.length <= 2);
});
