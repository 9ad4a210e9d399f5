// Node, slot and fee methods through @solana/web3.js's Connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SolanaJSONRPCError,
  SystemProgram,
  TransactionMessage,
} from '@solana/web3.js';

import { confirm, FINALITY_LAG, fundedKeypair, signedV0, SLOT_MS, startNode } from './node.js';

let node;
before(async () => {
  node = await startNode();
});
after(() => node?.stop());

test('getVersion, getHealth, getGenesisHash and getIdentity describe the node', async () => {
  const { connection, rpc } = node;
  const version = await connection.getVersion();
  assert.match(version['solana-core'], /^\d+\.\d+\.\d+/);
  assert.equal(typeof version['feature-set'], 'number');
  // web3.js has no wrapper for these two; wallets call them raw.
  assert.equal(await rpc('getHealth'), 'ok');
  const { identity } = await rpc('getIdentity');
  assert.equal(new PublicKey(identity).toBase58(), identity);
  const genesis = await connection.getGenesisHash();
  assert.equal(new PublicKey(genesis).toBytes().length, 32);
  assert.equal(await connection.getGenesisHash(), genesis, 'the genesis hash is fixed');
});

test('slots advance on the clock and finalized lags confirmed by the configured slots', async () => {
  const { connection } = node;
  const start = await connection.getSlot('processed');
  await sleep(SLOT_MS * 6);
  const finalized = await connection.getSlot('finalized');
  const confirmed = await connection.getSlot('confirmed');
  const processed = await connection.getSlot('processed');
  assert.ok(processed > start, `slot ${start} did not advance (now ${processed})`);
  assert.ok(finalized <= confirmed && confirmed <= processed);
  assert.ok(confirmed - finalized >= FINALITY_LAG, `finalized ${finalized}, confirmed ${confirmed}`);
  // Slots keep coming: compare the height with a confirmed slot read after it.
  const height = await connection.getBlockHeight('confirmed');
  assert.ok(height > 0 && height <= (await connection.getSlot('confirmed')));
  const epoch = await connection.getEpochInfo();
  assert.ok(epoch.absoluteSlot >= confirmed);
  assert.ok(epoch.slotIndex < epoch.slotsInEpoch);
  assert.ok(epoch.blockHeight >= height);
});

test('minContextSlot ahead of the node is refused with -32016', async () => {
  const { connection } = node;
  const slot = await connection.getSlot();
  await assert.rejects(
    connection.getSlot({ minContextSlot: slot + 1_000_000 }),
    (error) => error instanceof SolanaJSONRPCError && error.code === -32016,
  );
  // getBalance rewraps the error, keeping only its message.
  await assert.rejects(
    connection.getBalance(Keypair.generate().publicKey, { minContextSlot: slot + 1_000_000 }),
    /Minimum context slot has not been reached/,
  );
});

test('blockhashes are valid until they expire and fees are priced per signature', async () => {
  const { connection } = node;
  const latest = await connection.getLatestBlockhash('confirmed');
  assert.ok(latest.lastValidBlockHeight > (await connection.getBlockHeight()));
  assert.equal((await connection.isBlockhashValid(latest.blockhash)).value, true);
  const unknown = Keypair.generate().publicKey.toBase58();
  assert.equal((await connection.isBlockhashValid(unknown)).value, false);

  const payer = Keypair.generate().publicKey;
  const transfer = (to) => SystemProgram.transfer({ fromPubkey: payer, toPubkey: to, lamports: 1 });
  const message = new TransactionMessage({
    payerKey: payer,
    recentBlockhash: latest.blockhash,
    instructions: [transfer(Keypair.generate().publicKey)],
  }).compileToV0Message();
  assert.equal((await connection.getFeeForMessage(message)).value, 5000);

  // A message with an unknown blockhash has no fee (null), as on a cluster.
  const stale = new TransactionMessage({
    payerKey: payer,
    recentBlockhash: unknown,
    instructions: [transfer(Keypair.generate().publicKey)],
  }).compileToLegacyMessage();
  assert.equal((await connection.getFeeForMessage(stale)).value, null);
});

test('rent exemption matches a cluster', async () => {
  const { connection } = node;
  // The figures every Solana cluster charges: an SPL token account (165 bytes), an empty account.
  assert.equal(await connection.getMinimumBalanceForRentExemption(165), 2_039_280);
  assert.equal(await connection.getMinimumBalanceForRentExemption(0), 890_880);
});

test('getRecentPrioritizationFees reports the price a transaction paid for its writable accounts', async () => {
  const { connection } = node;
  const payer = await fundedKeypair(connection, 1);
  const recipient = Keypair.generate().publicKey;
  const microLamports = 1234;
  const transaction = await signedV0(connection, payer, [
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports }),
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient, lamports: 1_000_000 }),
  ]);
  await confirm(connection, await connection.sendTransaction(transaction));

  const fees = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: [recipient] });
  assert.ok(fees.length > 0);
  assert.ok(fees.some((fee) => fee.prioritizationFee === microLamports), JSON.stringify(fees));
  const untouched = await connection.getRecentPrioritizationFees({
    lockedWritableAccounts: [Keypair.generate().publicKey],
  });
  assert.ok(untouched.every((fee) => fee.prioritizationFee === 0), JSON.stringify(untouched));
});
