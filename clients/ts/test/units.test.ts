import assert from 'node:assert/strict';
import { test } from 'node:test';

import BN from 'bn.js';

import { formatAtoms, lotsFromSize, parseAtoms, priceFromTicks, quoteAtomsFor, sizeFromLots, ticksFromPrice } from '../src/index.js';

// 9-decimal base, 6-decimal quote; a lot is 0.001 base, a quote lot 10 atoms,
// a tick one quote lot per base lot: one tick = 10 atoms per 0.001 base
// = 0.01 quote per base.
const market = { engine: { baseLotSize: new BN(1_000_000), quoteLotSize: new BN(10), tickSize: new BN(1) }, baseDecimals: 9, quoteDecimals: 6 };

test('prices convert between ticks and quote per base exactly, rounding to the grid as asked', () => {
  assert.equal(priceFromTicks(market, new BN(12_345)), '123.45');
  assert.equal(ticksFromPrice(market, '123.45').toNumber(), 12_345);
  assert.equal(ticksFromPrice(market, '123.456', 'down').toNumber(), 12_345);
  assert.equal(ticksFromPrice(market, '123.456', 'up').toNumber(), 12_346);
  assert.equal(ticksFromPrice(market, '0.001', 'down').toNumber(), 0);
});

test('sizes convert between lots and base tokens', () => {
  assert.equal(sizeFromLots(market, new BN(1500)), '1.5');
  assert.equal(lotsFromSize(market, '1.5').toNumber(), 1500);
  assert.equal(lotsFromSize(market, '1.0005').toNumber(), 1000);
  assert.equal(lotsFromSize(market, '1.0005', 'up').toNumber(), 1001);
  // 1.5 base at 123.45 = 185.175 quote = 185,175,000... atoms? 1500 lots × 12,345 ticks × 10 atoms.
  assert.equal(quoteAtomsFor(market, new BN(12_345), new BN(1500)).toString(), '185175000');
});

test('amounts format and parse in the mint units, refusing what is not a plain decimal', () => {
  assert.equal(formatAtoms(new BN(1_500_000), 6), '1.5');
  assert.equal(formatAtoms(new BN(5), 6), '0.000005');
  assert.equal(formatAtoms(-2_000_000n, 6), '-2');
  assert.equal(parseAtoms('1.5', 6).toNumber(), 1_500_000);
  assert.throws(() => parseAtoms('1.0000001', 6), /more than 6 decimals/);
  for (const bad of ['', '-1', '1e3', 'abc', '1.2.3', ' . ']) {
    assert.throws(() => parseAtoms(bad, 6), /not a non-negative decimal/, bad);
  }
  assert.throws(() => ticksFromPrice(market, 'NaN'), /price: not a non-negative decimal/);
});
