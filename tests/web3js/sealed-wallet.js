// A wallet trading on the sealed batch market (docs/batch-auction.md) with
// nothing but @solana/web3.js and Node's own SHA-256: it hashes its order
// itself (the server never sees it before the reveal), asks the feed for
// the unsigned commit, finds its batch account entry on chain, waits for
// the reveal window, reveals, and sees its bid filled at the batch's one
// price. It brings its own liquidity: a second wallet queues a post-only
// ask first (the demo's makers requote every batch, and a batch may clear
// between a maker's cancels and its new ladder with no ask left). It
// prints how long that took from commit to fill: the mode's latency
// (about commit + grace + reveal windows, plus the crank).
// scripts/test.sh runs it against scripts/run.sh; run it yourself with
// `npm run sealed-wallet` while run.sh runs.
//
// Environment: ORDERBOOK_RPC_URL (http://127.0.0.1:8899), ORDERBOOK_FEED_URL
// (http://127.0.0.1:8080), ORDERBOOK_MINT_AUTHORITY (the demo's
// mint-authority.json) and ORDERBOOK_BATCH_MARKET (the batch market's
// address; by default read from the batch-market file beside it).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

import { getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';

import { feed, until } from './feed.js';
import { confirm } from './test/node.js';

const rpcUrl = process.env.ORDERBOOK_RPC_URL ?? 'http://127.0.0.1:8899';
const feedUrl = process.env.ORDERBOOK_FEED_URL ?? 'http://127.0.0.1:8080';
const stateDir = path.join(process.env.XDG_DATA_HOME ?? path.join(homedir(), '.local/share'), 'orderbook-local');
const mintAuthorityPath = process.env.ORDERBOOK_MINT_AUTHORITY ?? path.join(stateDir, 'mint-authority.json');
const market =
  process.env.ORDERBOOK_BATCH_MARKET ?? readFileSync(path.join(path.dirname(mintAuthorityPath), 'batch-market'), 'utf8').trim();
/** The program's interface: the commitment's domain and the enums' variant order. */
const idl = JSON.parse(readFileSync(new URL('../../idl/orderbook.json', import.meta.url), 'utf8'));
const QUOTE_UNITS = 1_000_000_000n;
const U64_MAX = (1n << 64n) - 1n;
/** Ticks above the best ask the wallet's own maker asks: above the demo takers' limits (mid + 3), so the ask waits for the sealed bid. */
const MAKER_ABOVE_TICKS = 20n;
/** Lots the maker asks; the sealed bid takes one. */
const MAKER_LOTS = 5n;
/** Attempts at a commit whose batch's window closed before it landed (each is refused, bond untouched). */
const COMMIT_ATTEMPTS = 8;

/** The program's BatchWindow error, as a failed send or confirmation reports it. */
const BATCH_WINDOW = idl.errors.find((e) => e.name === 'BatchWindow').code;
const windowClosed = (error) =>
  new RegExp(`BatchWindow|"Custom":${BATCH_WINDOW}\\b|0x${BATCH_WINDOW.toString(16)}\\b`).test(`${error} ${error.logs ?? ''}`);

const connection = new Connection(rpcUrl, 'confirmed');
const { api, signAndSend } = feed(feedUrl, connection);
const step = (text) => console.log(`sealed wallet: ${text}`);

const constant = (name) => idl.constants.find((c) => c.name === name).value;
const variant = (type, name) => idl.types.find((t) => t.name === type).type.variants.findIndex((v) => v.name === name);
const u64le = (value) => {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(value));
  return out;
};

/** The commitment the program checks at the reveal: SHA-256 of the engine's preimage. */
function commitment(owner, batch, order, salt) {
  const domain = Buffer.from(JSON.parse(constant('COMMITMENT_DOMAIN')));
  const preimage = Buffer.concat([
    domain,
    new PublicKey(market).toBuffer(),
    owner.toBuffer(),
    u64le(batch),
    Buffer.from([variant('Side', order.side), variant('OrderType', order.type), variant('SelfTradeMode', 'DecrementTake')]),
    u64le(order.price),
    u64le(order.baseLots),
    u64le(U64_MAX), // no quote budget
    u64le(order.clientOrderId),
    u64le(0), // no expiry
    salt,
  ]);
  return createHash('sha256').update(preimage).digest();
}

/** The batch account entry awaiting the reveal of `hash` (128-byte header and entries after the discriminator). */
async function committedEntry(batchAccount, hash) {
  const { data } = await connection.getAccountInfo(new PublicKey(batchAccount), 'confirmed');
  const [header, entry] = [constant('BATCH_HEADER_BYTES'), constant('BATCH_ENTRY_BYTES')].map(Number);
  for (let at = 8 + header, i = 0; at + entry <= data.length; at += entry, i++) {
    if (data[at + 44] === 1 && data.subarray(at + 8, at + 40).equals(hash)) return i;
  }
  throw new Error('the commitment is not in the batch account');
}

