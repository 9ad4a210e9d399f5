//! Scenario tests: every order type, self-trade mode, expiry, limits, fees,
//! cancels and cranking, with exact balances. Prices: one lot at `p` ticks
//! costs `6 * p` quote atoms (tick 3 quote lots × quote lot 2 atoms); a lot
//! is 10 base atoms.

mod common;

use common::{Exchange, NOW, order, params};
use orderbook_engine::market::MAX_PRICE_TICKS;
use orderbook_engine::market::MarketStatus;
use orderbook_engine::order::{MAX_EXPIRED_PER_MATCH, MAX_ORDER_LIFETIME_SECS, NO_QUOTE_LIMIT};
use orderbook_engine::{
    BaseLots, EngineError, EventKind, OrderType, OutReason, QuoteAtoms, SelfTradeMode, Side, Ticks,
};

const RICH: u64 = 1_000_000_000;

fn ex(taker: u32, maker: i32) -> Exchange {
    Exchange::new(&params(taker, maker), 8, 32)
}

#[test]
fn limit_bid_rests_and_locks_quote_plus_positive_maker_fee() {
    let mut x = ex(2_000, 1_000);
    let a = x.trader(0, 10_000);
    let out = x
        .place(a, &order(Side::Bid, OrderType::Limit, 100, 7))
        .unwrap();
    assert_eq!(out.posted, BaseLots(7));
    // 7 lots × 600 atoms = 4200, maker fee floor(4200 × 0.1%) = 4.
    let b = x.t(a).balances;
    assert_eq!((b.free_quote.0, b.locked_quote.0), (10_000 - 4_204, 4_204));
    assert_eq!(x.book(Side::Bid), vec![(100, 7, a, out.order_id)]);
    x.check();
    // Cancelling returns exactly the lock.
    x.cancel(a, out.order_id).unwrap();
    assert_eq!(x.t(a).balances.free_quote.0, 10_000);
    assert_eq!(x.t(a).open_orders, 0);
    x.check();
}

#[test]
fn price_time_priority_and_maker_fills_through_the_queue() {
    let mut x = ex(1_000, -500);
    let (m1, m2, m3) = (x.trader(RICH, 0), x.trader(RICH, 0), x.trader(RICH, 0));
    let taker = x.trader(0, RICH);
    let o1 = x
        .place(m1, &order(Side::Ask, OrderType::Limit, 101, 5))
        .unwrap()
        .order_id;
    let o2 = x
        .place(m2, &order(Side::Ask, OrderType::Limit, 100, 5))
        .unwrap()
        .order_id;
    let o3 = x
        .place(m3, &order(Side::Ask, OrderType::Limit, 100, 5))
        .unwrap()
        .order_id;
    assert_eq!(
        x.book(Side::Ask),
        vec![(100, 5, m2, o2), (100, 5, m3, o3), (101, 5, m1, o1)],
        "best price first, then oldest"
    );
    // Buy 12 up to 101: 5 from m2 @100, 5 from m3 @100, 2 from m1 @101.
    let out = x
        .place(taker, &order(Side::Bid, OrderType::Limit, 101, 12))
        .unwrap();
    assert_eq!(out.filled_base, BaseLots(12));
    let quote = 10 * 600 + 2 * 606;
    assert_eq!(out.filled_quote, QuoteAtoms(quote));
    // Taker fee is ceil per fill: 3 + 3 + ceil(1.212) = 8.
    assert_eq!(out.taker_fee, QuoteAtoms(8));
    assert_eq!(out.posted, BaseLots(0));
    assert_eq!(x.t(taker).balances.free_base.0, 120);
    assert_eq!(x.t(taker).balances.free_quote.0, RICH - quote - 8);
    let evs = x.events();
    assert_eq!(evs.len(), 3);
    assert_eq!(
        evs.iter()
            .map(|e| (e.maker_trader_id, e.base_lots.0, e.maker_out))
            .collect::<Vec<_>>(),
        vec![(m2, 5, 1), (m3, 5, 1), (m1, 2, 0)]
    );
    // Rebate telescopes: m1's 5-lot order worth 3030 has f(5)=1, f(3)=0 → 1.
    assert_eq!(
        evs.iter().map(|e| e.maker_fee).collect::<Vec<_>>(),
        vec![-1, -1, -1]
    );
    assert_eq!(x.book(Side::Ask), vec![(101, 3, m1, o1)]);
    x.check();
    // Makers have nothing until the crank runs.
    assert_eq!(x.t(m2).balances.free_quote.0, 0);
    assert_eq!(x.crank_all(), 3);
    assert_eq!(x.t(m2).balances.free_quote.0, 3_001);
    assert_eq!(x.t(m2).balances.locked_base.0, 0);
    assert_eq!(
        x.t(m2).open_orders,
        0,
        "filled order's slot is freed by the crank"
    );
    assert_eq!(
        x.t(m1).open_orders,
        1,
        "partially filled order keeps its slot"
    );
    assert_eq!(x.m.header.accrued_fees, QuoteAtoms(8 - 3));
    x.check();
}

