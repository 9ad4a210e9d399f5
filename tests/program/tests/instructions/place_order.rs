//! place_order, place_orders and cancel_all_and_place: each order type,
//! the crank reward a taker pre-pays, batches, and every refusal (each
//! leaving every watched account unchanged).

use super::*;

/// The seller's limit ask of 10 lots at 100, resting; its order id.
async fn resting_ask() -> (TwoTraders, u64) {
    let mut world = two_traders().await;
    let seller = world.seller.clone();
    let ask = PlaceOrderArgs {
        client_order_id: 77,
        ..order(Side::Ask, OrderType::Limit, 100, 10)
    };
    let ev = world.place(&seller, ask).await.unwrap();
    let id = placed_id(&ev);
    (world, id)
}

/// The buyer's bid `args` refused with `want`, with `top_up` as its wallet account.
async fn bid_refused(args: PlaceOrderArgs, top_up: Option<(TokenKind, Pubkey)>, want: TxError) {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let ix = build::place_order(&buyer.key(), &world.market.keys, args, top_up);
    world.fail(ix, &buyer.owner, want).await;
}

fn bid(price: u64, lots: u64) -> PlaceOrderArgs {
    order(Side::Bid, OrderType::Limit, price, lots)
}

#[tokio::test]
async fn a_limit_ask_rests_on_the_book() {
    let (mut world, _) = resting_ask().await;
    let book = decode::book(&world.env.data(&world.market.keys.asks).await).unwrap();
    let level = decode::L2Level {
        price: 100,
        base_lots: 10,
        orders: 1,
    };
    assert_eq!(book.l2(5), vec![level]);
}

#[tokio::test]
async fn a_crossing_bid_fills_and_prepays_the_crank_reward_of_its_event() {
    let (mut world, ask_id) = resting_ask().await;
    let (buyer, market) = (world.buyer.clone(), world.market.keys.market);
    let lamports = world.env.lamports(&buyer.key()).await;
    let market_lamports = world.env.lamports(&market).await;
    let ev = world.place(&buyer, bid(100, 4)).await.unwrap();
    assert_eq!(world.env.lamports(&buyer.key()).await, lamports - 5_000);
    assert_eq!(world.env.lamports(&market).await, market_lamports + 5_000);
    let fill = ev
        .iter()
        .find_map(|e| match e {
            ProgramEvent::OrderFilled(x) => Some(x.clone()),
            _ => None,
        })
        .expect("an OrderFilled event");
    let fill = (
        fill.maker_order_id,
        fill.base_lots,
        fill.quote,
        fill.taker_fee,
    );
    assert_eq!(fill, (ask_id, 4, 4_000, 2));
    let s = seqs(&ev);
    assert!(
        s.windows(2).all(|w| w[1] == w[0] + 1),
        "event sequence numbers are consecutive: {s:?}"
    );
}

#[tokio::test]
async fn a_zero_price_is_refused() {
    bid_refused(bid(0, 1), None, code(E::InvalidPrice)).await;
}

#[tokio::test]
async fn a_post_only_bid_that_would_cross_is_refused() {
    let post_only = order(Side::Bid, OrderType::PostOnly, 100, 1);
    bid_refused(post_only, None, code(E::PostOnlyWouldCross)).await;
}

#[tokio::test]
async fn a_fill_or_kill_the_book_cannot_fill_is_refused() {
    let fok = order(Side::Bid, OrderType::FillOrKill, 100, 11); // the book holds 10
    bid_refused(fok, None, code(E::FillOrKillNotFilled)).await;
}

#[tokio::test]
async fn a_bid_over_the_free_balance_without_wallet_accounts_is_refused() {
    bid_refused(bid(90, 100_000), None, code(E::TopUpAccountsMissing)).await;
}

#[tokio::test]
async fn a_top_up_the_wallet_cannot_cover_is_refused_by_the_token_program() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let top_up = Some((TokenKind::Quote, buyer.quote_wallet));
    let ix = build::place_order(&buyer.key(), &world.market.keys, bid(90, 1_000_000), top_up);
    // The token program's InsufficientFunds.
    world.fail(ix, &buyer.owner, TxError::Custom(1)).await;
}

#[tokio::test]
async fn a_top_up_from_the_other_token_is_refused() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let top_up = Some((TokenKind::Base, buyer.base_wallet));
    let ix = build::place_order(&buyer.key(), &world.market.keys, bid(90, 100_000), top_up);
    world.fail(ix, &buyer.owner, code(E::WrongMint)).await;
}

