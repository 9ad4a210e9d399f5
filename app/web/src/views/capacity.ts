// How full the open market's book sides are (resting orders over capacity,
// read from the node), and the button that grows both sides in place
// (`grow_market`, issue 29): whoever presses it pays the rent of the added
// room, which returns to the market's creator when the market closes.
import { LIMITS, ORDER_NODE_BYTES, type BookSide } from '@orderbook/client';

/** Rent-exempt lamports per byte (Solana's default rate, two years). */
const RENT_LAMPORTS_PER_BYTE = 6_960;

/** Orders a press of the grow button adds to each side: the most one instruction may. */
export const GROW_ORDERS = LIMITS.maxGrowthPerInstruction;

export class CapacityView {
  constructor(private readonly els: { line: HTMLElement; grow: HTMLButtonElement }) {
    const sol = (2 * GROW_ORDERS * ORDER_NODE_BYTES * RENT_LAMPORTS_PER_BYTE) / 1e9;
    els.grow.textContent = `Grow the book (+${GROW_ORDERS} orders a side)`;
    els.grow.title = `You pay about ${sol.toFixed(3)} SOL of rent for the added room; it returns to the market's creator when the market closes.`;
  }

  /** Show each side's resting orders over its capacity (null: not read). */
  show(book: { bids: BookSide; asks: BookSide } | null): void {
    if (!book) {
      this.els.line.textContent = 'book capacity: unknown';
      return;
    }
    const side = (name: string, s: BookSide) => `${name} ${s.orders.length} / ${s.capacity}`;
    this.els.line.textContent = `${side('bids', book.bids)} · ${side('asks', book.asks)} orders`;
    this.els.line.classList.toggle('warning', [book.bids, book.asks].some((s) => s.orders.length * 10 >= s.capacity * 9));
  }

  /** The grow button is for a connected wallet on a market that is open. */
  setGrowable(growable: boolean): void {
    this.els.grow.hidden = !growable;
  }
}
