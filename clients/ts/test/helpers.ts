import { Keypair } from '@solana/web3.js';

import { orderbookProgram } from '../src/index.js';

/** A program for building and decoding offline (no node). */
export const program = orderbookProgram();

export const key = () => Keypair.generate().publicKey;
