// @solana/web3.js and Anchor use Node's Buffer; browsers have none. Imported
// first by main.ts so it exists before any of them runs.
import { Buffer } from 'buffer';

const scope = globalThis as typeof globalThis & { Buffer?: typeof Buffer };
scope.Buffer ??= Buffer;
