// The IDL's seeds and relations resolve the accounts the client's PDA
// helpers derive: what Anchor's resolver computes from the IDL alone is
// what the program checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';

import { OrderbookInstructions, pda, PROGRAM_ID } from '../src/index.js';
import { key, program } from './helpers.js';

const ix = new OrderbookInstructions(program);

test('open_trader_account: Anchor resolves the trader PDA, event authority and program from the IDL', async () => {
  const owner = key();
  const market = key();
  const instruction = await ix.openTraderAccount(owner, market);
  const keys = instruction.keys.map((k) => k.pubkey.toBase58());
  assert.deepEqual(keys, [
    owner.toBase58(),
    market.toBase58(),
    pda.traderAccount(market, owner).toBase58(),
    SystemProgram.programId.toBase58(),
    pda.eventAuthority().toBase58(),
    PROGRAM_ID.toBase58(),
  ]);
  assert.equal(instruction.programId.toBase58(), PROGRAM_ID.toBase58());
});

test('create_market: the vaults and market authority resolve to the client PDAs', async () => {
  const accounts = { market: Keypair.generate(), bids: Keypair.generate(), asks: Keypair.generate(), eventQueue: Keypair.generate() };
  const payer = key();
  const instruction = await ix.createMarket(
    payer,
    accounts,
    { baseMint: key(), quoteMint: key(), baseTokenProgram: TOKEN_PROGRAM_ID, quoteTokenProgram: TOKEN_2022_PROGRAM_ID },
    { baseLotSize: 1000, quoteLotSize: 10, tickSize: 1, takerFeePpm: 500, makerFeePpm: -100, crankRewardLamports: 0, authority: payer, feeAuthority: payer },
  );
  const market = accounts.market.publicKey;
  const has = (k: { toBase58(): string }) => instruction.keys.some((m) => m.pubkey.toBase58() === k.toBase58());
  assert.ok(has(pda.marketAuthority(market)), 'market authority');
  assert.ok(has(pda.vault(market, 'base')), 'base vault');
  assert.ok(has(pda.vault(market, 'quote')), 'quote vault');
  assert.notEqual(pda.vault(market, 'base').toBase58(), pda.vault(market, 'quote').toBase58());
});

test('withdraw: the market authority resolves from its seeds, the wallet defaults to the owner ATA', async () => {
  const owner = key();
  const market = {
    address: key(), bids: key(), asks: key(), eventQueue: key(), baseMint: key(), quoteMint: key(),
    baseVault: key(), quoteVault: key(), baseTokenProgram: TOKEN_PROGRAM_ID, quoteTokenProgram: TOKEN_2022_PROGRAM_ID,
  };
  const instruction = await ix.withdraw(owner, market, 'quote', 5);
  const keys = instruction.keys.map((k) => k.pubkey.toBase58());
  assert.ok(keys.includes(pda.marketAuthority(market.address).toBase58()));
  assert.ok(keys.includes(pda.traderAccount(market.address, owner).toBase58()));
  assert.ok(keys.includes(pda.associatedTokenAccount(owner, market.quoteMint, TOKEN_2022_PROGRAM_ID).toBase58()));
  assert.ok(keys.includes(market.quoteVault.toBase58()));
  assert.ok(!keys.includes(market.baseVault.toBase58()));
});

test("close_market: a batch market's batch account is passed; a continuous market passes none", async () => {
  const market = {
    address: key(), bids: key(), asks: key(), eventQueue: key(), baseMint: key(), quoteMint: key(),
    baseVault: key(), quoteVault: key(), baseTokenProgram: TOKEN_PROGRAM_ID, quoteTokenProgram: TOKEN_PROGRAM_ID, creator: key(),
  };
  const batch = key();
  const batchIx = await ix.closeMarket(key(), { ...market, batch });
  const keys = batchIx.keys.map((k) => k.pubkey.toBase58());
  assert.ok(keys.includes(batch.toBase58()), 'the batch account');
  assert.ok(batchIx.keys.find((k) => k.pubkey.equals(batch))?.isWritable, 'closed, so writable');
  // Absent (a decoded continuous market holds the default key): Anchor's
  // placeholder for an optional account is the program id.
  for (const continuous of [market, { ...market, batch: PublicKey.default }]) {
    const plain = await ix.closeMarket(key(), continuous);
    assert.equal(plain.keys.length, batchIx.keys.length);
    assert.ok(!plain.keys.some((k) => k.pubkey.equals(PublicKey.default)));
    assert.ok(plain.keys.some((k) => k.pubkey.equals(PROGRAM_ID) && !k.isWritable));
  }
});