#[tokio::test]
async fn a_self_trade_in_abort_mode_aborts_the_transaction() {
    let (mut world, _) = resting_ask().await;
    let seller = world.seller.clone();
    world
        .env
        .deposit(&world.market, &seller, TokenKind::Quote, 1_000_000)
        .await
        .unwrap();
    let abort = PlaceOrderArgs {
        self_trade: SelfTradeMode::AbortTransaction,
        ..bid(100, 1)
    };
    let ix = build::place_order(&seller.key(), &world.market.keys, abort, None);
    world
        .fail(ix, &seller.owner, code(E::SelfTradeAborted))
        .await;
}

#[tokio::test]
async fn another_traders_account_is_refused() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let mut ix = build::place_order(&buyer.key(), &world.market.keys, bid(90, 1), None);
    ix.accounts[5].pubkey = world.seller.account;
    world
        .fail(ix, &buyer.owner, code(E::WrongTraderAccount))
        .await;
}

#[tokio::test]
async fn the_other_sides_book_in_place_of_the_bids_is_refused() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let mut ix = build::place_order(&buyer.key(), &world.market.keys, bid(90, 1), None);
    ix.accounts[2].pubkey = world.market.keys.asks;
    world
        .fail(ix, &buyer.owner, code(E::WrongMarketAccount))
        .await;
}

#[tokio::test]
async fn a_batch_over_the_limit_is_refused() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let too_many = vec![bid(50, 1); MAX_ORDERS_PER_BATCH + 1];
    let ix = build::place_orders(&buyer.key(), &world.market.keys, too_many, None);
    world.fail(ix, &buyer.owner, code(E::TooManyOrders)).await;
}

#[tokio::test]
async fn a_batch_with_one_refused_order_places_none() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let batch = vec![bid(50, 1), order(Side::Bid, OrderType::PostOnly, 100, 1)];
    let ix = build::place_orders(&buyer.key(), &world.market.keys, batch, None);
    world
        .fail(ix, &buyer.owner, code(E::PostOnlyWouldCross))
        .await;
}

#[tokio::test]
async fn a_batch_places_every_order() {
    let (mut world, _) = resting_ask().await;
    let buyer = world.buyer.clone();
    let ix = build::place_orders(
        &buyer.key(),
        &world.market.keys,
        vec![bid(50, 1), bid(51, 1)],
        None,
    );
    let ev = world.env.send(&[ix], &[&buyer.owner]).await.unwrap();
    let placed = ev
        .iter()
        .filter(|e| matches!(e, ProgramEvent::OrderPlaced(_)))
        .count();
    assert_eq!(placed, 2);
}

#[tokio::test]
async fn cancel_all_and_place_replaces_the_quotes_at_once() {
    let (mut world, _) = resting_ask().await;
    let (buyer, k) = (world.buyer.clone(), world.market.keys);
    let ix = build::place_orders(&buyer.key(), &k, vec![bid(50, 1), bid(51, 1)], None);
    world.env.send(&[ix], &[&buyer.owner]).await.unwrap();
    let replace = build::cancel_all_and_place(&buyer.key(), &k, vec![bid(60, 3)], None);
    let ev = world.env.send(&[replace], &[&buyer.owner]).await.unwrap();
    let cancelled = ev
        .iter()
        .filter(|e| matches!(e, ProgramEvent::OrderCancelled(_)))
        .count();
    assert_eq!(cancelled, 2);
    let bids = decode::book(&world.env.data(&k.bids).await).unwrap();
    let level = decode::L2Level {
        price: 60,
        base_lots: 3,
        orders: 1,
    };
    assert_eq!(bids.l2(10), vec![level]);
}

#[tokio::test]
async fn an_expiring_order_prepays_its_final_fill_and_a_partial_fill_is_the_takers_to_pay() {
    let mut f = maker_taker().await;
    let (maker, taker, r) = (f.maker.clone(), f.taker.clone(), f.reward as i64);
    let cost = f
        .place_cost(&maker, expiring(Side::Ask, 100, 5, NOW + 60))
        .await;
    assert_eq!(cost, r, "placement pre-pays one reward");
    assert_eq!(f.pending().await, f.reward);
    let ioc = |lots| order(Side::Bid, OrderType::ImmediateOrCancel, 100, lots);
    assert_eq!(
        f.place_cost(&taker, ioc(2)).await,
        r,
        "a partial fill is the taker's"
    );
    assert_eq!(
        f.place_cost(&taker, ioc(3)).await,
        0,
        "the final fill was pre-paid"
    );
    assert_eq!(f.crank().await, 2 * f.reward);
    assert_eq!(f.pending().await, 0);
}

