import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ERRORS, errorOfCode, orderbookError } from '../src/index.js';

const insufficient = ERRORS.InsufficientFunds;

test('every shape a failed transaction takes names the program error', () => {
  assert.ok(insufficient);
  const hex = `0x${insufficient.code.toString(16)}`;
  const shapes: unknown[] = [
    { InstructionError: [0, { Custom: insufficient.code }] },
    new Error(`Transaction simulation failed: Error processing Instruction 0: custom program error: ${hex}`),
    { message: 'Simulation failed', logs: ['Program x invoke [1]', `Program x failed: custom program error: ${hex}`] },
    { error: { errorCode: { code: 'InsufficientFunds', number: insufficient.code } } },
    { err: { InstructionError: [1, { Custom: insufficient.code }] } },
  ];
  for (const shape of shapes) {
    assert.deepEqual(orderbookError(shape), insufficient, JSON.stringify(shape));
  }
});

test("Anchor's own errors are named; anything else is not an orderbook error", () => {
  assert.equal(errorOfCode(2001)?.name, 'ConstraintHasOne');
  assert.equal(orderbookError(new Error('blockhash not found')), null);
  assert.equal(orderbookError(undefined), null);
  assert.equal(errorOfCode(59_999), null);
});
