//! The keeper against `orderbook-node` over RPC (the program run natively).

use std::sync::Arc;

use anchor_lang::solana_program::system_instruction;
use orderbook::instructions::{CreateMarketArgs, PlaceOrderArgs};
use orderbook::types::{OrderType, Side};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::accounts as decode;
use orderbook_engine::{EventKind, QueueEvent, TraderState};
use orderbook_keeper::config::GrowthPolicy;
use orderbook_keeper::{
    ClearAfter, Keeper, KeeperConfig, MAX_MAKER_ACCOUNTS, MAX_MAKER_ACCOUNTS_WITH_CLEAR, batch,
    crank_ixs,
};
use orderbook_test_support::node::LocalNode;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// `scenario::standard_market_args`' crank reward.
const REWARD: u64 = 5_000;

fn ask(price: u64, lots: u64) -> PlaceOrderArgs {
    PlaceOrderArgs {
        match_limit: 1,
        ..PlaceOrderArgs::new(Side::Ask, OrderType::Limit, price, lots)
    }
}

struct World {
    _node: LocalNode,
    chain: Arc<RpcChain>,
    payer: Keypair,
    m: MarketSetup,
    makers: Vec<TraderSetup>,
    /// The queue right after the trades (what the crank must apply).
    queued: Vec<QueueEvent>,
}

/// `makers` makers with `per_maker` asks each, all taken by one taker.
async fn world(makers: usize, per_maker: u64) -> World {
    let node = LocalNode::start().await.expect("a node");
    let chain = Arc::new(node.chain());
    let payer = node.funded(1_000).await.expect("faucet");
    let args = scenario::standard_market_args(payer.pubkey());
    let m = scenario::create_market(chain.as_ref(), &payer, args, 512, 1024)
        .await
        .expect("market");
    let mut ms = Vec::new();
    for i in 0..makers {
        let t = scenario::trader(chain.as_ref(), &payer, &m, Funding::seller(100_000_000))
            .await
            .expect("maker");
        let orders: Vec<_> = (0..per_maker)
            .map(|j| ask(100 + (i as u64 * per_maker + j) % 50, 10))
            .collect();
        scenario::place_all(chain.as_ref(), &payer, &m, &t, &orders)
            .await
            .expect("asks");
        ms.push(t);
    }
    let taker = scenario::trader(
        chain.as_ref(),
        &payer,
        &m,
        Funding {
            lamports: 10_000_000_000,
            base_atoms: 0,
            quote_atoms: 10_000_000_000,
            deposit_pct: 100,
        },
    )
    .await
    .expect("taker");
    let total = makers as u64 * per_maker;
    scenario::take_asks(chain.as_ref(), &payer, &m, &taker, total, 10, 200)
        .await
        .expect("sweep");
    let queued = queue(&chain, &m.keys.event_queue).await;
    assert_eq!(queued.len() as u64, total);
    World {
        _node: node,
        chain,
        payer,
        m,
        makers: ms,
        queued,
    }
}

impl World {
    async fn keeper(&self, cfg: KeeperConfig) -> Keeper<RpcChain> {
        funded_keeper(&self.chain, &self.payer, cfg).await
    }

    async fn queue_len(&self) -> usize {
        queue(&self.chain, &self.m.keys.event_queue).await.len()
    }

    async fn maker_states(&self) -> Vec<TraderState> {
        let mut out = Vec::new();
        for t in &self.makers {
            out.push(
                *decode::trader(&self.chain.account(&t.account).await.unwrap().unwrap().data)
                    .unwrap()
                    .state(),
            );
        }
        out
    }

    /// Each maker's state after the queued fills are applied: all its asks
    /// filled, so its base lock is gone and it holds quote = Σ(quote − fee).
    fn expected(&self) -> Vec<(u64, u64, u32)> {
        self.makers
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let id = i as u32 + 1;
                let quote: i64 = self
                    .queued
                    .iter()
                    .filter(|e| e.maker_trader_id == id && e.kind() == Ok(EventKind::Fill))
                    .map(|e| e.quote.get() as i64 - e.maker_fee)
                    .sum();
                (0, quote as u64, 0)
            })
            .collect()
    }
}

