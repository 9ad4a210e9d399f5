// The trading page's start-up and wiring: the server's configuration and
// markets, the feed, the wallet session (session.ts), the open market's
// views and channels (marketPage.ts) and the forms (forms.ts). Everything
// shown comes from the feed (snapshot + deltas); everything done is a
// transaction the wallet signs.
import './polyfill';
import './style.css';

import { OrderbookClient, orderbookProgram } from '@orderbook/client';

import { api, type MarketRow, type ServerConfig } from './api';
import { el } from './dom';
import { Feed } from './feed';
import { OrderForm, TransferForm } from './forms';
import { isBatchMarket, MarketPage, type OpenMarket } from './marketPage';
import { REVEAL_POLL_MS, SealedOrders } from './sealedOrders';
import { Session } from './session';
import { describeFailure } from './trade';
import { Units } from './units';
import { CapacityView, GROW_ORDERS } from './views/capacity';
import { RESOLUTIONS } from './views/chart';

/** How often the wallet's SOL and token balances are read again. */
const WALLET_REFRESH_MS = 10_000;
/** How often the book's capacity and fill are re-read from the node. */
const CAPACITY_REFRESH_MS = 5_000;
/** How long to wait before asking the server again for its markets. */
const RETRY_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's configuration and markets, asked for until it answers. */
async function loadServer(): Promise<{ config: ServerConfig; markets: MarketRow[] }> {
  for (;;) {
    try {
      const [config, markets] = await Promise.all([api.config(), api.markets()]);
      return { config, markets };
    } catch (error) {
      el('stats').textContent = `cannot load the markets: ${(error as Error).message}; trying again…`;
      await sleep(RETRY_MS);
    }
  }
}

/** The markets, once the indexer has at least one. */
async function someMarkets(markets: MarketRow[]): Promise<MarketRow[]> {
  while (!markets.length) {
    el('stats').textContent = 'no market indexed yet; waiting for the indexer…';
    await sleep(RETRY_MS);
    markets = await api.markets().catch(() => []);
  }
  return markets;
}

/**
 * A market in the selector: its symbols and address; with a faucet (a local
 * demo), a market it does not fund (one an earlier run left, say) says so.
 */
function marketLabel(row: MarketRow, funded: string[] | null): string {
  const unfunded = funded && !funded.includes(row.market) ? ' · no test tokens' : '';
  try {
    const units = new Units(row);
    return `${units.base}/${units.quote} · ${row.market.slice(0, 6)}…${unfunded}`;
  } catch {
    return `${row.market.slice(0, 6)}… (no decimals)${unfunded}`;
  }
}

/** Column heads and form labels marked `data-unit` say their token: "Price (USDQ)". */
function showUnits(units: Units): void {
  for (const head of document.querySelectorAll<HTMLElement>('[data-unit]')) {
    head.dataset.label ??= head.textContent ?? '';
    head.textContent = `${head.dataset.label} (${units.symbol(head.dataset.unit === 'base' ? 'base' : 'quote')})`;
  }
}

function showConnection(feed: Feed): void {
  feed.onState((state, detail) => {
    const badge = el('connection');
    badge.dataset.state = state;
    badge.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : `feed disconnected: ${detail}`;
  });
}

/** The open batch market's clock: which batch takes orders now and for how many more slots. */
function showAuction(open: OpenMarket, sealed: SealedOrders): void {
  const batch = isBatchMarket(open.chain);
  el('sealed-panel').hidden = !batch;
  el('auction-status').hidden = !batch;
  const schedule = open.auction.schedule();
  if (!batch || !schedule) return;
  sealed.nodeSlot().then(
    (now) => {
      const k = schedule.committingBatch(now);
      if (k === undefined) return;
      const left = schedule.commitSlotsLeft(now);
      el('auction-status').textContent = `Sealed batch market · batch ${k} takes orders for ${left} more slot${left === 1n ? '' : 's'}; each batch trades at one price once revealed`;
    },
    (error: unknown) => {
      el('auction-status').textContent = `Sealed batch market · the batch clock is unknown: ${describeFailure(error)}`;
    },
  );
}

