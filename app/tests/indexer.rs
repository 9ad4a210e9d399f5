//! The indexer against a real PostgreSQL (127.0.0.1:5432 by default,
//! `ORDERBOOK_TEST_PG` overrides the admin URL) and a node over RPC (a local
//! `orderbook-node`, or `ORDERBOOK_TEST_RPC_URL`).
//! Each test creates its own database and drops it at the end.

use std::sync::Arc;

use orderbook::instructions::PlaceOrderArgs;

use orderbook::types::{GrowTarget, OrderType, Side};
use orderbook_app::{db, indexer::Indexer};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::ix;
use orderbook_test_support::node::LocalNode;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio_postgres::Client;

mod common;

/// A fresh, migrated database (migrations re-applied: a no-op).
struct TestDb(orderbook_test_support::db::ScratchDb);

impl TestDb {
    async fn new() -> (Self, Client) {
        let (sdb, mut client) = common::scratch_db("orderbook_it").await;
        assert_eq!(
            db::migrate(&mut client).await.unwrap(),
            0,
            "migrations are idempotent"
        );
        (Self(sdb), client)
    }

    async fn drop(self, client: Client) {
        self.0.drop(client).await;
    }
}

/// A fresh deployment starts its indexers and feed replicas together on an
/// empty database: every one migrates, none fails, each migration once.
#[tokio::test]
async fn concurrent_starters_migrate_an_empty_database_once() {
    let admin = orderbook_test_support::db::admin_url();
    let (sdb, first) = orderbook_test_support::db::ScratchDb::new(&admin, "orderbook_race")
        .await
        .expect("postgres reachable");
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(db::connect(&sdb.url).await.unwrap());
    }
    // Connected first, so that the migrations' first statements meet.
    let starters = clients.iter_mut().map(db::migrate);
    let mut applied = 0;
    for starter in futures_util::future::join_all(starters).await {
        applied += starter.expect("every starter migrates");
    }
    assert_eq!(applied, db::MIGRATIONS.len(), "each migration applied once");
    sdb.drop(first).await;
}

async fn count(db: &Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap().get(0)
}

struct World {
    _node: LocalNode,
    chain: Arc<RpcChain>,
    payer: Keypair,
    m: MarketSetup,
    maker: TraderSetup,
    taker: TraderSetup,
}

async fn world() -> World {
    let node = LocalNode::start().await.unwrap();
    let chain = Arc::new(node.chain());
    let payer = node.funded(100).await.unwrap();
    let args = scenario::standard_market_args(payer.pubkey());
    let m = scenario::create_market(chain.as_ref(), &payer, args, 64, 256)
        .await
        .unwrap();
    let maker = scenario::trader(chain.as_ref(), &payer, &m, Funding::seller(100_000_000))
        .await
        .unwrap();
    let taker = scenario::trader(chain.as_ref(), &payer, &m, Funding::buyer(100_000_000))
        .await
        .unwrap();
    World {
        _node: node,
        chain,
        payer,
        m,
        maker,
        taker,
    }
}

impl World {
    /// Maker posts `n` asks, the taker takes them, a crank settles.
    async fn trade(&self, n: u64) {
        let asks: Vec<_> = (0..n)
            .map(|i| PlaceOrderArgs::new(Side::Ask, OrderType::Limit, 100 + i, 5))
            .collect();
        scenario::place_all(
            self.chain.as_ref(),
            &self.payer,
            &self.m,
            &self.maker,
            &asks,
        )
        .await
        .unwrap();
        scenario::take_asks(
            self.chain.as_ref(),
            &self.payer,
            &self.m,
            &self.taker,
            n,
            5,
            1_000,
        )
        .await
        .unwrap();
        let crank = ix::consume_events(
            &self.payer.pubkey(),
            &self.m.keys.market,
            &self.m.keys.event_queue,
            &[self.maker.account],
            64,
        );
        scenario::send(self.chain.as_ref(), &self.payer, &[crank], &[])
            .await
            .unwrap();
    }

    async fn emitted(&self) -> i64 {
        let m = orderbook_client::accounts::market(
            &self
                .chain
                .account(&self.m.keys.market)
                .await
                .unwrap()
                .unwrap()
                .data,
        )
        .unwrap();
        m.engine().next_emit_seq as i64
    }
}

