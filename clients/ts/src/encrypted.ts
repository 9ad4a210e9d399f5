// Encrypted orders (issue 26; docs/encrypted-orders.md): what an encrypted
// sealed order hides and its time-lock encryption to a drand round, with
// tlock-js. Imported as `@orderbook/client/encrypted` (its own entry, so
// the main one does not carry tlock-js to pages that never encrypt). The payload and the ciphertext are the contract with the
// keeper (`orderbook_client::sealed::RevealPayload`,
// `orderbook_client::encrypted`); crates/client/tests/vectors/
// encrypted-order.json holds the two sides together.
import { type ChainClient, HttpCachingChain, HttpChainClient, roundAt, timelockDecrypt, timelockEncrypt } from 'tlock-js';
// tlock-js answers in age's ASCII armor; the chain carries the bytes.
import { decodeArmor } from 'tlock-js/age/armor.js';

import { type OrderArgs, placeOrderArgs } from './instructions.js';
import { orderbookProgram } from './program.js';

export type { ChainClient };
/** The latest round published at `timeMs` on a chain (drand-client's). */
export { roundAt };

/** `RevealPayload`'s format version. */
export const REVEAL_PAYLOAD_VERSION = 1;

/** The program's coder (camelCase names, as `placeOrderArgs` builds them), made once. */
let coder: ReturnType<typeof orderbookProgram>['coder'] | undefined;

/** The bytes an encrypted order hides: the version, the order as `reveal_order` takes it (borsh), the 32-byte salt. */
export function revealPayload(order: OrderArgs, salt: Uint8Array): Uint8Array {
  if (salt.length !== 32) {
    throw new Error(`a salt is 32 bytes, not ${salt.length}`);
  }
  coder ??= orderbookProgram().coder;
  const args = coder.types.encode('placeOrderArgs', placeOrderArgs(order));
  return Buffer.concat([Buffer.from([REVEAL_PAYLOAD_VERSION]), args, salt]);
}

/**
 * A client of the drand chain whose base URL is `url` (a relay's
 * `https://api.drand.sh/<chain hash>`, or `orderbook-beacon`'s root); every
 * round it fetches is verified against the chain's public key. Check
 * `(await client.chain().info()).hash` is the chain a market names.
 */
export function beaconClient(url: string): ChainClient {
  const options = { disableBeaconVerification: false, noCache: false };
  return new HttpChainClient(new HttpCachingChain(url.replace(/\/$/, ''), options), options);
}

/** `payload` time-lock encrypted to `round` of `beacon`: the bytes `commit_encrypted_order` carries. */
export async function encryptPayload(payload: Uint8Array, round: number, beacon: ChainClient): Promise<Uint8Array> {
  const armored = await timelockEncrypt(round, Buffer.from(payload), beacon);
  return Buffer.from(decodeArmor(armored), 'binary');
}

/** The payload a ciphertext hides, once its round is published on `beacon`. */
export async function decryptPayload(ciphertext: Uint8Array, beacon: ChainClient): Promise<Uint8Array> {
  return timelockDecrypt(Buffer.from(ciphertext).toString('binary'), beacon);
}