async function boot(): Promise<void> {
  const server = await loadServer();
  const session = new Session(server.config);
  const feed = new Feed(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  const reader = new OrderbookClient(orderbookProgram(undefined, session.connection));

  const refreshWallet = async (): Promise<void> => {
    try {
      const balances = await session.balances(page.current?.chain ?? null);
      if (!balances) return;
      el('wallet-sol').textContent = `${balances.sol.toFixed(3)} SOL`;
      if (page.current) {
        page.current.account.wallet = { base: balances.base, quote: balances.quote };
        page.current.account.draw();
      }
    } catch (error) {
      el('wallet-sol').textContent = describeFailure(error);
    }
  };
  const sent = () => void refreshWallet();
  const capacity = new CapacityView({ line: el('book-capacity'), grow: el('grow-book') });
  const refreshCapacity = async (): Promise<void> => {
    const open = page.current;
    capacity.setGrowable(session.wallet !== null && !!open?.chain && open.chain.status !== 'closed');
    if (!open?.chain) return capacity.show(null);
    try {
      capacity.show(await reader.book(open.chain));
    } catch {
      capacity.show(null);
    }
  };

  const page: MarketPage = new MarketPage(feed, reader, {
    pick: (_side, ticks) => {
      if (page.current) orderForm.setPrice(page.current.units.price(ticks));
    },
    // A batch market queues a cancel to the batch that takes cancels now.
    cancel: (orderId) =>
      void session
        .transact('Cancel order', page.current?.chain ?? null, (t, m) =>
          (isBatchMarket(m) ? t.client.ix.queueCancel(t.owner, m, m.batch, BigInt(orderId)) : t.client.ix.cancelOrder(t.owner, m, BigInt(orderId))).then((ix) => [ix]),
        )
        .then(sent),
    accountChanged: () => orderForm.update(),
    unreadable: (message) => session.showStatus({ stage: 'failed', label: 'Market', message }),
  });
  const sealed = new SealedOrders(session.connection, reader, el('sealed-orders'), () => page.current?.units ?? null, server.config.beacon_url ?? null);
  void sealed.load().catch((error: Error) => session.showStatus({ stage: 'failed', label: 'Sealed orders', message: error.message }));
  const orderForm = new OrderForm(page, session, sealed, sent);
  const transferForm = new TransferForm(page, session, sent);

  const open = async (row: MarketRow) => {
    session.setMarket(row.market);
    await page.open(row);
    if (page.current) {
      transferForm.setTokens(page.current.units.base, page.current.units.quote);
      showUnits(page.current.units);
    }
    void refreshWallet();
    void refreshCapacity();
    orderForm.update();
  };

  session.onWallet((wallet) => {
    page.setOwner(wallet?.publicKey ?? null);
    void refreshWallet();
    void refreshCapacity();
    orderForm.update();
  });
  el('grow-book').onclick = () =>
    void session
      .transact(`Grow the book by ${GROW_ORDERS} orders a side`, page.current?.chain ?? null, (t, m) =>
        Promise.all((['bids', 'asks'] as const).map((side) => t.client.ix.growMarket(t.owner, m, side, GROW_ORDERS))),
      )
      .then(() => refreshCapacity());
  el('wallet-connect').onclick = () => void session.toggle();
  el('wallet-airdrop').onclick = () => void session.airdrop().then(sent);
  el('wallet-faucet').onclick = () => {
    if (page.current) void session.takeTestTokens(page.current.row.market).then(sent);
  };
  el('cancel-all').onclick = () =>
    void session
      .transact('Cancel all orders', page.current?.chain ?? null, (t, m) =>
        isBatchMarket(m)
          ? Promise.all((page.current?.account.openOrders() ?? []).map((o) => t.client.ix.queueCancel(t.owner, m, m.batch, o.order_id)))
          : t.client.ix.cancelAll(t.owner, m).then((ix) => [ix]),
      )
      .then(sent);
  // Reveal sealed orders as their windows open; show the batch clock.
  setInterval(() => {
    const open = page.current;
    if (!open) return;
    showAuction(open, sealed);
    void sealed.tick(open.auction, open.chain).catch(() => {});
  }, REVEAL_POLL_MS);
  el('resolutions').replaceChildren(
    ...RESOLUTIONS.map(({ seconds, label }) => {
      const button = document.createElement('button');
      button.textContent = label;
      button.dataset.seconds = String(seconds);
      button.onclick = () => page.setResolution(seconds);
      return button;
    }),
  );
  setInterval(() => void refreshWallet(), WALLET_REFRESH_MS);
  setInterval(() => void refreshCapacity(), CAPACITY_REFRESH_MS);

  showConnection(feed);
  feed.start();
  session.start();

  // The market selector; open the market in the URL, else the first the
  // faucet funds (a local demo's live market, not one an earlier run left),
  // else the first.
  const markets = await someMarkets(server.markets);
  const select = el('market');
  const funded = server.config.faucet?.markets ?? null;
  select.replaceChildren(...markets.map((m) => new Option(marketLabel(m, funded), m.market)));
  select.onchange = () => {
    const row = markets.find((m) => m.market === select.value);
    if (row) void open(row);
  };
  const wanted = new URLSearchParams(location.search).get('market');
  const first = markets.find((m) => m.market === wanted) ?? markets.find((m) => funded?.includes(m.market)) ?? markets[0];
  select.value = first.market;
  await open(first);
}

void boot();
