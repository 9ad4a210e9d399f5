//! Finding 2 of the security review: one order with `expiry = 2^63`, or a
//! market bid for `u64::MAX` lots, made the indexer's batch fail forever and
//! froze the market's feed. A property test: random sequences of every
//! program event, with every field the program lets a user choose drawn from
//! edge values (0, 1, 2^63 − 1, 2^63, u64::MAX, …) and counters kept as the
//! program keeps them, go through `ingest_batch` and the feed's view without
//! an error or a panic, and every stored user value reads back unchanged.
//! `ORDERBOOK_HOSTILE_CASES` (default 48) sets the number of sequences.

use anchor_lang::prelude::Pubkey;
use orderbook::events::*;
use orderbook::state::{MAX_ORDERS_PER_SIDE, MAX_QUEUE_EVENTS};
use orderbook::types::{GrowTarget, MarketStatus, OrderType, OutReason, Side, TokenKind};
use orderbook_app::feed::view::MarketView;
use orderbook_app::ingest::ingest_batch;
use orderbook_chain::TxEvents;
use orderbook_chain::rpc::RpcChain;
use orderbook_client::events::ProgramEvent;
use orderbook_engine::market::MAX_PRICE_TICKS;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use solana_signature::Signature;

mod common;

/// A u64 the user chooses: mostly the values that break narrower types.
fn user_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(i64::MAX as u64),
        Just(1 << 63),
        Just(u64::MAX - 1),
        Just(u64::MAX),
        any::<u64>(),
    ]
}

fn user_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MIN),
        Just(-1),
        Just(0),
        Just(i64::MAX),
        any::<i64>()
    ]
}

/// A price as the program emits it: 1..=MAX_PRICE_TICKS.
fn price() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1), Just(MAX_PRICE_TICKS), 1..=MAX_PRICE_TICKS]
}

/// One event, with `seq` and the order/queue counters filled in later.
#[derive(Clone, Debug)]
enum Draft {
    Placed {
        side: Side,
        price: u64,
        max: u64,
        posted: u64,
        filled: u64,
        quote: u64,
        fee: u64,
        expiry: u64,
        client: u64,
    },
    Filled {
        pick: usize,
        price: u64,
        lots: u64,
        quote: u64,
        fee: u64,
        maker_fee: i64,
        out: bool,
    },
    Out {
        pick: usize,
        lots: u64,
        reason: OutReason,
        gone: bool,
    },
    Cancelled {
        pick: usize,
        lots: u64,
    },
    Transfer {
        deposit: bool,
        token: TokenKind,
        amount: u64,
    },
    Swept {
        token: TokenKind,
        amount: u64,
    },
    Consumed {
        count: u32,
        reward: u64,
    },
    Status {
        status: MarketStatus,
    },
    Grown {
        target: GrowTarget,
        capacity: u32,
        lamports: u64,
    },
}

fn draft() -> impl Strategy<Value = Draft> {
    let sides = prop::sample::select(vec![Side::Bid, Side::Ask]);
    let tokens = || prop::sample::select(vec![TokenKind::Base, TokenKind::Quote]);
    let reasons = prop::sample::select(vec![
        OutReason::Expired,
        OutReason::Evicted,
        OutReason::SelfTrade,
    ]);
    let statuses = prop::sample::select(vec![
        MarketStatus::Active,
        MarketStatus::PostOnly,
        MarketStatus::Paused,
        MarketStatus::Closed,
    ]);
    let placed = (
        sides,
        price(),
        user_u64(),
        user_u64(),
        user_u64(),
        (user_u64(), user_u64(), user_u64(), user_u64()),
    )
        .prop_map(
            |(side, price, max, posted, filled, (quote, fee, expiry, client))| Draft::Placed {
                side,
                price,
                max,
                posted,
                filled,
                quote,
                fee,
                expiry,
                client,
            },
        );
    let filled = (
        any::<usize>(),
        price(),
        user_u64(),
        user_u64(),
        user_u64(),
        user_i64(),
        any::<bool>(),
    )
        .prop_map(
            |(pick, price, lots, quote, fee, maker_fee, out)| Draft::Filled {
                pick,
                price,
                lots,
                quote,
                fee,
                maker_fee,
                out,
            },
        );
    prop_oneof![
        4 => placed,
        3 => filled,
        1 => (any::<usize>(), user_u64(), reasons, any::<bool>())
            .prop_map(|(pick, lots, reason, gone)| Draft::Out { pick, lots, reason, gone }),
        1 => (any::<usize>(), user_u64()).prop_map(|(pick, lots)| Draft::Cancelled { pick, lots }),
        1 => (any::<bool>(), tokens(), user_u64())
            .prop_map(|(deposit, token, amount)| Draft::Transfer { deposit, token, amount }),
        1 => (tokens(), user_u64()).prop_map(|(token, amount)| Draft::Swept { token, amount }),
        1 => (any::<u32>(), user_u64()).prop_map(|(count, reward)| Draft::Consumed { count, reward }),
        1 => statuses.prop_map(|status| Draft::Status { status }),
        // The program grows a part at most to its maximum.
        1 => (
            prop::sample::select(vec![GrowTarget::Bids, GrowTarget::Asks, GrowTarget::EventQueue]),
            1u32..=MAX_ORDERS_PER_SIDE.max(MAX_QUEUE_EVENTS),
            user_u64(),
        )
            .prop_map(|(target, capacity, lamports)| Draft::Grown { target, capacity, lamports }),
    ]
}

