// The connected wallet on one market: free and locked balances (the feed's
// account channel), what its token accounts hold (the chain), and its open
// orders with cancel and cancel-all.
import { compareBigint, parseBalances, parseBookOrder, type Balances, type BookOrder, type wire } from '@orderbook/client';

import type { ChannelMessage } from '../feed';
import type { Units } from '../units';

export class Account {
  traderId: number | null = null;
  balances: Balances | null = null;
  /** Atoms in the wallet's token accounts, read from the chain; null until the first read answers. */
  wallet: { base: bigint; quote: bigint } | null = null;
  private readonly orders = new Map<string, BookOrder>();
  onCancel: (orderId: string) => void = () => {};
  onChange: () => void = () => {};

  constructor(
    private readonly units: Units,
    private readonly els: { balances: HTMLElement; orders: HTMLElement; cancelAll: HTMLElement },
  ) {
    els.orders.onclick = (event) => {
      const id = (event.target as HTMLElement).closest('button')?.dataset.orderId;
      if (id) this.onCancel(id);
    };
  }

  apply(message: ChannelMessage): void {
    // A snapshot's orders are resting ones; a delta's carry their status and
    // leave the book with 0 lots. Both parse as book orders.
    const data = message.data as wire.AccountSnapshot | wire.AccountDelta;
    if (message.type === 'snapshot') {
      this.orders.clear();
      this.balances = data.balances ? parseBalances(data.balances) : null;
    } else if (data.balances) {
      this.balances = parseBalances(data.balances);
    }
    this.traderId = data.trader_id ?? this.traderId;
    for (const order of data.orders.map(parseBookOrder)) {
      if (order.base_lots === 0n) this.orders.delete(String(order.order_id));
      else this.orders.set(String(order.order_id), order);
    }
    this.draw();
    this.onChange();
  }

  openOrders(): BookOrder[] {
    return [...this.orders.values()];
  }

  /** Free atoms of `token` in the trader account. */
  free(token: 'base' | 'quote'): bigint {
    return this.balances?.[`${token}_free`] ?? 0n;
  }

  draw(): void {
    const b = this.balances;
    const line = (token: 'base' | 'quote') => {
      const format = (atoms: bigint | string) => this.units.atoms(token, atoms);
      const row = document.createElement('tr');
      row.dataset.token = token;
      for (const text of [this.units.symbol(token), format(b?.[`${token}_free`] ?? 0n), format(b?.[`${token}_locked`] ?? 0n), this.wallet ? format(this.wallet[token]) : '…']) {
        row.insertCell().textContent = text;
      }
      return row;
    };
    this.els.balances.replaceChildren(line('base'), line('quote'));
    const orders = this.openOrders().sort((a, b) => (a.side === b.side ? compareBigint(b.price, a.price) : a.side === 'ask' ? -1 : 1));
    this.els.cancelAll.hidden = orders.length === 0;
    this.els.orders.replaceChildren(
      ...orders.map((order) => {
        const row = document.createElement('tr');
        row.dataset.orderId = String(order.order_id);
        row.dataset.priceTicks = String(order.price);
        row.dataset.baseLots = String(order.base_lots);
        for (const text of [order.side === 'bid' ? 'Buy' : 'Sell', this.units.price(order.price), this.units.size(order.base_lots), String(order.order_id)]) {
          row.insertCell().textContent = text;
        }
        row.cells[0].className = order.side;
        const cancel = document.createElement('button');
        cancel.textContent = 'Cancel';
        cancel.dataset.orderId = String(order.order_id);
        row.insertCell().append(cancel);
        return row;
      }),
    );
  }
}