#[tokio::test]
async fn sync_stores_every_event_once_with_projections_and_resumes() {
    let (tdb, mut client) = TestDb::new().await;
    let w = world().await;
    w.trade(10).await;
    let ix_ = Indexer::new(w.chain.clone(), w.m.keys.market);
    let first = ix_.sync(&mut client).await.unwrap();
    let emitted = w.emitted().await;
    assert_eq!(first.new_events as i64, emitted);
    assert_eq!(count(&client, "SELECT count(*) FROM events").await, emitted);
    assert_eq!(
        count(&client, "SELECT max(seq) + 1 FROM events").await,
        emitted,
        "contiguous from 0"
    );
    assert_eq!(count(&client, "SELECT count(*) FROM fills").await, 10);
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM orders WHERE status = 'filled' AND side = 1"
        )
        .await,
        10
    );
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM transfers WHERE kind = 'deposit'"
        )
        .await,
        2
    );
    assert_eq!(count(&client, "SELECT count(*) FROM traders").await, 2);
    assert_eq!(count(&client, "SELECT count(*) FROM markets").await, 1);
    assert_eq!(
        count(
            &client,
            "SELECT sum(trades)::bigint FROM candles WHERE resolution = 60"
        )
        .await,
        10
    );
    let (lo, hi): (i64, i64) = {
        let r = client
            .query_one(
                "SELECT min(low), max(high) FROM candles WHERE resolution = 86400",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((lo, hi), (100, 109));

    // Nothing new: nothing happens.
    assert_eq!(ix_.sync(&mut client).await.unwrap().new_events, 0);
    // Resume: only the new transactions are read.
    w.trade(3).await;
    let second = ix_.sync(&mut client).await.unwrap();
    assert_eq!(second.new_events as i64, w.emitted().await - emitted);
    assert!(second.transactions < first.transactions);
    assert_eq!(count(&client, "SELECT count(*) FROM fills").await, 13);
    tdb.drop(client).await;
}

#[tokio::test]
async fn market_growth_is_recorded_per_side_and_for_the_queue() {
    let (tdb, mut client) = TestDb::new().await;
    let w = world().await;
    let k = w.m.keys;
    let grow = |target, grown, additional| {
        ix::grow_market(&w.payer.pubkey(), &k.market, grown, target, additional)
    };
    let ixs = [
        grow(GrowTarget::Asks, &k.asks, 160),
        grow(GrowTarget::EventQueue, &k.event_queue, 16),
    ];
    scenario::send(w.chain.as_ref(), &w.payer, &ixs, &[])
        .await
        .unwrap();
    Indexer::new(w.chain.clone(), k.market)
        .sync(&mut client)
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT orders_per_side, bids_capacity, asks_capacity, event_capacity FROM markets",
            &[],
        )
        .await
        .unwrap();
    let capacities: Vec<i32> = (0..4).map(|i| row.get(i)).collect();
    assert_eq!(capacities, [64, 64, 64 + 160, 256 + 16]);
    // Reconcile compares the capacities too, and finds the indexer's right.
    let report = orderbook_app::reconcile::reconcile(
        w.chain.as_ref(),
        &client,
        &k.market,
        None,
        std::time::Duration::from_millis(100),
    )
    .await
    .unwrap();
    assert_eq!(report.differences, [], "reconcile after growth");
    tdb.drop(client).await;
}

/// Row counts and sums of every read model.
async fn snapshot(c: &Client) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "events",
        "fills",
        "orders",
        "transfers",
        "traders",
        "markets",
    ] {
        out.push(count(c, &format!("SELECT count(*) FROM {t}")).await);
    }
    out.push(count(c, "SELECT coalesce(sum(trades), 0)::bigint FROM candles").await);
    out.push(
        count(
            c,
            "SELECT coalesce(sum(filled_base_lots), 0)::bigint FROM orders",
        )
        .await,
    );
    out
}

#[tokio::test]
async fn replaying_the_same_transactions_stores_each_event_once() {
    let (tdb, mut client) = TestDb::new().await;
    let w = world().await;
    w.trade(6).await;
    let ix_ = Indexer::new(w.chain.clone(), w.m.keys.market);
    ix_.sync(&mut client).await.unwrap();
    let before = snapshot(&client).await;
    // Forget the cursor: the next sync re-reads and re-ingests all history.
    client
        .execute("DELETE FROM ingest_cursor", &[])
        .await
        .unwrap();
    let again = ix_.sync(&mut client).await.unwrap();
    assert!(again.transactions > 0);
    assert_eq!(again.new_events, 0);
    assert_eq!(
        snapshot(&client).await,
        before,
        "a replay changed the read models"
    );
    tdb.drop(client).await;
}

