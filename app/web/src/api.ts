// The feed server's REST API (docs/feed-protocol.md): the shapes the page
// reads, and one fetch that turns every failure into a readable Error.
import type { wire } from '@orderbook/client';

// The shapes are the server's own (generated from app/src/feed/wire.rs).
export type ServerConfig = wire.ServerConfig;
export type MarketRow = wire.MarketRow;

/** GET a JSON document; a non-2xx answer throws the server's message. */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error(`the server is unreachable (${path})`);
  }
  const body = (await response.json().catch(() => null)) as Partial<wire.ErrorBody> | null;
  if (!response.ok) {
    throw new Error(body?.error?.message ?? `${path}: HTTP ${response.status}`);
  }
  return body as T;
}

export const api = {
  config: () => getJson<ServerConfig>('/api/config'),
  async markets(): Promise<MarketRow[]> {
    const all: MarketRow[] = [];
    let after: string | null = null;
    // Pages of 1,000 until the server says there is no next one.
    for (let page = 0; page < 100; page++) {
      const query: string = after ? `?limit=1000&after=${after}` : '?limit=1000';
      const body: wire.MarketsPage = await getJson(`/api/markets${query}`);
      all.push(...body.markets);
      after = body.next_after;
      if (!after) break;
    }
    return all;
  },
  /** A batch entry's kind and its batch's clear, as the indexer holds them. */
  batchEntry: (market: string, batch: string, entry: number) =>
    getJson<wire.BatchEntryState>(`/api/markets/${market}/batches/${batch}/entries/${entry}`),
  faucet: (market: string, owner: string) =>
    getJson<wire.FaucetGrant>('/api/faucet', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ market, owner }),
    }),
};
