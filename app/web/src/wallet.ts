// Wallets the page signs with: any Wallet Standard wallet the browser has
// (Phantom, Backpack, Solflare…), and on a local node a built-in one whose
// keypair lives in this browser's storage, encrypted under a passphrase.
// The server never sees a key.
import { Keypair, PublicKey, Transaction, type Connection } from '@solana/web3.js';
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import type { SolanaSignTransactionFeature } from '@solana/wallet-standard-features';
import type { StandardConnectFeature, StandardDisconnectFeature } from '@wallet-standard/features';

import { parseSealed, PASSPHRASE_MIN_CHARS, seal, unseal } from './sealedKey';

export interface PageWallet {
  readonly name: string;
  readonly publicKey: PublicKey;
  /** True for the built-in local wallet (airdrops and the faucet apply). */
  readonly local: boolean;
  signTransaction(transaction: Transaction): Promise<Transaction>;
  disconnect(): Promise<void>;
}

/** Where the local wallet's sealed key for the chain with `genesisHash` is kept. */
const localKey = (genesisHash: string) => `orderbook.local-wallet.v3.${genesisHash}`;
/** Earlier versions kept the key in the clear (v2: per chain; v1: for any chain). */
const clearKey = (genesisHash: string) => `orderbook.local-wallet.v2.${genesisHash}`;

/** What the page asks its user for the local wallet's passphrase. */
export interface PassphraseRequest {
  /** create: a new wallet; protect: a wallet an earlier version kept in the clear; unlock: a sealed one. */
  mode: 'create' | 'protect' | 'unlock';
  publicKey: string;
  /** Why the last answer was not taken. */
  error?: string;
}
/** The passphrase; `cancel`; or, when unlocking, `forget` (drop the wallet, make a new one). */
export type PassphraseAnswer = { passphrase: string } | 'cancel' | 'forget';

/**
 * The built-in wallet: a throw-away keypair for a local node, bound to the
 * chain it was made on (its genesis hash), so a key made for one chain is
 * never offered on another, and kept in this browser's storage encrypted
 * under a passphrase the user chooses (`sealedKey.ts`). Never hold real
 * funds with it: it is meant for a local node's test tokens.
 */
export async function localWallet(connection: Connection, ask: (request: PassphraseRequest) => Promise<PassphraseAnswer>): Promise<PageWallet> {
  const genesisHash = await connection.getGenesisHash();
  localStorage.removeItem('orderbook.local-wallet.v1'); // unbound keys of the first version
  const keypair = (await unlockSealed(genesisHash, ask)) ?? (await sealNew(genesisHash, ask));
  return {
    name: 'Local wallet',
    publicKey: keypair.publicKey,
    local: true,
    async signTransaction(transaction) {
      transaction.partialSign(keypair);
      return transaction;
    },
    async disconnect() {},
  };
}

/** The sealed wallet of this chain, unlocked; null when there is none or the user chose to forget it. */
async function unlockSealed(genesisHash: string, ask: (request: PassphraseRequest) => Promise<PassphraseAnswer>): Promise<Keypair | null> {
  const sealed = parseSealed(localStorage.getItem(localKey(genesisHash)));
  if (!sealed) return null;
  let error: string | undefined;
  for (;;) {
    const answer = await ask({ mode: 'unlock', publicKey: sealed.publicKey, error });
    if (answer === 'cancel') throw new Error('cancelled: the local wallet stays locked');
    if (answer === 'forget') {
      localStorage.removeItem(localKey(genesisHash));
      return null;
    }
    const secret = await unseal(sealed, answer.passphrase);
    if (secret) return Keypair.fromSecretKey(secret);
    error = 'wrong passphrase';
  }
}

/** A new wallet (or one an earlier version kept in the clear), sealed under a passphrase the user chooses. */
async function sealNew(genesisHash: string, ask: (request: PassphraseRequest) => Promise<PassphraseAnswer>): Promise<Keypair> {
  const clear = localStorage.getItem(clearKey(genesisHash));
  let keypair: Keypair | null = null;
  try {
    if (clear) keypair = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(clear) as number[]));
  } catch {
    // unreadable storage: a fresh key rather than a broken page
  }
  const mode = keypair ? 'protect' : 'create';
  keypair ??= Keypair.generate();
  let error: string | undefined;
  for (;;) {
    const answer = await ask({ mode, publicKey: keypair.publicKey.toBase58(), error });
    if (answer === 'cancel' || answer === 'forget') throw new Error('cancelled: no local wallet without a passphrase');
    if (answer.passphrase.length < PASSPHRASE_MIN_CHARS) {
      error = `at least ${PASSPHRASE_MIN_CHARS} characters`;
      continue;
    }
    const sealed = await seal(Uint8Array.from(keypair.secretKey), keypair.publicKey.toBase58(), answer.passphrase);
    localStorage.setItem(localKey(genesisHash), JSON.stringify(sealed));
    localStorage.removeItem(clearKey(genesisHash));
    return keypair;
  }
}

const SIGN = 'solana:signTransaction';
const CONNECT = 'standard:connect';

type Features = Partial<SolanaSignTransactionFeature & StandardConnectFeature & StandardDisconnectFeature>;

/** Wallet Standard wallets that can sign Solana transactions. */
export function standardWallets(): Wallet[] {
  return getWallets()
    .get()
    .filter((wallet) => SIGN in wallet.features && CONNECT in wallet.features);
}

/** Connect `wallet` (it asks its user) and sign through it on `chain` (e.g. `solana:devnet`). */
export async function connectStandard(wallet: Wallet, chain: string): Promise<PageWallet> {
  const features = wallet.features as Features;
  const connected = await features[CONNECT]!.connect();
  const account: WalletAccount | undefined = connected.accounts[0] ?? wallet.accounts[0];
  if (!account) throw new Error(`${wallet.name} gave no account`);
  return {
    name: wallet.name,
    publicKey: new PublicKey(account.address),
    local: false,
    async signTransaction(transaction) {
      const [signed] = await features[SIGN]!.signTransaction({
        account,
        chain: chain as `${string}:${string}`,
        transaction: transaction.serialize({ requireAllSignatures: false, verifySignatures: false }),
      });
      return Transaction.from(signed.signedTransaction);
    },
    async disconnect() {
      await features['standard:disconnect']?.disconnect();
    },
  };
}
