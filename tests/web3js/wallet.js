// A wallet's round trip through the local exchange with nothing but
// @solana/web3.js and @solana/spl-token: the node's JSON-RPC for SOL, tokens
// and sending, the feed's REST API for unsigned order transactions and for
// reading the indexed orders back. scripts/test.sh runs it against
// scripts/run.sh; run it yourself with `npm run wallet` while run.sh runs.
//
// Environment: ORDERBOOK_RPC_URL (http://127.0.0.1:8899), ORDERBOOK_FEED_URL
// (http://127.0.0.1:8080), ORDERBOOK_MINT_AUTHORITY (the demo's
// mint-authority.json under ~/.local/share/orderbook-local), ORDERBOOK_MARKET
// (default: the first market the feed lists).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

import { getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';

import { feed, until } from './feed.js';
import { confirm } from './test/node.js';

const rpcUrl = process.env.ORDERBOOK_RPC_URL ?? 'http://127.0.0.1:8899';
const feedUrl = process.env.ORDERBOOK_FEED_URL ?? 'http://127.0.0.1:8080';
const mintAuthorityPath =
  process.env.ORDERBOOK_MINT_AUTHORITY ??
  path.join(process.env.XDG_DATA_HOME ?? path.join(homedir(), '.local/share'), 'orderbook-local/mint-authority.json');
/** Quote tokens (raw units) the wallet mints itself and deposits. */
const QUOTE_UNITS = 1_000_000_000n;

const connection = new Connection(rpcUrl, 'confirmed');
const { api, signAndSend } = feed(feedUrl, connection);
const step = (text) => console.log(`wallet: ${text}`);

async function main() {
  const { markets } = await api('GET', '/api/markets');
  if (markets.length === 0) throw new Error(`no market indexed at ${feedUrl}`);
  const row = markets.find((m) => m.market === process.env.ORDERBOOK_MARKET) ?? markets[0];
  const { market } = row;
  const quoteMint = new PublicKey(row.quote_mint);
  step(`market ${market}`);

  const wallet = Keypair.generate();
  const owner = wallet.publicKey.toBase58();
  await confirm(connection, await connection.requestAirdrop(wallet.publicKey, LAMPORTS_PER_SOL));
  const mintAuthority = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(mintAuthorityPath, 'utf8'))));
  // The quote mint may belong to SPL Token or Token-2022: the mint account's owner says which.
  const tokenProgram = (await connection.getAccountInfo(quoteMint)).owner;
  const quoteAccount = await getOrCreateAssociatedTokenAccount(
    connection, wallet, quoteMint, wallet.publicKey, false, 'confirmed', undefined, tokenProgram,
  );
  await mintTo(connection, wallet, quoteMint, quoteAccount.address, mintAuthority, QUOTE_UNITS, [], undefined, tokenProgram);
  step(`${owner} holds 1 SOL and ${QUOTE_UNITS} quote units`);

  await signAndSend('/api/tx/deposit', { market, owner, token: 'quote', amount: String(QUOTE_UNITS) }, wallet);
  step('deposited');
  // One tick: far below any ask, so the bid rests.
  await signAndSend('/api/tx/place', { market, owner, side: 'bid', order_type: 'post_only', price: 1, base_lots: 1 }, wallet);
  const ordersRoute = `/api/markets/${market}/traders/${owner}/orders`;
  const [order] = await until('the placed order in the indexer', async () => {
    const { orders } = await api('GET', ordersRoute);
    return orders.length > 0 && orders;
  });
  if (order.side !== 'bid' || order.price !== '1' || order.open_base_lots !== '1') {
    throw new Error(`indexed order differs from the one placed: ${JSON.stringify(order)}`);
  }
  step(`order ${order.order_id} resting, as indexed by the feed`);

  await signAndSend('/api/tx/cancel', { market, owner, order_id: order.order_id }, wallet);
  await until('the cancel in the indexer', async () => (await api('GET', ordersRoute)).orders.length === 0);
  step('cancelled');

  await signAndSend('/api/tx/withdraw', { market, owner, token: 'quote', amount: String(QUOTE_UNITS) }, wallet);
  const { amount } = (await connection.getTokenAccountBalance(quoteAccount.address)).value;
  if (BigInt(amount) !== QUOTE_UNITS) throw new Error(`withdrew to ${amount} quote units, expected ${QUOTE_UNITS}`);
  step('withdrawn: the wallet holds all its quote tokens again');
}

// Exit explicitly: web3.js keeps its PubSub socket (used by confirmTransaction) open.
main().then(
  () => process.exit(0),
  (error) => {
    console.error(`wallet: ${error.stack ?? error}`);
    process.exit(1);
  },
);
