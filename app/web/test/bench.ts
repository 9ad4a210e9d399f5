// The web app's figures (docs/web-app.md): run with `npm run bench -w app/web` after
// `cargo build --release -p orderbook-node -p orderbook-keeper -p orderbook-app`
// (ORDERBOOK_BIN_DIR defaults to target/release here).
//
// 1. first paint: a cold browser context opens the page once the exchange is
//    ready (node, demo trading, keeper, indexer + feed); time to a ladder
//    with both sides drawn. RUNS loads, median and max.
// 2. ladder latency under the demo's load: the bench's own post-only bids,
//    one at a time at a price inside the spread; from the node's answer to
//    sendTransaction (orderbook-node executes the transaction before it
//    answers: the chain event) to the page's ladder row with that size (the
//    page's clock and the bench's are the same machine's). ORDERS orders,
//    p50 / p99; each order is cancelled before the next.
// 3. the built bundle: bytes and gzip bytes of dist/.
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { AnchorProvider, Wallet } from '@coral-xyz/anchor';
import { OrderbookClient, l2, type Market } from '@orderbook/client';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, Transaction } from '@solana/web3.js';
import puppeteer, { type Page } from 'puppeteer-core';

process.env.ORDERBOOK_BIN_DIR ??= path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../target/release');
const { Stack, workspace } = await import('./stack.js');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 100);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

function bundle(): { bytes: number; gzip: number; files: number } {
  const dir = path.join(workspace, 'app/web/dist');
  const files: string[] = [];
  const walk = (d: string) => readdirSync(d).forEach((f) => (statSync(path.join(d, f)).isDirectory() ? walk(path.join(d, f)) : files.push(path.join(d, f))));
  walk(dir);
  const contents = files.map((f) => readFileSync(f));
  return { files: files.length, bytes: contents.reduce((s, c) => s + c.length, 0), gzip: contents.reduce((s, c) => s + gzipSync(c).length, 0) };
}

async function firstPaints(url: string): Promise<number[]> {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#bids tr[data-price-ticks]', { timeout: 60_000 });
    await page.waitForSelector('#asks tr[data-price-ticks]', { timeout: 60_000 });
    times.push(Date.now() - started);
    await context.close();
  }
  await browser.close();
  return times;
}

/** Time (page clock, ms) when the ladder shows `lots` at `ticks` among the bids. */
function shown(page: Page, ticks: number, lots: number): Promise<number> {
  return page
    .waitForFunction(
      (p, l) => {
        const row = document.querySelector(`#bids tr[data-price-ticks="${p}"]`) as HTMLElement | null;
        return row && Number(row.dataset.baseLots) >= l ? Date.now() : false;
      },
      { polling: 'mutation', timeout: 20_000 },
      ticks,
      lots,
    )
    .then((handle) => handle.jsonValue() as Promise<number>);
}

async function ladderLatency(stack: InstanceType<typeof Stack>): Promise<{ latencies: number[]; missed: Map<string, number> }> {
  const connection = new Connection(stack.rpcUrl, { commitment: 'confirmed', wsEndpoint: stack.wsUrl });
  const maker = Keypair.generate();
  await connection.confirmTransaction(await connection.requestAirdrop(maker.publicKey, 10 * LAMPORTS_PER_SOL), 'confirmed');
  const client = OrderbookClient.connect(new AnchorProvider(connection, new Wallet(maker), { commitment: 'confirmed' }));
  const market: Market = await client.market(new PublicKey(stack.market));
  // Tokens from the app's faucet, all of the quote deposited.
  const faucet = await fetch(`${stack.feedUrl}/api/faucet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ market: stack.market, owner: maker.publicKey.toBase58() }) });
  if (!faucet.ok) throw new Error(`faucet: ${await faucet.text()}`);
  const grant = (await faucet.json()) as { transaction: string; quote: { amount: string } };
  // The faucet signed as mint authority; the maker signs and pays.
  const granted = Transaction.from(Buffer.from(grant.transaction, 'base64'));
  granted.partialSign(maker);
  await connection.confirmTransaction(await connection.sendRawTransaction(granted.serialize()), 'confirmed');
  const quote = grant;
  await client.send([await client.ix.openTraderAccount(maker.publicKey, market.address), await client.ix.deposit(maker.publicKey, market, 'quote', BigInt(quote.quote.amount))]);

  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  const page = await browser.newPage();
  await page.goto(stack.feedUrl, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#bids tr[data-price-ticks]', { timeout: 60_000 });
  const latencies: number[] = [];
  const missed = new Map<string, number>();
  const miss = (why: string) => missed.set(why, (missed.get(why) ?? 0) + 1);
  for (let i = 0; i < ORDERS; i++) {
    const book = await client.book(market);
    const [bid, ask] = [l2(book.bids, 1)[0], l2(book.asks, 1)[0]];
    if (!bid || !ask || ask.priceTicks.sub(bid.priceTicks).toNumber() < 2) {
      miss('no room inside the spread');
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const ticks = bid.priceTicks.toNumber() + 1;
    const lots = 1 + (i % 5);
    const { blockhash } = await connection.getLatestBlockhash('processed');
    const tx = new Transaction({ feePayer: maker.publicKey, recentBlockhash: blockhash }).add(
      await client.ix.placeOrder(maker.publicKey, market, { side: 'bid', orderType: 'postOnly', priceTicks: ticks, maxBaseLots: lots, clientOrderId: i + 1 }),
    );
    tx.sign(maker);
    const drawn = shown(page, ticks, lots);
    let landed: number;
    try {
      // orderbook-node executes a transaction before it answers sendTransaction.
      await connection.sendRawTransaction(tx.serialize(), { preflightCommitment: 'processed' });
      landed = Date.now();
    } catch (error) {
      miss(`place failed: ${String(error).slice(0, 80)}`);
      drawn.catch(() => {});
      continue;
    }
    try {
      latencies.push((await drawn) - landed);
    } catch {
      miss('not drawn within 20 s (taken by a demo taker first?)');
    }
    // By client id: a distinct transaction each time (a repeated cancel-all could be refused as already processed).
    await client.send([await client.ix.cancelByClientId(maker.publicKey, market, i + 1)]).catch(() => miss('cancel failed (filled?)'));
  }
  await browser.close();
  return { latencies, missed };
}

const stack = new Stack();
try {
  const sized = bundle();
  console.log(`bundle: ${sized.files} files, ${(sized.bytes / 1024).toFixed(0)} KiB, ${(sized.gzip / 1024).toFixed(0)} KiB gzip`);
  await stack.start('running');
  console.log('exchange ready (node, demo trading, keeper, indexer + feed)');
  const paints = await firstPaints(stack.feedUrl);
  console.log(`first paint with the book: median ${quantile(paints, 0.5)} ms, max ${Math.max(...paints)} ms over ${paints.length} cold loads (${paints.join(', ')})`);
  const { latencies, missed } = await ladderLatency(stack);
  console.log(
    `ladder latency (chain → DOM) under the demo's load: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${Math.max(...latencies)} ms over ${latencies.length} orders`,
  );
  for (const [why, count] of missed) console.log(`  not measured: ${count} × ${why}`);
} finally {
  await stack.stop();
}
// web3.js keeps reconnecting its PubSub socket to the stopped node.
process.exit(0);