#[test]
fn post_only_rejects_a_cross_and_slide_reprices() {
    let mut x = ex(0, 0);
    let (a, b) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    x.place(a, &order(Side::Ask, OrderType::Limit, 100, 5))
        .unwrap();
    x.place(a, &order(Side::Bid, OrderType::Limit, 90, 5))
        .unwrap();
    x.assert_rejected(EngineError::PostOnlyWouldCross, |x| {
        x.place(b, &order(Side::Bid, OrderType::PostOnly, 100, 1))
    });
    let out = x
        .place(b, &order(Side::Bid, OrderType::PostOnlySlide, 105, 1))
        .unwrap();
    assert_eq!(
        (out.posted_price, out.filled_base),
        (Ticks(99), BaseLots(0))
    );
    // The best bid is now b's slid bid at 99, so an ask slides to 100.
    let out = x
        .place(b, &order(Side::Ask, OrderType::PostOnlySlide, 80, 1))
        .unwrap();
    assert_eq!(out.posted_price, Ticks(100));
    // Non-crossing post-only keeps its price.
    let out = x
        .place(b, &order(Side::Ask, OrderType::PostOnly, 120, 1))
        .unwrap();
    assert_eq!(out.posted_price, Ticks(120));
    x.check();
}

#[test]
fn ioc_takes_then_cancels_the_rest() {
    let mut x = ex(0, 0);
    let (m, t) = (x.trader(RICH, 0), x.trader(0, RICH));
    x.place(m, &order(Side::Ask, OrderType::Limit, 100, 3))
        .unwrap();
    let out = x
        .place(t, &order(Side::Bid, OrderType::ImmediateOrCancel, 100, 10))
        .unwrap();
    assert_eq!((out.filled_base, out.posted), (BaseLots(3), BaseLots(0)));
    assert!(x.book(Side::Bid).is_empty());
    assert_eq!(x.t(t).open_orders, 0);
    assert_eq!(x.t(t).balances.locked_quote.0, 0);
    x.check();
}

#[test]
fn fill_or_kill_is_all_or_nothing() {
    let mut x = ex(1_000, 0);
    let (m, t) = (x.trader(RICH, 0), x.trader(0, RICH));
    x.place(m, &order(Side::Ask, OrderType::Limit, 100, 3))
        .unwrap();
    x.place(m, &order(Side::Ask, OrderType::Limit, 102, 3))
        .unwrap();
    x.assert_rejected(EngineError::FillOrKillNotFilled, |x| {
        x.place(t, &order(Side::Bid, OrderType::FillOrKill, 101, 4))
    });
    let out = x
        .place(t, &order(Side::Bid, OrderType::FillOrKill, 102, 4))
        .unwrap();
    assert_eq!(out.filled_base, BaseLots(4));
    x.check();
}

