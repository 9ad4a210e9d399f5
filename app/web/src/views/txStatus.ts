// The list of the page's transactions and where each one is: signing,
// sending, confirming, confirmed (fades) or failed (stays until clicked).
import type { TxStatus } from '../trade';

export function showTxStatus(list: HTMLElement, status: TxStatus): void {
  const id = `tx-${status.label.replace(/\W+/g, '-')}`;
  const item = list.querySelector<HTMLLIElement>(`#${id}`) ?? list.appendChild(Object.assign(document.createElement('li'), { id }));
  item.dataset.stage = status.stage;
  const detail =
    status.stage === 'failed' ? status.message : status.stage === 'confirmed' ? `confirmed ${status.signature.slice(0, 8)}…` : `${status.stage}…`;
  item.textContent = `${status.label}: ${detail}`;
  if (status.stage === 'confirmed') setTimeout(() => item.remove(), 6_000);
  if (status.stage === 'failed') {
    item.title = 'click to dismiss';
    item.onclick = () => item.remove();
  }
}
