// Every PubSub subscription through web3.js's own listeners: onSlotChange,
// onAccountChange, onProgramAccountChange, onLogs (all and mentions) and
// onSignature, and each listener's removal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createMint, getOrCreateAssociatedTokenAccount, mintTo, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL, SystemProgram } from '@solana/web3.js';

import { confirm, fundedKeypair, nextNotification, signedV0, SLOT_MS, startNode, subscriptionsActive } from './node.js';

let node;
let payer;

before(async () => {
  node = await startNode();
  payer = await fundedKeypair(node.connection, 10);
});
after(() => node?.stop());

async function sendTransfer(to, lamports) {
  const transfer = SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports });
  return node.connection.sendTransaction(await signedV0(node.connection, payer, [transfer]));
}

test('onSlotChange delivers consecutive slots and stops after removal', async () => {
  const { connection } = node;
  const slots = [];
  let enough;
  const three = new Promise((resolve) => {
    enough = resolve;
  });
  const id = connection.onSlotChange((info) => {
    slots.push(info);
    if (slots.length === 3) enough();
  });
  await three;
  await connection.removeSlotChangeListener(id);
  for (let i = 1; i < 3; i += 1) {
    assert.equal(slots[i].slot, slots[i - 1].slot + 1);
    assert.equal(slots[i].parent, slots[i].slot - 1);
    assert.ok(slots[i].root < slots[i].slot);
  }
  const count = slots.length;
  await sleep(SLOT_MS * 6);
  assert.equal(slots.length, count, 'no slot after removeSlotChangeListener');
});

test('onAccountChange sees a transfer land at the requested commitment', async () => {
  const { connection } = node;
  const watched = Keypair.generate().publicKey;
  let id;
  const change = nextNotification((resolve) => {
    id = connection.onAccountChange(watched, (account, context) => resolve({ account, context }), {
      commitment: 'confirmed',
      encoding: 'base64',
    });
  });
  await subscriptionsActive(connection);
  await confirm(connection, await sendTransfer(watched, LAMPORTS_PER_SOL / 2));
  const { account, context } = await change;
  assert.equal(account.lamports, LAMPORTS_PER_SOL / 2);
  assert.ok(account.owner.equals(SystemProgram.programId));
  assert.ok(context.slot > 0);
  await connection.removeAccountChangeListener(id);
});

test('onProgramAccountChange applies its filters', async () => {
  const { connection } = node;
  const authority = Keypair.generate();
  const mint = await createMint(connection, payer, authority.publicKey, null, 0);
  const holder = await getOrCreateAssociatedTokenAccount(connection, payer, mint, Keypair.generate().publicKey);
  const otherMint = await createMint(connection, payer, authority.publicKey, null, 0);
  const otherHolder = await getOrCreateAssociatedTokenAccount(connection, payer, otherMint, Keypair.generate().publicKey);

  const seen = [];
  let id;
  const change = nextNotification((resolve) => {
    id = connection.onProgramAccountChange(
      TOKEN_PROGRAM_ID,
      (keyed) => {
        seen.push(keyed.accountId.toBase58());
        resolve(keyed);
      },
      { commitment: 'confirmed', filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint.toBase58() } }] },
    );
  });
  await subscriptionsActive(connection);
  // The other mint's account changes first: the filter must keep it out.
  await mintTo(connection, payer, otherMint, otherHolder.address, authority, 5);
  await mintTo(connection, payer, mint, holder.address, authority, 7);
  const keyed = await change;
  assert.equal(keyed.accountId.toBase58(), holder.address.toBase58());
  assert.ok(keyed.accountInfo.owner.equals(TOKEN_PROGRAM_ID));
  // amount: u64 at byte 64 of a token account.
  assert.equal(keyed.accountInfo.data.readBigUInt64LE(64), 7n);
  assert.ok(!seen.includes(otherHolder.address.toBase58()));
  await connection.removeProgramAccountChangeListener(id);
});

test('onLogs: mentions of one account and all transactions', async () => {
  const { connection } = node;
  const mentioned = Keypair.generate().publicKey;
  let mentionsId;
  const mentioning = nextNotification((resolve) => {
    mentionsId = connection.onLogs(mentioned, resolve, 'confirmed');
  });
  const seenByAll = new Set();
  const allId = connection.onLogs('all', (logs) => seenByAll.add(logs.signature), 'confirmed');
  await subscriptionsActive(connection);
  const other = await sendTransfer(Keypair.generate().publicKey, 1_000_000);
  const signature = await sendTransfer(mentioned, 1_000_000);
  const logs = await mentioning;
  assert.equal(logs.signature, signature, 'only the transaction that mentions the account');
  assert.equal(logs.err, null);
  assert.ok(logs.logs.includes(`Program ${SystemProgram.programId.toBase58()} success`), logs.logs.join('\n'));
  await confirm(connection, other);
  await sleep(SLOT_MS * 3);
  assert.ok(seenByAll.has(other) && seenByAll.has(signature), '"all" sees every transaction');
  await connection.removeOnLogsListener(mentionsId);
  await connection.removeOnLogsListener(allId);
});

test('onSignature reports the result once the transaction is confirmed', async () => {
  const { connection } = node;
  const signature = await sendTransfer(Keypair.generate().publicKey, 1_000_000);
  const result = await nextNotification((resolve) => {
    connection.onSignature(signature, (outcome, context) => resolve({ outcome, context }), 'confirmed');
  });
  assert.equal(result.outcome.err, null);
  const status = (await connection.getSignatureStatuses([signature])).value[0];
  assert.equal(result.context.slot, status.slot);
});
