// Wallets the page signs with: any Wallet Standard wallet the browser has
// (Phantom, Backpack, Solflare…), and on a local node a built-in one whose
// keypair lives in this browser's storage. The server never sees a key.
import { Keypair, PublicKey, Transaction, type Connection } from '@solana/web3.js';
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import type { SolanaSignTransactionFeature } from '@solana/wallet-standard-features';
import type { StandardConnectFeature, StandardDisconnectFeature } from '@wallet-standard/features';

export interface PageWallet {
  readonly name: string;
  readonly publicKey: PublicKey;
  /** True for the built-in local wallet (airdrops and the faucet apply). */
  readonly local: boolean;
  signTransaction(transaction: Transaction): Promise<Transaction>;
  disconnect(): Promise<void>;
}

/** Where the local wallet's key for the chain with `genesisHash` is kept. */
const localKey = (genesisHash: string) => `orderbook.local-wallet.v2.${genesisHash}`;

/**
 * The built-in wallet: a throw-away keypair for a local node, kept in this
 * browser's storage and bound to the chain it was made on (its genesis
 * hash), so a key made for one chain is never offered on another. Storage
 * is readable by any script of this page: never hold real funds with it.
 */
export async function localWallet(connection: Connection): Promise<PageWallet> {
  const genesisHash = await connection.getGenesisHash();
  localStorage.removeItem('orderbook.local-wallet.v1'); // unbound keys of earlier versions
  let keypair: Keypair;
  const stored = localStorage.getItem(localKey(genesisHash));
  try {
    keypair = stored ? Keypair.fromSecretKey(Uint8Array.from(JSON.parse(stored) as number[])) : Keypair.generate();
  } catch {
    keypair = Keypair.generate(); // unreadable storage: a fresh key rather than a broken page
  }
  localStorage.setItem(localKey(genesisHash), JSON.stringify(Array.from(keypair.secretKey)));
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
