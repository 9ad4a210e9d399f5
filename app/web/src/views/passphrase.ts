// The local wallet's passphrase dialog: choose one for a new wallet (or one
// an earlier version kept in the clear), or unlock a sealed one.
import { el, field } from '../dom';
import { PASSPHRASE_MIN_CHARS } from '../sealedKey';
import type { PassphraseAnswer, PassphraseRequest } from '../wallet';

const TITLES: Record<PassphraseRequest['mode'], string> = {
  create: 'Choose a passphrase for the local wallet',
  protect: 'Protect the local wallet with a passphrase',
  unlock: 'Unlock the local wallet',
};

/** Ask in the page's `<dialog id="passphrase-dialog">`; resolves when it closes. */
export function askPassphrase(request: PassphraseRequest): Promise<PassphraseAnswer> {
  const dialog = el('passphrase-dialog');
  const input = field<HTMLInputElement>(el('passphrase-form'), 'passphrase');
  const unlocking = request.mode === 'unlock';
  el('passphrase-title').textContent = TITLES[request.mode];
  el('passphrase-hint').textContent = unlocking
    ? `Wallet ${request.publicKey}. Forgetting it loses its tokens on this chain.`
    : `Wallet ${request.publicKey}. Its key is kept in this browser, encrypted under the passphrase (at least ${PASSPHRASE_MIN_CHARS} characters); nobody can recover it for you.`;
  el('passphrase-error').textContent = request.error ?? '';
  el('passphrase-forget').hidden = !unlocking;
  input.autocomplete = unlocking ? 'current-password' : 'new-password';
  input.value = '';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const choice = dialog.returnValue;
        resolve(choice === 'ok' ? { passphrase: input.value } : choice === 'forget' ? 'forget' : 'cancel');
      },
      { once: true },
    );
  });
}