#[tokio::test]
async fn a_gap_triggers_a_rescan_that_fills_it() {
    let (tdb, mut client) = TestDb::new().await;
    let w = world().await;
    w.trade(4).await;
    let ix_ = Indexer::new(w.chain.clone(), w.m.keys.market);
    ix_.sync(&mut client).await.unwrap();
    let total = count(&client, "SELECT count(*) FROM events").await;
    // Lose some events (as if transactions had been missed), keep the cursor.
    client
        .execute("DELETE FROM events WHERE seq BETWEEN 5 AND 9", &[])
        .await
        .unwrap();
    client
        .execute("DELETE FROM fills WHERE seq BETWEEN 5 AND 9", &[])
        .await
        .unwrap();
    // The cursor says events up to 4 are stored; the next transactions start later.
    client
        .execute("UPDATE ingest_cursor SET last_seq = 4", &[])
        .await
        .unwrap();
    w.trade(1).await;
    let s = ix_.sync(&mut client).await.unwrap();
    assert!(s.rescanned, "the jump from 4 triggered a full re-read");
    assert_eq!(
        count(&client, "SELECT count(*) FROM events").await,
        w.emitted().await
    );
    assert!(count(&client, "SELECT count(*) FROM events").await > total);
    assert_eq!(
        count(&client, "SELECT max(seq) + 1 - count(*) FROM events").await,
        0,
        "no hole left"
    );
    tdb.drop(client).await;
}

