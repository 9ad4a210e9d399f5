// The page's elements by id, typed: `el('order-form')` is an
// HTMLFormElement, and an id that index.html does not have is a type error
// here rather than a null at run time.

/** Every element the scripts look up, by id, with its type. */
interface Elements {
  asks: HTMLElement;
  'auction-status': HTMLElement;
  'book-capacity': HTMLElement;
  balances: HTMLElement;
  bids: HTMLElement;
  'cancel-all': HTMLButtonElement;
  'grow-book': HTMLButtonElement;
  chart: HTMLElement;
  connection: HTMLElement;
  depth: HTMLCanvasElement;
  fills: HTMLElement;
  market: HTMLSelectElement;
  'open-orders': HTMLElement;
  'order-error': HTMLElement;
  'order-form': HTMLFormElement;
  'order-preview': HTMLElement;
  'order-submit': HTMLButtonElement;
  'passphrase-dialog': HTMLDialogElement;
  'passphrase-error': HTMLElement;
  'passphrase-forget': HTMLButtonElement;
  'passphrase-form': HTMLFormElement;
  'passphrase-hint': HTMLElement;
  'passphrase-title': HTMLElement;
  resolutions: HTMLElement;
  'sealed-orders': HTMLElement;
  'sealed-panel': HTMLElement;
  spread: HTMLElement;
  stats: HTMLElement;
  tape: HTMLElement;
  'transfer-error': HTMLElement;
  'transfer-form': HTMLFormElement;
  'tx-status': HTMLElement;
  'wallet-address': HTMLElement;
  'wallet-airdrop': HTMLButtonElement;
  'wallet-choice': HTMLSelectElement;
  'wallet-connect': HTMLButtonElement;
  'wallet-faucet': HTMLButtonElement;
  'wallet-sol': HTMLElement;
}

export type ElementId = keyof Elements;

/** The element with `id`; throws, naming it, when the page lacks it. */
export function el<K extends ElementId>(id: K): Elements[K] {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as Elements[K];
}

/** A form control by name, typed by the caller (`field<HTMLInputElement>(form, 'price')`). */
export function field<T extends Element>(form: HTMLFormElement, name: string): T {
  const found = form.elements.namedItem(name);
  if (!found) throw new Error(`#${form.id} has no field ${name}`);
  return found as unknown as T;
}