#[test]
fn market_orders_by_base_and_by_quote_budget() {
    let mut x = ex(10_000, 0); // 1% taker fee
    let (m, t) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    x.place(m, &order(Side::Ask, OrderType::Limit, 100, 5))
        .unwrap();
    x.place(m, &order(Side::Ask, OrderType::Limit, 200, 5))
        .unwrap();
    x.place(m, &order(Side::Bid, OrderType::Limit, 50, 10))
        .unwrap();

    // A market buy with no budget cannot be funded: its worst case is unbounded.
    x.assert_rejected(EngineError::InsufficientFunds, |x| {
        x.place(t, &order(Side::Bid, OrderType::Market, 0, 1))
    });
    // Buy by quote budget: 5 lots @100 cost 3000 + 30 fee; 2500 left buys
    // floor(2500 / (1200 × 1.01)) = 2 lots @200 (2400 + 24).
    let by_quote = orderbook_engine::OrderParams {
        max_base: BaseLots::MAX,
        max_quote: QuoteAtoms(5_530),
        ..order(Side::Bid, OrderType::Market, 0, 1)
    };
    let before = x.t(t).balances.free_quote.0;
    let out = x.place(t, &by_quote).unwrap();
    assert_eq!(out.filled_base, BaseLots(7));
    assert_eq!(before - x.t(t).balances.free_quote.0, 3_030 + 2_424);
    // Sell by base, market: hits the bid at 50.
    let out = x
        .place(t, &order(Side::Ask, OrderType::Market, 0, 4))
        .unwrap();
    assert_eq!(
        (out.filled_base, out.filled_quote),
        (BaseLots(4), QuoteAtoms(4 * 300))
    );
    // Sell until receiving 700 gross: 2 lots (600); a third would exceed.
    let sell_q = orderbook_engine::OrderParams {
        max_quote: QuoteAtoms(700),
        ..order(Side::Ask, OrderType::Market, 0, 100)
    };
    let out = x.place(t, &sell_q).unwrap();
    assert_eq!(out.filled_base, BaseLots(2));
    x.check();
}

#[test]
fn resting_orders_refuse_a_quote_limit() {
    let mut x = ex(0, 0);
    let t = x.trader(RICH, RICH);
    let p = orderbook_engine::OrderParams {
        max_quote: QuoteAtoms(10),
        ..order(Side::Bid, OrderType::Limit, 10, 1)
    };
    x.assert_rejected(EngineError::InvalidSize, |x| x.place(t, &p));
}

#[test]
fn self_trade_decrement_take() {
    let mut x = ex(1_000, 0);
    let (a, b) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    let own = x
        .place(a, &order(Side::Ask, OrderType::Limit, 100, 4))
        .unwrap()
        .order_id;
    x.place(b, &order(Side::Ask, OrderType::Limit, 101, 4))
        .unwrap();
    let p = order(Side::Bid, OrderType::Limit, 101, 6);
    let out = x.place(a, &p).unwrap();
    // 4 lots cancel against the own order (no fee, no trade), 2 fill vs b.
    assert_eq!(out.self_trade_decremented, BaseLots(4));
    assert_eq!((out.filled_base, out.posted), (BaseLots(2), BaseLots(0)));
    let evs = x.events();
    assert_eq!(evs[0].kind(), Ok(EventKind::Out));
    assert_eq!(evs[0].out_reason, OutReason::SelfTrade as u8);
    assert_eq!((evs[0].maker_order_seq, evs[0].maker_out), (own, 1));
    x.crank_all();
    assert_eq!(x.t(a).balances.locked_base.0, 0);
    assert_eq!(x.t(a).open_orders, 0);
    x.check();

    // Partial decrement: the own order shrinks and keeps resting.
    let own = x
        .place(a, &order(Side::Ask, OrderType::Limit, 100, 10))
        .unwrap()
        .order_id;
    x.place(a, &order(Side::Bid, OrderType::ImmediateOrCancel, 100, 3))
        .unwrap();
    assert_eq!(x.book(Side::Ask)[0], (100, 7, a, own));
    x.crank_all();
    assert_eq!(
        x.t(a).balances.locked_base.0,
        70,
        "only the 7 remaining lots stay locked"
    );
    x.check();
}

