// A token's name and symbol, as a Token-2022 mint carries them in its own
// metadata extension (what the demo's mints do, and the feed's
// `base_symbol` / `quote_symbol`). SPL Token mints have no such extension.
import { getTokenMetadata, TOKEN_2022_PROGRAM_ID } from '@solana/spl-token';
import type { Connection, PublicKey } from '@solana/web3.js';

export interface TokenName {
  name: string;
  symbol: string;
}

/** `mint`'s name and symbol from its metadata extension, or null (an SPL Token mint, or none written). */
export async function tokenName(connection: Connection, mint: PublicKey): Promise<TokenName | null> {
  const account = await connection.getAccountInfo(mint);
  if (!account?.owner.equals(TOKEN_2022_PROGRAM_ID)) {
    return null;
  }
  const metadata = await getTokenMetadata(connection, mint, 'confirmed', TOKEN_2022_PROGRAM_ID);
  return metadata ? { name: metadata.name, symbol: metadata.symbol } : null;
}
