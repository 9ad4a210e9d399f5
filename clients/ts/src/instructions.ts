// Instruction builders for all 23 instructions, on the Anchor `Program`.
// Accounts recorded in the market are passed from a decoded `Market` (no
// RPC read); PDAs (trader, vaults, market authority, event authority) and
// fixed programs are left to Anchor's resolver, which derives them from the
// IDL's seeds and addresses.
import type { Program } from '@coral-xyz/anchor';
import { Keypair, PublicKey, SystemProgram, type TransactionInstruction } from '@solana/web3.js';
import BN from 'bn.js';

import type { Market } from './accounts.js';
import type { Orderbook } from './idl/orderbook.js';
import { bookSideBytes, DISCRIMINATOR_BYTES, eventQueueBytes, MARKET_BYTES } from './layout.js';
import { LIMITS, NO_QUOTE_LIMIT, PROGRAM_ID, SEALED_BATCH } from './program.js';
import * as pda from './pda.js';
import { anchorEnum, type GrowTarget, type MarketStatus, type OrderType, type SelfTradeMode, type Side, type TokenKind } from './types.js';

/** The market accounts instructions name (a decoded `Market` has them all). */
export type MarketKeys = Pick<
  Market,
  'address' | 'bids' | 'asks' | 'eventQueue' | 'baseMint' | 'quoteMint' | 'baseVault' | 'quoteVault' | 'baseTokenProgram' | 'quoteTokenProgram'
>;

/** One token's mint, vault and token program on `market`. */
export function tokenAccounts(market: MarketKeys, token: TokenKind) {
  return token === 'base'
    ? { mint: market.baseMint, vault: market.baseVault, tokenProgram: market.baseTokenProgram }
    : { mint: market.quoteMint, vault: market.quoteVault, tokenProgram: market.quoteTokenProgram };
}

type Amount = BN | number | bigint;
const bn = (value: Amount) => (BN.isBN(value) ? value : new BN(value.toString()));

/** An order as a caller writes it; omitted fields take the program's defaults. */
export interface OrderArgs {
  side: Side;
  /** Default `limit`. */
  orderType?: OrderType;
  /** Default `decrementTake`. */
  selfTrade?: SelfTradeMode;
  /** Limit price in ticks (ignored for `market` orders). */
  priceTicks: Amount;
  maxBaseLots: Amount;
  /** Quote atoms to spend at most, fees included (bids); default no limit. */
  maxQuote?: Amount;
  clientOrderId?: Amount;
  /** Unix seconds; default 0 = good till cancelled. */
  expiry?: Amount;
  /** Most makers to match; default the program's `DEFAULT_MATCH_LIMIT`. */
  matchLimit?: number;
}

/** `OrderArgs` as the program's `PlaceOrderArgs`. */
export function placeOrderArgs(order: OrderArgs) {
  return {
    side: anchorEnum(order.side),
    orderType: anchorEnum(order.orderType ?? 'limit'),
    selfTrade: anchorEnum(order.selfTrade ?? 'decrementTake'),
    price: bn(order.priceTicks),
    maxBaseLots: bn(order.maxBaseLots),
    maxQuote: bn(order.maxQuote ?? NO_QUOTE_LIMIT),
    clientOrderId: bn(order.clientOrderId ?? 0),
    expiry: bn(order.expiry ?? 0),
    matchLimit: order.matchLimit ?? LIMITS.defaultMatchLimit,
  } as const;
}

/** A batch market's parameters, as `enable_batch_mode` takes them (windows default to the IDL's). */
export interface BatchModeParams {
  commitSlots?: number;
  graceSlots?: number;
  revealSlots?: number;
  bondLamports: Amount;
  commitFeeLamports: Amount;
  entriesPerBatch: number;
  entriesPerTrader: number;
  /** The drand chain hash (32 bytes) of the beacon sealed orders may be encrypted to; absent: none. */
  beaconChainHash?: Uint8Array;
}

/** Bytes of a batch account whose pool holds `entries` entries (three batches' worth at least). */
export function batchAccountBytes(entries: number): number {
  return DISCRIMINATOR_BYTES + SEALED_BATCH.headerBytes + entries * SEALED_BATCH.entryBytes;
}