#[test]
fn self_trade_cancel_provide_and_abort() {
    let mut x = ex(0, 0);
    let (a, b) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    x.place(a, &order(Side::Ask, OrderType::Limit, 100, 4))
        .unwrap();
    x.place(b, &order(Side::Ask, OrderType::Limit, 100, 4))
        .unwrap();
    let abort = orderbook_engine::OrderParams {
        self_trade: SelfTradeMode::AbortTransaction,
        ..order(Side::Bid, OrderType::Limit, 100, 6)
    };
    x.assert_rejected(EngineError::SelfTradeAborted, |x| x.place(a, &abort));
    let cancel = orderbook_engine::OrderParams {
        self_trade: SelfTradeMode::CancelProvide,
        ..order(Side::Bid, OrderType::Limit, 100, 6)
    };
    let out = x.place(a, &cancel).unwrap();
    // Own ask removed, 4 filled from b, 2 rest as a bid at 100.
    assert_eq!((out.filled_base, out.posted), (BaseLots(4), BaseLots(2)));
    assert!(x.book(Side::Ask).is_empty());
    x.crank_all();
    x.check();
}

#[test]
fn expired_makers_are_removed_lazily_and_bounded() {
    let mut x = Exchange::new(&params(0, 0), 16, 64);
    let makers: Vec<u32> = (0..=MAX_EXPIRED_PER_MATCH)
        .map(|_| x.trader(RICH, 0))
        .collect();
    let live = x.trader(RICH, 0);
    let t = x.trader(0, RICH);
    for (i, &m) in makers.iter().enumerate() {
        let p = orderbook_engine::OrderParams {
            expiry: NOW + 10,
            ..order(Side::Ask, OrderType::Limit, 100 + i as u64, 1)
        };
        x.place(m, &p).unwrap();
    }
    x.place(live, &order(Side::Ask, OrderType::Limit, 110, 1))
        .unwrap();
    x.assert_rejected(EngineError::AlreadyExpired, |x| {
        let p = orderbook_engine::OrderParams {
            expiry: NOW,
            ..order(Side::Bid, OrderType::Limit, 1, 1)
        };
        x.place(t, &p)
    });
    // Later, a bid through the book removes only MAX_EXPIRED_PER_MATCH expired
    // orders, is blocked by the next one, and does not rest (it would cross).
    let out = x
        .place_at(t, &order(Side::Bid, OrderType::Limit, 110, 1), NOW + 10)
        .unwrap();
    assert_eq!(out.expired_removed, MAX_EXPIRED_PER_MATCH);
    assert_eq!((out.filled_base, out.posted), (BaseLots(0), BaseLots(0)));
    assert_eq!(x.book(Side::Ask).len(), 2);
    let outs = x.events();
    assert!(
        outs.iter()
            .all(|e| e.out_reason == OutReason::Expired as u8 && e.maker_out == 1)
    );
    x.crank_all();
    assert_eq!(
        x.t(makers[0]).balances.free_base.0,
        RICH,
        "expired maker got its base back"
    );
    // The next call gets through to the live order.
    let out = x
        .place_at(t, &order(Side::Bid, OrderType::Limit, 110, 1), NOW + 10)
        .unwrap();
    assert_eq!((out.expired_removed, out.filled_base), (1, BaseLots(1)));
    x.crank_all();
    x.check();
}

#[test]
fn prune_expired_is_bounded_and_resumes() {
    let mut x = Exchange::new(&params(0, 0), 64, 64);
    let ts: Vec<u32> = (0..2).map(|_| x.trader(RICH, RICH)).collect();
    for i in 0..40u64 {
        let p = orderbook_engine::OrderParams {
            expiry: NOW + 1 + i % 2,
            ..order(Side::Bid, OrderType::Limit, 10 + i, 1)
        };
        x.place(ts[(i % 2) as usize], &p)
            .unwrap_or_else(|e| panic!("{i}: {e}"));
    }
    let n =
        x.m.market()
            .unwrap()
            .prune_expired(Side::Bid, NOW + 1, 5)
            .unwrap();
    assert_eq!(n, 5);
    let n =
        x.m.market()
            .unwrap()
            .prune_expired(Side::Bid, NOW + 1, 100)
            .unwrap();
    assert_eq!(n, 15, "the rest of the orders expiring at NOW+1");
    assert_eq!(x.book(Side::Bid).len(), 20);
    x.crank_all();
    x.check();
}

