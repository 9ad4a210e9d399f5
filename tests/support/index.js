// What the TypeScript and JavaScript suites share: tests/ts (the Anchor
// suite), tests/web3js (plain JavaScript, imported by relative path) and
// app/web's Chromium tests. Plain ESM JavaScript with types in index.d.ts,
// so that each suite runs it as is. The Rust counterpart is
// crates/test-support.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A test node's slot: short, so confirmations and finality come quickly (the Rust suites' TEST_SLOT). */
export const SLOT_MS = 50;
/** Slots between `confirmed` and `finalized` on a test node (a validator's is 32). */
export const FINALITY_LAG = 4;
/**
 * How long a test waits for a state it needs (a confirmation, a
 * notification, a process answering) before failing: it bounds a hang on a
 * machine whose CPUs and disk are busy, it is not a speed requirement.
 */
export const STATE_DEADLINE_MS = 120_000;

/**
 * `count` distinct free loopback ports: every listener stays open until all
 * are chosen, so the kernel cannot hand the same port out twice.
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

/** Attempts `adjacentFreePorts` makes before giving up. */
const ADJACENT_PORT_ATTEMPTS = 100;

/**
 * Two free loopback ports `[p, p + 1]`, both held until both are chosen: a
 * node's JSON-RPC and PubSub where clients that know only the RPC URL look
 * for them (web3.js and Anchor's `AnchorProvider.env()` take PubSub at the
 * next port, as a validator serves it).
 */
export async function adjacentFreePorts() {
  for (let attempt = 0; attempt < ADJACENT_PORT_ATTEMPTS; attempt += 1) {
    const first = createServer();
    first.listen(0, '127.0.0.1');
    await once(first, 'listening');
    const port = first.address().port;
    const second = createServer();
    const taken = await new Promise((resolve) => {
      second.once('error', () => resolve(false));
      second.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    await new Promise((resolve) => first.close(() => resolve()));
    if (taken) {
      await new Promise((resolve) => second.close(() => resolve()));
      return [port, port + 1];
    }
  }
  throw new Error(`no two adjacent free loopback ports in ${ADJACENT_PORT_ATTEMPTS} attempts`);
}

/**
 * The path of a workspace binary: `$ORDERBOOK_BIN_DIR/<name>`, or the debug
 * build under target/. Throws, naming the cargo command, when it is missing.
 */
export function binaryPath(name, { envVar } = {}) {
  const explicit = envVar ? process.env[envVar] : undefined;
  const dir = process.env.ORDERBOOK_BIN_DIR ?? path.join(workspace, 'target/debug');
  const binary = explicit ?? path.join(dir, name);
  if (!existsSync(binary)) {
    const hint = envVar ? ` or set ${envVar}` : '';
    throw new Error(`${binary} not found: run \`cargo build -p ${name}\`${hint}`);
  }
  return binary;
}

/**
 * Wait until `check()` holds, polling every `intervalMs`; fail after
 * `timeoutMs` (default STATE_DEADLINE_MS) saying `what`, or at once if
 * `child` exits first.
 */
export async function until(what, check, { child, timeoutMs = STATE_DEADLINE_MS, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Whether `GET url` answers 2xx. */
export async function answers(url) {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/**
 * `orderbook-node` as a child process on loopback with a fresh `ledger`;
 * resolves once `/health` answers. `ports` ([rpc, ws]) default to free
 * ones; `slotMs` and `finalityLag` default to the test timing (null: the
 * node's own); `logFile` takes its output (else its stderr is kept for the
 * error of a failed start). `stop()` sends SIGTERM and waits for the exit.
 */
export async function startNodeProcess({
  ledger,
  extraArgs = [],
  ports,
  slotMs = SLOT_MS,
  finalityLag = FINALITY_LAG,
  logFile,
} = {}) {
  const binary = binaryPath('orderbook-node', { envVar: 'ORDERBOOK_NODE_BIN' });
  const [rpcPort, wsPort] = ports ?? (await freePorts(2));
  const args = [
    '--rpc-addr', `127.0.0.1:${rpcPort}`,
    '--ws-addr', `127.0.0.1:${wsPort}`,
    '--ledger', ledger,
    '--reset',
    ...(slotMs === null ? [] : ['--slot-ms', String(slotMs)]),
    ...(finalityLag === null ? [] : ['--finality-lag', String(finalityLag)]),
    ...extraArgs,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', logFile ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = logFile ? `(see ${logFile})` : '';
  if (logFile) {
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
  }
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
  try {
    await until('orderbook-node', () => answers(`${rpcUrl}/health`), { child });
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${stderr}`);
  }
  return {
    child,
    rpcUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    stderr: () => stderr,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
