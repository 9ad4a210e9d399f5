// Starts a fresh orderbook-node on free loopback ports for one test file and
// stops it afterwards (tests/support starts it: ORDERBOOK_NODE_BIN, or the
// workspace's debug build, `cargo build -p orderbook-node`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Connection, Keypair, LAMPORTS_PER_SOL, TransactionMessage, VersionedTransaction } from '@solana/web3.js';

// A relative import: this suite has its own lockfile, outside the npm workspace.
import { FINALITY_LAG, SLOT_MS, STATE_DEADLINE_MS, startNodeProcess } from '../../support/index.js';

export { FINALITY_LAG, SLOT_MS, STATE_DEADLINE_MS };

/** A JSON-RPC error as the node sent it: web3.js hides the code of some. */
export class RpcError extends Error {
  constructor(error) {
    super(`${error.code}: ${error.message}`);
    this.code = error.code;
    this.data = error.data;
  }
}

export async function startNode() {
  const ledger = mkdtempSync(path.join(tmpdir(), 'orderbook-node-web3js-'));
  const node = await startNodeProcess({ ledger });
  const { rpcUrl } = node;
  /** Sends one JSON-RPC request as-is and returns its `result`, or throws RpcError. */
  const rpc = async (method, params = []) => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new RpcError(body.error);
    return body.result;
  };

  const connection = new Connection(rpcUrl, {
    commitment: 'confirmed',
    wsEndpoint: node.wsUrl,
  });
  return {
    rpcUrl,
    connection,
    rpc,
    async stop() {
      // web3.js would otherwise keep reconnecting its socket, and the test process alive.
      connection._rpcWebSocket.setAutoReconnect(false);
      connection._rpcWebSocket.close();
      // confirmTransaction may still be polling the status it raced its subscription with.
      await sleep(4 * SLOT_MS);
      await node.stop();
      rmSync(ledger, { recursive: true, force: true });
    },
  };
}

/** Waits until `signature` is confirmed, through web3.js's own confirmation (signatureSubscribe). */
export async function confirm(connection, signature) {
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
  const { value } = await connection.confirmTransaction(
    { signature, blockhash, lastValidBlockHeight },
    'confirmed',
  );
  if (value.err) throw new Error(`${signature} failed: ${JSON.stringify(value.err)}`);
  return signature;
}

/** Polls getSignatureStatuses until `signature` is confirmed (failed or not) and returns its status. */
export async function settledStatus(connection, signature, ms = STATE_DEADLINE_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const [status] = (await connection.getSignatureStatuses([signature])).value;
    if (status && status.confirmationStatus !== 'processed') return status;
    if (Date.now() > deadline) throw new Error(`${signature} not confirmed within ${ms} ms`);
    await sleep(SLOT_MS);
  }
}

/** A v0 transaction paid and signed by `payer` over a fresh blockhash. */
export async function signedV0(connection, payer, instructions, { lookupTables = [] } = {}) {
  const { blockhash } = await connection.getLatestBlockhash();
  const message = new TransactionMessage({
    payerKey: payer.publicKey,
    recentBlockhash: blockhash,
    instructions,
  }).compileToV0Message(lookupTables);
  const transaction = new VersionedTransaction(message);
  transaction.sign([payer]);
  return transaction;
}

export async function fundedKeypair(connection, sol) {
  const keypair = Keypair.generate();
  await confirm(connection, await connection.requestAirdrop(keypair.publicKey, sol * LAMPORTS_PER_SOL));
  return keypair;
}

/** Resolves with the first value `subscribe(resolve)` delivers, or rejects after `ms`. */
export function nextNotification(subscribe, ms = STATE_DEADLINE_MS) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no notification within ${ms} ms`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * Resolves once the socket has carried a slot notification: the node answers
 * one socket's requests in order, so every subscription made before this
 * call is registered by then.
 */
export async function subscriptionsActive(connection) {
  let id;
  await nextNotification((resolve) => {
    id = connection.onSlotChange(resolve);
  });
  await connection.removeSlotChangeListener(id);
}
