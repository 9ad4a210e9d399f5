import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compareBigint, parseBookOrder, parseCandle, parseLevel, parseQuantity, parseTrade } from '../src/index.js';

test('quantities past 2^53 parse exactly (a JSON number would round them)', () => {
  assert.equal(parseQuantity('18446744073709551615', 'x'), 18_446_744_073_709_551_615n);
  assert.equal(Number('18446744073709551615'), 18_446_744_073_709_552_000); // what a number makes of it
  const order = parseBookOrder({ order_id: '9007199254740993', side: 'bid', price: '7', trader_id: 3, base_lots: '0' });
  assert.deepEqual(order, { order_id: 9_007_199_254_740_993n, side: 'bid', price: 7n, trader_id: 3, base_lots: 0n });
});

test('a number, a non-decimal or an out-of-range value where a quantity belongs is refused by name', () => {
  assert.throws(() => parseLevel({ price: 5, base_lots: '1', orders: 1 }), /level\.price: expected a decimal string, got 5/);
  assert.throws(() => parseLevel({ price: '5', base_lots: '1e3', orders: 1 }), /level\.base_lots: expected a decimal string/);
  assert.throws(() => parseLevel({ price: '-5', base_lots: '1', orders: 1 }), /level\.price/);
  assert.throws(() => parseQuantity('18446744073709551616', 'size'), /size: 18446744073709551616 is out of range/);
  assert.throws(() => parseLevel(null), /level: expected an object/);
});

test('signed fields: a maker rebate and candle prices', () => {
  const trade = parseTrade({
    seq: 4, price: '100', base_lots: '2', quote: '2000', taker_side: 'ask', maker_order_id: '1', taker_order_id: '2',
    maker_trader_id: 0, taker_trader_id: 1, taker_fee: '3', maker_fee: '-1', slot: 9, block_time: null,
  });
  assert.equal(trade.maker_fee, -1n);
  assert.equal(trade.seq, 4);
  const candle = parseCandle({ resolution: 60, start: 0, open: '1', high: '3', low: '1', close: '2', base_lots: '5', quote: '9', trades: 2 });
  assert.deepEqual([candle.open, candle.high, candle.close, candle.trades], [1n, 3n, 2n, 2]);
  assert.deepEqual([3n, 1n, 2n].sort(compareBigint), [1n, 2n, 3n]);
});
