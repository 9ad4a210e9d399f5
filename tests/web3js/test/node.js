// Starts a fresh orderbook-node on free loopback ports for one test file and
// stops it afterwards. The binary is ORDERBOOK_NODE_BIN, or the workspace's
// debug build (`cargo build -p orderbook-node`).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { Connection, Keypair, LAMPORTS_PER_SOL, TransactionMessage, VersionedTransaction } from '@solana/web3.js';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const nodeBinary =
  process.env.ORDERBOOK_NODE_BIN ?? path.join(workspace, 'target/debug/orderbook-node');

/** Slots are short so that confirmations and finality come quickly. */
export const SLOT_MS = 50;
/** Slots between `confirmed` and `finalized`. */
export const FINALITY_LAG = 4;
const STARTUP_TIMEOUT_MS = 60_000;
/**
 * How long a test waits for a state it needs (a confirmation, a
 * notification) before failing: it bounds a hang on a busy machine, it is
 * not a speed requirement.
 */
export const STATE_DEADLINE_MS = 120_000;

/** `count` distinct free loopback ports (all held open while choosing, so none repeats). */
async function freePorts(count) {
  const servers = [];
  for (let i = 0; i < count; i += 1) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
  }
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A JSON-RPC error as the node sent it: web3.js hides the code of some. */
export class RpcError extends Error {
  constructor(error) {
    super(`${error.code}: ${error.message}`);
    this.code = error.code;
    this.data = error.data;
  }
}

export async function startNode() {
  if (!existsSync(nodeBinary)) {
    throw new Error(`${nodeBinary} not found: run \`cargo build -p orderbook-node\` or set ORDERBOOK_NODE_BIN`);
  }
  const ledger = mkdtempSync(path.join(tmpdir(), 'orderbook-node-web3js-'));
  const [rpcPort, wsPort] = await freePorts(2);
  const child = spawn(
    nodeBinary,
    [
      '--rpc-addr', `127.0.0.1:${rpcPort}`,
      '--ws-addr', `127.0.0.1:${wsPort}`,
      '--ledger', ledger,
      '--reset',
      '--slot-ms', String(SLOT_MS),
      '--finality-lag', String(FINALITY_LAG),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
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

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`orderbook-node exited with ${child.exitCode}:\n${stderr}`);
    }
    try {
      if ((await rpc('getHealth')) === 'ok') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`orderbook-node did not answer getHealth within ${STARTUP_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await sleep(100);
  }

  const connection = new Connection(rpcUrl, {
    commitment: 'confirmed',
    wsEndpoint: `ws://127.0.0.1:${wsPort}`,
  });
  return {
    rpcUrl,
    connection,
    rpc,
    async stop() {
      process.off('exit', killOnExit);
      // web3.js would otherwise keep reconnecting its socket, and the test process alive.
      connection._rpcWebSocket.setAutoReconnect(false);
      connection._rpcWebSocket.close();
      // confirmTransaction may still be polling the status it raced its subscription with.
      await sleep(4 * SLOT_MS);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
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
