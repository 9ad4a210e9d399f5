// Sending, simulating and reading history through @solana/web3.js: legacy and
// v0 messages (with a real address lookup table), preflight failures as a
// cluster reports them, statuses, signatures by address, transactions and blocks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  createAssociatedTokenAccountInstruction,
  createMint,
  getAssociatedTokenAddressSync,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  transfer,
} from '@solana/spl-token';
import {
  AddressLookupTableProgram,
  Keypair,
  LAMPORTS_PER_SOL,
  SendTransactionError,
  SolanaJSONRPCError,
  SystemProgram,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import bs58 from 'bs58';

import { confirm, fundedKeypair, settledStatus, signedV0, SLOT_MS, startNode, STATE_DEADLINE_MS } from './node.js';

const SYSTEM_PROGRAM = SystemProgram.programId.toBase58();

let node;
let payer;

before(async () => {
  node = await startNode();
  payer = await fundedKeypair(node.connection, 20);
});
after(() => node?.stop());

/** A v0 transaction paid and signed by the suite's payer. */
const paidV0 = (instructions, lookupTables = []) => signedV0(node.connection, payer, instructions, { lookupTables });

const pay = (to, lamports) => SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports });

test('a legacy transfer is confirmed, then finalized, and its transaction reads back', async () => {
  const { connection } = node;
  const recipient = Keypair.generate().publicKey;
  const transaction = new Transaction().add(pay(recipient, LAMPORTS_PER_SOL));
  transaction.feePayer = payer.publicKey;
  transaction.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
  transaction.sign(payer);
  const signature = await confirm(connection, await connection.sendRawTransaction(transaction.serialize()));
  assert.equal(signature, bs58.encode(transaction.signature));
  assert.equal(await connection.getBalance(recipient), LAMPORTS_PER_SOL);

  const read = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  assert.equal(read.version, 'legacy');
  assert.equal(read.meta.err, null);
  assert.equal(read.meta.fee, 5000);
  const [payerIndex, recipientIndex] = [0, 1];
  assert.equal(read.meta.preBalances[payerIndex] - read.meta.postBalances[payerIndex], LAMPORTS_PER_SOL + 5000);
  assert.equal(read.meta.postBalances[recipientIndex], LAMPORTS_PER_SOL);
  assert.ok(read.meta.logMessages.includes(`Program ${SYSTEM_PROGRAM} invoke [1]`), read.meta.logMessages.join('\n'));
  assert.ok(read.meta.computeUnitsConsumed > 0);
  assert.ok(read.blockTime > 0);

  const parsed = await connection.getParsedTransaction(signature, { maxSupportedTransactionVersion: 0 });
  const [instruction] = parsed.transaction.message.instructions;
  assert.equal(instruction.program, 'system');
  assert.equal(instruction.parsed.type, 'transfer');
  assert.equal(instruction.parsed.info.lamports, LAMPORTS_PER_SOL);

  const deadline = Date.now() + STATE_DEADLINE_MS;
  let status;
  do {
    await sleep(SLOT_MS);
    [status] = (await connection.getSignatureStatuses([signature])).value;
  } while (status.confirmationStatus !== 'finalized' && Date.now() < deadline);
  assert.equal(status.confirmationStatus, 'finalized');
  assert.equal(status.confirmations, null);
  assert.equal(status.err, null);
  assert.equal(status.slot, read.slot);
});

