// The program's errors by name. A failed transaction reaches a client in
// several shapes (Anchor's AnchorError or ProgramError, web3.js's
// SendTransactionError with its logs, a confirmation's `InstructionError`
// object); `orderbookError` finds the error code in any of them and names it
// from the IDL, or from Anchor's own framework errors (codes below 6000).
import { LangErrorCode, LangErrorMessage } from '@coral-xyz/anchor';

import { RAW_IDL } from './program.js';

export interface OrderbookError {
  code: number;
  /** The IDL's name (`InsufficientFunds`), or Anchor's (`ConstraintHasOne`). */
  name: string;
  message: string;
}

/** Every program error of the IDL, by name. */
export const ERRORS: Record<string, OrderbookError> = Object.fromEntries(
  RAW_IDL.errors.map((e) => [e.name, { code: e.code, name: e.name, message: e.msg }]),
);

const BY_CODE = new Map(Object.values(ERRORS).map((e) => [e.code, e]));
const ANCHOR_BY_CODE = new Map(Object.entries(LangErrorCode).map(([name, code]) => [code, name.charAt(0).toUpperCase() + name.slice(1)]));

/** The error named by `code`, from the IDL or Anchor's framework errors. */
export function errorOfCode(code: number): OrderbookError | null {
  const own = BY_CODE.get(code);
  if (own) {
    return own;
  }
  const anchorName = ANCHOR_BY_CODE.get(code);
  return anchorName ? { code, name: anchorName, message: LangErrorMessage.get(code) ?? '' } : null;
}

const CUSTOM_ERROR = /custom program error: (0x[0-9a-fA-F]+|\d+)/;

function codeIn(error: unknown, depth = 0): number | null {
  if (error === null || error === undefined || depth > 4) {
    return null;
  }
  if (typeof error === 'string') {
    const match = CUSTOM_ERROR.exec(error);
    return match?.[1] ? Number(match[1]) : null;
  }
  if (typeof error !== 'object') {
    return null;
  }
  const record = error as Record<string, unknown>;
  // AnchorError: error.errorCode.number
  const anchor = (record.error as { errorCode?: { number?: number } } | undefined)?.errorCode?.number;
  if (typeof anchor === 'number') {
    return anchor;
  }
  // ProgramError: code
  if (typeof record.code === 'number' && record.code >= 100) {
    return record.code;
  }
  // A transaction error: { InstructionError: [index, { Custom: code }] }
  const instructionError = record.InstructionError as [number, { Custom?: number }] | undefined;
  if (Array.isArray(instructionError) && typeof instructionError[1]?.Custom === 'number') {
    return instructionError[1].Custom;
  }
  for (const text of [record.message, ...(Array.isArray(record.logs) ? record.logs : [])]) {
    const code = typeof text === 'string' ? codeIn(text, depth + 1) : null;
    if (code !== null) {
      return code;
    }
  }
  return codeIn(record.err ?? record.cause, depth + 1);
}

/** The program error a failed send or confirmation carries, or null when it carries none. */
export function orderbookError(error: unknown): OrderbookError | null {
  const code = codeIn(error);
  return code === null ? null : errorOfCode(code);
}
