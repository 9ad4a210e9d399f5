import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bookSideBytes, eventQueueBytes, MARKET_BYTES, ORDER_NODE_BYTES, TRADER_ACCOUNT_BYTES } from '../src/index.js';
import { program } from './helpers.js';

// The Rust structs' sizes are pinned by const_assert (Market 600, TraderAccount
// 1,216, headers and nodes 64); the IDL must give the same.
test('account sizes from the IDL equal the program structs plus the discriminator', () => {
  assert.equal(MARKET_BYTES, 8 + 600);
  assert.equal(TRADER_ACCOUNT_BYTES, 8 + 1216);
  assert.equal(ORDER_NODE_BYTES, 64);
  assert.equal(bookSideBytes(16), 8 + 64 + 17 * 64);
  assert.equal(eventQueueBytes(128), 8 + 64 + 128 * 64);
  // Anchor's own size of the fixed part agrees (it cannot know the pool).
  assert.equal(program.account.market.size, MARKET_BYTES);
  assert.equal(program.account.traderAccount.size, TRADER_ACCOUNT_BYTES);
});
