// Token plumbing and small helpers the suite shares: fresh mints (SPL Token
// and Token-2022), funded traders with associated token accounts, sending
// with the events each transaction emitted, and asserting a named error.
import assert from 'node:assert/strict';

import type { AnchorProvider } from '@coral-xyz/anchor';
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  getMinimumBalanceForRentExemptMint,
  MINT_SIZE,
} from '@solana/spl-token';
import {
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  SystemProgram,
  SYSVAR_CLOCK_PUBKEY,
  Transaction,
  type TransactionInstruction,
} from '@solana/web3.js';
import { fetchEvents, orderbookError, type OrderbookClient, type ProgramEvent, pda } from '@orderbook/client';

export interface Mint {
  mint: PublicKey;
  tokenProgram: PublicKey;
  decimals: number;
}

/** A new mint under `tokenProgram`, its authority the provider's wallet. */
export async function createMint(provider: AnchorProvider, tokenProgram: PublicKey, decimals: number): Promise<Mint> {
  const mint = Keypair.generate();
  const lamports = await getMinimumBalanceForRentExemptMint(provider.connection);
  const payer = provider.wallet.publicKey;
  await provider.sendAndConfirm(
    new Transaction().add(
      SystemProgram.createAccount({ fromPubkey: payer, newAccountPubkey: mint.publicKey, space: MINT_SIZE, lamports, programId: tokenProgram }),
      createInitializeMint2Instruction(mint.publicKey, decimals, payer, null, tokenProgram),
    ),
    [mint],
  );
  return { mint: mint.publicKey, tokenProgram, decimals };
}

/** A new keypair with `sol` SOL and, for each mint, an associated token account holding `amounts[i]` atoms. */
export async function fundedTrader(provider: AnchorProvider, mints: Mint[], amounts: bigint[], sol = 2): Promise<Keypair> {
  const trader = Keypair.generate();
  const payer = provider.wallet.publicKey;
  const instructions: TransactionInstruction[] = [
    SystemProgram.transfer({ fromPubkey: payer, toPubkey: trader.publicKey, lamports: sol * LAMPORTS_PER_SOL }),
  ];
  mints.forEach(({ mint, tokenProgram }, i) => {
    const account = pda.associatedTokenAccount(trader.publicKey, mint, tokenProgram);
    instructions.push(createAssociatedTokenAccountIdempotentInstruction(payer, account, trader.publicKey, mint, tokenProgram));
    const amount = amounts[i] ?? 0n;
    if (amount > 0n) {
      instructions.push(createMintToInstruction(mint, account, payer, amount, [], tokenProgram));
    }
  });
  await provider.sendAndConfirm(new Transaction().add(...instructions));
  return trader;
}

/** Atoms in `owner`'s associated token account for `mint`. */
export async function tokenBalance(provider: AnchorProvider, owner: PublicKey, mint: Mint): Promise<bigint> {
  const account = pda.associatedTokenAccount(owner, mint.mint, mint.tokenProgram);
  return BigInt((await provider.connection.getTokenAccountBalance(account)).value.amount);
}

/** Send `instructions` (fee paid by the provider's wallet, signed by `signers`) and return the events they emitted. */
export async function sendForEvents(client: OrderbookClient, instructions: TransactionInstruction[], signers: Keypair[] = []): Promise<ProgramEvent[]> {
  const signature = await client.send(instructions, signers);
  return fetchEvents(client.program, signature);
}

/** Events named `name`, typed. */
export function eventsNamed<N extends ProgramEvent['name']>(events: ProgramEvent[], name: N) {
  return events.flatMap((e) => (e.name === name ? [e.data as Extract<ProgramEvent, { name: N }>['data']] : []));
}

/** Assert that `attempt` fails with the program error `name`. */
export async function rejectsWith(attempt: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(attempt, (error: unknown) => {
    const named = orderbookError(error);
    assert.equal(named?.name, name, `expected ${name}, got ${named?.name ?? String(error)}`);
    return true;
  });
}

/** The chain's clock (unix seconds), from the Clock sysvar. */
export async function chainTime(provider: AnchorProvider): Promise<number> {
  const clock = await provider.connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY);
  assert.ok(clock);
  // Clock: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64.
  return Number(clock.data.readBigInt64LE(32));
}
