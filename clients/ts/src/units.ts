// Conversions between the units people use (a price in quote tokens per
// base token, a size in base tokens) and the program's (ticks, lots, atoms).
// Exact: amounts are bigints or decimal strings, never floats.
import BN from 'bn.js';

/** The market parameters a conversion needs (a decoded `Market` has them). */
export interface MarketUnits {
  engine: { baseLotSize: BN; quoteLotSize: BN; tickSize: BN };
  baseDecimals: number;
  quoteDecimals: number;
}

export type Rounding = 'down' | 'up';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** `text` (a non-negative decimal such as "12.5") as an integer scaled by 10^decimals, with the scale's remainder. */
function parseDecimal(text: string, field: string): { digits: bigint; scale: number } {
  const match = DECIMAL.exec(text.trim());
  if (!match) {
    throw new RangeError(`${field}: not a non-negative decimal number: ${JSON.stringify(text)}`);
  }
  const fraction = match[2] ?? '';
  return { digits: BigInt(match[1] + fraction), scale: fraction.length };
}

function divide(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  const quotient = numerator / denominator;
  return rounding === 'up' && quotient * denominator !== numerator ? quotient + 1n : quotient;
}

const pow10 = (n: number) => 10n ** BigInt(n);
const big = (value: BN) => BigInt(value.toString());

/** Atoms as a decimal string in the mint's units (`1500000`, 6 → `"1.5"`). */
export function formatAtoms(atoms: BN | bigint, decimals: number): string {
  const value = typeof atoms === 'bigint' ? atoms : big(atoms);
  const negative = value < 0n;
  const magnitude = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - decimals);
  const fraction = magnitude.slice(magnitude.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A decimal amount in the mint's units as atoms; refuses more decimals than the mint has. */
export function parseAtoms(text: string, decimals: number, field = 'amount'): BN {
  const { digits, scale } = parseDecimal(text, field);
  if (scale > decimals) {
    throw new RangeError(`${field}: more than ${decimals} decimals: ${JSON.stringify(text)}`);
  }
  return new BN((digits * pow10(decimals - scale)).toString());
}

/**
 * Quote atoms per tick per base lot is `tickSize × quoteLotSize`; a price in
 * quote tokens per base token is therefore
 * `ticks × tickSize × quoteLotSize × 10^baseDecimals / (baseLotSize × 10^quoteDecimals)`.
 */
function tickRatio(market: MarketUnits): { numerator: bigint; denominator: bigint } {
  return {
    numerator: big(market.engine.tickSize) * big(market.engine.quoteLotSize) * pow10(market.baseDecimals),
    denominator: big(market.engine.baseLotSize) * pow10(market.quoteDecimals),
  };
}

/** A price in ticks as a decimal string in quote tokens per base token. */
export function priceFromTicks(market: MarketUnits, ticks: BN | bigint, precision = 12): string {
  const { numerator, denominator } = tickRatio(market);
  const scaled = ((typeof ticks === 'bigint' ? ticks : big(ticks)) * numerator * pow10(precision)) / denominator;
  return formatAtoms(scaled, precision);
}

/** A decimal price (quote per base) in ticks, rounded `down` (bids) or `up` (asks) to the tick grid. */
export function ticksFromPrice(market: MarketUnits, price: string, rounding: Rounding = 'down'): BN {
  const { digits, scale } = parseDecimal(price, 'price');
  const { numerator, denominator } = tickRatio(market);
  return new BN(divide(digits * denominator, numerator * pow10(scale), rounding).toString());
}

/** A size in base lots as base tokens. */
export function sizeFromLots(market: MarketUnits, lots: BN | bigint): string {
  const atoms = (typeof lots === 'bigint' ? lots : big(lots)) * big(market.engine.baseLotSize);
  return formatAtoms(atoms, market.baseDecimals);
}

/** A decimal size in base tokens as base lots, rounded down to whole lots by default. */
export function lotsFromSize(market: MarketUnits, size: string, rounding: Rounding = 'down'): BN {
  const { digits, scale } = parseDecimal(size, 'size');
  const atomsNumerator = digits * pow10(market.baseDecimals);
  return new BN(divide(atomsNumerator, big(market.engine.baseLotSize) * pow10(scale), rounding).toString());
}

/** Quote atoms `lots` cost at `ticks`, before fees (what the program locks for a bid). */
export function quoteAtomsFor(market: MarketUnits, ticks: BN | bigint, lots: BN | bigint): BN {
  const t = typeof ticks === 'bigint' ? ticks : big(ticks);
  const l = typeof lots === 'bigint' ? lots : big(lots);
  return new BN((t * l * big(market.engine.tickSize) * big(market.engine.quoteLotSize)).toString());
}
