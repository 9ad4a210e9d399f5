//! Randomized, bounded sequences of transactions by several traders
//! (deposits, every order type, batches, cancels, cranks, prunes,
//! withdrawals), checking after every transaction, per mint:
//!   vault balance == Σ(free + locked) + accrued fees + what unconsumed events owe,
//! that each vault holds exactly what the market records it owes, that the
//! crank-reward lamports the market holds are exactly
//!   pending_crank_lamports == reward × (queued events + resting orders with an expiry)
//! on top of its rent, that a failed transaction changed no account, and
//! that the program's event sequence numbers run +1 with no gap across the
//! whole sequence.
//! `ORDERBOOK_SEQUENCES` (default 10) × `ORDERBOOK_STEPS` (default 60).

use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_engine::{EventKind, Side as ESide};
use orderbook_program_tests::*;

async fn check_conservation(env: &mut Env, m: &TestMarket, traders: &[TestTrader]) {
    let mk = env.market(m).await;
    let bls = mk.engine().base_lot_size as i128;
    let mut held = [0i128; 2];
    for t in traders {
        let b = env.trader_state(t).await.balances;
        held[0] += (b.free_base.get() + b.locked_base.get()) as i128;
        held[1] += (b.free_quote.get() + b.locked_quote.get()) as i128;
    }
    let mut owed = [0i128; 2];
    for ev in decode::event_queue(&env.data(&m.keys.event_queue).await).unwrap() {
        if ev.kind() == Ok(EventKind::Fill) {
            let base = ev.base_lots.get() as i128 * bls;
            let (q, f) = (ev.quote.get() as i128, ev.maker_fee as i128);
            match ev.maker_side().unwrap() {
                ESide::Bid => {
                    owed[0] += base;
                    owed[1] -= q + f;
                }
                ESide::Ask => {
                    owed[0] -= base;
                    owed[1] += q - f;
                }
            }
        }
    }
    let vault_base = env.token_balance(&m.keys.base_vault).await as i128;
    let vault_quote = env.token_balance(&m.keys.quote_vault).await as i128;
    assert_eq!(
        vault_base, mk.base_vault_owed as i128,
        "base vault obligation"
    );
    assert_eq!(
        vault_quote, mk.quote_vault_owed as i128,
        "quote vault obligation"
    );
    check_crank_lamports(env, m, &mk).await;
    assert_eq!(vault_base, held[0] + owed[0], "base vault conservation");
    assert_eq!(
        vault_quote,
        held[1] + mk.engine().accrued_fees.get() as i128 + owed[1],
        "quote vault conservation"
    );
}