/// A sealed batch market (issue 25) traded by the demo and cleared by a
/// keeper: the orders its clears rest are indexed with the makers' client
/// ids, the auction fills reduce them, and reconcile finds no difference.
#[tokio::test]
async fn a_sealed_batch_market_is_indexed_as_the_chain_holds_it() {
    use orderbook_app::demo::SealedDemo;
    use orderbook_keeper::spend::SpendLimits;
    use orderbook_keeper::{Keeper, KeeperConfig};
    use orderbook_test_support::STATE_DEADLINE;
    use std::time::Duration;

    let (tdb, mut client) = TestDb::new().await;
    let node = LocalNode::start().await.unwrap();
    let chain = Arc::new(node.chain());
    let payer = node.funded(1_000).await.unwrap();
    let keeper_payer = node.funded(10).await.unwrap();
    // Windows of 1 s and 2 s at the test's 50 ms slots: wide enough for a
    // reveal to land in its window on a loaded machine.
    let args = orderbook::instructions::BatchModeArgs {
        commit_slots: 20,
        grace_slots: 0,
        reveal_slots: 40,
        entries_per_batch: 64,
        ..scenario::standard_batch_args()
    };
    let mut demo = SealedDemo::with_batch_args(chain.clone(), payer, 2, 2, args, None)
        .await
        .unwrap();
    let market = demo.demo.market.keys.market;
    // The market's own keeper, subsidizing it as scripts/run.sh's does: a
    // batch holding only queued posts pays no commit fee, so an unpaid
    // keeper never clears it, and as the oldest it blocks every later one.
    // Which batches hold only posts depends on how the demo's steps fall
    // on the slot clock, so without this the test stalled on a loaded
    // machine (1 run in 3 under stress-ng --cpu 4 --hdd 2).
    let cfg = KeeperConfig {
        markets: vec![market],
        priority_fee_percentile: 0,
        spend: SpendLimits {
            subsidized: vec![market],
            ..SpendLimits::default()
        },
        ..KeeperConfig::default()
    };
    let mut keeper = Keeper::new(chain.clone(), keeper_payer, cfg);
    let batch = demo.batch;
    let traded = || async {
        scenario::batches(chain.as_ref(), &batch)
            .await
            .unwrap()
            .header
            .last_price
            .get()
            > 0
    };
    // Entries pending in the batch account reconcile one by one, and a
    // wrong one is named.
    tokio::time::timeout(STATE_DEADLINE, async {
        while scenario::batches(chain.as_ref(), &batch)
            .await
            .unwrap()
            .entries
            .iter()
            .all(|e| e.kind == 0)
        {
            let _ = demo.step().await;
        }
    })
    .await
    .expect("the demo queues entries");
    let indexer = Indexer::new(chain.clone(), market);
    indexer.sync(&mut client).await.unwrap();
    let reconcile = || {
        orderbook_app::reconcile::reconcile::<RpcChain>(
            &chain,
            &client,
            &market,
            None,
            Duration::from_millis(100),
        )
    };
    let report = reconcile().await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    assert!(report.batch_entries > 0);
    let wrong = "UPDATE batch_entries SET trader_id = trader_id + 1000";
    client.execute(wrong, &[]).await.unwrap();
    let report = reconcile().await.unwrap();
    assert_eq!(report.differences.len(), report.batch_entries);
    assert!(matches!(
        report.differences[0],
        orderbook_app::reconcile::Difference::EntryMismatch { .. }
    ));
    let right = "UPDATE batch_entries SET trader_id = trader_id - 1000";
    client.execute(right, &[]).await.unwrap();

    // Trade until a batch has cleared at a price, then let every sealed
    // order be revealed or forfeited and every batch clear and settle.
    tokio::time::timeout(STATE_DEADLINE, async {
        while !traded().await {
            let _ = demo.step().await;
            keeper.pass().await.unwrap();
        }
        loop {
            demo.reveal_due().await.unwrap();
            let s = keeper.pass().await.unwrap();
            let batches = scenario::batches(chain.as_ref(), &batch).await.unwrap();
            let idle = batches.entries.iter().all(|e| e.kind == 0);
            if demo.unrevealed() == 0 && idle && s.remaining == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a batch trades and every batch clears");

    indexer.sync(&mut client).await.unwrap();
    let rested = count(
        &client,
        "SELECT count(*) FROM orders WHERE order_type = 1 AND client_order_id > 0",
    )
    .await;
    assert!(rested > 0, "post-only orders rested by clears are indexed");
    let filled = count(
        &client,
        "SELECT count(*) FROM orders WHERE filled_base_lots > 0",
    )
    .await;
    assert!(filled > 0, "auction fills reduce the resting orders");
    let report = orderbook_app::reconcile::reconcile::<RpcChain>(
        &chain,
        &client,
        &market,
        None,
        Duration::from_millis(100),
    )
    .await
    .unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    // The demo draws its orders at random: its takers may have swept the
    // book by the end (about one run in eight), so the book is not
    // required to hold orders here; `rested` above shows clears rest them.
    assert!(report.traders > 0, "reconcile compared the traders");

    // The batch tables: the clock, every entry (a sealed order's fields
    // only once revealed), every clear.
    assert_eq!(
        count(&client, "SELECT count(*) FROM batch_markets").await,
        1
    );
    let priced =
        "SELECT count(*) FROM batch_clears WHERE price IS NOT NULL AND volume_base_lots > 0";
    assert!(count(&client, priced).await > 0);
    let sealed_shown = "SELECT count(*) FROM batch_entries WHERE kind = 'committed'
         AND (side IS NOT NULL OR price IS NOT NULL OR client_order_id IS NOT NULL)";
    assert_eq!(
        count(&client, sealed_shown).await,
        0,
        "no plaintext before the reveal"
    );
    let revealed_hidden = "SELECT count(*) FROM batch_entries WHERE kind = 'revealed'
         AND (side IS NULL OR order_type IS NULL OR price IS NULL OR client_order_id IS NULL)";
    assert_eq!(
        count(&client, revealed_hidden).await,
        0,
        "a reveal fills its row in"
    );
    assert_eq!(
        count(
            &client,
            "SELECT count(*) FROM batch_entries WHERE kind = 'revealed'"
        )
        .await as u64,
        demo.revealed
    );
    // Each clear's trades are in `fills` (the tape, the candles, each
    // trader's fills): their lots add up to the clears' volume, once, and
    // every price is its clear's.
    let volumes = "SELECT (SELECT coalesce(sum(base_lots), 0) FROM fills)::bigint
         - (SELECT coalesce(sum(volume_base_lots), 0) FROM batch_clears)::bigint";
    assert_eq!(
        count(&client, volumes).await,
        0,
        "trades add up to the volume"
    );
    assert!(count(&client, "SELECT count(*) FROM fills").await > 0);
    let off_price = "SELECT count(*) FROM fills f WHERE NOT EXISTS (
         SELECT 1 FROM batch_clears c WHERE c.price = f.price)";
    assert_eq!(count(&client, off_price).await, 0);
    assert!(count(&client, "SELECT count(*) FROM candles").await > 0);
    // The feed's auction channel as a starting feed loads it.
    let view = orderbook_app::feed::view::MarketView::load(&mut client, market)
        .await
        .unwrap();
    let snapshot =
        serde_json::to_value(view.snapshot(&orderbook_app::feed::view::Channel::Auction)).unwrap();
    assert_eq!(snapshot["clock"]["commit_slots"], 20);
    assert_eq!(
        snapshot["open"],
        serde_json::json!([]),
        "every batch cleared"
    );
    assert!(
        snapshot["cleared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["price"].is_string()),
        "{snapshot}"
    );
    tdb.drop(client).await;
}