/// Turns drafts into the events the program would emit, keeping its counters.
struct Emitter {
    market: Pubkey,
    seq: u64,
    next_order: u64,
    next_queue: u64,
    orders: Vec<u64>,
    /// (order id, max, posted, filled, expiry, client) as emitted.
    placed: Vec<(u64, u64, u64, u64, u64, u64)>,
}

impl Emitter {
    fn event(&mut self, d: &Draft) -> ProgramEvent {
        let (market, seq) = (self.market, self.seq);
        self.seq += 1;
        let pick =
            |orders: &[u64], i: usize| orders.get(i % orders.len().max(1)).copied().unwrap_or(1);
        match *d {
            Draft::Placed {
                side,
                price,
                max,
                posted,
                filled,
                quote,
                fee,
                expiry,
                client,
            } => {
                let order_id = self.next_order;
                self.next_order += 1;
                self.orders.push(order_id);
                self.placed
                    .push((order_id, max, posted, filled, expiry, client));
                ProgramEvent::OrderPlaced(OrderPlaced {
                    market,
                    seq,
                    trader_id: 1,
                    order_id,
                    client_order_id: client,
                    side,
                    order_type: OrderType::Limit,
                    price,
                    max_base_lots: max,
                    posted_base_lots: posted,
                    filled_base_lots: filled,
                    filled_quote: quote,
                    taker_fee: fee,
                    expiry,
                })
            }
            Draft::Filled {
                pick: i,
                price,
                lots,
                quote,
                fee,
                maker_fee,
                out,
            } => {
                self.next_queue += 1;
                ProgramEvent::OrderFilled(OrderFilled {
                    market,
                    seq,
                    queue_seq: self.next_queue,
                    maker_trader_id: 1,
                    taker_trader_id: 2,
                    maker_order_id: pick(&self.orders, i),
                    taker_order_id: self.next_order,
                    taker_side: Side::Bid,
                    price,
                    base_lots: lots,
                    quote,
                    taker_fee: fee,
                    maker_fee,
                    maker_out: out,
                })
            }
            Draft::Out {
                pick: i,
                lots,
                reason,
                gone,
            } => {
                self.next_queue += 1;
                ProgramEvent::OrderOut(OrderOut {
                    market,
                    seq,
                    queue_seq: self.next_queue,
                    trader_id: 1,
                    order_id: pick(&self.orders, i),
                    side: Side::Ask,
                    price: 1,
                    base_lots: lots,
                    reason,
                    order_gone: gone,
                })
            }
            Draft::Cancelled { pick: i, lots } => ProgramEvent::OrderCancelled(OrderCancelled {
                market,
                seq,
                trader_id: 1,
                order_id: pick(&self.orders, i),
                client_order_id: 0,
                side: Side::Bid,
                price: 1,
                base_lots: lots,
            }),
            Draft::Transfer {
                deposit: true,
                token,
                amount,
            } => ProgramEvent::Deposited(Deposited {
                market,
                seq,
                trader_id: 1,
                token,
                amount,
            }),
            Draft::Transfer {
                deposit: false,
                token,
                amount,
            } => ProgramEvent::Withdrew(Withdrew {
                market,
                seq,
                trader_id: 1,
                token,
                amount,
            }),
            Draft::Swept { token, amount } => ProgramEvent::SurplusSwept(SurplusSwept {
                market,
                seq,
                token,
                amount,
                destination: Pubkey::new_unique(),
            }),
            Draft::Consumed { count, reward } => ProgramEvent::EventsConsumed(EventsConsumed {
                market,
                seq,
                cranker: Pubkey::new_unique(),
                first_queue_seq: self.next_queue,
                count,
                reward_lamports: reward,
            }),
            Draft::Status { status } => ProgramEvent::MarketStatusChanged(MarketStatusChanged {
                market,
                seq,
                old_status: MarketStatus::Active,
                new_status: status,
            }),
            Draft::Grown {
                target,
                capacity,
                lamports,
            } => ProgramEvent::MarketGrown(MarketGrown {
                market,
                seq,
                target,
                old_capacity: capacity - 1,
                new_capacity: capacity,
                payer: Pubkey::new_unique(),
                lamports,
            }),
        }
    }
}