#[test]
fn match_limit_stops_and_a_crossing_remainder_is_not_posted() {
    let mut x = ex(0, 0);
    let m = x.trader(RICH, 0);
    let t = x.trader(0, RICH);
    for p in 100..104 {
        x.place(m, &order(Side::Ask, OrderType::Limit, p, 1))
            .unwrap();
    }
    let p = orderbook_engine::OrderParams {
        match_limit: 2,
        ..order(Side::Bid, OrderType::Limit, 105, 10)
    };
    let out = x.place(t, &p).unwrap();
    assert_eq!(
        (out.matches, out.filled_base, out.posted),
        (2, BaseLots(2), BaseLots(0))
    );
    assert!(x.book(Side::Bid).is_empty());
    x.assert_rejected(EngineError::InvalidMatchLimit, |x| {
        x.place(
            t,
            &orderbook_engine::OrderParams {
                match_limit: 0,
                ..p
            },
        )
    });
    x.crank_all();
    x.check();
}

#[test]
fn cancels_by_id_client_id_and_all() {
    let mut x = ex(0, 0);
    let (a, t) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    let mut ids = vec![];
    for i in 0..5u64 {
        let p = orderbook_engine::OrderParams {
            client_order_id: 100 + i,
            ..if i % 2 == 0 {
                order(Side::Bid, OrderType::Limit, 50 + i, 1)
            } else {
                order(Side::Ask, OrderType::Limit, 100 + i, 1)
            }
        };
        ids.push(x.place(a, &p).unwrap().order_id);
    }
    x.assert_rejected(EngineError::OrderNotFound, |x| x.cancel(t, ids[0]));
    assert_eq!(x.cancel(a, ids[0]).unwrap().client_order_id, 100);
    x.assert_rejected(EngineError::OrderNotFound, |x| x.cancel(a, ids[0]));
    let c = {
        let tr = x.traders.get_mut(&a).unwrap();
        x.m.market().unwrap().cancel_by_client_id(tr, 103).unwrap()
    };
    assert_eq!(c.order_id, ids[3]);
    let mut seen = vec![];
    let n = {
        let tr = x.traders.get_mut(&a).unwrap();
        x.m.market()
            .unwrap()
            .cancel_all(tr, Some(Side::Bid), 1, |c| seen.push(c.order_id))
            .unwrap()
    };
    assert_eq!((n, seen.len()), (1, 1));
    let n = {
        let tr = x.traders.get_mut(&a).unwrap();
        x.m.market()
            .unwrap()
            .cancel_all(tr, None, 10, |_| {})
            .unwrap()
    };
    assert_eq!(n, 2, "the other bid and the ask");
    assert!(x.t(a).balances.locked_base.0 == 0 && x.t(a).balances.locked_quote.0 == 0);
    assert_eq!(x.t(a).open_orders, 0);

    // A fully filled order cannot be cancelled; its slot frees on the crank.
    let id = x
        .place(a, &order(Side::Ask, OrderType::Limit, 100, 1))
        .unwrap()
        .order_id;
    x.place(t, &order(Side::Bid, OrderType::Limit, 100, 1))
        .unwrap();
    x.assert_rejected(EngineError::OrderNotFound, |x| x.cancel(a, id));
    assert_eq!(x.t(a).open_orders, 1);
    x.crank_all();
    assert_eq!(x.t(a).open_orders, 0);
    x.check();
}

#[test]
fn full_book_evicts_the_worst_only_for_a_better_order() {
    let mut x = Exchange::new(&params(0, 0), 3, 16);
    let (a, b) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    for p in [10, 11, 12] {
        x.place(a, &order(Side::Bid, OrderType::Limit, p, 1))
            .unwrap();
    }
    x.assert_rejected(EngineError::BookFull, |x| {
        x.place(b, &order(Side::Bid, OrderType::Limit, 10, 1))
    });
    let out = x
        .place(b, &order(Side::Bid, OrderType::Limit, 13, 1))
        .unwrap();
    assert_eq!(out.events_pushed, 1);
    let ev = x.events()[0];
    assert_eq!(
        (ev.out_reason, ev.price),
        (OutReason::Evicted as u8, Ticks(10))
    );
    assert_eq!(
        x.book(Side::Bid).iter().map(|o| o.0).collect::<Vec<_>>(),
        vec![13, 12, 11]
    );
    x.crank_all();
    x.check();
}

