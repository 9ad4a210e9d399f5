// The trading page in a real Chromium (Debian's, driven by puppeteer-core)
// against the real node, keeper, indexer and feed (./stack.ts): what it
// shows equals the chain, and a local-wallet user deposits, rests an order,
// crosses the book, cancels and withdraws; bad input is refused in the form;
// a feed that dies shows as disconnected and recovers. Screenshots of the
// main screens go to ORDERBOOK_SCREENSHOTS (default target/web-screenshots).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { l2, LIMITS, OrderbookClient, orderbookProgram, tokenName, type Market } from '@orderbook/client';
import { until } from '@orderbook/test-support';
import { Connection, Keypair, PublicKey, Transaction } from '@solana/web3.js';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

import { Stack, workspace } from './stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.ORDERBOOK_SCREENSHOTS ?? path.join(workspace, 'target/web-screenshots');
/** How long a step waits for the page to show a state: bounds a hang on a busy machine, not a speed. */
const WAIT_MS = 120_000;
const PASSPHRASE = 'correct horse battery staple';

/** A sealed local-wallet key opened with Node's WebCrypto: the format is standard PBKDF2 + AES-GCM, not the page's own code. */
async function unsealInNode(sealed: { publicKey: string; iterations: number; salt: string; iv: string; ciphertext: string }, passphrase: string): Promise<Uint8Array> {
  const { subtle } = globalThis.crypto;
  const bytes = (b64: string) => Buffer.from(b64, 'base64');
  const material = await subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  const key = await subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: bytes(sealed.salt), iterations: sealed.iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  const additionalData = new TextEncoder().encode(sealed.publicKey);
  return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: bytes(sealed.iv), additionalData }, key, bytes(sealed.ciphertext)));
}

interface Row {
  side: string;
  priceTicks: number;
  baseLots: number;
}

