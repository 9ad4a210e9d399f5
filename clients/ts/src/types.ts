// The program's enums as string unions derived from the IDL type (no
// variant is retyped here), and the conversions to and from the objects
// Anchor's coder uses (`{ bid: {} }`).
import type { IdlTypes } from '@coral-xyz/anchor';

import type { Orderbook } from './idl/orderbook.js';

type Defined = IdlTypes<Orderbook>;
/** The variant names of an Anchor enum type (`{ bid: {} } | { ask: {} }` → `'bid' | 'ask'`). */
type VariantName<E> = E extends unknown ? keyof E & string : never;

export type Side = VariantName<Defined['side']>;
export type OrderType = VariantName<Defined['orderType']>;
export type SelfTradeMode = VariantName<Defined['selfTradeMode']>;
export type MarketStatus = VariantName<Defined['marketStatus']>;
export type OutReason = VariantName<Defined['outReason']>;
export type TokenKind = VariantName<Defined['tokenKind']>;
export type GrowTarget = VariantName<Defined['growTarget']>;
export type QueueEventKind = VariantName<Defined['queueEventKind']>;

/** Anchor's object for one variant of `N` (distributes: a union of one-key objects). */
export type EnumObject<N extends string> = N extends string ? { [K in N]: Record<string, never> } : never;

/** The object Anchor's coder takes for the enum variant `name`. */
export function anchorEnum<N extends string>(name: N): EnumObject<N> {
  return { [name]: {} } as EnumObject<N>;
}

/** The variant name of an enum object Anchor's coder returned. */
export function variantName<E extends object>(value: E): VariantName<E> {
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new Error(`not an enum variant: ${JSON.stringify(value)}`);
  }
  return keys[0] as VariantName<E>;
}
