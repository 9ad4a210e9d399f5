// The wallet session: the node connection, the connected wallet and what it
// signs (each transaction listed with its stage), SOL and test tokens for the
// local wallet. The market page listens for wallet changes; nothing here
// knows which market is open beyond what a call is given.
import { pda, type Market } from '@orderbook/client';
import { Connection, LAMPORTS_PER_SOL, type PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { getWallets } from '@wallet-standard/app';

import { api, type ServerConfig } from './api';
import { el } from './dom';
import { describeFailure, Trading, type TxStatus } from './trade';
import { askPassphrase } from './views/passphrase';
import { showTxStatus } from './views/txStatus';
import { connectStandard, localWallet, standardWallets, type PageWallet } from './wallet';

/** Which wallet reconnects on the next visit (only the local one does). */
const REMEMBERED_WALLET = 'orderbook.wallet';

/** The Wallet Standard chain for an RPC URL. */
export function clusterOf(rpcUrl: string): string {
  if (rpcUrl.includes('devnet')) return 'solana:devnet';
  if (rpcUrl.includes('testnet')) return 'solana:testnet';
  if (rpcUrl.includes('mainnet')) return 'solana:mainnet';
  return 'solana:localnet';
}

/** What `Session.trySend` resolves to once the transaction landed. */
export const LANDED = 'landed';

export class Session {
  readonly connection: Connection;
  wallet: PageWallet | null = null;
  trading: Trading | null = null;
  private txCounter = 0;
  private readonly listeners: ((wallet: PageWallet | null) => void)[] = [];

  constructor(readonly config: ServerConfig) {
    this.connection = new Connection(config.rpc_url ?? 'http://127.0.0.1:8899', {
      commitment: 'confirmed',
      wsEndpoint: config.ws_url ?? undefined,
    });
  }

  /** Call `listener` whenever the wallet connects, disconnects or changes. */
  onWallet(listener: (wallet: PageWallet | null) => void): void {
    this.listeners.push(listener);
  }

  readonly showStatus = (status: TxStatus): void => showTxStatus(el('tx-status'), status);

  /** `what` numbered, so that two transactions of a kind stay apart in the list. */
  label(what: string): string {
    return `${what} #${++this.txCounter}`;
  }

  /** Send one transaction on `market` from the connected wallet; a failure is shown, not thrown. */
  async transact(label: string, market: Market | null, build: (t: Trading, market: Market) => Promise<TransactionInstruction[]>): Promise<boolean> {
    return (await this.trySend(label, market, build)) === LANDED;
  }

  /** As `transact`, resolving to LANDED or to the failure (shown all the same), for a caller that acts on the program's error. */
  async trySend(label: string, market: Market | null, build: (t: Trading, market: Market) => Promise<TransactionInstruction[]>): Promise<typeof LANDED | { failure: unknown }> {
    const trading = this.trading;
    if (!trading || !market) {
      const message = trading ? 'the market is not readable from the node' : 'connect a wallet first';
      this.showStatus({ stage: 'failed', label, message });
      return { failure: new Error(message) };
    }
    try {
      await trading.send(this.label(label), () => build(trading, market), this.showStatus);
      return LANDED;
    } catch (error) {
      return { failure: (error as Error).cause ?? error }; // shown by showStatus
    }
  }

  /** The wallet's SOL, and its atoms of `market`'s tokens (0 without a token account). */
  async balances(market: Market | null): Promise<{ sol: number; base: bigint; quote: bigint } | null> {
    const owner = this.wallet?.publicKey;
    if (!owner) return null;
    const atoms = async (mint: PublicKey, program: PublicKey) => {
      const account = pda.associatedTokenAccount(owner, mint, program);
      const balance = await this.connection.getTokenAccountBalance(account, 'confirmed').catch(() => null);
      return BigInt(balance?.value.amount ?? 0);
    };
    const sol = (await this.connection.getBalance(owner, 'confirmed')) / LAMPORTS_PER_SOL;
    if (!market) return { sol, base: 0n, quote: 0n };
    return { sol, base: await atoms(market.baseMint, market.baseTokenProgram), quote: await atoms(market.quoteMint, market.quoteTokenProgram) };
  }

  private set(next: PageWallet | null): void {
    this.wallet = next;
    this.trading = next ? new Trading(this.connection, next) : null;
    el('wallet-address').textContent = next ? `${next.name}: ${next.publicKey.toBase58().slice(0, 6)}…` : '';
    el('wallet-address').title = next?.publicKey.toBase58() ?? '';
    el('wallet-connect').textContent = next ? 'Disconnect' : 'Connect';
    el('wallet-sol').textContent = '';
    el('wallet-airdrop').hidden = !next?.local;
    this.showFaucet();
    localStorage.setItem(REMEMBERED_WALLET, next?.local ? 'local' : '');
    for (const listener of this.listeners) listener(next);
  }

  private market: string | null = null;

  /** The open market: "Get test tokens" shows only where the faucet mints (the demo's live markets). */
  setMarket(market: string): void {
    this.market = market;
    this.showFaucet();
  }

  private showFaucet(): void {
    const markets = this.config.faucet?.markets ?? [];
    el('wallet-faucet').hidden = !this.wallet?.local || this.market === null || !markets.includes(this.market);
  }

  /** The wallets to choose from; the built-in one only where it belongs, a local node. */
  listWallets(): void {
    const local = clusterOf(this.config.rpc_url ?? '') === 'solana:localnet' ? [new Option('Local wallet (this browser)', 'local')] : [];
    el('wallet-choice').replaceChildren(...local, ...standardWallets().map((w) => new Option(w.name, w.name)));
  }

  /** Keep the wallet list current and reconnect the local wallet if it was last used. */
  start(): void {
    getWallets().on('register', () => this.listWallets());
    this.listWallets();
    if (localStorage.getItem(REMEMBERED_WALLET) === 'local') {
      // The market shows while the passphrase dialog waits; cancelling it leaves the page without a wallet.
      void localWallet(this.connection, askPassphrase).then(
        (wallet) => this.set(wallet),
        () => this.set(null),
      );
    }
  }

  /** The Connect / Disconnect button: the chosen wallet, or none. */
  async toggle(): Promise<void> {
    if (this.wallet) {
      await this.wallet.disconnect();
      return this.set(null);
    }
    const name = el('wallet-choice').value;
    if (name === 'local') {
      try {
        return this.set(await localWallet(this.connection, askPassphrase));
      } catch (error) {
        return this.showStatus({ stage: 'failed', label: 'Connect the local wallet', message: describeFailure(error) });
      }
    }
    const standard = standardWallets().find((w) => w.name === name);
    if (!standard) return;
    try {
      this.set(await connectStandard(standard, clusterOf(this.config.rpc_url ?? '')));
    } catch (error) {
      this.showStatus({ stage: 'failed', label: `Connect ${name}`, message: describeFailure(error) });
    }
  }

  /** 2 SOL from the node's faucet, listed like a transaction. */
  async airdrop(): Promise<void> {
    const owner = this.wallet?.publicKey;
    if (!owner) return;
    const label = this.label('Airdrop');
    try {
      this.showStatus({ stage: 'confirming', label });
      const signature = await this.connection.requestAirdrop(owner, 2 * LAMPORTS_PER_SOL);
      await this.connection.confirmTransaction(signature, 'confirmed');
      this.showStatus({ stage: 'confirmed', label, signature });
    } catch (error) {
      this.showStatus({ stage: 'failed', label, message: describeFailure(error) });
    }
  }

  /** The faucet's grant on `market`: a transaction its mint authority signed, which the wallet signs and pays for. */
  async takeTestTokens(market: string): Promise<void> {
    const trading = this.trading;
    if (!trading) return;
    const label = this.label('Test tokens');
    let grant: Awaited<ReturnType<typeof api.faucet>>;
    try {
      grant = await api.faucet(market, trading.owner.toBase58());
    } catch (error) {
      return this.showStatus({ stage: 'failed', label, message: (error as Error).message }); // the server's own sentence
    }
    await trading.sendPrepared(label, grant.transaction, this.showStatus).catch(() => {}); // shown by showStatus
  }
}