describe('the trading page', function () {
  this.timeout(600_000);
  const stack = new Stack();
  let browser: Browser;
  let page: Page;
  let connection: Connection;
  let client: OrderbookClient;
  let market: Market;
  const errors: string[] = [];
  /** Every WebSocket frame the page sent (its feed requests), in order. */
  const framesSent: string[] = [];

  before(async function () {
    await stack.start();
    connection = new Connection(stack.rpcUrl, { commitment: 'confirmed', wsEndpoint: stack.wsUrl });
    client = new OrderbookClient(orderbookProgram(undefined, connection));
    market = await client.market(new PublicKey(stack.market));
    mkdirSync(SHOTS, { recursive: true });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1000 });
    page.on('pageerror', (error) => errors.push(String(error)));
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketFrameSent', (frame) => framesSent.push(frame.response.payloadData));
  });

  after(async function () {
    await browser?.close();
    await stack.stop();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      // What the page said, for the log of a failed run.
      const said = await page.evaluate(() =>
        ['#connection', '#tx-status', '#order-error', '#transfer-error', '#balances'].map((s) => `${s}: ${document.querySelector(s)?.textContent}`).join('\n'),
      );
      console.log(said);
      await shot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
    }
    assert.deepEqual(errors.splice(0), [], 'no uncaught error in the page');
  });

  const waitText = (selector: string, pattern: RegExp) =>
    page.waitForFunction((s, source) => new RegExp(source).test(document.querySelector(s)?.textContent ?? ''), { timeout: WAIT_MS }, selector, pattern.source);
  /** The wallet column (read from the chain) shows a balance above zero for every token listed, or for `token`. */
  const HOLDS = /^(?!0$)\d[\d.]*$/.source;
  const waitWalletHolds = (token?: 'base' | 'quote') =>
    page.waitForFunction(
      (rows, holds) => {
        const found = [...document.querySelectorAll(rows)];
        return found.length > 0 && found.every((row) => new RegExp(holds).test((row as HTMLTableRowElement).cells[3]?.textContent ?? ''));
      },
      { timeout: WAIT_MS },
      token ? `#balances tr[data-token=${token}]` : '#balances tr',
      HOLDS,
    );
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  /** Answer the local wallet's passphrase dialog once it is open. */
  const answerPassphrase = async (passphrase: string) => {
    await page.waitForSelector('#passphrase-dialog[open]', { timeout: WAIT_MS });
    await page.$eval('#passphrase-form input[name=passphrase]', (el, value) => ((el as HTMLInputElement).value = value), passphrase);
    await page.click('#passphrase-ok');
  };
  /** The local wallet's key as stored for this chain (sealed, see src/sealedKey.ts). */
  const storedWallet = async () => {
    const genesis = await connection.getGenesisHash();
    const text = await page.evaluate((g) => localStorage.getItem(`orderbook.local-wallet.v3.${g}`), genesis);
    return JSON.parse(text!) as { version: number; publicKey: string; iterations: number; salt: string; iv: string; ciphertext: string };
  };

  /** The ladder's rows (raw ticks and lots), asks best first then bids best first. */
  const ladder = () =>
    page.$$eval('#ladder tr[data-price-ticks]', (rows) =>
      rows.map((row) => ({ side: (row as HTMLElement).dataset.side!, priceTicks: Number((row as HTMLElement).dataset.priceTicks), baseLots: Number((row as HTMLElement).dataset.baseLots) })),
    );

  /** The chain's book as the ladder shows it (its top levels per side). */
  async function chainLadder(levels: number): Promise<Row[]> {
    const book = await client.book(market);
    const rows = (side: 'bid' | 'ask') =>
      l2(side === 'bid' ? book.bids : book.asks, levels).map((level) => ({ side, priceTicks: level.priceTicks.toNumber(), baseLots: level.baseLots.toNumber() }));
    return [...rows('ask').reverse(), ...rows('bid')];
  }

  async function ladderMatchesChain(): Promise<void> {
    const levels = Number(await page.$eval('#ladder', (table) => (table as HTMLElement).dataset.levels));
    let last: { page: Row[]; chain: Row[] } | null = null;
    for (let i = 0; i < 50; i++) {
      const [onPage, onChain] = [await ladder(), await chainLadder(levels)];
      if (JSON.stringify(onPage) === JSON.stringify(onChain)) return;
      last = { page: onPage, chain: onChain };
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(last?.page, last?.chain, 'the ladder equals the chain');
  }

  async function setField(selector: string, value: string): Promise<void> {
    await page.$eval(selector, (el) => ((el as HTMLInputElement).value = ''));
    await page.type(selector, value);
  }

  /** The trader account on chain (free and locked atoms). */
  async function chainTrader(owner: PublicKey) {
    const trader = await client.trader(market.address, owner);
    assert.ok(trader, 'the trader account exists');
    const b = trader.balances;
    return { baseFree: b.freeBase.toString(), quoteFree: b.freeQuote.toString(), baseLocked: b.lockedBase.toString(), quoteLocked: b.lockedQuote.toString(), orders: trader.openOrders };
  }

  /** A price at which an ask rests on `address`: above its best bid (or the first market's, on the same tokens). */
  async function askAboveTheBids(address: PublicKey): Promise<number> {
    const bestBid = async (at: PublicKey) => l2((await client.book(await client.market(at))).bids)[0]?.priceTicks.toNumber();
    return ((await bestBid(address)) ?? (await bestBid(market.address)) ?? 1) + 10;
  }

  /** A new maker, funded by the faucet, queues a post-only ask of 5 lots on `address`; resolves once it rests. */
  async function restAnAsk(address: PublicKey, priceTicks: number): Promise<void> {
    const maker = Keypair.generate();
    const sign = async (tx: Transaction) => {
      tx.partialSign(maker);
      const signature = await connection.sendRawTransaction(tx.serialize());
      await connection.confirmTransaction({ signature, ...(await connection.getLatestBlockhash()) }, 'confirmed');
    };
    await connection.confirmTransaction({ signature: await connection.requestAirdrop(maker.publicKey, 2e9), ...(await connection.getLatestBlockhash()) }, 'confirmed');
    const grant = await fetch(`${stack.feedUrl}/api/faucet`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ market: address.toBase58(), owner: maker.publicKey.toBase58() }),
    }).then((r) => r.json() as Promise<{ transaction: string }>);
    await sign(Transaction.from(Buffer.from(grant.transaction, 'base64')));
    const m = await client.market(address);
    const ixs = [
      await client.ix.openTraderAccount(maker.publicKey, address),
      await client.ix.deposit(maker.publicKey, m, 'base', 10n ** BigInt(m.baseDecimals)),
      await client.ix.queuePostOnly(maker.publicKey, address, m.batch, { side: 'ask', priceTicks, maxBaseLots: 5 }),
    ];
    await sign(new Transaction({ feePayer: maker.publicKey, ...(await connection.getLatestBlockhash()) }).add(...ixs));
    await until('the maker\'s ask resting', async () => (await client.trader(address, maker.publicKey))?.openOrders.some((o) => !o.orderId.isZero()) ?? false, { timeoutMs: WAIT_MS });
  }

  it('loads: live feed, the market, its book, trades and candles', async function () {
    const started = Date.now();
    // The demo market (the selector lists every indexed market, in key order).
    await page.goto(`${stack.feedUrl}/?market=${stack.market}`, { waitUntil: 'domcontentloaded' });
    await waitText('#connection', /^live$/);
    await page.waitForSelector('#bids tr[data-price-ticks]', { timeout: WAIT_MS });
    console.log(`      first paint with the book: ${Date.now() - started} ms`);
    assert.equal(await page.$eval('#market', (el) => (el as HTMLSelectElement).value), stack.market);
    // The demo's mints name themselves (Token-2022 metadata): symbols, not addresses.
    assert.equal((await tokenName(connection, market.baseMint))?.symbol, 'DEMO');
    assert.equal((await tokenName(connection, market.quoteMint))?.symbol, 'USDQ');
    await waitText('#market option:checked', /^DEMO\/USDQ · /);
    await page.waitForSelector('#tape tr', { timeout: WAIT_MS });
    await waitText('#stats', /Last price/);
    await shot('market');
  });

  it('fits a phone: one column, nothing wider than the screen', async function () {
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    try {
      await page.waitForFunction(() => getComputedStyle(document.querySelector('main')!).gridTemplateColumns.split(' ').length === 1, { timeout: WAIT_MS });
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
      assert.ok(widths.page <= widths.screen, `the page is ${widths.page} px wide on a ${widths.screen} px screen`);
      await shot('phone');
    } finally {
      await page.setViewport({ width: 1440, height: 1000 });
    }
  });

  it('shows the chain\'s book in the ladder', async function () {
    await ladderMatchesChain();
    assert.ok((await ladder()).length > 2, 'a book to compare');
  });

  let owner: PublicKey;
  it('connects the local wallet, airdrops SOL and mints test tokens', async function () {
    // A key the previous version kept in the clear is kept, and sealed.
    const genesis = await connection.getGenesisHash();
    const earlier = Keypair.generate();
    await page.evaluate((g, secret) => localStorage.setItem(`orderbook.local-wallet.v2.${g}`, JSON.stringify(secret)), genesis, Array.from(earlier.secretKey));
    const sentBeforeConnect = framesSent.length;
    await page.click('#wallet-connect');
    await waitText('#passphrase-title', /Protect the local wallet/);
    await answerPassphrase('short');
    await waitText('#passphrase-error', /at least 8 characters/);
    await answerPassphrase(PASSPHRASE);
    await waitText('#wallet-address', /Local wallet/);
    owner = new PublicKey(await page.$eval('#wallet-address', (el) => (el as HTMLElement).title));
    assert.ok(owner.equals(earlier.publicKey), 'the earlier key, not a new one');
    // At rest the key is sealed: nothing in storage holds it in the clear.
    const sealed = await storedWallet();
    assert.equal(sealed.version, 3);
    assert.equal(sealed.publicKey, owner.toBase58());
    const storage = await page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join('\n'));
    assert.doesNotMatch(storage, /\[\d+(,\d+){63}\]/, 'no 64-byte key as a JSON array');
    // Connecting subscribes the wallet's account channel and leaves the market's other channels as they were.
    const sinceConnect = () => framesSent.slice(sentBeforeConnect).map((f) => JSON.parse(f) as { op: string; channel?: string });
    await until('the account subscription', () => sinceConnect().some((r) => r.channel === 'account'), { timeoutMs: WAIT_MS });
    assert.deepEqual(sinceConnect().map((r) => `${r.op} ${r.channel}`), ['subscribe account']);
    await page.click('#wallet-airdrop');
    await waitText('#wallet-sol', /^[1-9][\d.]* SOL$/);
    await page.click('#wallet-faucet');
    await waitWalletHolds();
  });

  it('refuses a malformed price, one above the maximum, an empty amount and an order over the balance, each in a plain sentence', async function () {
    await setField('#order-form input[name=size]', '');
    await setField('#order-form input[name=price]', '12abc');
    await waitText('#order-error', /^enter a size$/);
    await setField('#order-form input[name=size]', '0.1');
    await waitText('#order-error', /^the price must be a number, like 0\.01$/);
    await setField('#order-form input[name=price]', '1'.padEnd(30, '0'));
    await waitText('#order-error', /^the price is above the maximum the program takes \([\d.]+ USDQ\)$/);
    await setField('#transfer-form input[name=amount]', '');
    await page.click('#transfer-form button[value=deposit]');
    await waitText('#transfer-error', /^enter an amount$/);
    // The heads and the form say their units.
    assert.equal(await page.$eval('#ladder th', (th) => th.textContent), 'Price (USDQ)');
    assert.equal(await page.$eval('#order-form [data-unit=base]', (label) => label.textContent), 'Size (DEMO)');
    await setField('#order-form input[name=price]', '9000');
    // Nothing deposited yet: no funds in the trader account.
    await waitText('#order-error', /deposit more/);
    await shot('refused');
    assert.equal(await client.trader(market.address, owner), null, 'nothing was sent');
  });

  it('deposits both tokens; the balances show what the chain holds', async function () {
    for (const [token, amount] of [['quote', '50'], ['base', '1']]) {
      await page.select('#transfer-form select[name=token]', token);
      await setField('#transfer-form input[name=amount]', amount);
      await page.click('#transfer-form button[value=deposit]');
      await waitText('#tx-status', /Deposit .*confirmed/);
    }
    const onChain = await chainTrader(owner);
    assert.equal(onChain.quoteFree, String(50n * 10n ** BigInt(market.quoteDecimals)));
    await page.waitForFunction((free) => document.querySelector('#balances tr[data-token=quote]')?.children[1]?.textContent === free, { timeout: WAIT_MS }, '50');
  });

  it('shows how full the book is and grows it: the wallet pays, the chain and the page show the new room', async function () {
    const before = await client.book(market);
    const shown = (bids: number, asks: number) => new RegExp(`^bids \\d+ / ${bids} · asks \\d+ / ${asks} orders$`);
    await waitText('#book-capacity', shown(before.bids.capacity, before.asks.capacity));
    const sol = await connection.getBalance(owner);
    await page.click('#grow-book');
    await waitText('#tx-status', /Grow the book .*confirmed/);
    const after = await client.book(market);
    assert.deepEqual([after.bids.capacity, after.asks.capacity], [before.bids.capacity + LIMITS.maxGrowthPerInstruction, before.asks.capacity + LIMITS.maxGrowthPerInstruction]);
    assert.ok(sol - (await connection.getBalance(owner)) > 2 * 64 * LIMITS.maxGrowthPerInstruction * 6_000, 'the wallet paid the rent');
    await waitText('#book-capacity', shown(after.bids.capacity, after.asks.capacity));
  });

  it('places a resting limit bid: it shows in open orders and in the ladder', async function () {
    const bestBid = Math.max(...(await ladder()).filter((r) => r.side === 'bid').map((r) => r.priceTicks));
    // Clicking a level puts its price in the form.
    await page.$eval(`#bids tr[data-price-ticks="${bestBid}"]`, (row) => (row as HTMLElement).click());
    await page.select('#order-form select[name=type]', 'limit');
    await setField('#order-form input[name=size]', '0.2');
    await page.evaluate(() => (document.querySelector('input[name=side][value=bid]') as HTMLInputElement).click());
    const before = (await ladder()).find((r) => r.side === 'bid' && r.priceTicks === bestBid)?.baseLots ?? 0;
    await page.click('#order-submit');
    await waitText('#tx-status', /Buy .*confirmed/);
    await page.waitForSelector('#open-orders tr[data-order-id]', { timeout: WAIT_MS });
    const order = await page.$eval('#open-orders tr[data-order-id]', (row) => ({ ticks: Number((row as HTMLElement).dataset.priceTicks), lots: Number((row as HTMLElement).dataset.baseLots) }));
    assert.equal(order.ticks, bestBid);
    const onChain = await chainTrader(owner);
    assert.equal(onChain.orders.length, 1);
    assert.equal(onChain.orders[0].priceTicks.toNumber(), bestBid);
    await page.waitForFunction(
      (ticks, lots) => Number((document.querySelector(`#bids tr[data-price-ticks="${ticks}"]`) as HTMLElement | null)?.dataset.baseLots) === lots,
      { timeout: WAIT_MS },
      bestBid,
      before + order.lots,
    );
    await ladderMatchesChain();
    await shot('resting-order');
  });

  it('crosses the book with an IOC: the fill shows in the tape, my fills, the candle and the balances', async function () {
    // The chart on 1h candles shares its channel with the 24h figures, which must still update.
    await page.click('#resolutions button[data-seconds="3600"]');
    await page.waitForSelector('#resolutions button[data-seconds="3600"][aria-pressed="true"]', { timeout: WAIT_MS });
    const bestAsk = Math.min(...(await ladder()).filter((r) => r.side === 'ask').map((r) => r.priceTicks));
    await page.$eval(`#asks tr[data-price-ticks="${bestAsk}"]`, (row) => (row as HTMLElement).click());
    await page.select('#order-form select[name=type]', 'immediateOrCancel');
    await setField('#order-form input[name=size]', '0.1');
    const lastSeq = Number((await page.$eval('#tape tr', (row) => (row as HTMLElement).dataset.seq)) ?? 0);
    await page.click('#order-submit');
    await waitText('#tx-status', /Buy .*confirmed/);
    await page.waitForFunction((seq) => Number((document.querySelector('#tape tr') as HTMLElement | null)?.dataset.seq) > seq, { timeout: WAIT_MS }, lastSeq);
    await page.waitForSelector('#fills tr', { timeout: WAIT_MS });
    const fill = await page.$eval('#fills tr', (row) => Array.from((row as HTMLTableRowElement).cells).map((c) => c.textContent));
    assert.equal(fill[0], 'Buy');
    assert.equal(fill[4], 'taker');
    const askPrice = await page.$eval('#order-form input[name=price]', (el) => (el as HTMLInputElement).value);
    assert.equal(fill[1], askPrice, 'filled at the best ask');
    // The hourly candle (the 24h figures) closes at the fill's price.
    await page.waitForFunction((p) => document.querySelector('#stats b')?.textContent === p, { timeout: WAIT_MS }, askPrice);
    // The page's balances equal the chain's trader account.
    const chain = await chainTrader(owner);
    await page.waitForFunction(
      (baseFree, decimals) => {
        const cell = document.querySelector('#balances tr[data-token=base]')?.children[1]?.textContent ?? '';
        const [whole, fraction = ''] = cell.split('.');
        return BigInt(whole + fraction.padEnd(decimals, '0')) === BigInt(baseFree);
      },
      { timeout: WAIT_MS },
      chain.baseFree,
      market.baseDecimals,
    );
    await shot('filled');
  });

  it('cancels the resting order', async function () {
    await page.click('#open-orders button[data-order-id]');
    await waitText('#tx-status', /Cancel order .*confirmed/);
    await page.waitForFunction(() => !document.querySelector('#open-orders tr'), { timeout: WAIT_MS });
    assert.equal((await chainTrader(owner)).orders.length, 0);
    await ladderMatchesChain();
  });

  it('withdraws; the wallet gets the tokens back', async function () {
    const before = (await chainTrader(owner)).quoteFree;
    await page.select('#transfer-form select[name=token]', 'quote');
    await setField('#transfer-form input[name=amount]', '10');
    await page.click('#transfer-form button[value=withdraw]');
    await waitText('#tx-status', /Withdraw .*confirmed/);
    const after = (await chainTrader(owner)).quoteFree;
    assert.equal(BigInt(before) - BigInt(after), 10n * 10n ** BigInt(market.quoteDecimals));
    // More than the free balance is refused before signing.
    await setField('#transfer-form input[name=amount]', '1000000');
    await page.click('#transfer-form button[value=withdraw]');
    await waitText('#transfer-error', /only .* free/);
  });

  it('on the sealed batch market: commits an encrypted sealed bid, the tab closes, a keeper reveals it and it fills at the batch price', async function () {
    const batchMarket = new PublicKey(stack.batchMarket);
    await page.select('#market', stack.batchMarket);
    await waitText('#auction-status', /Sealed batch market · batch \d+ takes orders/);
    // The same tokens as the first market: the wallet deposits what it holds.
    await waitWalletHolds('quote');
    await page.select('#transfer-form select[name=token]', 'quote');
    await setField('#transfer-form input[name=amount]', '20');
    await page.click('#transfer-form button[value=deposit]');
    await until('the deposit on the batch market', async () => (await client.trader(batchMarket, owner))?.balances.freeQuote.gtn(0) ?? false, { timeoutMs: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('#balances tr[data-token=quote]')?.children[1]?.textContent === '20', { timeout: WAIT_MS });
    // A maker of the test's own queues an ask (the demo's takers may have
    // taken every ask before it stopped); the sealed bid meets the best ask.
    await restAnAsk(batchMarket, await askAboveTheBids(batchMarket));
    await page.waitForSelector('#asks tr[data-price-ticks]', { timeout: WAIT_MS });
    const bestAsk = Math.min(...(await ladder()).filter((r) => r.side === 'ask').map((r) => r.priceTicks));
    await page.$eval(`#asks tr[data-price-ticks="${bestAsk}"]`, (row) => (row as HTMLElement).click());
    await page.evaluate(() => (document.querySelector('input[name=side][value=bid]') as HTMLInputElement).click());
    await page.select('#order-form select[name=type]', 'immediateOrCancel');
    await setField('#order-form input[name=size]', '0.1');
    await waitText('#order-preview', /sealed: hidden until its batch reveals/);
    await page.click('#order-submit');
    // The market names the beacon the server names: the order is encrypted
    // to the round at its reveal window, so any keeper reveals it.
    await waitText('#sealed-orders', /batch \d+ · sealed · encrypted until round \d+ \((in ~\d+ s|published)\): any keeper reveals it, this tab may close/);
    // The commitment shows nothing of the order: no funds locked yet.
    assert.equal((await client.trader(batchMarket, owner))?.balances.lockedQuote.toString(), '0');
    await shot('sealed');
    // The tab closes: only a keeper can reveal now.
    await page.goto('about:blank');
    await until('the fill settled', async () => (await client.trader(batchMarket, owner))?.balances.freeBase.gtn(0) ?? false, { timeoutMs: WAIT_MS });
    // Back on the page, the order shows cleared at the batch price (the
    // indexer says it was revealed, and how its batch cleared).
    await page.goto(`${stack.feedUrl}/?market=${stack.batchMarket}`, { waitUntil: 'domcontentloaded' });
    await answerPassphrase(PASSPHRASE);
    await waitText('#sealed-orders', /cleared at \d/);
    await shot('cleared');
    // The clear's trade is in the wallet's fills (from the tape; a sealed
    // order is always the taker), at the batch price. (Not the 24h figures:
    // the demo's later batches move the last price.)
    const clearedAt = (await page.$eval('#sealed-orders', (el) => el.textContent ?? '')).match(/cleared at ([\d.,]+)/)?.[1];
    assert.ok(clearedAt, 'the batch price is shown');
    await page.waitForSelector('#fills tr', { timeout: WAIT_MS });
    const fill = await page.$eval('#fills tr', (row) => Array.from((row as HTMLTableRowElement).cells).map((c) => c.textContent));
    assert.deepEqual([fill[0], fill[1], fill[4]], ['Buy', clearedAt, 'taker']);
    // Kept across a reload (IndexedDB), still cleared.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await answerPassphrase(PASSPHRASE);
    await waitText('#sealed-orders', /cleared at \d/);
    await page.select('#market', stack.market);
  });

  it('reports a signature refused by a Wallet Standard wallet and recovers', async function () {
    // A Wallet Standard wallet for the same account that refuses to sign,
    // registered the way browser extensions register (before the page loads).
    await page.evaluateOnNewDocument(
      (address, publicKey) => {
        const account = { address, publicKey: new Uint8Array(publicKey), chains: ['solana:localnet'], features: ['solana:signTransaction'] };
        const wallet = {
          version: '1.0.0',
          name: 'Refusing Wallet',
          icon: 'data:image/svg+xml;base64,PHN2Zy8+',
          chains: ['solana:localnet'],
          accounts: [account],
          features: {
            'standard:connect': { version: '1.0.0', connect: async () => ({ accounts: [account] }) },
            'standard:events': { version: '1.0.0', on: () => () => {} },
            'solana:signTransaction': {
              version: '1.0.0',
              supportedTransactionVersions: ['legacy', 0],
              signTransaction: async () => {
                throw new Error('User rejected the request.');
              },
            },
          },
        };
        const register = ({ register }: { register: (w: unknown) => void }) => register(wallet);
        window.addEventListener('wallet-standard:app-ready', (event) => register((event as CustomEvent).detail));
        window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: register }));
      },
      owner.toBase58(),
      Array.from(owner.toBytes()),
    );
    await page.reload({ waitUntil: 'domcontentloaded' });
    // After a reload the wallet asks for its passphrase again, and refuses a wrong one.
    await answerPassphrase('not the passphrase');
    await waitText('#passphrase-error', /wrong passphrase/);
    await answerPassphrase(PASSPHRASE);
    await waitText('#wallet-address', /Local wallet/);
    await page.click('#wallet-connect'); // disconnect the local wallet
    await page.waitForFunction(() => [...document.querySelectorAll('#wallet-choice option')].some((o) => o.textContent === 'Refusing Wallet'), { timeout: WAIT_MS });
    await page.select('#wallet-choice', 'Refusing Wallet');
    await page.click('#wallet-connect');
    await waitText('#wallet-address', /Refusing Wallet/);
    await waitWalletHolds('quote');
    await page.select('#transfer-form select[name=token]', 'quote');
    await setField('#transfer-form input[name=amount]', '1');
    await page.click('#transfer-form button[value=deposit]');
    await waitText('#tx-status', /Deposit .*the wallet refused to sign/);
    await shot('refused-signature');
    // Back to the local wallet, without a reload: the same deposit lands.
    await page.click('#wallet-connect');
    await page.select('#wallet-choice', 'local');
    await page.click('#wallet-connect');
    await answerPassphrase(PASSPHRASE);
    await waitText('#wallet-address', /Local wallet/);
    const before = BigInt((await chainTrader(owner)).quoteFree);
    await waitWalletHolds('quote');
    await page.select('#transfer-form select[name=token]', 'quote');
    await setField('#transfer-form input[name=amount]', '1');
    await page.click('#transfer-form button[value=deposit]');
    await waitText('#tx-status', /Deposit .*confirmed/);
    assert.equal(BigInt((await chainTrader(owner)).quoteFree) - before, 10n ** BigInt(market.quoteDecimals));
  });

  it('shows a dead feed as disconnected and recovers when it returns', async function () {
    await stack.killApp();
    await waitText('#connection', /disconnected/);
    await shot('disconnected');
    await stack.startApp();
    await waitText('#connection', /^live$/);
    await ladderMatchesChain();
  });

  it('names the program\'s error when the chain refuses what the form allowed', async function () {
    // With the feed down the page's balances go stale; the same key (the
    // local wallet's, from this browser's storage) withdraws every free
    // quote token behind the page's back, so the bid the form allows is
    // refused by the program.
    // The key is kept per chain (by genesis hash), sealed in a format Node's
    // own WebCrypto opens with the passphrase.
    const keypair = Keypair.fromSecretKey(await unsealInNode(await storedWallet(), PASSPHRASE));
    assert.ok(keypair.publicKey.equals(owner));
    await stack.killApp();
    await waitText('#connection', /disconnected/);
    const free = BigInt((await chainTrader(owner)).quoteFree);
    assert.ok(free > 0n);
    const withdraw = await client.ix.withdraw(owner, market, 'quote', free);
    const tx = new Transaction({ feePayer: owner, ...(await connection.getLatestBlockhash()) }).add(withdraw);
    tx.sign(keypair);
    await connection.confirmTransaction({ signature: await connection.sendRawTransaction(tx.serialize()), ...(await connection.getLatestBlockhash()) }, 'confirmed');
    const bestBid = Math.max(...(await ladder()).filter((r) => r.side === 'bid').map((r) => r.priceTicks));
    await page.$eval(`#bids tr[data-price-ticks="${bestBid}"]`, (row) => (row as HTMLElement).click());
    await page.select('#order-form select[name=type]', 'postOnly');
    await setField('#order-form input[name=size]', '0.1');
    await page.waitForFunction(() => document.querySelector('#order-error')?.textContent === '', { timeout: WAIT_MS });
    await page.click('#order-submit');
    await waitText('#tx-status', /Buy .*: (InsufficientFunds|TopUpAccountsMissing): /);
    await shot('program-error');
    await stack.startApp();
    await waitText('#connection', /^live$/);
    // The feed brings the balance the chain has.
    await page.waitForFunction(() => document.querySelector('#balances tr[data-token=quote]')?.children[1]?.textContent === '0', { timeout: WAIT_MS });
  });

  it('says so when the node is gone', async function () {
    await page.select('#market', stack.batchMarket);
    await waitText('#auction-status', /batch \d+ takes orders/);
    await stack.killNode();
    await page.select('#transfer-form select[name=token]', 'quote');
    await setField('#transfer-form input[name=amount]', '1');
    await page.click('#transfer-form button[value=deposit]');
    await waitText('#tx-status', /Deposit .*the node is unreachable/);
    await shot('node-gone');
    // The batch market's clock comes from the node's slot: unknown, and
    // said so (no uncaught error in the page).
    await waitText('#auction-status', /the batch clock is unknown: the node is unreachable/);
  });
});
