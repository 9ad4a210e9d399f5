// Transactions the page sends: built with @orderbook/client's instruction
// builders (Anchor and the committed IDL), signed by the wallet, sent to the
// node's JSON-RPC and followed until confirmed. Failures come back as one
// sentence: the program's named error, a rejected signature, an expired
// blockhash, an unreachable node.
import { AnchorProvider } from '@coral-xyz/anchor';
import { OrderbookClient, orderbookError, type Market } from '@orderbook/client';
import { Connection, PublicKey, Transaction, TransactionExpiredBlockheightExceededError, type TransactionInstruction } from '@solana/web3.js';

import type { PageWallet } from './wallet';

export type TxStatus =
  | { stage: 'signing' | 'sending' | 'confirming'; label: string; signature?: string }
  | { stage: 'confirmed'; label: string; signature: string }
  | { stage: 'failed'; label: string; message: string };

/** A failed send or confirmation as one sentence for a person. */
export function describeFailure(error: unknown): string {
  const named = orderbookError(error);
  if (named) return `${named.name}: ${named.message}`;
  if (error instanceof TransactionExpiredBlockheightExceededError) {
    return 'the transaction expired before it landed (its blockhash is too old); send it again';
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/reject|denied|cancel/i.test(text)) return 'the wallet refused to sign';
  if (/failed to fetch|network|ECONNREFUSED|unreachable/i.test(text)) return `the node is unreachable: ${text}`;
  if (/insufficient (lamports|funds for fee)|debit an account but found no record/i.test(text)) {
    return 'not enough SOL for fees in the wallet (airdrop some)';
  }
  return text;
}

export class Trading {
  readonly client: OrderbookClient;

  constructor(
    readonly connection: Connection,
    readonly wallet: PageWallet,
  ) {
    const provider = new AnchorProvider(
      connection,
      {
        publicKey: wallet.publicKey,
        signTransaction: (tx) => wallet.signTransaction(tx as Transaction) as never,
        signAllTransactions: (txs) => Promise.all(txs.map((tx) => wallet.signTransaction(tx as Transaction))) as never,
      },
      { commitment: 'confirmed' },
    );
    this.client = OrderbookClient.connect(provider);
  }

  get owner() {
    return this.wallet.publicKey;
  }

  market(address: string): Promise<Market> {
    return this.client.market(new PublicKey(address));
  }

  /** Build, sign, send and confirm; `report` hears each stage. Resolves to the signature or throws the described failure. */
  send(label: string, build: () => Promise<TransactionInstruction[]>, report: (status: TxStatus) => void): Promise<string> {
    return this.signAndSend(label, report, async () => {
      const instructions = await build();
      const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash('confirmed');
      return { transaction: new Transaction({ feePayer: this.owner, blockhash, lastValidBlockHeight }).add(...instructions), blockhash, lastValidBlockHeight };
    });
  }

  /**
   * Sign and send a transaction the server prepared (base64; e.g. the
   * faucet's, already signed by its mint authority, the wallet paying).
   */
  sendPrepared(label: string, base64: string, report: (status: TxStatus) => void): Promise<string> {
    return this.signAndSend(label, report, async () => {
      const transaction = Transaction.from(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      if (!transaction.feePayer?.equals(this.owner)) throw new Error('the server prepared a transaction this wallet does not pay for');
      // A blockhash lives 150 blocks; the server's was the latest when it answered.
      const lastValidBlockHeight = (await this.connection.getBlockHeight('confirmed')) + 150;
      return { transaction, blockhash: transaction.recentBlockhash!, lastValidBlockHeight };
    });
  }

  private async signAndSend(
    label: string,
    report: (status: TxStatus) => void,
    prepare: () => Promise<{ transaction: Transaction; blockhash: string; lastValidBlockHeight: number }>,
  ): Promise<string> {
    try {
      const { transaction, blockhash, lastValidBlockHeight } = await prepare();
      report({ stage: 'signing', label });
      const signed = await this.wallet.signTransaction(transaction);
      report({ stage: 'sending', label });
      const signature = await this.connection.sendRawTransaction(signed.serialize(), { preflightCommitment: 'confirmed' });
      report({ stage: 'confirming', label, signature });
      const { value } = await this.connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, 'confirmed');
      if (value.err) throw value.err;
      report({ stage: 'confirmed', label, signature });
      return signature;
    } catch (error) {
      const message = describeFailure(error);
      report({ stage: 'failed', label, message });
      throw new Error(message, { cause: error });
    }
  }
}