fn summary(states: &[TraderState]) -> Vec<(u64, u64, u32)> {
    states
        .iter()
        .map(|s| {
            (
                s.balances.locked_base.get(),
                s.balances.free_quote.get(),
                s.open_orders,
            )
        })
        .collect()
}

async fn drain(k: &mut Keeper<RpcChain>) -> (u32, u32) {
    let (mut txs, mut events) = (0, 0);
    for _ in 0..64 {
        let s = k.pass().await.expect("pass");
        txs += s.transactions;
        events += s.events;
        if s.remaining == 0 {
            break;
        }
    }
    (txs, events)
}

#[tokio::test]
async fn keeper_drains_the_queue_and_makers_match_their_fills() {
    let w = world(30, 4).await; // 120 events from 30 makers
    assert!(
        summary(&w.maker_states().await).iter().all(|s| s.1 == 0),
        "makers unpaid before the crank"
    );
    let mut k = w.keeper(KeeperConfig::default()).await;
    let start = w.chain.account(&k.payer()).await.unwrap().unwrap().lamports;
    let (txs, events) = drain(&mut k).await;
    assert_eq!(w.queue_len().await, 0);
    assert_eq!(events, 120);
    assert!(
        txs <= 120 / 16 + 2,
        "{txs} transactions for 120 events: fewer than 16 per transaction"
    );
    assert_eq!(summary(&w.maker_states().await), w.expected());
    // Rewards (5,000 per event) minus the 5,000-lamport signature fee per transaction.
    let end = w.chain.account(&k.payer()).await.unwrap().unwrap().lamports;
    assert_eq!(end, start + 120 * REWARD - u64::from(txs) * 5_000);
    assert_eq!(
        k.metrics
            .events_consumed
            .with_label_values(&[&w.m.keys.market.to_string()])
            .get(),
        120
    );
    assert!(
        k.metrics
            .render()
            .contains("orderbook_keeper_reward_lamports_total")
    );
}

#[tokio::test]
async fn two_keepers_at_once_leave_the_same_state_as_one() {
    let one = world(20, 4).await;
    let mut k = one.keeper(KeeperConfig::default()).await;
    drain(&mut k).await;

    let two = world(20, 4).await;
    let cfg = KeeperConfig {
        max_events_per_tx: 8,
        ..KeeperConfig::default()
    };
    let (mut a, mut b) = (two.keeper(cfg.clone()).await, two.keeper(cfg).await);
    let (ra, rb) = tokio::join!(drain(&mut a), drain(&mut b));
    assert_eq!(two.queue_len().await, 0);
    assert_eq!(
        ra.1 + rb.1,
        80,
        "every event applied exactly once across both keepers"
    );
    assert_eq!(
        summary(&two.maker_states().await),
        summary(&one.maker_states().await)
    );
    assert_eq!(summary(&two.maker_states().await), two.expected());
}

#[tokio::test]
async fn a_keeper_killed_mid_run_is_finished_by_a_new_one() {
    let w = world(10, 4).await;
    {
        let mut first = w
            .keeper(KeeperConfig {
                max_events_per_tx: 6,
                max_txs_per_market: 1,
                ..KeeperConfig::default()
            })
            .await;
        let s = first.pass().await.unwrap();
        assert_eq!((s.transactions, s.events), (1, 6));
        // Dropped here: killed between transactions.
    }
    assert_eq!(w.queue_len().await, 34);
    let mut second = w.keeper(KeeperConfig::default()).await;
    drain(&mut second).await;
    assert_eq!(w.queue_len().await, 0);
    assert_eq!(summary(&w.maker_states().await), w.expected());
}

