// The provider the suite runs on. Under `anchor test` (ANCHOR_PROVIDER_URL
// and ANCHOR_WALLET set by the anchor CLI, a solana-test-validator running
// the real .so) it is `AnchorProvider.env()`. Otherwise (scripts/test.sh,
// or `npm test -w tests/ts` by hand) this hook starts orderbook-node on free
// loopback ports with a fresh ledger, funds a new wallet by airdrop, and
// stops the node when the suite ends. The node binary is ORDERBOOK_NODE_BIN,
// or the workspace's debug build (`cargo build -p orderbook-node`).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { AnchorProvider, setProvider, Wallet } from '@coral-xyz/anchor';
import { Connection, Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const STARTUP_TIMEOUT_MS = 60_000;
/** Short slots so confirmations come quickly. */
const SLOT_MS = 50;

let node: { child: ChildProcess; ledger: string; connection: Connection } | undefined;

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer().listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function startNode(): Promise<Connection> {
  const binary = process.env.ORDERBOOK_NODE_BIN ?? path.join(workspace, 'target/debug/orderbook-node');
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: run \`cargo build -p orderbook-node\` or set ORDERBOOK_NODE_BIN`);
  }
  const ledger = mkdtempSync(path.join(tmpdir(), 'orderbook-anchor-ts-'));
  const [rpcPort, wsPort] = await freePorts(2);
  const child = spawn(
    binary,
    ['--rpc-addr', `127.0.0.1:${rpcPort}`, '--ws-addr', `127.0.0.1:${wsPort}`, '--ledger', ledger, '--reset', '--slot-ms', String(SLOT_MS)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const connection = new Connection(`http://127.0.0.1:${rpcPort}`, { commitment: 'confirmed', wsEndpoint: `ws://127.0.0.1:${wsPort}` });
  node = { child, ledger, connection };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`orderbook-node exited with ${child.exitCode}:\n${stderr}`);
    }
    try {
      await connection.getLatestBlockhash();
      return connection;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`orderbook-node did not answer within ${STARTUP_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await sleep(100);
  }
}

async function stopNode(): Promise<void> {
  if (!node) {
    return;
  }
  const { child, ledger, connection } = node;
  // web3.js would keep reconnecting its PubSub socket, and the process alive.
  const socket = (connection as unknown as { _rpcWebSocket: { setAutoReconnect(on: boolean): void; close(): void } })._rpcWebSocket;
  socket.setAutoReconnect(false);
  socket.close();
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  rmSync(ledger, { recursive: true, force: true });
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(STARTUP_TIMEOUT_MS + 30_000);
    if (process.env.ANCHOR_PROVIDER_URL) {
      setProvider(AnchorProvider.env());
      return;
    }
    const connection = await startNode();
    const payer = Keypair.generate();
    const signature = await connection.requestAirdrop(payer.publicKey, 100 * LAMPORTS_PER_SOL);
    await connection.confirmTransaction({ signature, ...(await connection.getLatestBlockhash()) }, 'confirmed');
    setProvider(new AnchorProvider(connection, new Wallet(payer), { commitment: 'confirmed' }));
  },
  async afterAll() {
    await stopNode();
  },
};