/** Market sizes and fees, as `create_market` takes them. */
export interface MarketParams {
  baseLotSize: Amount;
  quoteLotSize: Amount;
  tickSize: Amount;
  takerFeePpm: number;
  makerFeePpm: number;
  crankRewardLamports: Amount;
  authority: PublicKey;
  feeAuthority: PublicKey;
  /** Most orders `grow_market` may give a side (default: the program's `MAX_ORDERS_PER_SIDE`). */
  maxOrdersPerSide?: number;
  /** Most events `grow_market` may give the queue (default: the program's `MAX_QUEUE_EVENTS`). */
  maxQueueEvents?: number;
}

/** The new accounts of a market about to be created. */
export interface NewMarketAccounts {
  market: Keypair;
  bids: Keypair;
  asks: Keypair;
  eventQueue: Keypair;
}

export class OrderbookInstructions {
  constructor(readonly program: Program<Orderbook>) {}

  /**
   * Allocate a market's four program-owned accounts (market, two book
   * sides of `ordersPerSide`, a queue of `queueEvents`), rent-exempt: the
   * instructions to send (signed by `payer` and the four keypairs) before
   * `createMarket`.
   */
  async allocateMarketAccounts(
    payer: PublicKey,
    accounts: NewMarketAccounts,
    ordersPerSide: number,
    queueEvents: number,
  ): Promise<TransactionInstruction[]> {
    if (ordersPerSide < LIMITS.minOrdersPerSide || ordersPerSide > LIMITS.maxOrdersPerSide) {
      throw new RangeError(`ordersPerSide ${ordersPerSide} outside ${LIMITS.minOrdersPerSide}..=${LIMITS.maxOrdersPerSide}`);
    }
    if (queueEvents < LIMITS.minQueueEvents || queueEvents > LIMITS.maxQueueEvents) {
      throw new RangeError(`queueEvents ${queueEvents} outside ${LIMITS.minQueueEvents}..=${LIMITS.maxQueueEvents}`);
    }
    const sizes: [Keypair, number][] = [
      [accounts.market, MARKET_BYTES],
      [accounts.bids, bookSideBytes(ordersPerSide)],
      [accounts.asks, bookSideBytes(ordersPerSide)],
      [accounts.eventQueue, eventQueueBytes(queueEvents)],
    ];
    const connection = this.program.provider.connection;
    return Promise.all(
      sizes.map(async ([account, space]) =>
        SystemProgram.createAccount({
          fromPubkey: payer,
          newAccountPubkey: account.publicKey,
          lamports: await connection.getMinimumBalanceForRentExemption(space),
          space,
          programId: PROGRAM_ID,
        }),
      ),
    );
  }

  createMarket(
    payer: PublicKey,
    accounts: NewMarketAccounts,
    tokens: { baseMint: PublicKey; quoteMint: PublicKey; baseTokenProgram: PublicKey; quoteTokenProgram: PublicKey },
    params: MarketParams,
  ): Promise<TransactionInstruction> {
    const args = {
      baseLotSize: bn(params.baseLotSize),
      quoteLotSize: bn(params.quoteLotSize),
      tickSize: bn(params.tickSize),
      takerFeePpm: params.takerFeePpm,
      makerFeePpm: params.makerFeePpm,
      crankRewardLamports: bn(params.crankRewardLamports),
      authority: params.authority,
      feeAuthority: params.feeAuthority,
      maxOrdersPerSide: params.maxOrdersPerSide ?? LIMITS.maxOrdersPerSide,
      maxQueueEvents: params.maxQueueEvents ?? LIMITS.maxQueueEvents,
    };
    return this.program.methods
      .createMarket(args)
      .accounts({
        payer,
        market: accounts.market.publicKey,
        bids: accounts.bids.publicKey,
        asks: accounts.asks.publicKey,
        eventQueue: accounts.eventQueue.publicKey,
        ...tokens,
      })
      .instruction();
  }

  setMarketStatus(authority: PublicKey, market: PublicKey, status: MarketStatus): Promise<TransactionInstruction> {
    return this.program.methods.setMarketStatus(anchorEnum(status)).accountsPartial({ authority, market }).instruction();
  }

