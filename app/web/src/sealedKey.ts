// The local wallet's secret key at rest: encrypted under a passphrase with
// the browser's WebCrypto (PBKDF2-HMAC-SHA256 to an AES-256-GCM key, the
// wallet's public key as associated data), so what localStorage holds is
// useless to a script or a disk image without the passphrase. The format is
// plain JSON of standard primitives: any WebCrypto (Node's included) opens it.

export const PASSPHRASE_MIN_CHARS = 8;
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
const PBKDF2_ITERATIONS = 600_000;

export interface SealedKey {
  version: 3;
  /** Base58; bound to the ciphertext as AES-GCM associated data. */
  publicKey: string;
  kdf: 'PBKDF2-SHA256';
  iterations: number;
  /** Base64: 16 random bytes. */
  salt: string;
  /** Base64: the 12-byte AES-GCM nonce. */
  iv: string;
  /** Base64: the 64-byte secret key, encrypted, with its 16-byte tag. */
  ciphertext: string;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function subtle(): SubtleCrypto {
  // WebCrypto exists only in secure contexts: https, or http on localhost.
  if (!globalThis.crypto?.subtle) throw new Error('the local wallet needs a secure page (https, or http://localhost / 127.0.0.1) to encrypt its key');
  return globalThis.crypto.subtle;
}

async function keyFrom(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await subtle().importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** `secretKey` encrypted under `passphrase`. */
export async function seal(secretKey: Uint8Array<ArrayBuffer>, publicKey: string, passphrase: string): Promise<SealedKey> {
  if (passphrase.length < PASSPHRASE_MIN_CHARS) throw new Error(`a passphrase has at least ${PASSPHRASE_MIN_CHARS} characters`);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await keyFrom(passphrase, salt, PBKDF2_ITERATIONS);
  const additionalData = new TextEncoder().encode(publicKey);
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData }, key, secretKey));
  return { version: 3, publicKey, kdf: 'PBKDF2-SHA256', iterations: PBKDF2_ITERATIONS, salt: toBase64(salt), iv: toBase64(iv), ciphertext: toBase64(ciphertext) };
}

/** The secret key, or null when `passphrase` is not the one it was sealed with. */
export async function unseal(sealed: SealedKey, passphrase: string): Promise<Uint8Array | null> {
  const key = await keyFrom(passphrase, fromBase64(sealed.salt), sealed.iterations);
  const additionalData = new TextEncoder().encode(sealed.publicKey);
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData }, key, fromBase64(sealed.ciphertext)));
  } catch {
    return null; // the tag does not verify: a wrong passphrase (or altered storage)
  }
}

/** `text` as a sealed key, or null when it is not one. */
export function parseSealed(text: string | null): SealedKey | null {
  try {
    const value = JSON.parse(text ?? '') as Partial<SealedKey>;
    const fields = [value.publicKey, value.salt, value.iv, value.ciphertext];
    return value.version === 3 && value.kdf === 'PBKDF2-SHA256' && Number.isInteger(value.iterations) && fields.every((f) => typeof f === 'string') ? (value as SealedKey) : null;
  } catch {
    return null;
  }
}