/// Every crank reward a market holds is owed to a future cranker or to the
/// owner of a resting order with an expiry, and the market holds nothing else.
async fn check_crank_lamports(env: &mut Env, m: &TestMarket, mk: &orderbook::state::Market) {
    let queued = decode::event_queue(&env.data(&m.keys.event_queue).await)
        .unwrap()
        .len() as u64;
    let mut expiring = 0u64;
    for book in [m.keys.bids, m.keys.asks] {
        let book = decode::book(&env.data(&book).await).unwrap();
        expiring += book.orders.iter().filter(|o| o.expiry != 0).count() as u64;
    }
    assert_eq!(
        mk.pending_crank_lamports,
        mk.crank_reward_lamports * (queued + expiring),
        "pending crank lamports: {queued} queued events, {expiring} resting orders with an expiry"
    );
    let market_len = 8 + std::mem::size_of::<orderbook::state::Market>();
    let rent = env.rent(market_len).await;
    assert_eq!(
        env.lamports(&m.keys.market).await,
        rent + mk.pending_crank_lamports,
        "market lamports = rent + pending rewards"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_conserve_funds() {
    let sequences = env_num("ORDERBOOK_SEQUENCES", 10);
    let steps = env_num("ORDERBOOK_STEPS", 60);
    let (mut ok, mut failed) = (0u64, 0u64);
    for s in 0..sequences {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (s + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut env = Env::start().await;
        let mut cfg = MarketCfg {
            orders_per_side: 16,
            events: 128,
            ..MarketCfg::default()
        };
        cfg.args.maker_fee_ppm = [-100, 0, 200][(s % 3) as usize];
        let m = env.create_market(cfg).await;
        let mut traders = Vec::new();
        for _ in 0..3 {
            let t = env.trader(&m, 50_000_000, 50_000_000).await;
            env.deposit(&m, &t, TokenKind::Base, 20_000_000)
                .await
                .unwrap();
            env.deposit(&m, &t, TokenKind::Quote, 20_000_000)
                .await
                .unwrap();
            traders.push(t);
        }
        let mut last_seq = env.market(&m).await.engine().next_emit_seq - 1;
        let mut watch = Env::market_watch(&m);
        for t in &traders {
            watch.extend(t.watch());
        }
        let mut now = 10_000i64;
        env.set_time(now).await;
        for step in 0..steps {
            let t = &traders[rng.below(3) as usize];
            let k = m.keys;
            let owner = t.key();
            let rand_order = |rng: &mut Rng| {
                let side = if rng.below(2) == 0 {
                    Side::Bid
                } else {
                    Side::Ask
                };
                let order_type = [
                    OrderType::Limit,
                    OrderType::PostOnly,
                    OrderType::PostOnlySlide,
                    OrderType::ImmediateOrCancel,
                    OrderType::FillOrKill,
                    OrderType::Market,
                ][rng.below(6) as usize];
                let market_buy = order_type == OrderType::Market && side == Side::Bid;
                PlaceOrderArgs {
                    side,
                    order_type,
                    self_trade: [
                        SelfTradeMode::DecrementTake,
                        SelfTradeMode::CancelProvide,
                        SelfTradeMode::AbortTransaction,
                    ][rng.below(3) as usize],
                    price: 95 + rng.below(11),
                    max_base_lots: 1 + rng.below(30),
                    max_quote: if market_buy {
                        1 + rng.below(300_000)
                    } else {
                        u64::MAX
                    },
                    client_order_id: rng.below(4),
                    expiry: if rng.below(4) == 0 {
                        (now + 1 + rng.below(20) as i64) as u64
                    } else {
                        0
                    },
                    match_limit: 1 + rng.below(8) as u8,
                }
            };
            let top_up = |rng: &mut Rng, side: Side| {
                (rng.below(2) == 0).then_some(match side {
                    Side::Bid => (TokenKind::Quote, t.quote_wallet),
                    Side::Ask => (TokenKind::Base, t.base_wallet),
                })
            };
            let ix = match rng.below(14) {
                0 => build::deposit(
                    &owner,
                    &k,
                    TokenKind::Base,
                    &t.base_wallet,
                    1 + rng.below(2_000_000),
                ),
                1 => build::deposit(
                    &owner,
                    &k,
                    TokenKind::Quote,
                    &t.quote_wallet,
                    1 + rng.below(2_000_000),
                ),
                2 => build::withdraw(
                    &owner,
                    &k,
                    TokenKind::Base,
                    &t.base_wallet,
                    1 + rng.below(5_000_000),
                ),
                3 => build::withdraw(
                    &owner,
                    &k,
                    TokenKind::Quote,
                    &t.quote_wallet,
                    1 + rng.below(5_000_000),
                ),
                4..=7 => {
                    let o = rand_order(&mut rng);
                    let tu = top_up(&mut rng, o.side);
                    build::place_order(&owner, &k, o, tu)
                }
                8 => {
                    let orders = (0..1 + rng.below(3))
                        .map(|_| rand_order(&mut rng))
                        .collect();
                    if rng.below(2) == 0 {
                        build::place_orders(&owner, &k, orders, None)
                    } else {
                        build::cancel_all_and_place(&owner, &k, orders, None)
                    }
                }
                9 => {
                    let trader_state = env.trader_state(t).await;
                    let id = trader_state.orders[rng.below(32) as usize].order_seq;
                    build::cancel_order(&owner, &k, id)
                }
                10 => build::cancel_by_client_id(&owner, &k, rng.below(4)),
                11 => build::cancel_all(&owner, &k, None, rng.below(4) as u8),
                12 => {
                    let makers: Vec<_> = traders
                        .iter()
                        .filter(|_| rng.below(4) != 0)
                        .map(|t| t.account)
                        .collect();
                    build::consume_events(
                        &owner,
                        &k.market,
                        &k.event_queue,
                        &makers,
                        1 + rng.below(16) as u8,
                    )
                }
                _ => {
                    now += rng.below(8) as i64;
                    env.set_time(now).await;
                    build::prune_expired(
                        &owner,
                        &k,
                        if rng.below(2) == 0 {
                            Side::Bid
                        } else {
                            Side::Ask
                        },
                        4,
                    )
                }
            };
            let before = env.snapshot(&watch).await;
            match env.send(&[ix], &[&t.owner]).await {
                Ok(events) => {
                    ok += 1;
                    for e in &events {
                        let (mkey, seq) = e.seq();
                        assert_eq!(mkey, m.keys.market);
                        assert_eq!(
                            seq,
                            last_seq + 1,
                            "sequence {s} step {step}: event sequence gap"
                        );
                        last_seq = seq;
                    }
                    let _: &[ProgramEvent] = &events;
                }
                Err(_) => {
                    failed += 1;
                    let after = env.snapshot(&watch).await;
                    assert!(
                        before == after,
                        "sequence {s} step {step}: a failed transaction changed state"
                    );
                }
            }
            check_conservation(&mut env, &m, &traders).await;
        }
        // Crank everything: conservation with an empty queue, all makers settled.
        let makers: Vec<_> = traders.iter().map(|t| t.account).collect();
        let payer = env.payer();
        for _ in 0..4 {
            env.send(
                &[build::consume_events(
                    &payer.pubkey(),
                    &m.keys.market,
                    &m.keys.event_queue,
                    &makers,
                    64,
                )],
                &[],
            )
            .await
            .unwrap();
        }
        assert!(
            decode::event_queue(&env.data(&m.keys.event_queue).await)
                .unwrap()
                .is_empty()
        );
        check_conservation(&mut env, &m, &traders).await;
    }
    println!(
        "{sequences} sequences × {steps} steps: {ok} transactions succeeded, {failed} failed (each checked unchanged)"
    );
    assert!(
        ok > sequences * steps / 3,
        "too few successful transactions to mean anything"
    );
    assert!(failed > 0, "no failure path was exercised");
}
