// Account and SPL token reads through @solana/web3.js, against mints and
// token accounts made by @solana/spl-token's own helpers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  ACCOUNT_SIZE,
  createMint,
  getOrCreateAssociatedTokenAccount,
  MINT_SIZE,
  mintTo,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  transfer,
} from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import bs58 from 'bs58';

import { fundedKeypair, startNode } from './node.js';

const DECIMALS = 6;
const MINTED = 1_000_000n;
const SENT = 250_000n;

let node;
let payer;
let mint;
let mintAuthority;
let alice;
let bob;
let aliceAccount;
let bobAccount;

before(async () => {
  node = await startNode();
  const { connection } = node;
  payer = await fundedKeypair(connection, 10);
  mintAuthority = Keypair.generate();
  alice = Keypair.generate();
  bob = Keypair.generate();
  mint = await createMint(connection, payer, mintAuthority.publicKey, null, DECIMALS);
  aliceAccount = await getOrCreateAssociatedTokenAccount(connection, payer, mint, alice.publicKey);
  bobAccount = await getOrCreateAssociatedTokenAccount(connection, payer, mint, bob.publicKey);
  await mintTo(connection, payer, mint, aliceAccount.address, mintAuthority, MINTED);
  await transfer(connection, payer, aliceAccount.address, bobAccount.address, alice, SENT);
});
after(() => node?.stop());

test('getBalance and getAccountInfo read what the transactions wrote', async () => {
  const { connection } = node;
  const balance = await connection.getBalance(payer.publicKey);
  assert.ok(balance < 10 * LAMPORTS_PER_SOL && balance > 9 * LAMPORTS_PER_SOL, String(balance));
  assert.equal(await connection.getBalance(Keypair.generate().publicKey), 0);

  const account = await connection.getAccountInfo(mint);
  assert.ok(account.owner.equals(TOKEN_PROGRAM_ID));
  assert.equal(account.data.length, MINT_SIZE);
  assert.equal(account.lamports, await connection.getMinimumBalanceForRentExemption(MINT_SIZE));
  assert.equal(await connection.getAccountInfo(Keypair.generate().publicKey), null);

  // A mint starts with COption<Pubkey> mint_authority: 4 tag bytes, then the key.
  const slice = await connection.getAccountInfo(mint, { dataSlice: { offset: 4, length: 32 } });
  assert.deepEqual(slice.data, mintAuthority.publicKey.toBuffer());

  const { context, value } = await connection.getAccountInfoAndContext(mint);
  assert.ok(context.slot > 0);
  assert.deepEqual(value.data, account.data);
});

test('base58 and base64 encodings carry the same bytes', async () => {
  const { rpc } = node;
  const base64 = await rpc('getAccountInfo', [mint.toBase58(), { encoding: 'base64' }]);
  const base58 = await rpc('getAccountInfo', [mint.toBase58(), { encoding: 'base58' }]);
  assert.equal(base58.value.data[1], 'base58');
  assert.deepEqual(
    Buffer.from(bs58.decode(base58.value.data[0])),
    Buffer.from(base64.value.data[0], 'base64'),
  );
});

test('jsonParsed accounts are parsed as the SPL token program defines them', async () => {
  const { connection } = node;
  const parsedMint = (await connection.getParsedAccountInfo(mint)).value.data;
  assert.equal(parsedMint.program, 'spl-token');
  assert.equal(parsedMint.parsed.type, 'mint');
  assert.equal(parsedMint.parsed.info.decimals, DECIMALS);
  assert.equal(parsedMint.parsed.info.supply, String(MINTED));
  assert.equal(parsedMint.parsed.info.mintAuthority, mintAuthority.publicKey.toBase58());

  const parsedAccount = (await connection.getParsedAccountInfo(bobAccount.address)).value.data;
  assert.equal(parsedAccount.parsed.type, 'account');
  assert.equal(parsedAccount.parsed.info.owner, bob.publicKey.toBase58());
  assert.equal(parsedAccount.parsed.info.tokenAmount.amount, String(SENT));
});

