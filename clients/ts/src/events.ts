// The program's events. Each instruction emits its events as one self-CPI
// (Anchor's `#[event_cpi]`) whose data is Anchor's event tag followed by
// several events back to back (discriminator + borsh each). Anchor's own
// `coder.events.decode` reads only the first, and `EventParser` reads
// `Program data:` logs, which this program does not write; this module
// decodes every event of every batch from a transaction's inner
// instructions. The IDL gives each event's fields: all fixed-size but for
// byte strings (an encrypted order's ciphertext), whose length they carry.
import type { IdlEvents, Program } from '@coral-xyz/anchor';
import bs58 from 'bs58';
import {
  type Commitment,
  type ConfirmedTransactionMeta,
  type Logs,
  type VersionedTransactionResponse,
} from '@solana/web3.js';

import type { Orderbook } from './idl/orderbook.js';
import { encodedLength, fieldSizes } from './layout.js';
import { PROGRAM_ID, RAW_IDL } from './program.js';

/** Anchor's `EVENT_IX_TAG` (0x1d9acb512ea545e4), little-endian: the first 8 bytes of an event self-CPI. */
export const EVENT_IX_TAG = Buffer.from('e445a52e51cb9a1d', 'hex');

type Events = IdlEvents<Orderbook>;
export type EventName = keyof Events & string;

/** One decoded event: its name (camelCase, as Anchor names it) and fields. */
export type ProgramEvent = { [N in EventName]: { name: N; data: Events[N] } }[EventName];

/** Each event's discriminator (hex) → its fields' sizes after the discriminator. */
const EVENT_FIELDS = new Map(
  RAW_IDL.events.map((event) => [Buffer.from(event.discriminator).toString('hex'), fieldSizes(event.name)]),
);

/** Does this instruction data carry an event batch? */
export function isEventBatch(data: Buffer): boolean {
  return data.length >= EVENT_IX_TAG.length && data.subarray(0, EVENT_IX_TAG.length).equals(EVENT_IX_TAG);
}

/** Every event of one event self-CPI's instruction data, in order. Throws on malformed data. */
export function decodeEventBatch(program: Program<Orderbook>, data: Buffer): ProgramEvent[] {
  if (!isEventBatch(data)) {
    throw new Error('not an event batch: the data does not start with Anchor\'s event tag');
  }
  const events: ProgramEvent[] = [];
  let offset = EVENT_IX_TAG.length;
  while (offset < data.length) {
    const discriminator = data.subarray(offset, offset + 8);
    const fields = EVENT_FIELDS.get(discriminator.toString('hex'));
    const bytes = discriminator.length < 8 || fields === undefined ? undefined : encodedLength(fields, data, offset + 8);
    if (bytes === undefined) {
      throw new Error(`malformed event batch at byte ${offset} of ${data.length}`);
    }
    const end = offset + 8 + bytes;
    const event = program.coder.events.decode(data.subarray(offset, end).toString('base64'));
    if (!event) {
      throw new Error(`undecodable event at byte ${offset}`);
    }
    events.push(event as ProgramEvent);
    offset = end;
  }
  return events;
}

type InnerInstructions = NonNullable<ConfirmedTransactionMeta['innerInstructions']>;

/** The events of a transaction fetched with `getTransaction` (JSON encoding), in order. */
export function eventsOfTransaction(program: Program<Orderbook>, tx: VersionedTransactionResponse): ProgramEvent[] {
  const meta = tx.meta;
  if (!meta || meta.err) {
    return [];
  }
  const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: meta.loadedAddresses });
  const inner: InnerInstructions = meta.innerInstructions ?? [];
  return inner.flatMap((group) =>
    group.instructions.flatMap((instruction) => {
      const programId = keys.get(instruction.programIdIndex);
      const data = Buffer.from(bs58.decode(instruction.data));
      return programId?.equals(PROGRAM_ID) && isEventBatch(data) ? decodeEventBatch(program, data) : [];
    }),
  );
}

/** The events of the transaction `signature` (empty if it failed or is unknown). */
export async function fetchEvents(
  program: Program<Orderbook>,
  signature: string,
  commitment: 'confirmed' | 'finalized' = 'confirmed',
): Promise<ProgramEvent[]> {
  const tx = await program.provider.connection.getTransaction(signature, { commitment, maxSupportedTransactionVersion: 0 });
  return tx ? eventsOfTransaction(program, tx) : [];
}

/** An event seen live, with the transaction and slot it came in. */
export interface LiveEvent {
  event: ProgramEvent;
  signature: string;
  slot: number;
}

/**
 * Call `onEvent` for every event of every successful transaction that
 * mentions the program, as it is confirmed (`logsSubscribe`, then
 * `getTransaction` for the inner instructions). Returns the unsubscribe
 * function. Events of one transaction arrive in order; transactions in the
 * order the node reports them. A failed read goes to `onError`.
 */
export function subscribeEvents(
  program: Program<Orderbook>,
  onEvent: (event: LiveEvent) => void,
  options: { commitment?: 'confirmed' | 'finalized'; onError?: (error: unknown) => void } = {},
): () => Promise<void> {
  const connection = program.provider.connection;
  const commitment = options.commitment ?? 'confirmed';
  // One transaction at a time, so events are delivered in arrival order.
  let chain = Promise.resolve();
  const handle = (logs: Logs, context: { slot: number }) => {
    if (logs.err) {
      return;
    }
    chain = chain
      .then(async () => {
        for (const event of await fetchEvents(program, logs.signature, commitment)) {
          onEvent({ event, signature: logs.signature, slot: context.slot });
        }
      })
      .catch((error: unknown) => options.onError?.(error));
  };
  const id = connection.onLogs(PROGRAM_ID, handle, commitment as Commitment);
  return async () => {
    await connection.removeOnLogsListener(id);
    await chain;
  };
}
