// The Anchor `Program` of the orderbook, its address and the constants the
// IDL carries (seeds and limits: read from the IDL, never retyped).
import { AnchorProvider, Program, type Provider } from '@coral-xyz/anchor';
import { Connection, Keypair, PublicKey } from '@solana/web3.js';

import idlJson from './idl/orderbook.json' with { type: 'json' };
import type { Orderbook } from './idl/orderbook.js';

export type { Orderbook };

/**
 * The IDL as `anchor build` writes it, typed for `new Program` (Anchor
 * camelCases its names when it builds the program; the type already has).
 */
export const IDL = idlJson as unknown as Orderbook;

/** The same IDL typed as it is at run time (names as the JSON spells them). */
export const RAW_IDL = idlJson;

export const PROGRAM_ID = new PublicKey(idlJson.address);

/**
 * The orderbook `Program` on `provider`. Without one, a read-only program on
 * `connection` (or a dummy one): enough to build instructions and decode
 * accounts and events, not to send.
 */
export function orderbookProgram(provider?: Provider, connection?: Connection): Program<Orderbook> {
  if (provider) {
    return new Program<Orderbook>(IDL, provider);
  }
  const readOnly = new AnchorProvider(
    connection ?? new Connection('http://127.0.0.1:8899'),
    {
      publicKey: Keypair.generate().publicKey,
      signTransaction: () => Promise.reject(new Error('read-only orderbook program: no wallet')),
      signAllTransactions: () => Promise.reject(new Error('read-only orderbook program: no wallet')),
    },
    {},
  );
  return new Program<Orderbook>(IDL, readOnly);
}

type ConstantName = (typeof idlJson.constants)[number]['name'];

function constant(name: ConstantName): string {
  const found = idlJson.constants.find((c) => c.name === name);
  if (!found) {
    throw new Error(`the IDL has no constant ${name}`);
  }
  return found.value;
}

/** A seed constant: the IDL writes bytes as `[1, 2, …]`. */
function seed(name: ConstantName): Buffer {
  return Buffer.from(JSON.parse(constant(name)) as number[]);
}

function limit(name: ConstantName): number {
  return Number(constant(name).replaceAll('_', ''));
}

/** Anchor's `#[event_cpi]` seed, as the IDL's `event_authority` accounts carry it. */
function eventAuthoritySeed(): Buffer {
  for (const instruction of idlJson.instructions) {
    for (const account of instruction.accounts as { name: string; pda?: { seeds: { value?: number[] }[] } }[]) {
      const value = account.name === 'event_authority' ? account.pda?.seeds[0]?.value : undefined;
      if (value) {
        return Buffer.from(value);
      }
    }
  }
  throw new Error('the IDL has no event_authority seeds');
}

export const SEEDS = {
  marketAuthority: seed('MARKET_AUTHORITY_SEED'),
  vault: seed('VAULT_SEED'),
  baseVault: seed('BASE_VAULT_SEED'),
  quoteVault: seed('QUOTE_VAULT_SEED'),
  trader: seed('TRADER_SEED'),
  eventAuthority: eventAuthoritySeed(),
} as const;

export const LIMITS = {
  minOrdersPerSide: limit('MIN_ORDERS_PER_SIDE'),
  maxOrdersPerSide: limit('MAX_ORDERS_PER_SIDE'),
  minQueueEvents: limit('MIN_QUEUE_EVENTS'),
  maxQueueEvents: limit('MAX_QUEUE_EVENTS'),
  maxGrowthPerInstruction: limit('MAX_GROWTH_PER_INSTRUCTION'),
  maxCrankRewardLamports: limit('MAX_CRANK_REWARD_LAMPORTS'),
  maxConsumeEvents: limit('MAX_CONSUME_EVENTS'),
  maxMatchLimit: limit('MAX_MATCH_LIMIT'),
  maxOrderLifetimeSecs: limit('MAX_ORDER_LIFETIME_SECS'),
  defaultMatchLimit: limit('DEFAULT_MATCH_LIMIT'),
} as const;

/** The sealed batch mode's protocol constants. */
export const SEALED_BATCH = {
  commitmentDomain: seed('COMMITMENT_DOMAIN'),
  defaultCommitSlots: limit('DEFAULT_COMMIT_SLOTS'),
  defaultGraceSlots: limit('DEFAULT_GRACE_SLOTS'),
  defaultRevealSlots: limit('DEFAULT_REVEAL_SLOTS'),
  maxWindowSlots: limit('MAX_WINDOW_SLOTS'),
  maxEntriesPerBatch: limit('MAX_BATCH_ENTRIES'),
  headerBytes: limit('BATCH_HEADER_BYTES'),
  entryBytes: limit('BATCH_ENTRY_BYTES'),
  /** Where a batch header holds its beacon's chain hash (encrypted orders, issue 26). */
  beaconChainHashOffset: limit('BATCH_BEACON_CHAIN_HASH_OFFSET'),
} as const;

/** `maxQuote` meaning "no quote limit" (u64::MAX). */
export const NO_QUOTE_LIMIT = BigInt(constant('NO_QUOTE_LIMIT'));

/** The largest price in ticks (a u64: kept as a bigint). */
export const MAX_PRICE_TICKS = BigInt(constant('MAX_PRICE_TICKS').replaceAll('_', ''));
