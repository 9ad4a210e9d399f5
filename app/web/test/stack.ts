// The exchange the browser tests trade on, as separate processes over
// loopback like scripts/run.sh: orderbook-node, a demo market traded for a
// few seconds (a book, trades and candles, then quiet, so the page can be
// compared with the chain), the keeper, and `orderbook-app run` serving the
// built web app with the demo's faucet. Binaries: ORDERBOOK_BIN_DIR, or the
// workspace's debug build (`cargo build -p orderbook-node -p orderbook-keeper -p orderbook-app`).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { answers, binaryPath, freePorts, STATE_DEADLINE_MS, startNodeProcess, until, workspace } from '@orderbook/test-support';

export { workspace };

const DATABASE = process.env.ORDERBOOK_WEB_TEST_DB ?? 'host=127.0.0.1 port=5432 user=postgres dbname=orderbook_web_test';
/** Seconds the demo's makers and takers trade before the market goes quiet (tests). */
const DEMO_SECS = 6;

/** `check` holds, or fail after STATE_DEADLINE_MS (at once if `child` exits). */
const started = (what: string, check: () => Promise<boolean> | boolean, child: ChildProcess | null) =>
  until(what, check, { child, timeoutMs: STATE_DEADLINE_MS, intervalMs: 200 });