#[tokio::test]
async fn a_taker_removing_an_expired_maker_pays_nothing_for_its_event() {
    let mut f = maker_taker().await;
    let (maker, taker) = (f.maker.clone(), f.taker.clone());
    f.place_cost(&maker, expiring(Side::Ask, 100, 5, NOW + 10))
        .await;
    f.env.set_time(NOW + 20).await;
    let cost = f
        .place_cost(&taker, order(Side::Bid, OrderType::Limit, 100, 1))
        .await;
    assert_eq!(cost, 0, "the maker pre-paid its expiry");
    assert_eq!(f.crank().await, f.reward, "the cranker still earns it");
}

#[tokio::test]
async fn an_expiry_beyond_the_order_lifetime_is_refused() {
    let mut f = maker_taker().await;
    let maker = f.maker.clone();
    for expiry in [u64::MAX, 1 << 63, NOW as u64 + MAX_ORDER_LIFETIME_SECS + 1] {
        let args = PlaceOrderArgs {
            expiry,
            ..order(Side::Ask, OrderType::Limit, 100, 1)
        };
        let ix = build::place_order(&maker.key(), &f.m.keys, args, None);
        f.refused(ix, &[&maker.owner], code(E::ExpiryTooFar)).await;
    }
}

#[tokio::test]
async fn an_expiry_at_the_order_lifetime_is_accepted() {
    let mut f = maker_taker().await;
    let maker = f.maker.clone();
    let longest = expiring(Side::Ask, 100, 1, NOW + MAX_ORDER_LIFETIME_SECS as i64);
    assert_eq!(f.place_cost(&maker, longest).await, f.reward as i64);
}

/// A market order's price field is ignored; the event reports its effective
/// limit, so no price the program emits is out of range.
#[tokio::test]
async fn a_market_order_reports_its_effective_limit() {
    let mut f = maker_taker().await;
    let taker = f.taker.clone();
    let args = PlaceOrderArgs {
        price: u64::MAX,
        max_base_lots: u64::MAX,
        max_quote: 1_000,
        ..order(Side::Bid, OrderType::Market, 0, 1)
    };
    let ix = build::place_order(&taker.key(), &f.m.keys, args, None);
    let ev = f.env.send(&[ix], &[&taker.owner]).await.unwrap();
    let ProgramEvent::OrderPlaced(placed) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(placed.price, orderbook_engine::market::MAX_PRICE_TICKS);
    assert_eq!(placed.max_base_lots, u64::MAX);
}

#[tokio::test]
async fn every_account_of_a_second_market_is_refused() {
    let mut f = maker_taker().await;
    let (maker, k) = (f.maker.clone(), f.m.keys);
    let other = f.env.create_market(MarketCfg::default()).await;
    // The same owner's trader account on the other market (same trader id 1).
    let other_trader = f.env.trader(&other, 0, 0).await;
    let substitutions = [
        (2, other.keys.bids, E::WrongMarketAccount),
        (3, other.keys.asks, E::WrongMarketAccount),
        (4, other.keys.event_queue, E::WrongMarketAccount),
        (5, other_trader.account, E::WrongTraderAccount),
    ];
    for (index, key, want) in substitutions {
        let mut ix = build::place_order(
            &maker.key(),
            &k,
            order(Side::Ask, OrderType::Limit, 100, 1),
            None,
        );
        ix.accounts[index].pubkey = key;
        f.refused(ix, &[&maker.owner], code(want)).await;
    }
}

#[tokio::test]
async fn a_trader_account_of_a_second_market_is_refused_even_signed_by_its_owner() {
    let mut f = maker_taker().await;
    let k = f.m.keys;
    let other = f.env.create_market(MarketCfg::default()).await;
    let other_trader = f.env.trader(&other, 0, 0).await;
    let mut ix = build::place_order(
        &other_trader.key(),
        &k,
        order(Side::Ask, OrderType::Limit, 100, 1),
        None,
    );
    ix.accounts[5].pubkey = other_trader.account;
    f.refused(ix, &[&other_trader.owner], code(E::WrongTraderAccount))
        .await;
}