async function main() {
  step(`market ${market}`);
  const { clock } = await api('GET', `/api/markets/${market}/auction`);
  if (!clock) throw new Error(`${market} is not a sealed batch market`);
  const [start, commitSlots, graceSlots, revealSlots] = [clock.start_slot, clock.commit_slots, clock.grace_slots, clock.reveal_slots].map(BigInt);
  const revealOpens = (k) => start + k * commitSlots + commitSlots + graceSlots;
  const row = (await api('GET', '/api/markets')).markets.find((m) => m.market === market);

  const mintAuthority = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(mintAuthorityPath, 'utf8'))));
  /** A new wallet holding `atoms` of `mint`, deposited to the market. */
  async function depositor(mint, token, atoms) {
    const wallet = Keypair.generate();
    await confirm(connection, await connection.requestAirdrop(wallet.publicKey, LAMPORTS_PER_SOL));
    const tokenProgram = (await connection.getAccountInfo(mint)).owner;
    const account = await getOrCreateAssociatedTokenAccount(connection, wallet, mint, wallet.publicKey, false, 'confirmed', undefined, tokenProgram);
    await mintTo(connection, wallet, mint, account.address, mintAuthority, atoms, [], undefined, tokenProgram);
    await signAndSend('/api/tx/deposit', { market, owner: wallet.publicKey.toBase58(), token, amount: String(atoms) }, wallet);
    step(`${wallet.publicKey.toBase58()} deposited ${atoms} ${token} atoms`);
    return wallet;
  }

  // The wallet's own maker queues a post-only ask above the book and waits
  // until it rests (applied at its batch's clear).
  const depth = await until('a quote on the book', async () => {
    const d = await api('GET', `/api/markets/${market}/depth?levels=1`);
    return (d.asks.length > 0 || d.bids.length > 0) && d;
  });
  const askPrice = (depth.asks.length > 0 ? BigInt(depth.asks[0].price) : BigInt(depth.bids[0].price) + 1n) + MAKER_ABOVE_TICKS;
  const maker = await depositor(new PublicKey(row.base_mint), 'base', MAKER_LOTS * BigInt(row.base_lot_size));
  const makerOwner = maker.publicKey.toBase58();
  await signAndSend('/api/tx/place', { market, owner: makerOwner, side: 'ask', order_type: 'post_only', price: String(askPrice), base_lots: String(MAKER_LOTS) }, maker);
  await until('the maker\'s ask resting', async () => (await api('GET', `/api/markets/${market}/traders/${makerOwner}/orders`)).orders.length > 0);
  step(`a maker's ask of ${MAKER_LOTS} lots rests at ${askPrice}`);

  // A sealed IOC bid for one lot at the maker's price: every fill is at
  // the batch's one price, which is at most the bid's limit.
  const wallet = await depositor(new PublicKey(row.quote_mint), 'quote', QUOTE_UNITS);
  const owner = wallet.publicKey;
  const order = { side: 'Bid', type: 'ImmediateOrCancel', price: askPrice, baseLots: 1n, clientOrderId: 42n };
  const salt = randomBytes(32);
  const started = Date.now();
  let batch;
  let hash;
  for (let attempt = 1; ; attempt++) {
    batch = (BigInt(await connection.getSlot('confirmed')) - start) / commitSlots;
    hash = commitment(owner, batch, order, salt);
    try {
      await signAndSend('/api/tx/commit', { market, owner: owner.toBase58(), batch: String(batch), commitment: hash.toString('hex') }, wallet);
      break;
    } catch (error) {
      // BatchWindow: the batch's commit window closed first; hash for the next.
      if (attempt === COMMIT_ATTEMPTS || !windowClosed(error)) throw error;
    }
  }
  const entry = await committedEntry(clock.batch_account, hash);
  step(`committed to batch ${batch} (entry ${entry}): the chain shows only the hash`);

  await until('the reveal window', async () => BigInt(await connection.getSlot('confirmed')) >= revealOpens(batch));
  const sealed = { side: 'bid', order_type: 'ioc', price: String(order.price), base_lots: '1', client_order_id: '42' };
  await signAndSend('/api/tx/reveal', { market, owner: owner.toBase58(), entry, order: sealed, salt: salt.toString('hex') }, wallet);
  step(`revealed in batch ${batch}'s window (${revealSlots} slots)`);

  const revealed = Date.now();
  const clear = await until('the batch cleared', async () => (await api('GET', `/api/markets/${market}/auction`)).cleared.find((c) => c.batch === Number(batch)));
  step(`batch ${batch} cleared at ${clear.price} (volume ${clear.volume_base_lots} lots), ${Date.now() - revealed} ms after the reveal`);
  const balances = await until('the fill settled', async () => {
    const b = await api('GET', `/api/markets/${market}/traders/${owner.toBase58()}/balances`).catch(() => null);
    return b && BigInt(b.base_free) > 0n && b;
  });
  if (clear.price === null || BigInt(clear.price) > order.price) throw new Error(`cleared at ${clear.price}, above the bid's ${order.price}`);
  step(`filled ${balances.base_free} base atoms at the batch price ${clear.price} (bid ${order.price}); commit → fill ${Date.now() - started} ms`);
}

// Exit explicitly: web3.js keeps its PubSub socket (used by confirmTransaction) open.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(`sealed wallet: ${error.stack ?? error}`);
    process.exit(1);
  },
);