#[tokio::test]
async fn discovery_finds_markets_and_an_empty_queue_costs_nothing() {
    let w = world(2, 1).await;
    let mut k = w.keeper(KeeperConfig::default()).await;
    assert_eq!(k.markets().await.unwrap(), vec![w.m.keys.market]);
    drain(&mut k).await;
    let before = w.chain.transaction_count().await.unwrap();
    let s = k.pass().await.unwrap();
    assert_eq!((s.transactions, s.remaining), (0, 0));
    assert_eq!(
        w.chain.transaction_count().await.unwrap(),
        before,
        "no transaction for an empty queue"
    );
}

/// The serialized size of a crank of 64 events from `makers` makers, with
/// a clear after it or not, at the highest nonce.
fn crank_tx_size(makers: usize, clear: bool) -> u64 {
    let payer = Keypair::new();
    let key = || Keypair::new().pubkey();
    let makers: Vec<_> = (0..makers).map(|_| key()).collect();
    let keys = orderbook_client::ix::MarketKeys {
        market: key(),
        bids: key(),
        asks: key(),
        event_queue: key(),
        base_mint: key(),
        quote_mint: key(),
        base_vault: key(),
        quote_vault: key(),
        base_token_program: key(),
        quote_token_program: key(),
    };
    let batch_account = key();
    let clear = clear.then_some(ClearAfter {
        keys: &keys,
        batch: &batch_account,
    });
    let ixs = crank_ixs(
        &KeeperConfig::default(),
        &payer.pubkey(),
        &keys.market,
        &keys.event_queue,
        &makers,
        64,
        clear,
        1_000,
        1_023,
    );
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &ixs,
        Some(&payer.pubkey()),
        &[&payer],
        Default::default(),
    );
    bincode::serialized_size(&tx).unwrap()
}

#[test]
fn a_crank_with_the_most_makers_fits_one_packet_with_or_without_a_clear() {
    let size = crank_tx_size(MAX_MAKER_ACCOUNTS, false);
    assert!(size <= 1232, "{size} bytes");
    let size = crank_tx_size(MAX_MAKER_ACCOUNTS_WITH_CLEAR, true);
    assert!(size <= 1232, "with a clear: {size} bytes");
    // The bound is needed: the crank's own bound and a clear do not fit.
    assert!(crank_tx_size(MAX_MAKER_ACCOUNTS, true) > 1232);
}

#[test]
fn batches_respect_the_event_and_maker_bounds() {
    let ev = |id: u32| QueueEvent {
        maker_trader_id: id,
        ..QueueEvent::default()
    };
    let events: Vec<_> = (0..100).map(|i| ev(i % 40)).collect();
    let (n, makers) = batch(&events, 64, MAX_MAKER_ACCOUNTS);
    assert_eq!((n, makers.len()), (MAX_MAKER_ACCOUNTS, MAX_MAKER_ACCOUNTS));
    let same: Vec<_> = (0..100).map(|_| ev(7)).collect();
    assert_eq!(batch(&same, 40, MAX_MAKER_ACCOUNTS), (40, vec![7]));
    let (_, fewer) = batch(&events, 64, MAX_MAKER_ACCOUNTS_WITH_CLEAR);
    assert_eq!(fewer.len(), MAX_MAKER_ACCOUNTS_WITH_CLEAR);
}