#[test]
fn full_event_queue_and_slots_are_typed_errors() {
    let mut x = Exchange::new(&params(0, 0), 64, 32);
    let (a, t) = (x.trader(RICH, RICH), x.trader(RICH, RICH));
    for i in 0..20 {
        x.place(a, &order(Side::Ask, OrderType::Limit, 100 + i, 1))
            .unwrap();
    }
    x.place(a, &order(Side::Ask, OrderType::Limit, 300, 1))
        .unwrap();
    // 20 fills leave 12 free events.
    let sweep = orderbook_engine::OrderParams {
        match_limit: 20,
        ..order(Side::Bid, OrderType::ImmediateOrCancel, 200, 20)
    };
    x.place(t, &sweep).unwrap();
    assert_eq!(x.m.market().unwrap().events.free(), 12);
    // A crossing order may need 16 fills + 5 expiries + 1 eviction: refused.
    x.assert_rejected(EngineError::EventQueueFull, |x| {
        x.place(t, &order(Side::Bid, OrderType::Limit, 300, 1))
    });
    // A passive order needs at most one event and is accepted.
    x.place(t, &order(Side::Bid, OrderType::Limit, 1, 1))
        .unwrap();
    x.crank_all();
    for i in 0..31 {
        x.place(a, &order(Side::Bid, OrderType::Limit, 10 + i, 1))
            .unwrap();
    }
    x.assert_rejected(EngineError::TooManyOpenOrders, |x| {
        x.place(a, &order(Side::Bid, OrderType::Limit, 5, 1))
    });
    // Taking needs no slot.
    x.place(a, &order(Side::Ask, OrderType::ImmediateOrCancel, 1, 1))
        .unwrap();
    x.crank_all();
    x.check();
}

#[test]
fn positive_maker_fee_telescopes_over_partial_fills() {
    let mut x = ex(3_000, 3_000);
    let (m, t) = (x.trader(0, RICH), x.trader(RICH, 0));
    // 9 lots @ 1111 ticks: value 9 × 6666 = 59994, fee f(9) = floor(179.982) = 179.
    x.place(m, &order(Side::Bid, OrderType::Limit, 1111, 9))
        .unwrap();
    let lock = x.t(m).balances.locked_quote.0;
    assert_eq!(lock, 59_994 + 179);
    for _ in 0..9 {
        x.place(t, &order(Side::Ask, OrderType::ImmediateOrCancel, 1111, 1))
            .unwrap();
        x.crank_all();
        x.check();
    }
    let fees: i64 = 179;
    assert_eq!(x.t(m).balances.locked_quote.0, 0, "lock released exactly");
    assert_eq!(x.t(m).balances.free_quote.0, RICH - 59_994 - fees as u64);
    assert_eq!(x.t(m).balances.free_base.0, 90);
}

#[test]
fn consume_checks_the_maker_and_withdraw_only_free() {
    let mut x = ex(0, 0);
    let (m, t) = (x.trader(RICH, 0), x.trader(0, RICH));
    x.place(m, &order(Side::Ask, OrderType::Limit, 100, 5))
        .unwrap();
    x.assert_rejected(EngineError::InsufficientFunds, |x| x.withdraw(m, RICH, 0));
    x.withdraw(m, RICH - 50, 0).unwrap();
    x.place(t, &order(Side::Bid, OrderType::Limit, 100, 5))
        .unwrap();
    let before = x.clone();
    {
        let wrong = x.traders.get_mut(&t).unwrap();
        assert_eq!(
            x.m.market().unwrap().consume_front(wrong).err(),
            Some(EngineError::EventTraderMismatch)
        );
    }
    assert_eq!(x, before);
    x.crank_all();
    assert_eq!(x.m.market().unwrap().events.front(), None);
    x.withdraw(m, 0, 3_000).unwrap();
    assert!(x.t(m).is_empty());
    x.check();
}

