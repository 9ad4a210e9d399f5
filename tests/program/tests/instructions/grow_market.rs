//! grow_market: a market created small grows its book sides and event queue
//! in place, paid by anyone, within Solana's 10 KiB per instruction and the
//! maximum chosen at creation; what rests and what is queued stays put.

use orderbook::instructions::{CreateMarketArgs, MAX_GROWTH_PER_INSTRUCTION};
use orderbook::state::MAX_ORDERS_PER_SIDE;
use orderbook::types::GrowTarget;
use orderbook_engine::{BookSide, EventQueue};

use super::*;

/// The smallest market `create_market` takes: 16 orders per side, 128
/// events; it may grow to `max_orders` per side.
fn small(max_orders: u32) -> MarketCfg {
    let d = MarketCfg::default();
    MarketCfg {
        args: CreateMarketArgs {
            max_orders_per_side: max_orders,
            ..d.args
        },
        orders_per_side: 16,
        events: 128,
        ..d
    }
}

async fn small_market(max_orders: u32) -> (Env, TestMarket) {
    let mut env = Env::start().await;
    env.set_time(NOW).await;
    let m = env.create_market(small(max_orders)).await;
    (env, m)
}

fn grow(payer: &Kp, k: &MarketKeys, target: GrowTarget, additional: u32) -> Instruction {
    let grown = match target {
        GrowTarget::Bids => k.bids,
        GrowTarget::Asks => k.asks,
        GrowTarget::EventQueue => k.event_queue,
    };
    build::grow_market(&payer.pubkey(), &k.market, &grown, target, additional)
}

/// (capacity, orders) of a book side, read as the engine reads it.
async fn side(env: &mut Env, key: &Pubkey) -> (u32, u32) {
    let mut data = env.data(key).await;
    let side = BookSide::load(&mut data[8..]).expect("a book side");
    (side.capacity(), side.len())
}

async fn queue_capacity(env: &mut Env, key: &Pubkey) -> u32 {
    let mut data = env.data(key).await;
    EventQueue::load(&mut data[8..])
        .expect("a queue")
        .header
        .capacity
}

/// A payer funded with `lamports`.
async fn payer_with(env: &mut Env, lamports: u64) -> Kp {
    let payer = Kp::new();
    let fund = system_instruction::transfer(&env.payer().pubkey(), &payer.pubkey(), lamports);
    env.send(&[fund], &[]).await.unwrap();
    payer
}

#[tokio::test]
async fn grow_market_adds_nodes_and_charges_the_payer_the_added_rent() {
    let (mut env, m) = small_market(MAX_ORDERS_PER_SIDE).await;
    let k = m.keys;
    let payer = payer_with(&mut env, 1_000_000_000).await;
    let len_before = env.data(&k.asks).await.len();
    let ev = env
        .send(&[grow(&payer, &k, GrowTarget::Asks, 1)], &[&payer])
        .await
        .unwrap();
    let rent = env.rent(len_before + 64).await - env.rent(len_before).await;
    let [ProgramEvent::MarketGrown(g)] = ev.as_slice() else {
        panic!("one MarketGrown event, got {ev:?}");
    };
    assert_eq!(
        (
            g.target,
            g.old_capacity,
            g.new_capacity,
            g.payer,
            g.lamports
        ),
        (GrowTarget::Asks, 16, 17, payer.pubkey(), rent)
    );
    assert_eq!(env.lamports(&payer.pubkey()).await, 1_000_000_000 - rent);
    assert_eq!(env.data(&k.asks).await.len(), len_before + 64);
    assert_eq!(side(&mut env, &k.asks).await, (17, 0));
    assert_eq!(
        side(&mut env, &k.bids).await,
        (16, 0),
        "the other side is as it was"
    );

    // The most one instruction may add, then one more is refused.
    env.send(
        &[grow(
            &payer,
            &k,
            GrowTarget::Asks,
            MAX_GROWTH_PER_INSTRUCTION,
        )],
        &[&payer],
    )
    .await
    .unwrap();
    assert_eq!(side(&mut env, &k.asks).await.0, 17 + 160);
    let watch = [Env::market_watch(&m), vec![payer.pubkey()]].concat();
    for additional in [MAX_GROWTH_PER_INSTRUCTION + 1, 0] {
        env.expect_fail(
            &[grow(&payer, &k, GrowTarget::Asks, additional)],
            &[&payer],
            code(E::InvalidGrowth),
            &watch,
        )
        .await;
    }
    // The queue grows the same way.
    env.send(&[grow(&payer, &k, GrowTarget::EventQueue, 160)], &[&payer])
        .await
        .unwrap();
    assert_eq!(queue_capacity(&mut env, &k.event_queue).await, 128 + 160);
}

#[tokio::test]
async fn several_grow_instructions_in_one_transaction_each_add_their_10_kib() {
    let (mut env, m) = small_market(MAX_ORDERS_PER_SIDE).await;
    let k = m.keys;
    let payer = payer_with(&mut env, 1_000_000_000).await;
    let ixs = [
        grow(&payer, &k, GrowTarget::Bids, 160),
        grow(&payer, &k, GrowTarget::Bids, 160),
        grow(&payer, &k, GrowTarget::Asks, 3),
    ];
    let ev = env.send(&ixs, &[&payer]).await.unwrap();
    assert_eq!(seqs(&ev).windows(2).filter(|w| w[1] == w[0] + 1).count(), 2);
    assert_eq!(side(&mut env, &k.bids).await.0, 16 + 320);
    assert_eq!(side(&mut env, &k.asks).await.0, 16 + 3);
}