export class Stack {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'orderbook-web-'));
  readonly logs = path.join(this.dir, 'logs');
  private readonly children: ChildProcess[] = [];
  app: ChildProcess | null = null;
  node: ChildProcess | null = null;
  rpcUrl = '';
  wsUrl = '';
  feedUrl = '';
  market = '';
  /** The tests' sealed batch market (none in the bench), on the same tokens. */
  batchMarket = '';
  /** The local drand-compatible beacon the batch market names (issue 26). */
  beaconUrl = '';

  private launch(name: string, args: string[]): ChildProcess {
    const binary = binaryPath(name.split(' ')[0]);
    mkdirSync(this.logs, { recursive: true });
    const log = createWriteStream(path.join(this.logs, `${name.replace(/\W+/g, '-')}.log`), { flags: 'a' });
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.push(child);
    return child;
  }

  /**
   * Start everything. `demo: 'quiet'` (the tests): the demo trades for a few
   * seconds and exits, leaving a book that does not move; `'running'` (the
   * bench): it keeps trading until `stop`.
   */
  async start(demo: 'quiet' | 'running' = 'quiet'): Promise<void> {
    const [rpc, ws, feed, metrics, beacon] = await freePorts(5);
    this.rpcUrl = `http://127.0.0.1:${rpc}`;
    this.beaconUrl = `http://127.0.0.1:${beacon}`;
    const beaconProcess = this.launch('orderbook-beacon', ['--listen', `127.0.0.1:${beacon}`, '--period-secs', '1']);
    await started('the beacon', () => answers(`${this.beaconUrl}/info`), beaconProcess);
    this.wsUrl = `ws://127.0.0.1:${ws}`;
    this.feedUrl = `http://127.0.0.1:${feed}`;
    mkdirSync(this.logs, { recursive: true });
    const node = await startNodeProcess({
      ledger: path.join(this.dir, 'ledger'),
      ports: [rpc, ws],
      // The page the feed serves calls the node from the browser.
      extraArgs: ['--allow-origin', this.feedUrl],
      // Short slots for the tests; the node's default (400 ms, a validator's) for the bench.
      slotMs: demo === 'quiet' ? 100 : null,
      finalityLag: null,
      logFile: path.join(this.logs, 'orderbook-node.log'),
    });
    this.node = node.child;
    this.children.push(node.child);
    const marketFile = path.join(this.dir, 'market');
    const trader = this.launch('orderbook-app demo', [
      'demo', '--rpc-url', this.rpcUrl, '--market-file', marketFile, '--mint-authority-file', path.join(this.dir, 'mint-authority.json'),
      ...(demo === 'quiet' ? ['--interval-ms', '100', '--run-for-secs', String(DEMO_SECS)] : []),
    ]);
    if (demo === 'quiet') {
      const [code] = (await once(trader, 'exit')) as [number];
      if (code !== 0) throw new Error(`the demo exited with ${code}; see ${this.logs}`);
    } else {
      await started('the demo market', () => existsSync(marketFile) && readFileSync(marketFile, 'utf8').trim() !== '', trader);
    }
    this.market = readFileSync(path.join(this.dir, 'market'), 'utf8').trim();
    if (demo === 'quiet') await this.sealedDemo();
    this.launch('orderbook-keeper', [
      '--rpc-url', this.rpcUrl, '--keypair', path.join(this.dir, 'keeper.json'), '--airdrop-sol', '10',
      '--metrics-addr', `127.0.0.1:${metrics}`, '--subsidize-market', [this.market, this.batchMarket].filter(Boolean).join(','),
      '--beacon-url', this.beaconUrl,
    ]);
    await this.startApp(true);
  }

  /**
   * A sealed batch market on the demo market's tokens, naming the beacon,
   * traded for a few seconds (its makers' posts rest once the keeper clears
   * them). Windows of 2 s to commit and 15 s to reveal at the tests' 100 ms
   * slots: the page signs a commitment with at least half its window left
   * (1 s, on a loaded machine), it reckons the reveal window's round at
   * the node's measured pace (at 400 ms slots until it has 2 s of
   * samples: then up to 6 s later than the window opens here), and the
   * keeper's reveal must still land on a loaded machine.
   */
  private async sealedDemo(): Promise<void> {
    const marketFile = path.join(this.dir, 'batch-market');
    const demo = this.launch('orderbook-app demo sealed', [
      'demo', '--sealed-batch', '--rpc-url', this.rpcUrl, '--market-file', marketFile,
      '--mints-of', this.market, '--mint-authority', path.join(this.dir, 'mint-authority.json'),
      '--commit-slots', '20', '--grace-slots', '0', '--reveal-slots', '150', '--interval-ms', '100', '--run-for-secs', String(DEMO_SECS),
      '--beacon-url', this.beaconUrl,
    ]);
    const [code] = (await once(demo, 'exit')) as [number];
    if (code !== 0) throw new Error(`the sealed demo exited with ${code}; see ${this.logs}`);
    this.batchMarket = readFileSync(marketFile, 'utf8').trim();
  }

  /** `orderbook-app run` (indexer + feed + web app); `reset` empties its database first. */
  async startApp(reset = false): Promise<void> {
    this.app = this.launch('orderbook-app run', [
      'run', '--rpc-url', this.rpcUrl, '--ws-url', this.wsUrl, '--listen', this.feedUrl.replace('http://', ''), '--database-url', DATABASE,
      '--web-dir', path.join(workspace, 'app/web/dist'), '--faucet-keypair', path.join(this.dir, 'mint-authority.json'), '--faucet-market', [this.market, this.batchMarket].filter(Boolean).join(','),
      '--poll-ms', '500', '--heartbeat-secs', '2', ...(this.beaconUrl ? ['--public-beacon-url', this.beaconUrl] : []), ...(reset ? ['--reset-db'] : []),
    ]);
    await started('orderbook-app run', () => answers(`${this.feedUrl}/health`), this.app);
    await started(
      'the markets indexed',
      () =>
        fetch(`${this.feedUrl}/api/markets`)
          .then((r) => r.json() as Promise<{ markets: { market: string }[] }>)
          .then((body) => [this.market, this.batchMarket].filter(Boolean).every((want) => body.markets.some((m) => m.market === want)), () => false),
      this.app,
    );
  }

  /** Kill the feed (and its indexer) without warning, as a crash would. */
  async killApp(): Promise<void> {
    const app = this.app;
    if (!app || app.exitCode !== null) return;
    app.kill('SIGKILL');
    await once(app, 'exit');
    this.app = null;
  }

  /** Kill the node without warning (the last test: nothing restarts it). */
  async killNode(): Promise<void> {
    const node = this.node;
    if (!node || node.exitCode !== null) return;
    node.kill('SIGKILL');
    await once(node, 'exit');
  }

  async stop(): Promise<void> {
    for (const child of this.children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), sleep(10_000)]);
      }
    }
    if (!process.env.ORDERBOOK_KEEP_TEST_STATE) rmSync(this.dir, { recursive: true, force: true });
  }
}