fn tx(n: u64, events: Vec<ProgramEvent>) -> TxEvents {
    let mut sig = [0u8; 64];
    sig[..8].copy_from_slice(&n.to_le_bytes());
    TxEvents {
        signature: Signature::from(sig),
        slot: n,
        block_time: Some(1_700_000_000 + n as i64),
        events,
        fee_payer_change_lamports: 0,
    }
}

#[test]
fn no_event_the_program_can_emit_stops_ingestion() {
    let cases = std::env::var("ORDERBOOK_HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (scratch, client) = rt.block_on(common::scratch_db("orderbook_hostile"));
    let client = std::cell::RefCell::new(client);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    let strategy = prop::collection::vec(prop::collection::vec(draft(), 1..8), 1..12);
    let result = runner.run(&strategy, |batches| {
        rt.block_on(check_sequence(&mut client.borrow_mut(), &batches));
        Ok(())
    });
    rt.block_on(scratch.drop(client.into_inner()));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Ingest `batches` (one chain transaction each) into a fresh market, apply
/// them to a view, and check every user value stored round-trips.
async fn check_sequence(client: &mut tokio_postgres::Client, batches: &[Vec<Draft>]) {
    let market = Pubkey::new_unique();
    let mut emitter = Emitter {
        market,
        seq: 0,
        next_order: 1,
        next_queue: 0,
        orders: Vec::new(),
        placed: Vec::new(),
    };
    let mut view = MarketView::empty(market);
    for (n, drafts) in batches.iter().enumerate() {
        let events = drafts.iter().map(|d| emitter.event(d)).collect();
        let txs = [tx(n as u64 + 1, events)];
        let ingested = ingest_batch::<RpcChain>(client, &market, &txs, false, None)
            .await
            .unwrap_or_else(|e| panic!("ingest refused {batches:?}: {e}"));
        view.apply(&ingested);
    }
    assert_eq!(view.gaps, 0);
    let m = market.to_string();
    for (id, max, posted, filled_at_place, expiry, client_id) in &emitter.placed {
        let row = client
            .query_one(
                "SELECT max_base_lots::text, posted_base_lots::text, expiry::text, client_order_id::text,
                     filled_base_lots >= $3::text::numeric
                 FROM orders WHERE market = $1 AND order_id = $2",
                &[&m, &(*id as i64), &filled_at_place.to_string()],
            )
            .await
            .expect("order row");
        let stored: Vec<String> = (0..4).map(|i| row.get(i)).collect();
        assert_eq!(
            stored,
            [max, posted, expiry, client_id].map(|v| v.to_string()),
            "order {id}"
        );
        assert!(row.get::<_, bool>(4), "order {id}: filled lots lost");
    }
    let cursor: i64 = client
        .query_one(
            "SELECT last_seq FROM ingest_cursor WHERE market = $1",
            &[&m],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(cursor as u64, emitter.seq - 1, "every event ingested");
    // The feed's view rebuilt from the database does not fail either.
    MarketView::load(client, market)
        .await
        .expect("view reloads");
}
