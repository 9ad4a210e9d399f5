// The provider the suite runs on. Under `anchor test` (ANCHOR_PROVIDER_URL
// and ANCHOR_WALLET set by the anchor CLI, a solana-test-validator running
// the real .so) it is `AnchorProvider.env()`. Otherwise (scripts/test.sh,
// or `npm test -w tests/ts` by hand) this hook starts orderbook-node on free
// loopback ports with a fresh ledger (through @orderbook/test-support: the
// binary is ORDERBOOK_NODE_BIN, or the workspace's debug build), funds a new
// wallet by airdrop, and stops the node when the suite ends. Either way the
// provider's PubSub socket is closed at the end, so mocha exits when done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { AnchorProvider, getProvider, setProvider, Wallet } from '@coral-xyz/anchor';
import { type NodeProcess, STATE_DEADLINE_MS, startNodeProcess } from '@orderbook/test-support';
import { Connection, Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';

let node: { nodeProcess: NodeProcess; ledger: string } | undefined;

async function startNode(): Promise<Connection> {
  const ledger = mkdtempSync(path.join(tmpdir(), 'orderbook-anchor-ts-'));
  // The node's own pace (400 ms slots, finality 32 slots behind), as a
  // validator's: the suite must not depend on fast slots to pass.
  const nodeProcess = await startNodeProcess({ ledger, slotMs: null, finalityLag: null });
  const connection = new Connection(nodeProcess.rpcUrl, { commitment: 'confirmed', wsEndpoint: nodeProcess.wsUrl });
  node = { nodeProcess, ledger };
  return connection;
}

/** web3.js would keep reconnecting its PubSub socket, and the process alive. */
function closeSocket(connection: Connection): void {
  const socket = (connection as unknown as { _rpcWebSocket: { setAutoReconnect(on: boolean): void; close(): void } })._rpcWebSocket;
  socket.setAutoReconnect(false);
  socket.close();
}

async function stopNode(): Promise<void> {
  if (!node) {
    return;
  }
  const { nodeProcess, ledger } = node;
  await nodeProcess.stop();
  rmSync(ledger, { recursive: true, force: true });
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(STATE_DEADLINE_MS + 30_000);
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
    closeSocket(getProvider().connection);
    await stopNode();
  },
};