test('getMultipleAccounts returns each account in order, null where none exists', async () => {
  const { connection } = node;
  const missing = Keypair.generate().publicKey;
  const accounts = await connection.getMultipleAccountsInfo([aliceAccount.address, missing, bobAccount.address]);
  assert.equal(accounts.length, 3);
  assert.equal(accounts[1], null);
  assert.ok(accounts[0].owner.equals(TOKEN_PROGRAM_ID) && accounts[2].owner.equals(TOKEN_PROGRAM_ID));
  assert.equal(accounts[0].data.length, ACCOUNT_SIZE);

  const parsed = await connection.getMultipleParsedAccounts([mint, bobAccount.address]);
  assert.deepEqual(
    parsed.value.map((account) => account.data.parsed.type),
    ['mint', 'account'],
  );
});

test('token balances, supply and accounts by owner', async () => {
  const { connection } = node;
  const balance = (await connection.getTokenAccountBalance(aliceAccount.address)).value;
  assert.equal(balance.amount, String(MINTED - SENT));
  assert.equal(balance.decimals, DECIMALS);
  assert.equal(balance.uiAmount, Number(MINTED - SENT) / 10 ** DECIMALS);

  const supply = (await connection.getTokenSupply(mint)).value;
  assert.equal(supply.amount, String(MINTED));
  assert.equal(supply.decimals, DECIMALS);

  const byMint = await connection.getTokenAccountsByOwner(alice.publicKey, { mint });
  assert.deepEqual(byMint.value.map((entry) => entry.pubkey.toBase58()), [aliceAccount.address.toBase58()]);
  const byProgram = await connection.getTokenAccountsByOwner(bob.publicKey, { programId: TOKEN_PROGRAM_ID });
  assert.deepEqual(byProgram.value.map((entry) => entry.pubkey.toBase58()), [bobAccount.address.toBase58()]);
  const parsed = await connection.getParsedTokenAccountsByOwner(bob.publicKey, { mint });
  assert.equal(parsed.value[0].account.data.parsed.info.tokenAmount.amount, String(SENT));
  const none = await connection.getTokenAccountsByOwner(Keypair.generate().publicKey, { mint });
  assert.deepEqual(none.value, []);
});

test('getProgramAccounts applies dataSize and memcmp filters', async () => {
  const { connection } = node;
  const holders = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
    filters: [{ dataSize: ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mint.toBase58() } }],
  });
  const keys = holders.map((entry) => entry.pubkey.toBase58()).sort();
  assert.deepEqual(keys, [aliceAccount.address.toBase58(), bobAccount.address.toBase58()].sort());

  // A token account's owner sits at byte 32.
  const bobs = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
    filters: [{ dataSize: ACCOUNT_SIZE }, { memcmp: { offset: 32, bytes: bob.publicKey.toBase58() } }],
    withContext: true,
  });
  assert.ok(bobs.context.slot > 0);
  assert.deepEqual(bobs.value.map((entry) => entry.pubkey.toBase58()), [bobAccount.address.toBase58()]);

  const mints = await connection.getParsedProgramAccounts(TOKEN_PROGRAM_ID, {
    filters: [{ dataSize: MINT_SIZE }],
  });
  assert.deepEqual(mints.map((entry) => entry.pubkey.toBase58()), [mint.toBase58()]);
  assert.equal(mints[0].account.data.parsed.type, 'mint');
});

test('Token-2022 mints are served like SPL token ones', async () => {
  const { connection } = node;
  const authority = Keypair.generate();
  const mint2022 = await createMint(connection, payer, authority.publicKey, null, 9, undefined, undefined, TOKEN_2022_PROGRAM_ID);
  const holder = await getOrCreateAssociatedTokenAccount(
    connection, payer, mint2022, alice.publicKey, false, undefined, undefined, TOKEN_2022_PROGRAM_ID,
  );
  await mintTo(connection, payer, mint2022, holder.address, authority, 42n, [], undefined, TOKEN_2022_PROGRAM_ID);
  assert.equal((await connection.getTokenSupply(mint2022)).value.amount, '42');
  assert.equal((await connection.getTokenAccountBalance(holder.address)).value.amount, '42');
  const owned = await connection.getParsedTokenAccountsByOwner(alice.publicKey, { programId: TOKEN_2022_PROGRAM_ID });
  assert.deepEqual(owned.value.map((entry) => entry.pubkey.toBase58()), [holder.address.toBase58()]);
  assert.equal(owned.value[0].account.data.program, 'spl-token-2022');
});