test('a v0 transaction resolves its writable account through an address lookup table', async () => {
  const { connection } = node;
  const recipients = [Keypair.generate().publicKey, Keypair.generate().publicKey];
  const [create, table] = AddressLookupTableProgram.createLookupTable({
    authority: payer.publicKey,
    payer: payer.publicKey,
    recentSlot: await connection.getSlot('finalized'),
  });
  const extend = AddressLookupTableProgram.extendLookupTable({
    lookupTable: table,
    authority: payer.publicKey,
    payer: payer.publicKey,
    addresses: recipients,
  });
  await confirm(connection, await connection.sendTransaction(await paidV0([create, extend])));
  // Addresses added in a slot are usable from the next one.
  await sleep(SLOT_MS * 3);
  const lookup = (await connection.getAddressLookupTable(table)).value;
  assert.deepEqual(lookup.state.addresses.map(String), recipients.map(String));

  const transaction = await paidV0([pay(recipients[1], 2_000_000)], [lookup]);
  assert.equal(transaction.message.addressTableLookups.length, 1);
  const signature = await confirm(connection, await connection.sendTransaction(transaction));
  assert.equal(await connection.getBalance(recipients[1]), 2_000_000);

  const read = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  assert.equal(read.version, 0);
  assert.deepEqual(read.meta.loadedAddresses.writable.map(String), [recipients[1].toBase58()]);
  // Without maxSupportedTransactionVersion a client says it cannot read v0: -32015.
  await assert.rejects(
    node.rpc('getTransaction', [signature, { encoding: 'json', commitment: 'confirmed' }]),
    (error) => error.code === -32015 && /maxSupportedTransactionVersion/.test(error.message),
  );
});

test('token transfers report token balances and inner instructions', async () => {
  const { connection } = node;
  const authority = Keypair.generate();
  const owner = Keypair.generate();
  const mint = await createMint(connection, payer, authority.publicKey, null, 3);
  const source = await getOrCreateAssociatedTokenAccount(connection, payer, mint, owner.publicKey);
  await mintTo(connection, payer, mint, source.address, authority, 5_000n);

  // The associated token program creates the account through CPIs to the system and token programs.
  const receiver = Keypair.generate().publicKey;
  const destination = getAssociatedTokenAddressSync(mint, receiver);
  const createSignature = await confirm(
    connection,
    await connection.sendTransaction(
      await paidV0([createAssociatedTokenAccountInstruction(payer.publicKey, destination, receiver, mint)]),
    ),
  );
  const created = await connection.getTransaction(createSignature, { maxSupportedTransactionVersion: 0 });
  assert.equal(created.meta.innerInstructions.length, 1);
  assert.ok(created.meta.innerInstructions[0].instructions.length >= 3);
  assert.ok(created.meta.innerInstructions[0].instructions.every((inner) => inner.stackHeight === 2));

  const signature = await transfer(connection, payer, source.address, destination, owner, 1_250n);
  const read = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  const amounts = (balances) =>
    Object.fromEntries(balances.map((b) => [b.owner, b.uiTokenAmount.amount]));
  assert.deepEqual(amounts(read.meta.preTokenBalances), {
    [owner.publicKey.toBase58()]: '5000',
    [receiver.toBase58()]: '0',
  });
  assert.deepEqual(amounts(read.meta.postTokenBalances), {
    [owner.publicKey.toBase58()]: '3750',
    [receiver.toBase58()]: '1250',
  });
  assert.ok(read.meta.postTokenBalances.every((b) => b.mint === mint.toBase58() && b.uiTokenAmount.decimals === 3));
});

