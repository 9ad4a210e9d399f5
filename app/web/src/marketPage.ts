// One market on the page: its views (book, chart, day figures, tape, the
// wallet's account) and the feed channels that feed them. Opening another
// market closes every channel; a wallet change replaces only the account
// channel, and a resolution change only the chart's candles.
import { type Market, type OrderbookClient, type SideName } from '@orderbook/client';
import { PublicKey } from '@solana/web3.js';

import type { MarketRow } from './api';
import { el } from './dom';
import type { Feed } from './feed';
import { describeFailure } from './trade';
import { Auction } from './sealedOrders';
import { Units } from './units';
import { Account } from './views/account';
import { Book } from './views/book';
import { CandleChart, DayStats } from './views/chart';
import { Tape } from './views/tape';

/** What the page does when a view asks for something. */
export interface PageActions {
  /** The user picked a price in the ladder. */
  pick(side: SideName, ticks: bigint): void;
  /** Cancel one of the wallet's orders. */
  cancel(orderId: string): void;
  /** The account's orders or balances changed (the order form rechecks). */
  accountChanged(): void;
  /** The market cannot be read from the node. */
  unreadable(message: string): void;
}

/** The open market's views and the channels feeding them. */
export interface OpenMarket {
  row: MarketRow;
  units: Units;
  book: Book;
  chart: CandleChart;
  tape: Tape;
  account: Account;
  /** The market as the node has it (null until read, or when it cannot be). */
  chain: Market | null;
  /** A sealed batch market's clock and clears (no clock: a continuous market). */
  auction: Auction;
}

/** Is `market` a sealed batch market (orders sealed, cleared in batches)? */
export function isBatchMarket(market: Market | null): market is Market {
  return market !== null && !market.batch.equals(PublicKey.default);
}

/** Unsubscribes a channel. */
type Close = () => void;

/** The chart's candle seconds when the page opens. */
const DEFAULT_RESOLUTION = 60;
/** The day figures are computed from hourly candles. */
const DAY_STATS_RESOLUTION = 3600;

export class MarketPage {
  current: OpenMarket | null = null;
  private resolution = DEFAULT_RESOLUTION;
  private owner: PublicKey | null = null;
  private closeMarket: Close[] = [];
  private closeCandles: Close = () => {};
  private closeAccount: Close = () => {};

  constructor(
    private readonly feed: Feed,
    private readonly reader: OrderbookClient,
    private readonly actions: PageActions,
  ) {}

  /** Show `row`: new views, every channel subscribed, the market read from the node. */
  async open(row: MarketRow): Promise<void> {
    this.close();
    const url = new URL(location.href);
    url.searchParams.set('market', row.market);
    history.replaceState(null, '', url);
    let units: Units;
    try {
      units = new Units(row);
    } catch (error) {
      el('stats').textContent = (error as Error).message;
      return;
    }
    const open = this.views(row, units);
    this.current = open;
    const stats = new DayStats(el('stats'), units);
    this.closeMarket.push(
      this.feed.subscribe({ market: row.market, channel: 'l2' }, (m) => open.book.apply(m)),
      this.feed.subscribe({ market: row.market, channel: 'trades' }, (m) => open.tape.apply(m)),
      this.feed.subscribe({ market: row.market, channel: 'candles', resolution: DAY_STATS_RESOLUTION }, (m) => stats.apply(m)),
      this.feed.subscribe({ market: row.market, channel: 'auction' }, (m) => open.auction.apply(m)),
      () => open.chart.remove(),
    );
    this.subscribeCandles();
    this.subscribeAccount();
    open.account.draw();
    try {
      open.chain = await this.reader.market(new PublicKey(row.market));
    } catch (error) {
      this.actions.unreadable(`cannot read the market from the node: ${describeFailure(error)}`);
    }
  }

  /** Follow `owner`'s account on the open market (none: no account channel). */
  setOwner(owner: PublicKey | null): void {
    this.owner = owner;
    const open = this.current;
    if (!open) return;
    open.account = this.newAccount(open.units);
    open.tape.myTraderId = null;
    open.account.draw();
    this.subscribeAccount();
  }

  /** Draw the chart's candles at `seconds` in place of the ones it showed. */
  setResolution(seconds: number): void {
    this.resolution = seconds;
    this.subscribeCandles();
  }

  private close(): void {
    this.closeCandles();
    this.closeAccount();
    this.closeMarket.forEach((close) => close());
    this.closeMarket = [];
    this.closeCandles = () => {};
    this.closeAccount = () => {};
    this.current = null;
  }

  private views(row: MarketRow, units: Units): OpenMarket {
    const book = new Book(units, { asks: el('asks'), bids: el('bids'), spread: el('spread'), depth: el('depth') });
    book.onPick = (side, ticks) => this.actions.pick(side, ticks);
    el('chart').replaceChildren();
    const chart = new CandleChart(el('chart'), units);
    const tape = new Tape(units, { tape: el('tape'), fills: el('fills') });
    return { row, units, book, chart, tape, account: this.newAccount(units), chain: null, auction: new Auction() };
  }

  private newAccount(units: Units): Account {
    const account = new Account(units, { balances: el('balances'), orders: el('open-orders'), cancelAll: el('cancel-all') });
    account.onCancel = (orderId) => this.actions.cancel(orderId);
    account.onChange = () => this.actions.accountChanged();
    return account;
  }

  private subscribeCandles(): void {
    this.closeCandles();
    const open = this.current;
    if (!open) return;
    const channel = { market: open.row.market, channel: 'candles', resolution: this.resolution } as const;
    this.closeCandles = this.feed.subscribe(channel, (m) => open.chart.apply(m));
    el('resolutions')
      .querySelectorAll<HTMLButtonElement>('button')
      .forEach((b) => (b.ariaPressed = String(Number(b.dataset.seconds) === this.resolution)));
  }

  private subscribeAccount(): void {
    this.closeAccount();
    this.closeAccount = () => {};
    const open = this.current;
    if (!open || !this.owner) return;
    const channel = { market: open.row.market, channel: 'account', owner: this.owner.toBase58() } as const;
    this.closeAccount = this.feed.subscribe(channel, (message) => {
      open.account.apply(message);
      open.tape.myTraderId = open.account.traderId;
      open.tape.draw();
    });
  }
}
