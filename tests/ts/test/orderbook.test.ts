// The orderbook from TypeScript, as an Anchor developer tests a program:
// @coral-xyz/anchor's provider and Program (through @orderbook/client),
// fresh mints, a market's whole life. Each step checks balances, the book
// and the events the transaction emitted.
import assert from 'node:assert/strict';

import { AnchorError, type AnchorProvider, getProvider } from '@coral-xyz/anchor';
import { createAssociatedTokenAccountIdempotentInstruction, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, type PublicKey, SendTransactionError } from '@solana/web3.js';
import BN from 'bn.js';
import {
  ERRORS,
  type Market,
  type NewMarketAccounts,
  type OrderArgs,
  OrderbookClient,
  l2,
  LIMITS,
  pda,
  queuedMakers,
  type LiveEvent,
  subscribeEvents,
  type Trader,
} from '@orderbook/client';

import { chainTime, createMint, eventsNamed, fundedTrader, type Mint, rejectsWith, sendForEvents, tokenBalance } from './fixtures.js';

// 9-decimal base (SPL Token), 6-decimal quote (Token-2022). A lot is 0.001
// base; a tick is one 10-atom quote lot per lot, i.e. 0.01 quote per base.
const BASE_LOT = 1_000_000n;
const QUOTE_LOT = 10n;
const TAKER_FEE_PPM = 500;
const MAKER_FEE_PPM = -100;
const CRANK_REWARD = 5_000;
const BASE_MINTED = 20_000_000_000n; // 20 base each
const QUOTE_MINTED = 5_000_000_000n; // 5,000 quote each

/** Quote atoms of `lots` at `ticks`. */
const quoteOf = (lots: bigint, ticks: bigint) => lots * ticks * QUOTE_LOT;
const ppm = (atoms: bigint, fee: number) => (atoms * BigInt(Math.abs(fee))) / 1_000_000n;

