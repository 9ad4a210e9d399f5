// The L2 book: kept from the feed's snapshot and deltas, drawn as a ladder
// (human units, cumulative size, spread) and a depth chart. Rows carry the
// raw ticks and lots (`data-price-ticks`, `data-base-lots`) so a test can
// compare them with the chain's book.
import { compareBigint, parseLevel, parseLevelChange, type Level, type SideName, type wire } from '@orderbook/client';

import type { ChannelMessage } from '../feed';
import type { Units } from '../units';

/** Levels shown per side in the ladder (the depth chart draws them all). */
const LADDER_LEVELS = 14;

export class Book {
  private readonly bids = new Map<bigint, Level>();
  private readonly asks = new Map<bigint, Level>();
  private frame = 0;
  onPick: (side: SideName, ticks: bigint) => void = () => {};

  constructor(
    private readonly units: Units,
    private readonly els: { asks: HTMLElement; bids: HTMLElement; spread: HTMLElement; depth: HTMLCanvasElement },
  ) {
    els.asks.closest('table')?.setAttribute('data-levels', String(LADDER_LEVELS));
    for (const side of ['asks', 'bids'] as const) {
      els[side].onclick = (event) => {
        const row = (event.target as HTMLElement).closest('tr');
        if (row?.dataset.priceTicks) this.onPick(side === 'asks' ? 'ask' : 'bid', BigInt(row.dataset.priceTicks));
      };
    }
  }

  apply(message: ChannelMessage): void {
    if (message.type === 'snapshot') {
      const data = message.data as wire.L2Snapshot;
      this.bids.clear();
      this.asks.clear();
      for (const level of data.bids.map(parseLevel)) this.bids.set(level.price, level);
      for (const level of data.asks.map(parseLevel)) this.asks.set(level.price, level);
    } else {
      for (const level of (message.data as wire.L2Delta).levels.map(parseLevelChange)) {
        const side = level.side === 'bid' ? this.bids : this.asks;
        if (level.orders === 0) side.delete(level.price);
        else side.set(level.price, level);
      }
    }
    this.schedule();
  }

  /** Each side best first. */
  sides(): { bids: Level[]; asks: Level[] } {
    return {
      bids: [...this.bids.values()].sort((a, b) => compareBigint(b.price, a.price)),
      asks: [...this.asks.values()].sort((a, b) => compareBigint(a.price, b.price)),
    };
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { bids, asks } = this.sides();
    this.els.asks.replaceChildren(...this.rows(asks.slice(0, LADDER_LEVELS), 'ask').reverse());
    this.els.bids.replaceChildren(...this.rows(bids.slice(0, LADDER_LEVELS), 'bid'));
    const [bid, ask] = [bids[0], asks[0]];
    this.els.spread.textContent =
      bid && ask
        ? `spread ${this.units.price(ask.price - bid.price)} (${((Number(ask.price - bid.price) / Number(ask.price)) * 100).toFixed(2)}%)`
        : 'no spread (one side empty)';
    drawDepth(this.els.depth, this.units, bids, asks);
  }

  private rows(levels: Level[], side: SideName): HTMLTableRowElement[] {
    let total = 0n;
    return levels.map((level) => {
      total += level.base_lots;
      const row = document.createElement('tr');
      row.dataset.side = side;
      row.dataset.priceTicks = String(level.price);
      row.dataset.baseLots = String(level.base_lots);
      row.title = `${level.orders} order(s)`;
      for (const text of [this.units.price(level.price), this.units.size(level.base_lots), this.units.size(total)]) {
        row.insertCell().textContent = text;
      }
      return row;
    });
  }
}

/** Cumulative size against price: bids rising to the left, asks to the right. */
function drawDepth(canvas: HTMLCanvasElement, units: Units, bids: Level[], asks: Level[]): void {
  const width = (canvas.width = canvas.clientWidth || 400);
  const height = canvas.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.clearRect(0, 0, width, height);
  if (!bids.length && !asks.length) return;
  const cumulative = (levels: Level[]) => {
    let total = 0;
    return levels.map((level) => ({ price: units.priceNumber(level.price), total: (total += units.sizeNumber(level.base_lots)) }));
  };
  const [bidSteps, askSteps] = [cumulative(bids), cumulative(asks)];
  const prices = [...bidSteps, ...askSteps].map((step) => step.price);
  const [low, high] = [Math.min(...prices), Math.max(...prices)];
  const most = Math.max(bidSteps.at(-1)?.total ?? 0, askSteps.at(-1)?.total ?? 0) || 1;
  const x = (price: number) => (high === low ? width / 2 : ((price - low) / (high - low)) * (width - 2) + 1);
  const y = (total: number) => height - (total / most) * (height - 10);
  for (const [steps, colour] of [
    [bidSteps, '46, 189, 133'],
    [askSteps, '246, 70, 93'],
  ] as const) {
    if (!steps.length) continue;
    context.beginPath();
    context.moveTo(x(steps[0].price), height);
    let previous = height;
    for (const step of steps) {
      context.lineTo(x(step.price), previous);
      previous = y(step.total);
      context.lineTo(x(step.price), previous);
    }
    context.lineTo(x(steps.at(-1)!.price), height);
    context.closePath();
    context.fillStyle = `rgba(${colour}, 0.25)`;
    context.strokeStyle = `rgb(${colour})`;
    context.fill();
    context.stroke();
  }
}
