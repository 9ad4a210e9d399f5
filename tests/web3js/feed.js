// What the wallet scripts (wallet.js, sealed-wallet.js) share: the feed's
// REST API, signing and sending the unsigned transactions it prepares, and
// waiting (bounded) for a state the indexer or the chain reaches.
import { setTimeout as sleep } from 'node:timers/promises';

import { Transaction } from '@solana/web3.js';

import { confirm, STATE_DEADLINE_MS } from './test/node.js';

/** The feed at `feedUrl`: `api` calls a route (throwing on an error status), `signAndSend` signs what a `/api/tx/*` route prepared. */
export function feed(feedUrl, connection) {
  async function api(method, route, body) {
    const response = await fetch(`${feedUrl}${route}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Ask the feed for an unsigned transaction, sign it as the wallet, send it to the node. */
  async function signAndSend(route, body, wallet) {
    const unsigned = await api('POST', route, body);
    const transaction = Transaction.from(Buffer.from(unsigned.transaction, unsigned.encoding));
    transaction.sign(wallet);
    return confirm(connection, await connection.sendRawTransaction(transaction.serialize()));
  }

  return { api, signAndSend };
}

/** `check`'s first truthy value; fails after STATE_DEADLINE_MS (a loaded machine is slow, not stuck). */
export async function until(what, check) {
  const deadline = Date.now() + STATE_DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${STATE_DEADLINE_MS} ms`);
    await sleep(100);
  }
}