  /**
   * Grow the market's bids, asks or event queue by `additional` orders or
   * events (1..=`LIMITS.maxGrowthPerInstruction`); `payer` pays the added
   * rent, which returns to the market's creator when it closes.
   */
  growMarket(payer: PublicKey, market: Pick<MarketKeys, 'address' | 'bids' | 'asks' | 'eventQueue'>, target: GrowTarget, additional: number): Promise<TransactionInstruction> {
    if (!Number.isInteger(additional) || additional < 1 || additional > LIMITS.maxGrowthPerInstruction) {
      throw new RangeError(`additional ${additional} outside 1..=${LIMITS.maxGrowthPerInstruction}`);
    }
    const grown = { bids: market.bids, asks: market.asks, eventQueue: market.eventQueue }[target];
    return this.program.methods
      .growMarket(anchorEnum(target), additional)
      .accountsPartial({ payer, market: market.address, grown })
      .instruction();
  }

  openTraderAccount(owner: PublicKey, market: PublicKey): Promise<TransactionInstruction> {
    return this.program.methods.openTraderAccount().accounts({ owner, market }).instruction();
  }

  /** Deposit `amount` atoms of `token` from `wallet` (default: the owner's associated token account). */
  deposit(owner: PublicKey, market: MarketKeys, token: TokenKind, amount: Amount, wallet?: PublicKey): Promise<TransactionInstruction> {
    const { mint, vault, tokenProgram } = tokenAccounts(market, token);
    return this.program.methods
      .deposit(bn(amount))
      .accounts({ owner, market: market.address, mint, vault, tokenProgram, wallet: wallet ?? pda.associatedTokenAccount(owner, mint, tokenProgram) })
      .instruction();
  }

  /** Withdraw `amount` free atoms of `token` to `wallet` (default: the owner's associated token account). */
  withdraw(owner: PublicKey, market: MarketKeys, token: TokenKind, amount: Amount, wallet?: PublicKey): Promise<TransactionInstruction> {
    const { mint, vault, tokenProgram } = tokenAccounts(market, token);
    return this.program.methods
      .withdraw(bn(amount))
      .accounts({ owner, market: market.address, mint, vault, tokenProgram, wallet: wallet ?? pda.associatedTokenAccount(owner, mint, tokenProgram) })
      .instruction();
  }

  /** The accounts of the three placing instructions; `topUp` funds a shortfall from a wallet. */
  private placeAccounts(owner: PublicKey, market: MarketKeys, topUp?: { token: TokenKind; wallet: PublicKey }) {
    const token = topUp ? tokenAccounts(market, topUp.token) : undefined;
    return {
      owner,
      market: market.address,
      bids: market.bids,
      asks: market.asks,
      eventQueue: market.eventQueue,
      mint: token?.mint ?? null,
      vault: token?.vault ?? null,
      tokenProgram: token?.tokenProgram ?? null,
      wallet: topUp?.wallet ?? null,
    };
  }

  placeOrder(owner: PublicKey, market: MarketKeys, order: OrderArgs, topUp?: { token: TokenKind; wallet: PublicKey }): Promise<TransactionInstruction> {
    return this.program.methods.placeOrder(placeOrderArgs(order)).accountsPartial(this.placeAccounts(owner, market, topUp)).instruction();
  }

  placeOrders(owner: PublicKey, market: MarketKeys, orders: OrderArgs[], topUp?: { token: TokenKind; wallet: PublicKey }): Promise<TransactionInstruction> {
    return this.program.methods.placeOrders(orders.map(placeOrderArgs)).accountsPartial(this.placeAccounts(owner, market, topUp)).instruction();
  }

  cancelAllAndPlace(owner: PublicKey, market: MarketKeys, orders: OrderArgs[], topUp?: { token: TokenKind; wallet: PublicKey }): Promise<TransactionInstruction> {
    return this.program.methods.cancelAllAndPlace(orders.map(placeOrderArgs)).accountsPartial(this.placeAccounts(owner, market, topUp)).instruction();
  }

  private cancelAccounts(owner: PublicKey, market: MarketKeys) {
    return { owner, market: market.address, bids: market.bids, asks: market.asks };
  }

  cancelOrder(owner: PublicKey, market: MarketKeys, orderId: Amount): Promise<TransactionInstruction> {
    return this.program.methods.cancelOrder(bn(orderId)).accountsPartial(this.cancelAccounts(owner, market)).instruction();
  }

  cancelByClientId(owner: PublicKey, market: MarketKeys, clientOrderId: Amount): Promise<TransactionInstruction> {
    return this.program.methods.cancelByClientId(bn(clientOrderId)).accountsPartial(this.cancelAccounts(owner, market)).instruction();
  }