/// A sealed batch market (issue 25) with a maker and a taker: windows long
/// enough (in 50 ms test slots) for a transaction to land inside them on a
/// loaded machine.
#[tokio::test]
async fn keeper_clears_a_sealed_batch_once_revealed_and_cranks_its_settlement() {
    use orderbook_test_support::STATE_DEADLINE;
    use std::time::Duration;

    // The maker's ask rests at its batch's clear; the taker's sealed bid,
    // committed after it, trades against it at the clear of its own batch.
    let w = batch_market([0; 32]).await;
    let (chain, payer, m, batch, taker) = (&w.chain, &w.payer, &w.m, w.batch, &w.taker);
    let c = chain.as_ref();
    let bid = PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 105, 4);
    let salt = [9; 32];
    let committed = scenario::commit_sealed(c, payer, m, &batch, taker, &bid, &salt)
        .await
        .expect("commit");
    let schedule = scenario::batches(c, &batch)
        .await
        .unwrap()
        .schedule()
        .unwrap();
    let poll = Duration::from_millis(50);
    tokio::time::timeout(STATE_DEADLINE, async {
        scenario::until_slot(c, schedule.reveal_opens(committed.batch).unwrap(), poll).await
    })
    .await
    .expect("the reveal window opens")
    .unwrap();
    // Anyone may reveal: here the payer, not the taker.
    scenario::reveal_sealed(c, payer, m, &batch, taker, committed, bid, salt)
        .await
        .expect("reveal");

    let cfg = KeeperConfig {
        poll: Duration::from_millis(50),
        ..KeeperConfig::default()
    };
    let mut k = funded_keeper(chain, payer, cfg).await;
    let taker_state = || async {
        *decode::trader(&chain.account(&taker.account).await.unwrap().unwrap().data)
            .unwrap()
            .state()
    };
    tokio::time::timeout(STATE_DEADLINE, async {
        loop {
            k.pass().await.expect("pass");
            let queue_empty = queue(chain, &m.keys.event_queue).await.is_empty();
            if taker_state().await.balances.free_base.get() > 0 && queue_empty {
                break;
            }
            tokio::time::sleep(poll).await;
        }
    })
    .await
    .expect("the keeper clears the batch and cranks its settlement");
    let state = taker_state().await;
    assert_eq!(
        state.balances.free_base.get(),
        4 * 1_000,
        "4 lots at 1,000 atoms"
    );
    assert_eq!(
        state.balances.locked_quote.get(),
        0,
        "the IOC's lock is released"
    );
    let batches = scenario::batches(c, &batch).await.unwrap();
    assert!(
        batches.header.next_clear > committed.batch,
        "its batch is cleared"
    );
    assert_eq!(
        batches.header.last_price.get(),
        100,
        "at the resting ask's price"
    );
    let asks = decode::book(&chain.account(&m.keys.asks).await.unwrap().unwrap().data).unwrap();
    assert_eq!(
        asks.orders.iter().map(|o| o.base_lots).collect::<Vec<_>>(),
        vec![6],
        "the ask's remainder rests"
    );
}

