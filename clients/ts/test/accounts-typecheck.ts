// Compiled, never run: `program.methods.<ix>(…).accounts({…})` type-checks
// for every instruction with only the accounts the IDL cannot resolve
// (signers, the market, and what the caller chooses: mints, wallets, new
// accounts). Everything else comes from the IDL's PDAs, addresses and
// `has_one` relations. If the IDL loses one, `tsc` fails here.
import type { Program } from '@coral-xyz/anchor';
import type { PublicKey } from '@solana/web3.js';
import BN from 'bn.js';

import { anchorEnum, type Orderbook, placeOrderArgs } from '../src/index.js';

export function everyInstructionResolves(program: Program<Orderbook>, k: Record<'owner' | 'market' | 'mint' | 'wallet' | 'vault' | 'tokenProgram' | 'other', PublicKey>) {
  const m = program.methods;
  const order = placeOrderArgs({ side: 'bid', priceTicks: 1, maxBaseLots: 1 });
  const noTopUp = { mint: null, wallet: null, vault: null, tokenProgram: null };
  const token = { mint: k.mint, wallet: k.wallet, vault: k.vault, tokenProgram: k.tokenProgram };
  return [
    m.createMarket({
      baseLotSize: new BN(1), quoteLotSize: new BN(1), tickSize: new BN(1), takerFeePpm: 0, makerFeePpm: 0,
      crankRewardLamports: new BN(0), authority: k.owner, feeAuthority: k.owner, maxOrdersPerSide: 16, maxQueueEvents: 128,
    }).accounts({
      payer: k.owner, market: k.market, bids: k.other, asks: k.other, eventQueue: k.other,
      baseMint: k.mint, quoteMint: k.other, baseTokenProgram: k.tokenProgram, quoteTokenProgram: k.tokenProgram,
    }),
    m.setMarketStatus(anchorEnum('paused')).accounts({ market: k.market }),
    m.growMarket(anchorEnum('asks'), 1).accounts({ payer: k.owner, market: k.market, grown: k.other }),
    m.openTraderAccount().accounts({ owner: k.owner, market: k.market }),
    m.deposit(new BN(1)).accounts({ owner: k.owner, market: k.market, ...token }),
    m.withdraw(new BN(1)).accounts({ owner: k.owner, market: k.market, ...token }),
    m.placeOrder(order).accounts({ owner: k.owner, market: k.market, ...noTopUp }),
    m.placeOrders([order]).accounts({ owner: k.owner, market: k.market, ...noTopUp }),
    m.cancelAllAndPlace([order]).accounts({ owner: k.owner, market: k.market, ...noTopUp }),
    m.cancelOrder(new BN(1)).accounts({ owner: k.owner, market: k.market }),
    m.cancelByClientId(new BN(1)).accounts({ owner: k.owner, market: k.market }),
    m.cancelAll(null, 1).accounts({ owner: k.owner, market: k.market }),
    m.consumeEvents(1).accounts({ cranker: k.owner, market: k.market }),
    m.pruneExpired(anchorEnum('ask'), 1).accounts({ pruner: k.owner, market: k.market }),
    m.sweepFees().accounts({ market: k.market, mint: k.mint, vault: k.vault, destination: k.wallet, tokenProgram: k.tokenProgram }),
    m.settleTrader().accounts({
      closer: k.owner, owner: k.owner, market: k.market,
      baseMint: null, baseVault: null, baseDestination: null, baseTokenProgram: null,
      quoteMint: k.mint, quoteVault: k.vault, quoteDestination: k.wallet, quoteTokenProgram: k.tokenProgram,
    }),
    m.closeTraderAccount().accounts({ owner: k.owner, market: k.market }),
    m.closeMarket().accounts({ market: k.market, batch: null }),
    m.enableBatchMode({
      commitSlots: 2, graceSlots: 4, revealSlots: 8, bondLamports: new BN(1), commitFeeLamports: new BN(1), entriesPerBatch: 16, entriesPerTrader: 4, beaconChainHash: Array.from(new Uint8Array(32)),
    }).accounts({ market: k.market, batch: k.other }),
    m.commitOrder(new BN(0), Array.from(new Uint8Array(32))).accounts({ owner: k.owner, market: k.market }),
    m.commitEncryptedOrder(new BN(0), Array.from(new Uint8Array(32)), Buffer.from([1])).accounts({ owner: k.owner, market: k.market }),
    m.revealOrder(0, order, Array.from(new Uint8Array(32))).accounts({ revealer: k.owner }),
    m.clearBatch().accounts({ clearer: k.owner, market: k.market }),
    m.sweepForfeits().accounts({ market: k.market, destination: k.other }),
    m.queuePostOnly(order).accounts({ owner: k.owner, market: k.market }),
    m.queueCancel(new BN(1)).accounts({ owner: k.owner, market: k.market }),
  ];
}
