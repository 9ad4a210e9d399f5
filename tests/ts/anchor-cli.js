// The Anchor suite as an Anchor developer runs it: the real `anchor` CLI's
// `anchor test --skip-build --skip-deploy --skip-local-validator`, against
// orderbook-node at its own pace (400 ms slots, as a validator), with a
// funded wallet file as `provider.wallet`. scripts/test.sh runs this;
// by hand: `node tests/ts/anchor-cli.js` (ANCHOR_BIN: the CLI, default
// `anchor` on PATH; ORDERBOOK_NODE_BIN: the node, default the debug build).
// Exits with anchor's status; a hang is bounded.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Connection, Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';

import { adjacentFreePorts, startNodeProcess, until, workspace } from '@orderbook/test-support';

/** A bound on the whole `anchor test` (it installs, builds and runs the suite). */
const ANCHOR_TEST_DEADLINE_MS = 15 * 60_000;

/** Fund `owner` from the node's faucet; confirmed by polling (no PubSub socket left open). */
async function airdrop(connection, owner) {
  const signature = await connection.requestAirdrop(owner, 100 * LAMPORTS_PER_SOL);
  await until('the airdrop confirmed', async () => {
    const { value } = await connection.getSignatureStatus(signature);
    return value?.confirmationStatus === 'confirmed' || value?.confirmationStatus === 'finalized';
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), 'orderbook-anchor-cli-'));
// PubSub at the RPC port + 1: `AnchorProvider.env()` finds it there, as on a validator.
const node = await startNodeProcess({
  ledger: path.join(scratch, 'ledger'), ports: await adjacentFreePorts(), slotMs: null, finalityLag: null,
});
let status = 1;
try {
  const wallet = Keypair.generate();
  const walletFile = path.join(scratch, 'id.json');
  writeFileSync(walletFile, JSON.stringify(Array.from(wallet.secretKey)), { mode: 0o600 });
  await airdrop(new Connection(node.rpcUrl, 'confirmed'), wallet.publicKey);

  const anchor = spawn(
    process.env.ANCHOR_BIN ?? 'anchor',
    ['test', '--skip-build', '--skip-deploy', '--skip-local-validator',
      '--provider.cluster', node.rpcUrl, '--provider.wallet', walletFile],
    { cwd: workspace, stdio: 'inherit' },
  );
  const deadline = setTimeout(() => {
    console.error(`anchor test did not finish within ${ANCHOR_TEST_DEADLINE_MS / 60_000} min: stopping it`);
    anchor.kill('SIGKILL');
  }, ANCHOR_TEST_DEADLINE_MS);
  const [code, signal] = await once(anchor, 'exit');
  clearTimeout(deadline);
  status = code ?? 1;
  if (signal) {
    console.error(`anchor test stopped by ${signal}`);
  }
} finally {
  await node.stop();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