#[test]
fn market_status_gates_placement_not_cancels() {
    let mut x = ex(0, 0);
    let a = x.trader(RICH, RICH);
    let id = x
        .place(a, &order(Side::Bid, OrderType::Limit, 10, 1))
        .unwrap()
        .order_id;
    x.m.header.status = MarketStatus::PostOnly as u8;
    x.assert_rejected(EngineError::MarketPostOnly, |x| {
        x.place(a, &order(Side::Ask, OrderType::ImmediateOrCancel, 10, 1))
    });
    x.place(a, &order(Side::Ask, OrderType::PostOnly, 20, 1))
        .unwrap();
    x.m.header.status = MarketStatus::Paused as u8;
    x.assert_rejected(EngineError::MarketNotActive, |x| {
        x.place(a, &order(Side::Ask, OrderType::PostOnly, 30, 1))
    });
    x.cancel(a, id).unwrap();
    x.check();
}

#[test]
fn bad_prices_and_sizes_are_rejected() {
    let mut x = ex(0, 0);
    let a = x.trader(RICH, RICH);
    for (p, e) in [
        (
            order(Side::Bid, OrderType::Limit, 0, 1),
            EngineError::InvalidPrice,
        ),
        (
            order(Side::Bid, OrderType::Limit, 1 << 48, 1),
            EngineError::InvalidPrice,
        ),
        (
            order(Side::Bid, OrderType::Limit, 10, 0),
            EngineError::InvalidSize,
        ),
        (
            order(Side::Ask, OrderType::Limit, (1 << 48) - 1, u64::MAX / 4),
            EngineError::InvalidSize,
        ),
        (
            order(Side::Bid, OrderType::Limit, 10, RICH),
            EngineError::InsufficientFunds,
        ),
    ] {
        x.assert_rejected(e, |x| x.place(a, &p));
    }
    let _ = NO_QUOTE_LIMIT;
}

/// Finding: post-only orders treated expired makers as live. An ask 3@100
/// expired at 1500 and a live ask 3@103: at 2000 a `PostOnly` bid at 100 must
/// rest at 100 and a `PostOnlySlide` bid at 104 must slide to 102, exactly as
/// a `Limit` bid removes the dead ask and rests.
#[test]
fn post_only_orders_look_past_expired_makers() {
    for (order_type, price, rests_at) in [
        (OrderType::PostOnly, 100, 100),
        (OrderType::PostOnlySlide, 104, 102),
        (OrderType::Limit, 100, 100),
    ] {
        let mut x = ex(0, 0);
        let maker = x.trader(RICH, 0);
        let bidder = x.trader(0, RICH);
        let dead = orderbook_engine::OrderParams {
            expiry: 1_500,
            ..order(Side::Ask, OrderType::Limit, 100, 3)
        };
        x.place(maker, &dead).unwrap();
        x.place(maker, &order(Side::Ask, OrderType::Limit, 103, 3))
            .unwrap();
        let out = x
            .place_at(bidder, &order(Side::Bid, order_type, price, 2), 2_000)
            .unwrap_or_else(|e| panic!("{order_type:?}: {e:?}"));
        assert_eq!(out.posted_price, Ticks(rests_at), "{order_type:?}");
        assert_eq!(out.posted, BaseLots(2), "{order_type:?}");
        assert_eq!(out.expired_removed, 1, "{order_type:?}");
        let asks: Vec<u64> = x.book(Side::Ask).iter().map(|o| o.0).collect();
        assert_eq!(asks, vec![103], "{order_type:?}: the dead ask is gone");
        let evs = x.events();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].out_reason, OutReason::Expired as u8);
        assert!(evs[0].reward_prepaid(), "its owner pre-paid the crank");
        x.crank_all();
        assert_eq!(
            x.t(maker).balances.locked_base.0,
            30,
            "only 103 still locked"
        );
        x.check();
    }
}

/// The expiry is bounded so every consumer can store it as a signed time.
#[test]
fn expiry_is_bounded_to_max_order_lifetime() {
    let mut x = ex(0, 0);
    let t = x.trader(RICH, RICH);
    for expiry in [u64::MAX, 1 << 63, NOW + MAX_ORDER_LIFETIME_SECS + 1] {
        x.assert_rejected(EngineError::ExpiryTooFar, |x| {
            let p = orderbook_engine::OrderParams {
                expiry,
                ..order(Side::Bid, OrderType::Limit, 1, 1)
            };
            x.place(t, &p)
        });
    }
    let p = orderbook_engine::OrderParams {
        expiry: NOW + MAX_ORDER_LIFETIME_SECS,
        ..order(Side::Bid, OrderType::Limit, 1, 1)
    };
    assert_eq!(x.place(t, &p).unwrap().posted, BaseLots(1));
    x.check();
}