describe('orderbook', () => {
  let provider: AnchorProvider;
  let client: OrderbookClient;
  let base: Mint;
  let quote: Mint;
  let alice: Keypair;
  let bob: Keypair;
  let accounts: NewMarketAccounts;
  let market: Market;

  const trader = async (owner: Keypair): Promise<Trader> => {
    const found = await client.trader(market.address, owner.publicKey);
    assert.ok(found, 'trader account open');
    return found;
  };
  const place = (owner: Keypair, order: OrderArgs) =>
    client.ix.placeOrder(owner.publicKey, market, order).then((ix) => sendForEvents(client, [ix], [owner]));
  const crank = async () => {
    const queue = await client.eventQueue(market);
    const limit = Math.min(queue.events.length, LIMITS.maxConsumeEvents);
    const makers = await client.makerAccounts(market.address, queuedMakers(queue, limit));
    const ix = await client.ix.consumeEvents(provider.wallet.publicKey, market, makers, limit);
    return sendForEvents(client, [ix]);
  };
  const levels = async () => {
    const book = await client.book(market);
    const show = (side: typeof book.bids) => l2(side).map((l) => [l.priceTicks.toNumber(), l.baseLots.toNumber()]);
    return { bids: show(book.bids), asks: show(book.asks) };
  };

  const live: LiveEvent[] = [];
  let unsubscribe: () => Promise<void>;

  before(async () => {
    provider = getProvider() as AnchorProvider;
    client = OrderbookClient.connect(provider);
    unsubscribe = subscribeEvents(client.program, (event) => live.push(event), {
      onError: (error) => assert.fail(`live event read failed: ${String(error)}`),
    });
    base = await createMint(provider, TOKEN_PROGRAM_ID, 9);
    quote = await createMint(provider, TOKEN_2022_PROGRAM_ID, 6);
    alice = await fundedTrader(provider, [base, quote], [BASE_MINTED, QUOTE_MINTED]);
    bob = await fundedTrader(provider, [base, quote], [BASE_MINTED, QUOTE_MINTED]);
  });

  it('creates a market with an SPL Token base and a Token-2022 quote', async () => {
    accounts = { market: Keypair.generate(), bids: Keypair.generate(), asks: Keypair.generate(), eventQueue: Keypair.generate() };
    const payer = provider.wallet.publicKey;
    const instructions = [
      ...(await client.ix.allocateMarketAccounts(payer, accounts, 64, 256)),
      await client.ix.createMarket(
        payer,
        accounts,
        { baseMint: base.mint, quoteMint: quote.mint, baseTokenProgram: base.tokenProgram, quoteTokenProgram: quote.tokenProgram },
        {
          baseLotSize: new BN(BASE_LOT.toString()), quoteLotSize: new BN(QUOTE_LOT.toString()), tickSize: 1,
          takerFeePpm: TAKER_FEE_PPM, makerFeePpm: MAKER_FEE_PPM, crankRewardLamports: CRANK_REWARD, authority: payer, feeAuthority: payer,
        },
      ),
    ];
    const events = await sendForEvents(client, instructions, Object.values(accounts));
    market = await client.market(accounts.market.publicKey);
    assert.equal(market.status, 'active');
    assert.equal(market.engine.baseLotSize.toString(), BASE_LOT.toString());
    assert.equal(market.baseDecimals, 9);
    assert.equal(market.quoteDecimals, 6);
    assert.ok(market.baseVault.equals(pda.vault(market.address, 'base')));
    assert.ok(market.quoteTokenProgram.equals(TOKEN_2022_PROGRAM_ID));
    const [created] = eventsNamed(events, 'marketCreated');
    assert.ok(created);
    assert.equal(created.ordersPerSide, 64);
    assert.deepEqual([created.baseDecimals, created.quoteDecimals], [9, 6]);
    assert.equal(created.eventCapacity, 256);
    const book = await client.book(market);
    assert.equal(book.bids.capacity, 64);
    assert.deepEqual(book.asks.orders, []);
  });

  it('grows the asks and the event queue in place; the payer pays the added rent', async () => {
    const connection = client.program.provider.connection;
    const payer = provider.wallet.publicKey;
    const before = (await connection.getAccountInfo(market.asks))!;
    const events = await sendForEvents(client, [
      await client.ix.growMarket(payer, market, 'asks', LIMITS.maxGrowthPerInstruction),
      await client.ix.growMarket(payer, market, 'eventQueue', 16),
    ]);
    const grown = eventsNamed(events, 'marketGrown');
    assert.deepEqual(
      grown.map((g) => [Object.keys(g.target)[0], g.oldCapacity, g.newCapacity]),
      [['asks', 64, 64 + LIMITS.maxGrowthPerInstruction], ['eventQueue', 256, 272]],
    );
    const after = (await connection.getAccountInfo(market.asks))!;
    assert.equal(after.data.length, before.data.length + 64 * LIMITS.maxGrowthPerInstruction);
    const [asks] = grown;
    assert.ok(asks);
    assert.equal(after.lamports - before.lamports, asks.lamports.toNumber());
    assert.equal(after.lamports, await connection.getMinimumBalanceForRentExemption(after.data.length));
    const book = await client.book(market);
    assert.deepEqual([book.bids.capacity, book.asks.capacity], [64, 64 + LIMITS.maxGrowthPerInstruction]);
    assert.throws(() => client.ix.growMarket(payer, market, 'bids', LIMITS.maxGrowthPerInstruction + 1), RangeError);
  });

  it('opens trader accounts with program.methods, resolving the trader PDA from the IDL', async () => {
    for (const owner of [alice, bob]) {
      const signature = await client.program.methods
        .openTraderAccount()
        .accounts({ owner: owner.publicKey, market: market.address })
        .signers([owner])
        .rpc();
      assert.ok(signature);
    }
    const [a, b] = [await trader(alice), await trader(bob)];
    assert.ok(a.address.equals(pda.traderAccount(market.address, alice.publicKey)));
    assert.notEqual(a.traderId, b.traderId);
    assert.deepEqual(a.openOrders, []);
  });

  it('deposits base and quote into the vaults', async () => {
    const deposits = [
      await client.ix.deposit(alice.publicKey, market, 'base', 10_000_000_000n),
      await client.ix.deposit(alice.publicKey, market, 'quote', 1_000_000_000n),
    ];
    const events = await sendForEvents(client, deposits, [alice]);
    assert.deepEqual(eventsNamed(events, 'deposited').map((d) => d.amount.toString()), ['10000000000', '1000000000']);
    await client.program.methods
      .deposit(new BN(2_000_000_000))
      .accounts({
        owner: bob.publicKey, market: market.address, mint: quote.mint, vault: market.quoteVault, tokenProgram: quote.tokenProgram,
        wallet: pda.associatedTokenAccount(bob.publicKey, quote.mint, quote.tokenProgram),
      })
      .signers([bob])
      .rpc();
    assert.equal((await trader(alice)).balances.freeBase.toString(), '10000000000');
    assert.equal((await trader(bob)).balances.freeQuote.toString(), '2000000000');
    assert.equal(await tokenBalance(provider, bob.publicKey, quote), QUOTE_MINTED - 2_000_000_000n);
    const vault = await provider.connection.getTokenAccountBalance(market.quoteVault);
    assert.equal(vault.value.amount, '3000000000');
  });

  it('rests limit and post-only asks; refuses a post-only bid that would cross; slides a post-only-slide bid', async () => {
    const limit = await place(alice, { side: 'ask', priceTicks: 10_000, maxBaseLots: 2_000, clientOrderId: 1 });
    const [placed] = eventsNamed(limit, 'orderPlaced');
    assert.equal(placed?.postedBaseLots.toNumber(), 2_000);
    await place(alice, { side: 'ask', orderType: 'postOnly', priceTicks: 10_100, maxBaseLots: 1_000, clientOrderId: 2 });
    assert.deepEqual((await levels()).asks, [[10_000, 2_000], [10_100, 1_000]]);
    const a = await trader(alice);
    assert.equal(a.balances.lockedBase.toString(), (3_000n * BASE_LOT).toString());
    assert.equal(a.openOrders.length, 2);

    await rejectsWith(place(bob, { side: 'bid', orderType: 'postOnly', priceTicks: 10_000, maxBaseLots: 10 }), 'PostOnlyWouldCross');
    const slid = await place(bob, { side: 'bid', orderType: 'postOnlySlide', priceTicks: 10_050, maxBaseLots: 100, clientOrderId: 7 });
    assert.equal(eventsNamed(slid, 'orderPlaced')[0]?.price.toNumber(), 9_999);
    assert.deepEqual((await levels()).bids, [[9_999, 100]]);
  });

  it('crosses with an immediate-or-cancel bid, then the crank settles the maker', async () => {
    const events = await place(bob, { side: 'bid', orderType: 'immediateOrCancel', priceTicks: 10_000, maxBaseLots: 500 });
    const [fill] = eventsNamed(events, 'orderFilled');
    assert.ok(fill);
    const traded = quoteOf(500n, 10_000n);
    assert.equal(fill.baseLots.toNumber(), 500);
    assert.equal(fill.quote.toString(), traded.toString());
    assert.equal(fill.takerFee.toString(), ppm(traded, TAKER_FEE_PPM).toString());
    assert.equal(fill.makerFee.toString(), (-ppm(traded, MAKER_FEE_PPM)).toString());
    const b = await trader(bob);
    assert.equal(b.balances.freeBase.toString(), (500n * BASE_LOT).toString());
    assert.deepEqual((await levels()).asks, [[10_000, 1_500], [10_100, 1_000]]);

    // The maker's side of the fill waits in the queue until cranked.
    assert.equal((await client.eventQueue(market)).events.length, 1);
    const aliceQuoteBefore = BigInt((await trader(alice)).balances.freeQuote.toString());
    const cranked = await crank();
    assert.equal(eventsNamed(cranked, 'eventsConsumed')[0]?.count, 1);
    assert.equal((await client.eventQueue(market)).events.length, 0);
    const a = await trader(alice);
    assert.equal(BigInt(a.balances.freeQuote.toString()) - aliceQuoteBefore, traded + ppm(traded, MAKER_FEE_PPM));
  });

  it('fill-or-kill refuses what it cannot fill whole; a market order takes at any price', async () => {
    await rejectsWith(place(bob, { side: 'bid', orderType: 'fillOrKill', priceTicks: 10_100, maxBaseLots: 5_000 }), 'FillOrKillNotFilled');
    // A market bid's budget is its `maxQuote`: the free balance must cover it.
    const events = await place(bob, { side: 'bid', orderType: 'market', priceTicks: 0, maxBaseLots: 100, maxQuote: 20_000_000 });
    assert.deepEqual(eventsNamed(events, 'orderFilled').map((f) => [f.price.toNumber(), f.baseLots.toNumber()]), [[10_000, 100]]);
    await crank();
  });

  it('logs as a validator does: the instruction by name, and an AnchorError that AnchorError.parse reads', async () => {
    const program = client.program.programId.toBase58();
    // A validator also writes `consumed N of M compute units` per frame; the
    // native node cannot count them (docs/node.md), so they are left out.
    const logsOf = (lines: string[]) => lines.filter((line) => !/ consumed \d+ of \d+ compute units$/.test(line));
    const rest: OrderArgs = { side: 'bid', orderType: 'postOnly', priceTicks: 9_000, maxBaseLots: 1, clientOrderId: 99 };
    const signature = await client.send([await client.ix.placeOrder(bob.publicKey, market, rest)], [bob]);
    const placed = await provider.connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    // The instruction's name, its events by self-CPI, then success.
    assert.deepEqual(logsOf(placed?.meta?.logMessages ?? []), [
      `Program ${program} invoke [1]`,
      'Program log: Instruction: PlaceOrder',
      `Program ${program} invoke [2]`,
      `Program ${program} success`,
      `Program ${program} success`,
    ]);
    await client.send([await client.ix.cancelByClientId(bob.publicKey, market, 99)], [bob]);

    const kill: OrderArgs = { side: 'bid', orderType: 'fillOrKill', priceTicks: 10_100, maxBaseLots: 5_000 };
    const refused: unknown = await client.send([await client.ix.placeOrder(bob.publicKey, market, kill)], [bob]).then(
      () => assert.fail('a fill-or-kill it cannot fill must be refused'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof SendTransactionError, String(refused));
    const logs = logsOf(refused.logs ?? []);
    assert.deepEqual(logs.slice(0, 2), [`Program ${program} invoke [1]`, 'Program log: Instruction: PlaceOrder']);
    const expected = ERRORS.FillOrKillNotFilled;
    assert.ok(expected, 'FillOrKillNotFilled is in the IDL');
    const { code, message } = expected;
    assert.equal(logs[2], `Program log: AnchorError occurred. Error Code: FillOrKillNotFilled. Error Number: ${code}. Error Message: ${message}.`);
    assert.equal(logs.length, 4);
    assert.equal(logs.at(-1), `Program ${program} failed: custom program error: 0x${code.toString(16)}`);
    const parsed = AnchorError.parse(refused.logs ?? []);
    assert.ok(parsed, 'AnchorError.parse found the error in the logs');
    assert.equal(parsed.error.errorCode.code, 'FillOrKillNotFilled');
    assert.equal(parsed.error.errorCode.number, code);
    assert.equal(parsed.program.toBase58(), program);
  });

  it('applies each self-trade mode', async () => {
    // Alice's own ask rests at 10,000: a bid of hers that would take it…
    const selfBid: OrderArgs = { side: 'bid', orderType: 'immediateOrCancel', priceTicks: 10_000, maxBaseLots: 10 };
    await rejectsWith(place(alice, { ...selfBid, selfTrade: 'abortTransaction' }), 'SelfTradeAborted');
    const decremented = await place(alice, { ...selfBid, selfTrade: 'decrementTake' });
    assert.deepEqual(eventsNamed(decremented, 'orderFilled'), []);
    assert.deepEqual((await levels()).asks, [[10_000, 1_390], [10_100, 1_000]]);
    await crank();
    const cancelled = await place(alice, { ...selfBid, selfTrade: 'cancelProvide' });
    assert.deepEqual(eventsNamed(cancelled, 'orderFilled'), []);
    assert.deepEqual((await levels()).asks, [[10_100, 1_000]]);
    // The maker is the taker's own order: it leaves the book in the same transaction.
    const out = eventsNamed(cancelled, 'orderOut');
    assert.deepEqual(out.map((o) => [o.reason, o.baseLots.toNumber(), o.orderGone]), [[{ selfTrade: {} }, 1_390, true]]);
    await crank();
    // What stays locked is the 10,100 ask's.
    assert.equal((await trader(alice)).balances.lockedBase.toString(), (1_000n * BASE_LOT).toString());
  });

  it('cancels by order id, by client order id, and all at once', async () => {
    const b = await trader(bob);
    const slide = b.openOrders.find((o) => o.clientOrderId.toNumber() === 7);
    assert.ok(slide);
    const byId = await sendForEvents(client, [await client.ix.cancelOrder(bob.publicKey, market, slide.orderId)], [bob]);
    assert.equal(eventsNamed(byId, 'orderCancelled')[0]?.orderId.toString(), slide.orderId.toString());
    const byClient = await sendForEvents(client, [await client.ix.cancelByClientId(alice.publicKey, market, 2)], [alice]);
    assert.equal(eventsNamed(byClient, 'orderCancelled')[0]?.clientOrderId.toNumber(), 2);
    assert.deepEqual(await levels(), { bids: [], asks: [] });

    await sendForEvents(
      client,
      [await client.ix.placeOrders(alice.publicKey, market, [
        { side: 'ask', priceTicks: 11_000, maxBaseLots: 10 },
        { side: 'ask', priceTicks: 11_100, maxBaseLots: 10 },
        { side: 'bid', priceTicks: 9_000, maxBaseLots: 10 },
      ])],
      [alice],
    );
    assert.equal((await trader(alice)).openOrders.length, 3);
    const all = await sendForEvents(client, [await client.ix.cancelAll(alice.publicKey, market)], [alice]);
    assert.equal(eventsNamed(all, 'orderCancelled').length, 3);
    const a = await trader(alice);
    assert.deepEqual(a.openOrders, []);
    assert.equal(a.balances.lockedBase.toString(), '0');
    assert.equal(a.balances.lockedQuote.toString(), '0');
  });

  it('prunes an expired order, and the crank returns its lock', async () => {
    // A few seconds ahead: the order must rest before it expires, even when
    // the machine is busy.
    const expiry = (await chainTime(provider)) + 5;
    await place(alice, { side: 'ask', priceTicks: 12_000, maxBaseLots: 50, expiry });
    assert.deepEqual((await levels()).asks, [[12_000, 50]]);
    while ((await chainTime(provider)) < expiry) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const pruned = await sendForEvents(client, [await client.ix.pruneExpired(provider.wallet.publicKey, market, 'ask', 8)]);
    assert.deepEqual(eventsNamed(pruned, 'orderOut').map((o) => [o.reason, o.baseLots.toNumber()]), [[{ expired: {} }, 50]]);
    assert.deepEqual((await levels()).asks, []);
    // The owner's lock comes back when the crank applies the queued out event.
    assert.equal((await trader(alice)).balances.lockedBase.toString(), (50n * BASE_LOT).toString());
    assert.equal(eventsNamed(await crank(), 'eventsConsumed')[0]?.count, 1);
    assert.equal((await trader(alice)).balances.lockedBase.toString(), '0');
  });

  it('refuses orders and withdrawals over the balance, any order on a paused market, and a foreign trader account', async () => {
    // Over the free balance with no wallet to top up from; then a withdrawal over it.
    await rejectsWith(place(bob, { side: 'bid', priceTicks: 10_000, maxBaseLots: 1_000_000 }), 'TopUpAccountsMissing');
    const free = (await trader(bob)).balances.freeQuote;
    await rejectsWith(client.send([await client.ix.withdraw(bob.publicKey, market, 'quote', free.addn(1))], [bob]), 'InsufficientFunds');

    const authority = provider.wallet.publicKey;
    await client.send([await client.ix.setMarketStatus(authority, market.address, 'paused')]);
    assert.equal((await client.market(market.address)).status, 'paused');
    await rejectsWith(place(alice, { side: 'ask', priceTicks: 10_000, maxBaseLots: 1 }), 'MarketNotActive');
    await client.send([await client.ix.setMarketStatus(authority, market.address, 'active')]);

    const foreign = client.program.methods
      .cancelAll(null, 8)
      .accountsPartial({ owner: bob.publicKey, market: market.address, bids: market.bids, asks: market.asks, trader: pda.traderAccount(market.address, alice.publicKey) })
      .signers([bob])
      .rpc();
    await rejectsWith(foreign, 'WrongTraderAccount');
  });

  it('withdraws every free balance; tokens are conserved across wallets, vaults and fees', async () => {
    for (const owner of [alice, bob]) {
      const t = await trader(owner);
      const withdrawals = [];
      if (!t.balances.freeBase.isZero()) withdrawals.push(await client.ix.withdraw(owner.publicKey, market, 'base', t.balances.freeBase));
      if (!t.balances.freeQuote.isZero()) withdrawals.push(await client.ix.withdraw(owner.publicKey, market, 'quote', t.balances.freeQuote));
      await sendForEvents(client, withdrawals, [owner]);
      const after = await trader(owner);
      assert.ok(after.balances.freeBase.isZero() && after.balances.freeQuote.isZero());
    }
    const baseHeld = (await tokenBalance(provider, alice.publicKey, base)) + (await tokenBalance(provider, bob.publicKey, base));
    assert.equal(baseHeld, 2n * BASE_MINTED);
    market = await client.market(market.address);
    const quoteHeld = (await tokenBalance(provider, alice.publicKey, quote)) + (await tokenBalance(provider, bob.publicKey, quote));
    assert.equal(quoteHeld + BigInt(market.engine.accruedFees.toString()), 2n * QUOTE_MINTED);
  });

  it('sweeps the accrued fees to the fee authority', async () => {
    const feeAuthority = provider.wallet.publicKey;
    const accrued = market.engine.accruedFees;
    assert.ok(accrued.gtn(0));
    const destination = await createFeeAccount();
    const events = await sendForEvents(client, [await client.ix.sweepFees(feeAuthority, market, 'quote', destination)]);
    assert.equal(eventsNamed(events, 'feesSwept')[0]?.amount.toString(), accrued.toString());
    assert.equal((await provider.connection.getTokenAccountBalance(destination)).value.amount, accrued.toString());
    assert.equal((await client.market(market.address)).engine.accruedFees.toString(), '0');
  });

  it('closes the trader accounts, then the market, returning the rent', async () => {
    for (const owner of [alice, bob]) {
      await client.program.methods.closeTraderAccount().accounts({ owner: owner.publicKey, market: market.address }).signers([owner]).rpc();
      assert.equal(await client.trader(market.address, owner.publicKey), null);
    }
    const authority = provider.wallet.publicKey;
    await client.send([await client.ix.setMarketStatus(authority, market.address, 'closed')]);
    const events = await sendForEvents(client, [await client.ix.closeMarket(authority, market)]);
    assert.equal(eventsNamed(events, 'marketClosed').length, 1);
    for (const account of [market.address, market.bids, market.asks, market.eventQueue, market.baseVault, market.quoteVault]) {
      assert.equal(await provider.connection.getAccountInfo(account), null, account.toBase58());
    }
  });

  it('delivered every event of the market live, in sequence, with no gap', async () => {
    // The last transaction's events may still be on their way (a deadline
    // that bounds a hang, not a speed requirement).
    const deadline = Date.now() + 120_000;
    const ofMarket = () => live.filter(({ event }) => event.data.market.equals(market.address));
    while (!ofMarket().some(({ event }) => event.name === 'marketClosed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await unsubscribe();
    const seqs = ofMarket().map(({ event }) => event.data.seq.toNumber());
    assert.ok(seqs.length > 30, `${seqs.length} events`);
    assert.deepEqual(seqs, seqs.map((_, i) => i), 'market sequence numbers from 0, each once, in order');
    assert.equal(ofMarket().at(-1)?.event.name, 'marketClosed');
  });

  async function createFeeAccount(): Promise<PublicKey> {
    const owner = provider.wallet.publicKey;
    const account = pda.associatedTokenAccount(owner, quote.mint, quote.tokenProgram);
    await client.send([createAssociatedTokenAccountIdempotentInstruction(owner, account, owner, quote.mint, quote.tokenProgram)]);
    return account;
  }
});