test('a failing transaction is refused in preflight with its logs, as a cluster does', async () => {
  const { connection, rpc } = node;
  const poor = await fundedKeypair(connection, 1);
  const overdraw = SystemProgram.transfer({
    fromPubkey: poor.publicKey,
    toPubkey: Keypair.generate().publicKey,
    lamports: 5 * LAMPORTS_PER_SOL,
  });
  const transaction = await signedV0(connection, poor, [overdraw]);
  const wire = Buffer.from(transaction.serialize());

  // The raw error: code -32002 with err, logs and unitsConsumed in data.
  await assert.rejects(rpc('sendTransaction', [wire.toString('base64'), { encoding: 'base64' }]), (error) => {
    assert.equal(error.code, -32002);
    assert.deepEqual(error.data.err, { InstructionError: [0, { Custom: 1 }] });
    assert.ok(error.data.logs.some((line) => line.includes('insufficient lamports')), error.data.logs.join('\n'));
    assert.ok(error.data.unitsConsumed > 0);
    return true;
  });
  // web3.js turns it into a SendTransactionError carrying the same logs.
  await assert.rejects(connection.sendRawTransaction(wire), (error) => {
    assert.ok(error instanceof SendTransactionError);
    assert.ok(error.transactionError.logs.some((line) => line.includes('insufficient lamports')));
    return true;
  });
  assert.equal(await connection.getBalance(poor.publicKey), LAMPORTS_PER_SOL, 'nothing was charged');

  // skipPreflight lands it: it fails on chain, pays its fee, and its status says why.
  const signature = await rpc('sendTransaction', [bs58.encode(wire), { encoding: 'base58', skipPreflight: true }]);
  assert.equal(signature, bs58.encode(transaction.signatures[0]));
  const status = await settledStatus(connection, signature);
  assert.deepEqual(status.err, { InstructionError: [0, { Custom: 1 }] });
  assert.equal(await connection.getBalance(poor.publicKey), LAMPORTS_PER_SOL - 5000);
});

test('simulateTransaction: accounts after, inner instructions, replaced blockhash and signature checks', async () => {
  const { connection } = node;
  const recipient = Keypair.generate().publicKey;
  const transaction = await paidV0([pay(recipient, 3_000_000)]);

  const simulated = (
    await connection.simulateTransaction(transaction, {
      sigVerify: true,
      accounts: { encoding: 'base64', addresses: [recipient.toBase58()] },
    })
  ).value;
  assert.equal(simulated.err, null);
  assert.equal(simulated.accounts[0].lamports, 3_000_000);
  assert.ok(simulated.unitsConsumed > 0);
  assert.equal(await connection.getBalance(recipient), 0, 'a simulation changes nothing');

  // An unsigned transaction with a made-up blockhash simulates once the node replaces the blockhash.
  const mint = Keypair.generate().publicKey;
  const unsigned = new VersionedTransaction(
    new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: Keypair.generate().publicKey.toBase58(),
      instructions: [
        createAssociatedTokenAccountInstruction(payer.publicKey, getAssociatedTokenAddressSync(mint, recipient), recipient, mint),
      ],
    }).compileToV0Message(),
  );
  const replaced = (
    await connection.simulateTransaction(unsigned, { replaceRecentBlockhash: true, innerInstructions: true })
  ).value;
  assert.ok(replaced.replacementBlockhash.blockhash.length > 0);
  // The mint does not exist, so the token program's CPI fails: the logs and inner instructions show it.
  assert.ok(replaced.err !== null);
  assert.ok(replaced.logs.length > 0);
  assert.ok(Array.isArray(replaced.innerInstructions));

  // A signature that does not match fails verification: -32003 (web3.js keeps only the message).
  const forged = await paidV0([pay(recipient, 1)]);
  forged.signatures[0] = new Uint8Array(64).fill(7);
  await assert.rejects(
    connection.simulateTransaction(forged, { sigVerify: true }),
    /Transaction signature verification failure/,
  );
  const forgedWire = Buffer.from(forged.serialize()).toString('base64');
  await assert.rejects(
    node.rpc('simulateTransaction', [forgedWire, { encoding: 'base64', sigVerify: true }]),
    (error) => error.code === -32003,
  );
  await assert.rejects(
    node.rpc('simulateTransaction', [forgedWire, { encoding: 'base64', sigVerify: true, replaceRecentBlockhash: true }]),
    (error) => error.code === -32602,
    'sigVerify and replaceRecentBlockhash conflict',
  );
});

