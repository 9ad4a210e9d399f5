// `OrderbookClient`: the program plus the reads a trader or a keeper needs
// (market, trader, book, queue, the maker accounts a crank names) and a
// send helper. Instruction builders are on `client.ix`.
import { type AnchorProvider, Program } from '@coral-xyz/anchor';
import { type PublicKey, type Signer, TransactionMessage, type TransactionInstruction, VersionedTransaction } from '@solana/web3.js';

import {
  type BookSide,
  decodeBookSide,
  decodeEventQueue,
  type EventQueue,
  fetchMarket,
  fetchTrader,
  type Market,
  type Trader,
} from './accounts.js';
import type { Orderbook } from './idl/orderbook.js';
import { type MarketKeys, OrderbookInstructions } from './instructions.js';
import { DISCRIMINATOR_BYTES } from './layout.js';
import * as pda from './pda.js';
import { IDL } from './program.js';

/** Byte offset of `market` in a trader account (right after the discriminator). */
const TRADER_MARKET_OFFSET = DISCRIMINATOR_BYTES;

/** How many sent messages `send` remembers to keep the next ones unique. */
const SENT_MESSAGES_KEPT = 128;
/** How often `send` asks for a new blockhash while its message would repeat one. */
const BLOCKHASH_POLL_MS = 100;
/** How long `send` waits for a new blockhash: about a blockhash's lifetime at 400 ms slots. */
const NEW_BLOCKHASH_DEADLINE_MS = 60_000;

export class OrderbookClient {
  readonly ix: OrderbookInstructions;

  constructor(readonly program: Program<Orderbook>) {
    this.ix = new OrderbookInstructions(program);
  }

  static connect(provider: AnchorProvider): OrderbookClient {
    return new OrderbookClient(new Program<Orderbook>(IDL, provider));
  }

  get provider(): AnchorProvider {
    return this.program.provider as AnchorProvider;
  }

  market(address: PublicKey): Promise<Market> {
    return fetchMarket(this.program, address);
  }

  /** `owner`'s trader account on `market`, or null when none is open. */
  trader(market: PublicKey, owner: PublicKey): Promise<Trader | null> {
    return fetchTrader(this.program, pda.traderAccount(market, owner));
  }

  /** Both book sides, read in one request (so they are from the same slot). */
  async book(market: Pick<MarketKeys, 'bids' | 'asks'>): Promise<{ bids: BookSide; asks: BookSide }> {
    const [bids, asks] = await this.provider.connection.getMultipleAccountsInfo([market.bids, market.asks]);
    if (!bids || !asks) {
      throw new Error('book side account not found');
    }
    return { bids: decodeBookSide(this.program, bids.data), asks: decodeBookSide(this.program, asks.data) };
  }

  async eventQueue(market: Pick<MarketKeys, 'eventQueue'>): Promise<EventQueue> {
    const account = await this.provider.connection.getAccountInfo(market.eventQueue);
    if (!account) {
      throw new Error(`event queue ${market.eventQueue.toBase58()} not found`);
    }
    return decodeEventQueue(this.program, account.data);
  }

  /** The trader accounts of `traderIds` on `market` (for `consume_events`); throws if one is missing. */
  async makerAccounts(market: PublicKey, traderIds: number[]): Promise<PublicKey[]> {
    const accounts = await this.program.account.traderAccount.all([
      { memcmp: { offset: TRADER_MARKET_OFFSET, bytes: market.toBase58() } },
    ]);
    const byId = new Map(accounts.map((a) => [a.account.state.traderId, a.publicKey]));
    return traderIds.map((id) => {
      const account = byId.get(id);
      if (!account) {
        throw new Error(`no trader account with id ${id} on market ${market.toBase58()}`);
      }
      return account;
    });
  }

  /**
   * Send `instructions` in one transaction signed by the provider's wallet and
   * `signers`; resolves when confirmed. A message identical to one this client
   * already sent waits for a new blockhash first: under one blockhash it would
   * be the same transaction, which a validator refuses as already processed
   * (two cranks of the same queue within one 400 ms slot, say).
   */
  async send(instructions: TransactionInstruction[], signers: Signer[] = []): Promise<string> {
    const message = await this.uniqueMessage(instructions);
    return this.provider.sendAndConfirm(new VersionedTransaction(message), signers, { commitment: 'confirmed' });
  }

  private readonly sentMessages = new Set<string>();

  private async uniqueMessage(instructions: TransactionInstruction[]) {
    const deadline = Date.now() + NEW_BLOCKHASH_DEADLINE_MS;
    for (;;) {
      const { blockhash } = await this.provider.connection.getLatestBlockhash('confirmed');
      const message = new TransactionMessage({ payerKey: this.provider.wallet.publicKey, recentBlockhash: blockhash, instructions })
        .compileToLegacyMessage();
      const key = message.serialize().toString('base64');
      if (!this.sentMessages.has(key)) {
        this.sentMessages.add(key);
        if (this.sentMessages.size > SENT_MESSAGES_KEPT) {
          this.sentMessages.delete(this.sentMessages.values().next().value as string);
        }
        return message;
      }
      if (Date.now() > deadline) {
        throw new Error(`no new blockhash within ${NEW_BLOCKHASH_DEADLINE_MS / 1000} s: the same transaction would be sent twice`);
      }
      await new Promise((resolve) => setTimeout(resolve, BLOCKHASH_POLL_MS));
    }
  }
}
