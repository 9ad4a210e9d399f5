// Byte sizes of the program's accounts, computed from the IDL's types (the
// Rust side proves those equal the structs' layouts): a book side is its
// header plus `capacity + 1` order nodes (node 0 is the tree's sentinel), an
// event queue its header plus `capacity` events.
import type { Idl } from '@coral-xyz/anchor';
// Anchor's root exports only `Idl`; the IDL's type grammar lives beside it.
import type { IdlType } from '@coral-xyz/anchor/dist/cjs/idl.js';

import { RAW_IDL } from './program.js';

const PRIMITIVE_BYTES: Record<string, number> = {
  bool: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4,
  u64: 8, i64: 8, f64: 8, u128: 16, i128: 16, pubkey: 32,
};

/** Bytes a fixed-size IDL type takes (structs, fieldless enums, arrays, primitives). */
export function idlTypeSize(type: IdlType, idl: Idl = RAW_IDL as unknown as Idl): number {
  if (typeof type === 'string') {
    const bytes = PRIMITIVE_BYTES[type];
    if (bytes === undefined) {
      throw new Error(`${type} has no fixed size`);
    }
    return bytes;
  }
  if ('array' in type) {
    const [inner, len] = type.array;
    if (typeof len !== 'number') {
      throw new Error('generic array lengths are not supported');
    }
    return idlTypeSize(inner, idl) * len;
  }
  if ('defined' in type) {
    return definedSize(type.defined.name, idl);
  }
  throw new Error(`${JSON.stringify(type)} has no fixed size`);
}

/** Bytes of the IDL type called `name` (snake or Pascal case as the IDL names it). */
export function definedSize(name: string, idl: Idl = RAW_IDL as unknown as Idl): number {
  const def = idl.types?.find((t) => t.name === name);
  if (!def) {
    throw new Error(`the IDL has no type ${name}`);
  }
  if (def.type.kind === 'enum') {
    if (def.type.variants.some((v) => v.fields)) {
      throw new Error(`${name} carries data: no fixed size`);
    }
    return 1;
  }
  if (def.type.kind !== 'struct' || !def.type.fields) {
    throw new Error(`${name} has no fixed size`);
  }
  return def.type.fields.reduce((sum: number, field) => sum + idlTypeSize(typeof field === 'object' && 'type' in field ? field.type : field, idl), 0);
}

/** A struct field's size: bytes, or `'bytes'` for a borsh byte string (a u32 length, then that many bytes). */
export type FieldSize = number | 'bytes';

/** The sizes of the fields of the IDL struct called `name`, in order (events carry at most byte strings beside fixed fields). */
export function fieldSizes(name: string, idl: Idl = RAW_IDL as unknown as Idl): FieldSize[] {
  const def = idl.types?.find((t) => t.name === name);
  if (!def || def.type.kind !== 'struct' || !def.type.fields) {
    throw new Error(`the IDL has no struct ${name}`);
  }
  return def.type.fields.map((field) => {
    const type = typeof field === 'object' && 'type' in field ? field.type : (field as IdlType);
    return type === 'bytes' ? 'bytes' : idlTypeSize(type, idl);
  });
}

/** Bytes the struct with `fields` takes in `data` from `offset`, or undefined when `data` ends first. */
export function encodedLength(fields: FieldSize[], data: Buffer, offset: number): number | undefined {
  let at = offset;
  for (const field of fields) {
    if (field === 'bytes') {
      if (at + 4 > data.length) {
        return undefined;
      }
      at += 4 + data.readUInt32LE(at);
    } else {
      at += field;
    }
  }
  return at <= data.length ? at - offset : undefined;
}

/** Anchor's account discriminator. */
export const DISCRIMINATOR_BYTES = 8;
export const SIDE_HEADER_BYTES = definedSize('SideHeader');
export const ORDER_NODE_BYTES = definedSize('OrderNode');
export const QUEUE_HEADER_BYTES = definedSize('QueueHeader');
export const QUEUE_EVENT_BYTES = definedSize('QueueEvent');
export const MARKET_BYTES = DISCRIMINATOR_BYTES + definedSize('Market');
export const TRADER_ACCOUNT_BYTES = DISCRIMINATOR_BYTES + definedSize('TraderAccount');

/** Account bytes of a book side holding `capacity` orders. */
export function bookSideBytes(capacity: number): number {
  return DISCRIMINATOR_BYTES + SIDE_HEADER_BYTES + (capacity + 1) * ORDER_NODE_BYTES;
}

/** Account bytes of an event queue holding `capacity` events. */
export function eventQueueBytes(capacity: number): number {
  return DISCRIMINATOR_BYTES + QUEUE_HEADER_BYTES + capacity * QUEUE_EVENT_BYTES;
}