test('history: statuses, signatures for an address (before, until, limit) and blocks', async () => {
  const { connection } = node;
  const sender = await fundedKeypair(connection, 1);
  const signatures = [];
  for (let i = 0; i < 4; i += 1) {
    const transfer = SystemProgram.transfer({ fromPubkey: sender.publicKey, toPubkey: payer.publicKey, lamports: 1000 + i });
    const transaction = await signedV0(connection, sender, [transfer]);
    signatures.push(await confirm(connection, await connection.sendTransaction(transaction)));
  }
  const newestFirst = [...signatures].reverse();

  const all = await connection.getSignaturesForAddress(sender.publicKey);
  // The airdrop that funded the sender is the oldest.
  assert.equal(all.length, 5);
  assert.deepEqual(all.slice(0, 4).map((s) => s.signature), newestFirst);
  assert.ok(all.every((s) => s.err === null && s.confirmationStatus !== 'processed'));
  const page = await connection.getSignaturesForAddress(sender.publicKey, { limit: 2 });
  assert.deepEqual(page.map((s) => s.signature), newestFirst.slice(0, 2));
  const before = await connection.getSignaturesForAddress(sender.publicKey, { before: newestFirst[1], limit: 2 });
  assert.deepEqual(before.map((s) => s.signature), newestFirst.slice(2, 4));
  const until = await connection.getSignaturesForAddress(sender.publicKey, { until: newestFirst[2] });
  assert.deepEqual(until.map((s) => s.signature), newestFirst.slice(0, 2));

  const statuses = (await connection.getSignatureStatuses(signatures, { searchTransactionHistory: true })).value;
  assert.ok(statuses.every((status) => status && status.err === null));
  const unknown = bs58.encode(new Uint8Array(64).fill(1));
  assert.deepEqual((await connection.getSignatureStatuses([unknown])).value, [null]);

  const read = await connection.getTransaction(signatures[0], { maxSupportedTransactionVersion: 0 });
  const block = await connection.getBlock(read.slot, { maxSupportedTransactionVersion: 0 });
  assert.equal(block.parentSlot, read.slot - 1);
  assert.ok(block.transactions.some((t) => t.transaction.signatures[0] === signatures[0]));
  const previous = await connection.getBlock(read.slot - 1, { maxSupportedTransactionVersion: 0 });
  assert.equal(block.previousBlockhash, previous.blockhash);
  const { signatures: blockSignatures } = await connection.getBlockSignatures(read.slot);
  assert.ok(blockSignatures.includes(signatures[0]));
  const accountsOnly = await connection.getBlock(read.slot, {
    maxSupportedTransactionVersion: 0,
    transactionDetails: 'accounts',
  });
  assert.ok(accountsOnly.transactions.some((t) => t.transaction.signatures[0] === signatures[0]));
  const none = await connection.getBlock(read.slot, { maxSupportedTransactionVersion: 0, transactionDetails: 'none' });
  assert.equal(none.blockhash, block.blockhash);
  const parsedBlock = await connection.getParsedBlock(read.slot, { maxSupportedTransactionVersion: 0 });
  assert.ok(parsedBlock.transactions.length >= 1);
  await assert.rejects(
    connection.getBlock((await connection.getSlot('processed')) + 1_000_000, { maxSupportedTransactionVersion: 0 }),
    SolanaJSONRPCError,
  );
});

test('a replayed transaction is refused and an expired blockhash is reported as such', async () => {
  const { connection, rpc } = node;
  const transaction = await paidV0([pay(Keypair.generate().publicKey, 1_000_000)]);
  await confirm(connection, await connection.sendTransaction(transaction));
  await assert.rejects(connection.sendTransaction(transaction), SendTransactionError);

  const stale = new VersionedTransaction(
    new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: Keypair.generate().publicKey.toBase58(),
      instructions: [pay(Keypair.generate().publicKey, 1)],
    }).compileToV0Message(),
  );
  stale.sign([payer]);
  await assert.rejects(
    rpc('sendTransaction', [Buffer.from(stale.serialize()).toString('base64'), { encoding: 'base64' }]),
    (error) => error.code === -32002 && error.data.err === 'BlockhashNotFound',
  );
});
