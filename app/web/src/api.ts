// The feed server's REST API (docs/feed-protocol.md): the shapes the page
// reads, and one fetch that turns every failure into a readable Error.

export interface ServerConfig {
  program_id: string;
  rpc_url: string | null;
  ws_url: string | null;
  faucet: { authority: string; base_tokens: number; quote_tokens: number } | null;
}

export interface MarketRow {
  market: string;
  base_mint: string;
  quote_mint: string;
  base_decimals: number | null;
  quote_decimals: number | null;
  base_lot_size: string;
  quote_lot_size: string;
  tick_size: string;
  taker_fee_ppm: number;
  maker_fee_ppm: number;
  status: number;
  last_seq: number;
}

export type SideName = 'bid' | 'ask';

export interface Trade {
  seq: number;
  price: number;
  base_lots: number;
  quote: string;
  taker_side: SideName;
  maker_order_id: string | number;
  taker_order_id: string | number;
  maker_trader_id: number;
  taker_trader_id: number;
  taker_fee: string;
  maker_fee: string;
  slot: number;
  block_time: number | null;
}

export interface Candle {
  resolution: number;
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  base_lots: string;
  quote: string;
  trades: number;
}

export interface Level {
  price: number;
  base_lots: number;
  orders: number;
}

export interface BookOrder {
  order_id: string | number;
  side: SideName;
  price: number;
  trader_id: number;
  base_lots: number;
  status?: string;
}

export interface Balances {
  trader_id: number;
  base_free: string;
  base_locked: string;
  quote_free: string;
  quote_locked: string;
  open_orders: number;
  closed: boolean;
}

/** GET a JSON document; a non-2xx answer throws the server's message. */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error(`the server is unreachable (${path})`);
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
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
      const body: { markets: MarketRow[]; next_after: string | null } = await getJson(`/api/markets${query}`);
      all.push(...body.markets);
      after = body.next_after;
      if (!after) break;
    }
    return all;
  },
  candles: (market: string, resolution: number, limit: number) =>
    getJson<{ candles: Candle[] }>(`/api/markets/${market}/candles?resolution=${resolution}&limit=${limit}`),
  faucet: (market: string, owner: string) =>
    getJson<{ signature: string }>('/api/faucet', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ market, owner }),
    }),
};
