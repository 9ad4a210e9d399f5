// Program-derived addresses, from the seeds in the IDL.
import { PublicKey } from '@solana/web3.js';
import { getAssociatedTokenAddressSync } from '@solana/spl-token';

import { PROGRAM_ID, SEEDS } from './program.js';
import type { TokenKind } from './types.js';

function derive(seeds: (Buffer | Uint8Array)[]): PublicKey {
  return PublicKey.findProgramAddressSync(seeds, PROGRAM_ID)[0];
}

/** The PDA that owns a market's vaults and signs its payouts. */
export function marketAuthority(market: PublicKey): PublicKey {
  return derive([SEEDS.marketAuthority, market.toBuffer()]);
}

/** A market's base or quote vault. */
export function vault(market: PublicKey, token: TokenKind): PublicKey {
  return derive([SEEDS.vault, market.toBuffer(), token === 'base' ? SEEDS.baseVault : SEEDS.quoteVault]);
}

/** `owner`'s trader account on `market`. */
export function traderAccount(market: PublicKey, owner: PublicKey): PublicKey {
  return derive([SEEDS.trader, market.toBuffer(), owner.toBuffer()]);
}

/** Anchor's event authority: the signer of the program's event self-CPI. */
export function eventAuthority(): PublicKey {
  return derive([SEEDS.eventAuthority]);
}

/** `owner`'s associated token account for `mint` under `tokenProgram`. */
export function associatedTokenAccount(owner: PublicKey, mint: PublicKey, tokenProgram: PublicKey): PublicKey {
  return getAssociatedTokenAddressSync(mint, owner, true, tokenProgram);
}