  /** Cancel up to `limit` of the owner's orders (default 255, the u8 maximum: all of them), of one side or both. */
  cancelAll(owner: PublicKey, market: MarketKeys, side: Side | null = null, limit = 255): Promise<TransactionInstruction> {
    return this.program.methods
      .cancelAll(side === null ? null : anchorEnum(side), limit)
      .accountsPartial(this.cancelAccounts(owner, market))
      .instruction();
  }

  /** Crank up to `limit` events; `makers` are the trader accounts they name (`OrderbookClient.makerAccounts`). */
  consumeEvents(cranker: PublicKey, market: MarketKeys, makers: PublicKey[], limit: number): Promise<TransactionInstruction> {
    return this.program.methods
      .consumeEvents(limit)
      .accountsPartial({ cranker, market: market.address, eventQueue: market.eventQueue })
      .remainingAccounts(makers.map((pubkey) => ({ pubkey, isSigner: false, isWritable: true })))
      .instruction();
  }

  pruneExpired(pruner: PublicKey, market: MarketKeys, side: Side, limit: number): Promise<TransactionInstruction> {
    return this.program.methods
      .pruneExpired(anchorEnum(side), limit)
      .accountsPartial({ pruner, market: market.address, bids: market.bids, asks: market.asks, eventQueue: market.eventQueue })
      .instruction();
  }

  /** Sweep `token`'s vault (fees, and any surplus sent to it) to `destination`. */
  sweepFees(feeAuthority: PublicKey, market: MarketKeys, token: TokenKind, destination: PublicKey): Promise<TransactionInstruction> {
    const { mint, vault, tokenProgram } = tokenAccounts(market, token);
    return this.program.methods
      .sweepFees()
      .accountsPartial({ feeAuthority, market: market.address, mint, vault, destination, tokenProgram })
      .instruction();
  }

  /**
   * Settle `owner`'s trader account on a Closed market, paying free balances
   * to `destinations` (token accounts of the owner; leave a token out when
   * the trader holds none of it).
   */
  settleTrader(
    closer: PublicKey,
    owner: PublicKey,
    market: MarketKeys,
    destinations: { base?: PublicKey; quote?: PublicKey },
  ): Promise<TransactionInstruction> {
    const payout = (token: TokenKind, destination: PublicKey | undefined) => {
      const accounts = tokenAccounts(market, token);
      return destination
        ? { mint: accounts.mint, vault: accounts.vault, destination, tokenProgram: accounts.tokenProgram }
        : { mint: null, vault: null, destination: null, tokenProgram: null };
    };
    const base = payout('base', destinations.base);
    const quote = payout('quote', destinations.quote);
    return this.program.methods
      .settleTrader()
      .accountsPartial({
        closer,
        owner,
        market: market.address,
        bids: market.bids,
        asks: market.asks,
        baseMint: base.mint,
        baseVault: base.vault,
        baseDestination: base.destination,
        baseTokenProgram: base.tokenProgram,
        quoteMint: quote.mint,
        quoteVault: quote.vault,
        quoteDestination: quote.destination,
        quoteTokenProgram: quote.tokenProgram,
      })
      .instruction();
  }

  closeTraderAccount(owner: PublicKey, market: PublicKey): Promise<TransactionInstruction> {
    return this.program.methods.closeTraderAccount().accounts({ owner, market }).instruction();
  }

  /**
   * Make an Active market with empty books a sealed batch market, with the
   * batch account `batch` already allocated (`batchAccountBytes`) and owned
   * by the program.
   */
  enableBatchMode(authority: PublicKey, market: MarketKeys, batch: PublicKey, args: BatchModeParams): Promise<TransactionInstruction> {
    return this.program.methods
      .enableBatchMode({
        commitSlots: args.commitSlots ?? SEALED_BATCH.defaultCommitSlots,
        graceSlots: args.graceSlots ?? SEALED_BATCH.defaultGraceSlots,
        revealSlots: args.revealSlots ?? SEALED_BATCH.defaultRevealSlots,
        bondLamports: bn(args.bondLamports),
        commitFeeLamports: bn(args.commitFeeLamports),
        entriesPerBatch: args.entriesPerBatch,
        entriesPerTrader: args.entriesPerTrader,
        beaconChainHash: Array.from(args.beaconChainHash ?? new Uint8Array(32)),
      })
      .accountsPartial({ authority, market: market.address, bids: market.bids, asks: market.asks, eventQueue: market.eventQueue, batch })
      .instruction();
  }

