// The market's trade tape, newest first, and the wallet's own fills (the
// same trades where its trader is maker or taker).
import { parseTrade, type Trade, type wire } from '@orderbook/client';

import type { ChannelMessage } from '../feed';
import type { Units } from '../units';

/** Trades kept for the tape and for the fills list. */
const KEPT_TRADES = 200;
const TAPE_ROWS = 30;

export class Tape {
  private trades: Trade[] = [];
  /** The connected wallet's trader id on this market, once it has one. */
  myTraderId: number | null = null;

  constructor(
    private readonly units: Units,
    private readonly els: { tape: HTMLElement; fills: HTMLElement },
  ) {}

  apply(message: ChannelMessage): void {
    const { trades } = message.data as wire.TradesData;
    // Snapshots and deltas are oldest first; the tape is newest first.
    const newest = trades.map(parseTrade).reverse();
    this.trades = (message.type === 'snapshot' ? newest : [...newest, ...this.trades]).slice(0, KEPT_TRADES);
    this.draw();
  }

  draw(): void {
    this.els.tape.replaceChildren(
      ...this.trades.slice(0, TAPE_ROWS).map((trade) => {
        const time = trade.block_time ? new Date(trade.block_time * 1000).toLocaleTimeString() : `slot ${trade.slot}`;
        const row = this.row([this.units.price(trade.price), this.units.size(trade.base_lots), time], trade.taker_side === 'bid' ? 'bid' : 'ask');
        row.dataset.seq = String(trade.seq);
        return row;
      }),
    );
    const me = this.myTraderId;
    const mine = me === null ? [] : this.trades.filter((t) => t.maker_trader_id === me || t.taker_trader_id === me);
    this.els.fills.replaceChildren(
      ...mine.map((trade) => {
        const taker = trade.taker_trader_id === me;
        const side = taker ? trade.taker_side : trade.taker_side === 'bid' ? 'ask' : 'bid';
        const fee = taker ? trade.taker_fee : trade.maker_fee;
        const row = this.row(
          [side === 'bid' ? 'Buy' : 'Sell', this.units.price(trade.price), this.units.size(trade.base_lots), this.units.quoteAtoms(fee), taker ? 'taker' : 'maker'],
          side,
        );
        row.dataset.seq = String(trade.seq);
        return row;
      }),
    );
  }

  private row(cells: string[], side: string): HTMLTableRowElement {
    const row = document.createElement('tr');
    for (const text of cells) row.insertCell().textContent = text;
    row.cells[0].className = side;
    return row;
  }
}