/// The events queued in `event_queue`, oldest first.
/// A market created at the smallest capacity fills past it without
/// `BookFull`: the keeper grows its side each time it passes 75%, up to the
/// market's maximum, and says so in its metrics. Each step is checked on
/// the chain's state after a pass, not on time.
#[tokio::test]
async fn the_keeper_grows_a_small_market_before_its_side_fills() {
    let node = LocalNode::start().await.expect("a node");
    let chain = Arc::new(node.chain());
    let payer = node.funded(1_000).await.expect("faucet");
    let args = CreateMarketArgs {
        max_orders_per_side: 40,
        ..scenario::standard_market_args(payer.pubkey())
    };
    let m = scenario::create_market(chain.as_ref(), &payer, args, 16, 128)
        .await
        .expect("a market of 16 per side");
    let market = m.keys.market;
    let maker = scenario::trader(chain.as_ref(), &payer, &m, Funding::seller(100_000_000))
        .await
        .expect("maker");
    let cfg = KeeperConfig {
        markets: vec![market],
        growth: GrowthPolicy {
            markets: vec![market],
            step: 8,
            ..GrowthPolicy::default()
        },
        ..KeeperConfig::default()
    };
    let mut keeper = funded_keeper(&chain, &payer, cfg).await;
    let asks = || async {
        decode::book_fill(&chain.account(&m.keys.asks).await.unwrap().unwrap().data).unwrap()
    };
    // Asks at rising prices, so a full side refuses each new one (it beats no
    // resting order): 4 at a time, a keeper pass after each batch.
    let mut capacities = Vec::new();
    for batch in 0..8u64 {
        let orders: Vec<_> = (0..4).map(|j| ask(100 + batch * 4 + j, 1)).collect();
        scenario::place_all(chain.as_ref(), &payer, &m, &maker, &orders)
            .await
            .unwrap_or_else(|e| panic!("batch {batch} refused: {e}"));
        keeper.pass().await.expect("a pass");
        capacities.push(asks().await.1);
    }
    // 16 grows at 12 orders, 24 at 20, 32 at 24; 40 is the market's maximum.
    assert_eq!(capacities, [16, 16, 24, 24, 32, 40, 40, 40]);
    assert_eq!(asks().await, (32, 40));
    let metrics = keeper.metrics.render();
    for line in [
        format!("orderbook_market_capacity{{market=\"{market}\",part=\"asks\"}} 40"),
        format!("orderbook_market_capacity{{market=\"{market}\",part=\"bids\"}} 16"),
        format!("orderbook_market_fill_ratio{{market=\"{market}\",part=\"asks\"}} 0.8"),
        format!(
            "orderbook_keeper_growths_total{{market=\"{market}\",part=\"asks\",result=\"ok\"}} 3"
        ),
        format!(
            "orderbook_keeper_growths_total{{market=\"{market}\",part=\"asks\",result=\"at_maximum\"}} 1"
        ),
    ] {
        assert!(metrics.contains(&line), "no {line} in\n{metrics}");
    }
}

async fn queue(chain: &RpcChain, event_queue: &anchor_lang::prelude::Pubkey) -> Vec<QueueEvent> {
    let account = chain
        .account(event_queue)
        .await
        .unwrap()
        .expect("the queue");
    decode::event_queue(&account.data).unwrap()
}

/// A keeper funded by `payer`, paying no priority fee.
async fn funded_keeper(
    chain: &Arc<RpcChain>,
    payer: &Keypair,
    cfg: KeeperConfig,
) -> Keeper<RpcChain> {
    let kp = Keypair::new();
    scenario::send(
        chain.as_ref(),
        payer,
        &[system_instruction::transfer(
            &payer.pubkey(),
            &kp.pubkey(),
            1_000_000_000,
        )],
        &[],
    )
    .await
    .expect("fund keeper");
    Keeper::new(
        chain.clone(),
        kp,
        KeeperConfig {
            priority_fee_percentile: 0,
            ..cfg
        },
    )
}

/// A batch market (20-slot commits, no grace, 100-slot reveals) naming a
/// beacon's chain hash (or none: zeros), a maker's ask of 10 lots at 100
/// queued, and a taker.
struct BatchMarket {
    _node: LocalNode,
    chain: Arc<RpcChain>,
    payer: Keypair,
    m: MarketSetup,
    batch: anchor_lang::prelude::Pubkey,
    taker: TraderSetup,
}

/// A local beacon of 1 s rounds, its genesis long past.
fn local_beacon() -> Arc<orderbook_beacon::Beacon> {
    use orderbook_beacon::{Beacon, Clock, SecretKey};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let clock = Clock {
        genesis_time: now - 100,
        period_secs: 1,
    };
    Arc::new(Beacon::new(SecretKey::generate(), clock, "test"))
}

/// Serve `router` on a free loopback port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router).into_future());
    url
}