  /**
   * Commit a sealed order's 32-byte commitment (`commitment` in `sealed.ts`),
   * hashed for batch `batchNumber`; refused once that batch's commit window closed.
   */
  commitOrder(owner: PublicKey, market: PublicKey, batch: PublicKey, batchNumber: bigint, commitment: Uint8Array): Promise<TransactionInstruction> {
    return this.program.methods
      .commitOrder(bn(batchNumber), Array.from(commitment))
      .accountsPartial({ owner, market, batch })
      .instruction();
  }

  /**
   * `commitOrder` with the order and salt time-lock encrypted to a round of
   * the market's beacon (`ciphertext`, tlock's age format), which any keeper
   * may decrypt and reveal once the round is published.
   */
  commitEncryptedOrder(owner: PublicKey, market: PublicKey, batch: PublicKey, batchNumber: bigint, commitment: Uint8Array, ciphertext: Uint8Array): Promise<TransactionInstruction> {
    return this.program.methods
      .commitEncryptedOrder(bn(batchNumber), Array.from(commitment), Buffer.from(ciphertext))
      .accountsPartial({ owner, market, batch })
      .instruction();
  }

  /** Fee authority only: send the bonds forfeited by unrevealed sealed orders to `destination`. */
  sweepForfeits(feeAuthority: PublicKey, market: PublicKey, batch: PublicKey, destination: PublicKey): Promise<TransactionInstruction> {
    return this.program.methods.sweepForfeits().accountsPartial({ feeAuthority, market, batch, destination }).instruction();
  }

  /** Reveal `owner`'s committed `order` (batch entry `entry`) with its salt; anyone may send it. */
  revealOrder(revealer: PublicKey, owner: PublicKey, market: PublicKey, batch: PublicKey, entry: number, order: OrderArgs, salt: Uint8Array): Promise<TransactionInstruction> {
    return this.program.methods
      .revealOrder(entry, placeOrderArgs(order), Array.from(salt))
      .accountsPartial({ revealer, owner, market, batch })
      .instruction();
  }

  /** Queue a post-only order to the batch whose commit window is open (sealed batch markets). */
  queuePostOnly(owner: PublicKey, market: PublicKey, batch: PublicKey, order: OrderArgs): Promise<TransactionInstruction> {
    return this.program.methods
      .queuePostOnly(placeOrderArgs({ ...order, orderType: 'postOnly' }))
      .accountsPartial({ owner, market, batch })
      .instruction();
  }

  /** Queue a cancel of a resting order to the oldest batch without reveals (sealed batch markets). */
  queueCancel(owner: PublicKey, market: MarketKeys, batch: PublicKey, orderId: Amount): Promise<TransactionInstruction> {
    return this.program.methods
      .queueCancel(bn(orderId))
      .accountsPartial({ owner, market: market.address, bids: market.bids, asks: market.asks, batch })
      .instruction();
  }

  /** Clear the market's oldest batch holding entries (its reveal window over); anyone may. */
  clearBatch(clearer: PublicKey, market: MarketKeys, batch: PublicKey): Promise<TransactionInstruction> {
    return this.program.methods
      .clearBatch()
      .accountsPartial({ clearer, market: market.address, bids: market.bids, asks: market.asks, eventQueue: market.eventQueue, batch })
      .instruction();
  }

  /**
   * Close an empty Closed market; rent goes to its `creator`. A sealed batch
   * market's batch account (`batch`, as a decoded `Market` has it) is closed
   * with it.
   */
  closeMarket(authority: PublicKey, market: MarketKeys & { creator: PublicKey; batch?: PublicKey }): Promise<TransactionInstruction> {
    const batch = market.batch && !market.batch.equals(PublicKey.default) ? market.batch : null;
    return this.program.methods
      .closeMarket()
      .accountsPartial({
        authority,
        market: market.address,
        creator: market.creator,
        bids: market.bids,
        asks: market.asks,
        eventQueue: market.eventQueue,
        baseVault: market.baseVault,
        quoteVault: market.quoteVault,
        baseTokenProgram: market.baseTokenProgram,
        quoteTokenProgram: market.quoteTokenProgram,
        batch,
      })
      .instruction();
  }
}