/// Finding: lifetime volume counters could overflow after the balances and
/// the book had changed. The reproduction from the review: base lot 1, quote
/// lot 1, tick 1, no fees, price 2^48 - 1, two crossings of 35,000 lots
/// (≈ 9.85e18 quote atoms each) pass `u64::MAX` in quote volume.
#[test]
fn volume_past_u64_max_never_fails_a_trade() {
    let unit = orderbook_engine::MarketParams {
        base_lot_size: 1,
        quote_lot_size: 1,
        tick_size: orderbook_engine::QuoteLots(1),
        taker_fee_ppm: 0,
        maker_fee_ppm: 0,
    };
    let mut x = Exchange::new(&unit, 8, 32);
    let lots = 35_000u64;
    let value = lots * MAX_PRICE_TICKS;
    // A taking bid must also cover one rounding atom per possible match.
    let spare = 64;
    let a = x.trader(lots, spare);
    let b = x.trader(0, value + spare);
    let ioc = |side| order(side, OrderType::ImmediateOrCancel, MAX_PRICE_TICKS, lots);
    x.place(
        a,
        &order(Side::Ask, OrderType::Limit, MAX_PRICE_TICKS, lots),
    )
    .unwrap();
    assert_eq!(x.place(b, &ioc(Side::Bid)).unwrap().filled_base.0, lots);
    x.crank_all();
    x.place(
        b,
        &order(Side::Ask, OrderType::Limit, MAX_PRICE_TICKS, lots),
    )
    .unwrap();
    let out = x.place(a, &ioc(Side::Bid)).unwrap();
    assert_eq!((out.filled_base.0, out.filled_quote.0), (lots, value));
    x.crank_all();
    let expected_quote = 2 * value as u128;
    let (carry, low) = x.m.header.total_quote_volume();
    assert_eq!((carry as u128) << 64 | low as u128, expected_quote);
    assert_eq!(carry, 1, "quote volume passed u64::MAX");
    assert_eq!(x.m.header.total_base_volume(), (0, 2 * lots));
    assert!(x.book(Side::Ask).is_empty());
    // Swapped there and back: each trader ends with what it started with.
    let balances = |id| {
        let bal = x.t(id).balances;
        (bal.free_base.0, bal.free_quote.0)
    };
    assert_eq!(balances(a), (lots, spare));
    assert_eq!(balances(b), (0, value + spare));
    x.check();
}

/// A post-only bid can never take, so it must not be asked to cover the
/// taker fee: a market maker quotes with its whole balance. Taker 1%, maker
/// 0: a bid for exactly the free 1,200 quote atoms (2 lots at 100) rests;
/// with a 0.1% maker fee it needs its resting lock, 1,200 + 1.
#[test]
fn post_only_bids_need_only_their_resting_lock() {
    for order_type in [OrderType::PostOnly, OrderType::PostOnlySlide] {
        let mut x = ex(10_000, 0);
        let maker = x.trader(0, 1_200);
        let out = x
            .place(maker, &order(Side::Bid, order_type, 100, 2))
            .unwrap();
        assert_eq!(out.posted, BaseLots(2));
        let balances = x.t(maker).balances;
        assert_eq!((balances.free_quote.0, balances.locked_quote.0), (0, 1_200));
        x.check();
        // A limit bid of the same size may take, so it still needs the taker fee.
        let taker_side = x.trader(0, 1_200);
        x.assert_rejected(EngineError::InsufficientFunds, |x| {
            x.place(taker_side, &order(Side::Bid, OrderType::Limit, 100, 2))
        });

        let mut x = ex(10_000, 1_000);
        let short = x.trader(0, 1_200);
        x.assert_rejected(EngineError::InsufficientFunds, |x| {
            x.place(short, &order(Side::Bid, order_type, 100, 2))
        });
        let enough = x.trader(0, 1_201);
        x.place(enough, &order(Side::Bid, order_type, 100, 2))
            .unwrap();
        assert_eq!(x.t(enough).balances.locked_quote.0, 1_201);
        x.check();
    }
}