async fn batch_market(beacon_chain_hash: [u8; 32]) -> BatchMarket {
    let node = LocalNode::start().await.expect("a node");
    let chain = Arc::new(node.chain());
    let payer = node.funded(1_000).await.expect("faucet");
    let c = chain.as_ref();
    let m = scenario::create_market(
        c,
        &payer,
        scenario::standard_market_args(payer.pubkey()),
        64,
        256,
    )
    .await
    .expect("market");
    let args = orderbook::instructions::BatchModeArgs {
        commit_slots: 20,
        grace_slots: 0,
        reveal_slots: 100,
        beacon_chain_hash,
        // Not the crank rewards a clear pre-pays: the keeper's net metric
        // must count both.
        commit_fee_lamports: 30_000,
        ..scenario::standard_batch_args()
    };
    let batch = scenario::enable_batch_mode(c, &payer, &m, args)
        .await
        .expect("batch mode");
    let maker = scenario::trader(c, &payer, &m, Funding::seller(100_000_000))
        .await
        .expect("maker");
    let taker = scenario::trader(c, &payer, &m, Funding::buyer(100_000_000))
        .await
        .expect("taker");
    let ask = PlaceOrderArgs::new(Side::Ask, OrderType::PostOnly, 100, 10);
    let post =
        orderbook_client::ix::queue_post_only(&maker.owner.pubkey(), &m.keys.market, &batch, ask);
    scenario::send(c, &payer, &[post], &[&maker.owner])
        .await
        .expect("queue the ask");
    BatchMarket {
        _node: node,
        chain,
        payer,
        m,
        batch,
        taker,
    }
}

impl BatchMarket {
    /// `trader` commits `payload`'s commitment with `ciphertext`: the batch committed to.
    async fn commit(
        &self,
        trader: &TraderSetup,
        payload: &orderbook_client::sealed::RevealPayload,
        ciphertext: Vec<u8>,
    ) -> u64 {
        let c = self.chain.as_ref();
        scenario::commit_encrypted(
            c,
            &self.payer,
            &self.m,
            &self.batch,
            trader,
            &payload.order,
            &payload.salt,
            ciphertext,
        )
        .await
        .expect("encrypted commit")
        .batch
    }

    async fn lamports(&self, key: &anchor_lang::prelude::Pubkey) -> i64 {
        let account = self.chain.account(key).await.unwrap();
        account.map_or(0, |a| a.lamports as i64)
    }

    async fn state_of(&self, t: &TraderSetup) -> TraderState {
        *decode::trader(&self.chain.account(&t.account).await.unwrap().unwrap().data)
            .unwrap()
            .state()
    }

