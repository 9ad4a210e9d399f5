// The order form and the transfer form: read the fields, check them against
// the open market (app/web/src/views/orderForm.ts says what is checked), and
// send what passes through the wallet session.
import { orderbookError, type Market, type OrderArgs, type OrderType, type SideName } from '@orderbook/client';

import { el, field } from './dom';
import { isBatchMarket, type MarketPage } from './marketPage';
import type { SealedOrders } from './sealedOrders';
import { LANDED, type Session } from './session';
import { checkOrder, checkTransfer, type Checked } from './views/orderForm';

/** Builds of a sealed order's commitment, each for the batch open then, before the page gives up. */
const COMMIT_ATTEMPTS = 3;

export class OrderForm {
  private readonly form = el('order-form');

  constructor(
    private readonly page: MarketPage,
    private readonly session: Session,
    private readonly sealed: SealedOrders,
    private readonly sent: () => void,
  ) {
    this.form.oninput = () => this.update();
    this.form.onsubmit = (event) => void this.submit(event);
  }

  /** Put `price` (human units) in the price field, as a click in the ladder does. */
  setPrice(price: string): void {
    field<HTMLInputElement>(this.form, 'price').value = price;
    this.update();
  }

  private values() {
    return {
      side: (this.form.querySelector<HTMLInputElement>('input[name=side]:checked')?.value ?? 'bid') as SideName,
      type: field<HTMLSelectElement>(this.form, 'type').value as OrderType,
      price: field<HTMLInputElement>(this.form, 'price').value,
      size: field<HTMLInputElement>(this.form, 'size').value,
    };
  }

  private checked(): Checked {
    const open = this.page.current;
    if (!open) return { error: 'no market' };
    return checkOrder(this.values(), {
      units: open.units,
      status: open.chain?.status ?? null,
      free: (token) => open.account.free(token),
      book: () => open.book.sides(),
      connected: this.session.wallet !== null,
      batch: isBatchMarket(open.chain),
    });
  }

  /** Recheck: the preview, or why the order cannot be placed. */
  update(): void {
    const values = this.values();
    field<HTMLInputElement>(this.form, 'price').disabled = values.type === 'market';
    const checked = this.checked();
    el('order-preview').textContent = 'preview' in checked ? checked.preview : '';
    el('order-error').textContent = 'error' in checked && (values.size || values.price) ? checked.error : '';
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const checked = this.checked();
    if ('error' in checked) {
      el('order-error').textContent = checked.error;
      return;
    }
    el('order-submit').disabled = true;
    const market = this.page.current?.chain ?? null;
    if (isBatchMarket(market)) await this.submitToBatch(market, checked.summary, checked.order);
    else await this.session.transact(checked.summary, market, (t, m) => t.client.ix.placeOrder(t.owner, m, checked.order).then((ix) => [ix]));
    el('order-submit').disabled = false;
    this.sent();
  }

  /** A post-only order queues to the open batch; a taking one is sealed, and revealed by the page later. */
  private async submitToBatch(market: Market, summary: string, order: OrderArgs): Promise<void> {
    if (order.orderType === 'postOnly') {
      await this.session.transact(summary, market, (t, m) => t.client.ix.queuePostOnly(t.owner, m.address, m.batch, order).then((ix) => [ix]));
      return;
    }
    const schedule = this.page.current?.auction.schedule();
    if (!schedule) {
      el('order-error').textContent = 'the batch clock is not known yet (waiting for the feed)';
      return;
    }
    // A commitment is hashed for the batch whose window is open when it is
    // built; one that lands after that window closed is refused (bond
    // untouched) and is built again for the batch open then.
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      const commit = this.sealed.commit(market, schedule, order);
      const outcome = await this.session.trySend(attempt === 1 ? summary : `${summary} (again: its batch closed first)`, market, (t) => commit.build(t));
      if (outcome === LANDED) {
        await commit.keep();
        return;
      }
      if (orderbookError(outcome.failure)?.name !== 'BatchWindow') return;
    }
  }
}

export class TransferForm {
  private readonly form = el('transfer-form');

  constructor(
    private readonly page: MarketPage,
    private readonly session: Session,
    private readonly sent: () => void,
  ) {
    this.form.onsubmit = (event) => void this.submit(event);
  }

  /** Offer the open market's two tokens. */
  setTokens(base: string, quote: string): void {
    field<HTMLSelectElement>(this.form, 'token').replaceChildren(new Option(base, 'base'), new Option(quote, 'quote'));
  }

  private async submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const open = this.page.current;
    const action = (event.submitter as HTMLButtonElement | null)?.value === 'withdraw' ? 'withdraw' : 'deposit';
    const token = field<HTMLSelectElement>(this.form, 'token').value as 'base' | 'quote';
    const amount = field<HTMLInputElement>(this.form, 'amount');
    const error = el('transfer-error');
    error.textContent = '';
    if (!open) return;
    const available = action === 'deposit' ? (open.account.wallet?.[token] ?? null) : open.account.free(token);
    const checked = checkTransfer(open.units, token, amount.value, available, action);
    if ('error' in checked) {
      error.textContent = checked.error;
      return;
    }
    const { atoms, label } = checked;
    const verb = action === 'deposit' ? 'Deposit' : 'Withdraw';
    const ok = await this.session.transact(`${verb} ${label}`, open.chain, async (t, m) => {
      if (action === 'withdraw') return [await t.client.ix.withdraw(t.owner, m, token, atoms)];
      const opened = await t.client.trader(m.address, t.owner);
      return [...(opened ? [] : [await t.client.ix.openTraderAccount(t.owner, m.address)]), await t.client.ix.deposit(t.owner, m, token, atoms)];
    });
    if (ok) amount.value = '';
    this.sent();
  }
}