#[tokio::test]
async fn growth_is_refused_past_the_maximum_for_a_wrong_account_a_poor_payer_and_a_closed_market() {
    let (mut env, m) = small_market(20).await;
    let k = m.keys;
    let payer = payer_with(&mut env, 1_000_000_000).await;
    let watch = [Env::market_watch(&m), vec![payer.pubkey()]].concat();
    env.expect_fail(
        &[grow(&payer, &k, GrowTarget::Bids, 5)],
        &[&payer],
        code(E::InvalidGrowth),
        &watch,
    )
    .await;
    // A payer who cannot pay the rent of 4 nodes: the system program
    // refuses the transfer (its error 1, "insufficient funds") and nothing
    // changes.
    let own_rent = env.rent(0).await;
    let poor = payer_with(&mut env, own_rent + 1_000).await;
    let poor_watch = [Env::market_watch(&m), vec![poor.pubkey()]].concat();
    env.expect_fail(
        &[grow(&poor, &k, GrowTarget::Bids, 4)],
        &[&poor],
        TxError::Custom(1),
        &poor_watch,
    )
    .await;
    env.send(&[grow(&payer, &k, GrowTarget::Bids, 4)], &[&payer])
        .await
        .unwrap();
    assert_eq!(side(&mut env, &k.bids).await.0, 20);
    env.expect_fail(
        &[grow(&payer, &k, GrowTarget::Bids, 1)],
        &[&payer],
        code(E::InvalidGrowth),
        &watch,
    )
    .await;
    // The bids account named as the asks.
    let wrong = build::grow_market(&payer.pubkey(), &k.market, &k.bids, GrowTarget::Asks, 1);
    env.expect_fail(&[wrong], &[&payer], code(E::WrongMarketAccount), &watch)
        .await;
    // A closed market does not grow.
    let auth = m.authority.insecure_clone();
    let close = build::set_market_status(&auth.pubkey(), &k.market, MarketStatus::Closed);
    env.send(&[close], &[&auth]).await.unwrap();
    env.expect_fail(
        &[grow(&payer, &k, GrowTarget::Asks, 1)],
        &[&payer],
        code(E::MarketClosed),
        &watch,
    )
    .await;
}

#[tokio::test]
async fn a_full_side_grows_while_orders_rest_and_events_queue_then_trades_through_the_new_space() {
    let MakerTaker {
        mut env,
        m,
        maker,
        taker,
        ..
    } = maker_taker_on(small(MAX_ORDERS_PER_SIDE)).await;
    let k = m.keys;
    let ask = |price| {
        build::place_order(
            &maker.key(),
            &k,
            order(Side::Ask, OrderType::Limit, price, 1),
            None,
        )
    };
    for i in 0..16 {
        env.send(&[ask(100 + i)], &[&maker.owner]).await.unwrap();
    }
    assert_eq!(side(&mut env, &k.asks).await, (16, 16));
    // A 17th ask behind the worst is refused by the full side...
    let watch = [Env::market_watch(&m), maker.watch()].concat();
    env.expect_fail(&[ask(200)], &[&maker.owner], code(E::BookFull), &watch)
        .await;
    // ...and rests once the side has grown, as does an 18th.
    let payer = payer_with(&mut env, 1_000_000_000).await;
    env.send(&[grow(&payer, &k, GrowTarget::Asks, 2)], &[&payer])
        .await
        .unwrap();
    env.send(&[ask(200)], &[&maker.owner]).await.unwrap();
    env.send(&[ask(201)], &[&maker.owner]).await.unwrap();
    assert_eq!(side(&mut env, &k.asks).await, (18, 18));
    // A sweep takes 10 of them; the queue grows with their fills in it,
    // then the crank applies every one.
    let sweep = PlaceOrderArgs {
        match_limit: 10,
        ..order(Side::Bid, OrderType::ImmediateOrCancel, 300, 10)
    };
    env.send(
        &[build::place_order(&taker.key(), &k, sweep, None)],
        &[&taker.owner],
    )
    .await
    .unwrap();
    env.send(&[grow(&payer, &k, GrowTarget::EventQueue, 160)], &[&payer])
        .await
        .unwrap();
    let ev = env
        .send(
            &[build::consume_events(
                &payer.pubkey(),
                &k.market,
                &k.event_queue,
                &[maker.account],
                64,
            )],
            &[&payer],
        )
        .await
        .unwrap();
    let consumed: u64 = ev
        .iter()
        .map(|e| match e {
            ProgramEvent::EventsConsumed(c) => u64::from(c.count),
            _ => 0,
        })
        .sum();
    assert_eq!(consumed, 10);
    let mut data = env.data(&k.event_queue).await;
    let q = EventQueue::load(&mut data[8..]).unwrap();
    assert_eq!((q.header.capacity, q.len()), (288, 0));
    assert_eq!(side(&mut env, &k.asks).await, (18, 8));
    let maker_state = env.trader_state(&maker).await;
    assert_eq!(maker_state.open_orders, 8);
}
