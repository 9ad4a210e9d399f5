// One market's units for the page: the REST row's parameters as the
// client's `MarketUnits`, and the conversions the views and the form use.
// Amounts stay exact (bigints, decimal strings); only the charts get floats.
import { formatAtoms, lotsFromSize, priceFromTicks, quoteAtomsFor, sizeFromLots, ticksFromPrice, type MarketUnits } from '@orderbook/client';
import BN from 'bn.js';

import type { MarketRow } from './api';

/** How many fraction digits a decimal string of one unit has. */
function fractionDigits(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** A mint as a short label, for a mint whose metadata names no symbol. */
export function shortMint(mint: string): string {
  return `${mint.slice(0, 4)}…${mint.slice(-4)}`;
}

export class Units {
  readonly units: MarketUnits;
  readonly priceDigits: number;
  readonly sizeDigits: number;
  readonly base: string;
  readonly quote: string;

  constructor(readonly row: MarketRow) {
    if (row.base_decimals === null || row.quote_decimals === null) {
      throw new Error(`market ${row.market} was indexed before its mints' decimals were (reindex it)`);
    }
    this.units = {
      engine: { baseLotSize: new BN(row.base_lot_size), quoteLotSize: new BN(row.quote_lot_size), tickSize: new BN(row.tick_size) },
      baseDecimals: row.base_decimals,
      quoteDecimals: row.quote_decimals,
    };
    this.priceDigits = fractionDigits(priceFromTicks(this.units, 1n));
    this.sizeDigits = fractionDigits(sizeFromLots(this.units, 1n));
    this.base = row.base_symbol ?? shortMint(row.base_mint);
    this.quote = row.quote_symbol ?? shortMint(row.quote_mint);
  }

  /** A price in ticks as quote tokens per base token, fixed to the tick's digits. */
  price(ticks: number | bigint): string {
    return fixed(priceFromTicks(this.units, BigInt(ticks)), this.priceDigits);
  }

  priceNumber(ticks: number | bigint): number {
    return Number(priceFromTicks(this.units, BigInt(ticks)));
  }

  /** A size in lots as base tokens. */
  size(lots: number | bigint | string): string {
    return fixed(sizeFromLots(this.units, BigInt(lots)), this.sizeDigits);
  }

  sizeNumber(lots: number | bigint | string): number {
    return Number(sizeFromLots(this.units, BigInt(lots)));
  }

  baseAtoms(atoms: string | bigint): string {
    return formatAtoms(BigInt(atoms), this.units.baseDecimals);
  }

  quoteAtoms(atoms: string | bigint): string {
    return formatAtoms(BigInt(atoms), this.units.quoteDecimals);
  }

  /** `token`'s atoms in whole tokens, and its label and decimals (balances, transfers). */
  atoms(token: 'base' | 'quote', atoms: string | bigint): string {
    return token === 'base' ? this.baseAtoms(atoms) : this.quoteAtoms(atoms);
  }

  symbol(token: 'base' | 'quote'): string {
    return token === 'base' ? this.base : this.quote;
  }

  decimals(token: 'base' | 'quote'): number {
    return token === 'base' ? this.units.baseDecimals : this.units.quoteDecimals;
  }

  ticks(price: string, rounding: 'down' | 'up'): bigint {
    return BigInt(ticksFromPrice(this.units, price, rounding).toString());
  }

  lots(size: string): bigint {
    return BigInt(lotsFromSize(this.units, size, 'down').toString());
  }

  /** Quote atoms `lots` cost at `ticks` (before fees). */
  quoteFor(ticks: bigint, lots: bigint): bigint {
    return BigInt(quoteAtomsFor(this.units, ticks, lots).toString());
  }
}

/** `text` (a decimal string) with exactly `digits` fraction digits (it never has more). */
function fixed(text: string, digits: number): string {
  if (digits === 0) return text;
  const [whole, fraction = ''] = text.split('.');
  return `${whole}.${fraction.padEnd(digits, '0')}`;
}