    /// Run `k` until batch `committed` is cleared and its settlement cranked.
    async fn keep_until_cleared(&self, k: &mut Keeper<RpcChain>, committed: u64) {
        use orderbook_test_support::STATE_DEADLINE;
        let c = self.chain.as_ref();
        tokio::time::timeout(STATE_DEADLINE, async {
            loop {
                k.pass().await.expect("pass");
                let header = scenario::batches(c, &self.batch).await.unwrap().header;
                let queue_empty = queue(&self.chain, &self.m.keys.event_queue)
                    .await
                    .is_empty();
                if header.next_clear > committed && queue_empty {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("the keeper clears and settles the batch");
    }
}

/// The bid the tests' takers seal: 4 lots, IOC, up to 105.
fn sealed_bid() -> orderbook_client::sealed::RevealPayload {
    orderbook_client::sealed::RevealPayload {
        order: PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 105, 4),
        salt: [9; 32],
    }
}

/// [`sealed_bid`] encrypted to `beacon`'s `round`.
fn encrypted_bid(beacon: &orderbook_beacon::Beacon, round: u64) -> Vec<u8> {
    let (hash, key) = (beacon.info.hash(), beacon.info.public_key);
    orderbook_client::encrypted::encrypt(&sealed_bid(), &hash, &key, round).unwrap()
}

/// A keeper revealing with the beacon at `beacon_url`, passing every 50 ms.
fn revealing_keeper(beacon_url: &str) -> KeeperConfig {
    KeeperConfig {
        poll: std::time::Duration::from_millis(50),
        beacon_url: Some(beacon_url.to_owned()),
        ..KeeperConfig::default()
    }
}

/// `k`'s count of encrypted orders on `w`'s market with `outcome`.
fn reveals(k: &Keeper<RpcChain>, w: &BatchMarket, outcome: &str) -> u64 {
    let market = w.m.keys.market.to_string();
    k.metrics
        .reveals
        .with_label_values(&[&market, outcome])
        .get()
}

/// Encrypted orders (issue 26): a taker commits a sealed bid with its
/// ciphertext and never comes back; the keeper, pointed at the beacon the
/// market names, reveals it once its round is published and the window is
/// open, and the batch clears. A commitment whose ciphertext hides another
/// order is not revealed (its bond forfeits) and is counted.
#[tokio::test]
async fn keeper_reveals_an_encrypted_order_its_trader_never_reveals() {
    use orderbook_client::encrypted;
    use orderbook_client::sealed::RevealPayload;

    let beacon = local_beacon();
    let beacon_url = serve(orderbook_beacon::http::router(beacon.clone())).await;
    let w = batch_market(beacon.info.hash()).await;
    let c = w.chain.as_ref();
    let liar = scenario::trader(c, &w.payer, &w.m, Funding::buyer(100_000_000))
        .await
        .expect("liar");

    // Encrypted to the next round: published within a second, while the
    // reveal window (5 s) is open.
    let round = beacon.info.clock.round_at(unix_now()) + 1;
    let (hash, key) = (beacon.info.hash(), beacon.info.public_key);
    let payload = sealed_bid();
    let ciphertext = encrypted::encrypt(&payload, &hash, &key, round).unwrap();
    let committed = w.commit(&w.taker, &payload, ciphertext).await;
    // The liar's ciphertext hides a bigger order than its commitment binds.
    let lie = RevealPayload {
        order: PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 105, 9),
        ..payload.clone()
    };
    let lie = encrypted::encrypt(&lie, &hash, &key, round).unwrap();
    w.commit(&liar, &payload, lie).await;

    let mut k = funded_keeper(&w.chain, &w.payer, revealing_keeper(&beacon_url)).await;
    let start = w.lamports(&k.payer()).await;
    w.keep_until_cleared(&mut k, committed).await;
    // Its reveals, the clear (commit fees in, crank rewards pre-paid) and
    // the crank: the net metric is the keeper's balance change.
    let market = w.m.keys.market.to_string();
    assert_eq!(
        k.metrics.net_lamports.with_label_values(&[&market]).get(),
        w.lamports(&k.payer()).await - start
    );
    assert_eq!(
        w.state_of(&w.taker).await.balances.free_base.get(),
        4 * 1_000,
        "the taker, who never revealed, bought its 4 lots"
    );
    assert_eq!(w.state_of(&liar).await.balances.free_base.get(), 0);
    let count = |outcome| reveals(&k, &w, outcome);
    assert_eq!((count("revealed"), count("mismatched")), (1, 1));
    // The reveal came after its round was published, and was timed from it.
    assert_eq!(k.metrics.reveal_delay.get_sample_count(), 1);
}

/// The beacon answers nothing but errors through the reveal window: the
/// keeper warns, keeps cranking and clears the batch, and the encrypted
/// commitment nobody could open forfeits its bond cleanly (its trader
/// trades nothing, and loses nothing but the bond).
#[tokio::test]
async fn with_the_beacon_down_an_encrypted_commit_forfeits_and_the_batch_still_clears() {
    let beacon = local_beacon();
    let down =
        axum::Router::new().fallback(|| async { axum::http::StatusCode::SERVICE_UNAVAILABLE });
    let beacon_url = serve(down).await;
    let w = batch_market(beacon.info.hash()).await;
    let round = beacon.info.clock.round_at(unix_now()) + 1;
    let payload = sealed_bid();
    let ciphertext = encrypted_bid(&beacon, round);
    let before = w.state_of(&w.taker).await.balances;
    let committed = w.commit(&w.taker, &payload, ciphertext).await;

    let mut k = funded_keeper(&w.chain, &w.payer, revealing_keeper(&beacon_url)).await;
    w.keep_until_cleared(&mut k, committed).await;
    let after = w.state_of(&w.taker).await.balances;
    assert_eq!(after, before, "the taker's tokens are untouched");
    let header = scenario::batches(w.chain.as_ref(), &w.batch)
        .await
        .unwrap()
        .header;
    assert_eq!(
        header.forfeited_lamports, header.bond_lamports,
        "its bond forfeited"
    );
    assert_eq!(reveals(&k, &w, "revealed"), 0);
}

/// A round published late: the ciphertext names a round due long after the
/// reveal window closes (a beacon stalled, or an order encrypted too far
/// ahead). The keeper asks for it each pass, never gets it, clears the
/// batch, and counts the order as `window_closed`; its bond forfeits.
#[tokio::test]
async fn an_encrypted_commit_whose_round_comes_after_its_window_forfeits_and_is_counted() {
    let beacon = local_beacon();
    let beacon_url = serve(orderbook_beacon::http::router(beacon.clone())).await;
    let w = batch_market(beacon.info.hash()).await;
    // 1,000 rounds of 1 s ahead: well past the 100-slot reveal window.
    let round = beacon.info.clock.round_at(unix_now()) + 1_000;
    let payload = sealed_bid();
    let ciphertext = encrypted_bid(&beacon, round);
    let committed = w.commit(&w.taker, &payload, ciphertext).await;
    let mut k = funded_keeper(&w.chain, &w.payer, revealing_keeper(&beacon_url)).await;
    w.keep_until_cleared(&mut k, committed).await;
    // The next pass sees the window closed (a pass may clear first).
    k.pass().await.expect("pass");
    let header = scenario::batches(w.chain.as_ref(), &w.batch)
        .await
        .unwrap()
        .header;
    assert_eq!(
        header.forfeited_lamports, header.bond_lamports,
        "its bond forfeited"
    );
    let count = |outcome| reveals(&k, &w, outcome);
    assert_eq!((count("revealed"), count("window_closed")), (0, 1));
}

/// Two keepers racing, both pointed at the beacon: the order is revealed
/// once (a second reveal of the entry is refused), the taker buys its 4
/// lots once, and between them the keepers count one reveal landed.
#[tokio::test]
async fn two_keepers_racing_reveal_an_encrypted_order_once() {
    let beacon = local_beacon();
    let beacon_url = serve(orderbook_beacon::http::router(beacon.clone())).await;
    let w = batch_market(beacon.info.hash()).await;
    let round = beacon.info.clock.round_at(unix_now()) + 1;
    let payload = sealed_bid();
    let ciphertext = encrypted_bid(&beacon, round);
    let committed = w.commit(&w.taker, &payload, ciphertext).await;
    let mut a = funded_keeper(&w.chain, &w.payer, revealing_keeper(&beacon_url)).await;
    let mut b = funded_keeper(&w.chain, &w.payer, revealing_keeper(&beacon_url)).await;
    let c = w.chain.as_ref();
    tokio::time::timeout(orderbook_test_support::STATE_DEADLINE, async {
        loop {
            let (ra, rb) = tokio::join!(a.pass(), b.pass());
            ra.expect("pass");
            rb.expect("pass");
            let header = scenario::batches(c, &w.batch).await.unwrap().header;
            let queue_empty = queue(&w.chain, &w.m.keys.event_queue).await.is_empty();
            if header.next_clear > committed && queue_empty {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the keepers reveal, clear and settle the batch");
    assert_eq!(
        w.state_of(&w.taker).await.balances.free_base.get(),
        4 * 1_000
    );
    let landed = reveals(&a, &w, "revealed") + reveals(&b, &w, "revealed");
    assert_eq!(landed, 1, "one reveal landed");
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
