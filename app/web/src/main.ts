// The trading page: picks a market, wires the feed's channels to the views
// and the wallet to the forms. Everything shown comes from the feed
// (snapshot + deltas); everything done is a transaction the wallet signs.
import './polyfill';
import './style.css';

import { OrderbookClient, orderbookProgram, pda, type Market, type OrderType, type SideName } from '@orderbook/client';
import { Connection, LAMPORTS_PER_SOL, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { getWallets } from '@wallet-standard/app';

import { api, type MarketRow, type ServerConfig } from './api';
import { Feed } from './feed';
import { describeFailure, Trading, type TxStatus } from './trade';
import { Units } from './units';
import { Account } from './views/account';
import { Book } from './views/book';
import { CandleChart, DayStats, RESOLUTIONS } from './views/chart';
import { checkOrder, checkTransfer } from './views/orderForm';
import { askPassphrase } from './views/passphrase';
import { showTxStatus } from './views/txStatus';
import { Tape } from './views/tape';
import { connectStandard, localWallet, standardWallets, type PageWallet } from './wallet';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface Open {
  row: MarketRow;
  units: Units;
  book: Book;
  chart: CandleChart;
  tape: Tape;
  account: Account;
  chain: Market | null;
  close: (() => void)[];
  closeCandles: () => void;
}

let config: ServerConfig;
let connection: Connection;
let reader: OrderbookClient;
let feed: Feed;
let markets: MarketRow[] = [];
let current: Open | null = null;
let wallet: PageWallet | null = null;
let trading: Trading | null = null;
let resolution = 60;

const showStatus = (status: TxStatus) => showTxStatus($('tx-status'), status);

let txCounter = 0;
/** Send one transaction from the connected wallet; a failure is shown, not thrown. */
async function transact(label: string, build: (t: Trading, market: Market) => Promise<TransactionInstruction[]>): Promise<boolean> {
  if (!trading || !current?.chain) {
    showStatus({ stage: 'failed', label, message: trading ? 'the market is not readable from the node' : 'connect a wallet first' });
    return false;
  }
  const [t, market] = [trading, current.chain];
  try {
    await t.send(`${label} #${++txCounter}`, () => build(t, market), showStatus);
    void refreshWallet();
    return true;
  } catch {
    return false; // shown by showStatus
  }
}

async function refreshWallet(): Promise<void> {
  if (!wallet) return;
  try {
    const sol = await connection.getBalance(wallet.publicKey, 'confirmed');
    $('wallet-sol').textContent = `${(sol / LAMPORTS_PER_SOL).toFixed(3)} SOL`;
    if (current?.chain) {
      const m = current.chain;
      const owner = wallet.publicKey;
      const atoms = async (mint: PublicKey, program: PublicKey) => {
        const account = pda.associatedTokenAccount(owner, mint, program);
        const balance = await connection.getTokenAccountBalance(account, 'confirmed').catch(() => null);
        return BigInt(balance?.value.amount ?? 0);
      };
      current.account.wallet = { base: await atoms(m.baseMint, m.baseTokenProgram), quote: await atoms(m.quoteMint, m.quoteTokenProgram) };
      current.account.draw();
    }
  } catch (error) {
    $('wallet-sol').textContent = describeFailure(error);
  }
}

function subscribeAccount(open: Open): void {
  if (!wallet) return;
  open.close.push(
    feed.subscribe({ market: open.row.market, channel: 'account', owner: wallet.publicKey.toBase58() }, (message) => {
      open.account.apply(message);
      open.tape.myTraderId = open.account.traderId;
      open.tape.draw();
    }),
  );
}

/** The chart's candles at `resolution`, in place of the ones it showed. */
function subscribeCandles(open: Open): void {
  open.closeCandles();
  open.closeCandles = feed.subscribe({ market: open.row.market, channel: 'candles', resolution }, (m) => open.chart.apply(m));
  document.querySelectorAll<HTMLButtonElement>('#resolutions button').forEach((b) => (b.ariaPressed = String(Number(b.dataset.seconds) === resolution)));
}

async function openMarket(row: MarketRow): Promise<void> {
  current?.close.forEach((close) => close());
  current = null;
  const url = new URL(location.href);
  url.searchParams.set('market', row.market);
  history.replaceState(null, '', url);
  let units: Units;
  try {
    units = new Units(row);
  } catch (error) {
    $('stats').textContent = (error as Error).message;
    return;
  }
  const book = new Book(units, { asks: $('asks'), bids: $('bids'), spread: $('spread'), depth: $<HTMLCanvasElement>('depth') });
  book.onPick = (_side, ticks) => {
    ($('order-form') as HTMLFormElement).price.value = units.price(ticks);
    updateOrderForm();
  };
  $('chart').replaceChildren();
  const chart = new CandleChart($('chart'), units);
  const tape = new Tape(units, { tape: $('tape'), fills: $('fills') });
  const account = new Account(units, { balances: $('balances'), orders: $('open-orders'), cancelAll: $('cancel-all') });
  account.onCancel = (orderId) => void transact('Cancel order', (t, m) => t.client.ix.cancelOrder(t.owner, m, BigInt(orderId)).then((ix) => [ix]));
  account.onChange = updateOrderForm;
  const stats = new DayStats($('stats'), units);
  const open: Open = { row, units, book, chart, tape, account, chain: null, close: [() => open.closeCandles(), () => chart.remove()], closeCandles: () => {} };
  current = open;
  open.close.push(
    feed.subscribe({ market: row.market, channel: 'l2' }, (m) => book.apply(m)),
    feed.subscribe({ market: row.market, channel: 'trades' }, (m) => tape.apply(m)),
    feed.subscribe({ market: row.market, channel: 'candles', resolution: 3600 }, (m) => stats.apply(m)),
  );
  subscribeCandles(open);
  subscribeAccount(open);
  const tokens = ($('transfer-form') as HTMLFormElement).token as HTMLSelectElement;
  tokens.replaceChildren(new Option(units.base, 'base'), new Option(units.quote, 'quote'));
  account.draw();
  try {
    open.chain = await reader.market(new PublicKey(row.market));
  } catch (error) {
    showStatus({ stage: 'failed', label: 'Market', message: `cannot read the market from the node: ${describeFailure(error)}` });
  }
  void refreshWallet();
  updateOrderForm();
}

function formValues() {
  const form = $('order-form') as HTMLFormElement;
  return {
    side: (form.querySelector<HTMLInputElement>('input[name=side]:checked')?.value ?? 'bid') as SideName,
    type: (form.type as unknown as HTMLSelectElement).value as OrderType,
    price: (form.price as HTMLInputElement).value,
    size: (form.size as HTMLInputElement).value,
  };
}

function checkedOrder() {
  if (!current) return { error: 'no market' } as const;
  const open = current;
  return checkOrder(formValues(), {
    units: open.units,
    status: open.chain?.status ?? null,
    free: (token) => open.account.free(token),
    book: () => open.book.sides(),
    connected: wallet !== null,
  });
}

function updateOrderForm(): void {
  const values = formValues();
  ($('order-form') as HTMLFormElement).price.disabled = values.type === 'market';
  const checked = checkedOrder();
  $('order-preview').textContent = 'preview' in checked ? checked.preview : '';
  $('order-error').textContent = 'error' in checked && (values.size || values.price) ? checked.error : '';
}

async function placeOrder(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const checked = checkedOrder();
  if ('error' in checked) {
    $('order-error').textContent = checked.error;
    return;
  }
  $<HTMLButtonElement>('order-submit').disabled = true;
  await transact(checked.summary, (t, m) => t.client.ix.placeOrder(t.owner, m, checked.order).then((ix) => [ix]));
  $<HTMLButtonElement>('order-submit').disabled = false;
}

async function transfer(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const action = (event.submitter as HTMLButtonElement | null)?.value === 'withdraw' ? 'withdraw' : 'deposit';
  const token = (form.token as HTMLSelectElement).value as 'base' | 'quote';
  const error = $('transfer-error');
  error.textContent = '';
  if (!current) return;
  const checked = checkTransfer(current.units, token, (form.amount as HTMLInputElement).value, action === 'deposit' ? current.account.wallet[token] : current.account.free(token), action);
  if ('error' in checked) {
    error.textContent = checked.error;
    return;
  }
  const { atoms, label } = checked;
  const verb = action === 'deposit' ? 'Deposit' : 'Withdraw';
  const ok = await transact(`${verb} ${label}`, async (t, m) => {
    if (action === 'withdraw') return [await t.client.ix.withdraw(t.owner, m, token, atoms)];
    const opened = await t.client.trader(m.address, t.owner);
    return [...(opened ? [] : [await t.client.ix.openTraderAccount(t.owner, m.address)]), await t.client.ix.deposit(t.owner, m, token, atoms)];
  });
  if (ok) (form.amount as HTMLInputElement).value = '';
}

function setWallet(next: PageWallet | null): void {
  wallet = next;
  trading = next ? new Trading(connection, next) : null;
  $('wallet-address').textContent = next ? `${next.name}: ${next.publicKey.toBase58().slice(0, 6)}…` : '';
  $('wallet-address').title = next?.publicKey.toBase58() ?? '';
  $('wallet-connect').textContent = next ? 'Disconnect' : 'Connect';
  $('wallet-sol').textContent = '';
  $('wallet-airdrop').hidden = !next?.local;
  $('wallet-faucet').hidden = !next?.local || !config.faucet;
  localStorage.setItem('orderbook.wallet', next?.local ? 'local' : '');
  const row = current?.row;
  if (row) void openMarket(row);
}

function listWallets(): void {
  const choice = $<HTMLSelectElement>('wallet-choice');
  // The built-in wallet only where it belongs: a local node.
  const local = clusterOf(config?.rpc_url ?? '') === 'solana:localnet' ? [new Option('Local wallet (this browser)', 'local')] : [];
  choice.replaceChildren(...local, ...standardWallets().map((w) => new Option(w.name, w.name)));
}

async function connectChosen(): Promise<void> {
  if (wallet) {
    await wallet.disconnect();
    setWallet(null);
    return;
  }
  const name = $<HTMLSelectElement>('wallet-choice').value;
  if (name === 'local') {
    try {
      return setWallet(await localWallet(connection, askPassphrase));
    } catch (error) {
      return showStatus({ stage: 'failed', label: 'Connect the local wallet', message: describeFailure(error) });
    }
  }
  const standard = standardWallets().find((w) => w.name === name);
  if (!standard) return;
  try {
    setWallet(await connectStandard(standard, clusterOf(config.rpc_url ?? '')));
  } catch (error) {
    showStatus({ stage: 'failed', label: `Connect ${name}`, message: describeFailure(error) });
  }
}

/** The Wallet Standard chain for an RPC URL. */
function clusterOf(rpcUrl: string): string {
  if (rpcUrl.includes('devnet')) return 'solana:devnet';
  if (rpcUrl.includes('testnet')) return 'solana:testnet';
  if (rpcUrl.includes('mainnet')) return 'solana:mainnet';
  return 'solana:localnet';
}

/** SOL or test tokens for the local wallet, listed like its transactions. */
async function fundWallet(what: string, obtain: (owner: PublicKey) => Promise<string>, describe: (error: unknown) => string): Promise<void> {
  if (!wallet) return;
  const label = `${what} #${++txCounter}`;
  try {
    showStatus({ stage: 'confirming', label });
    showStatus({ stage: 'confirmed', label, signature: await obtain(wallet.publicKey) });
  } catch (error) {
    showStatus({ stage: 'failed', label, message: describe(error) });
  }
  void refreshWallet();
}

/** The faucet's grant: a transaction its mint authority signed, which the wallet signs and pays for (fee and token accounts' rent). */
async function takeTestTokens(): Promise<void> {
  if (!trading || !current) return;
  const label = `Test tokens #${++txCounter}`;
  let grant: Awaited<ReturnType<typeof api.faucet>>;
  try {
    grant = await api.faucet(current.row.market, trading.owner.toBase58());
  } catch (error) {
    return showStatus({ stage: 'failed', label, message: (error as Error).message }); // the server's own sentence
  }
  await trading.sendPrepared(label, grant.transaction, showStatus).catch(() => {}); // shown by showStatus
  void refreshWallet();
}

function wire(): void {
  $('market').onchange = (event) => {
    const row = markets.find((m) => m.market === (event.target as HTMLSelectElement).value);
    if (row) void openMarket(row);
  };
  $('resolutions').replaceChildren(
    ...RESOLUTIONS.map(({ seconds, label }) => {
      const button = document.createElement('button');
      button.textContent = label;
      button.dataset.seconds = String(seconds);
      button.onclick = () => {
        resolution = seconds;
        if (current) subscribeCandles(current);
      };
      return button;
    }),
  );
  const form = $('order-form') as HTMLFormElement;
  form.oninput = updateOrderForm;
  form.onsubmit = (event) => void placeOrder(event);
  ($('transfer-form') as HTMLFormElement).onsubmit = (event) => void transfer(event);
  $('cancel-all').onclick = () => void transact('Cancel all orders', (t, m) => t.client.ix.cancelAll(t.owner, m).then((ix) => [ix]));
  $('wallet-connect').onclick = () => void connectChosen();
  $('wallet-airdrop').onclick = () =>
    void fundWallet('Airdrop', async (owner) => {
      const signature = await connection.requestAirdrop(owner, 2 * LAMPORTS_PER_SOL);
      await connection.confirmTransaction(signature, 'confirmed');
      return signature;
    }, describeFailure);
  $('wallet-faucet').onclick = () => void takeTestTokens();
  getWallets().on('register', listWallets);
  listWallets();
  setInterval(() => void refreshWallet(), 10_000);
}

async function boot(): Promise<void> {
  wire();
  for (;;) {
    try {
      [config, markets] = await Promise.all([api.config(), api.markets()]);
      break;
    } catch (error) {
      $('stats').textContent = `cannot load the markets: ${(error as Error).message}; trying again…`;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
  connection = new Connection(config.rpc_url ?? 'http://127.0.0.1:8899', { commitment: 'confirmed', wsEndpoint: config.ws_url ?? undefined });
  reader = new OrderbookClient(orderbookProgram(undefined, connection));
  listWallets(); // the cluster is known now
  feed = new Feed(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  feed.onState((state, detail) => {
    const badge = $('connection');
    badge.dataset.state = state;
    badge.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : `feed disconnected: ${detail}`;
  });
  feed.start();
  if (localStorage.getItem('orderbook.wallet') === 'local') {
    // The market shows while the passphrase dialog waits; cancelling it leaves the page without a wallet.
    void localWallet(connection, askPassphrase).then(setWallet, () => setWallet(null));
  }
  await showMarkets();
}

/** Fill the market selector and open the market in the URL, or the first; until the indexer has one, ask again. */
async function showMarkets(): Promise<void> {
  for (;;) {
    if (markets.length) break;
    $('stats').textContent = 'no market indexed yet; waiting for the indexer…';
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    markets = await api.markets().catch(() => []);
  }
  const select = $<HTMLSelectElement>('market');
  select.replaceChildren(...markets.map((m) => new Option(marketLabel(m), m.market)));
  const wanted = new URLSearchParams(location.search).get('market');
  const first = markets.find((m) => m.market === wanted) ?? markets[0];
  select.value = first.market;
  await openMarket(first);
}

function marketLabel(row: MarketRow): string {
  try {
    const units = new Units(row);
    return `${units.base}/${units.quote} · ${row.market.slice(0, 6)}…`;
  } catch {
    return `${row.market.slice(0, 6)}… (no decimals)`;
  }
}

void boot();
