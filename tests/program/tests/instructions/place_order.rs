//! place_order: every order type, top-ups and refusals.

use super::*;

#[tokio::test]
async fn place_order_paths() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    let ev = world
        .place(
            &a,
            PlaceOrderArgs {
                client_order_id: 77,
                ..order(Side::Ask, OrderType::Limit, 100, 10)
            },
        )
        .await
        .unwrap();
    let ask_id = placed_id(&ev);
    let book = decode::book(&world.env.data(&k.asks).await).unwrap();
    assert_eq!(
        book.l2(5),
        vec![decode::L2Level {
            price: 100,
            base_lots: 10,
            orders: 1
        }]
    );

    // A crossing bid fills 4 and pays the crank reward for one queued event.
    let lamports = world.env.lamports(&b.key()).await;
    let market_lamports = world.env.lamports(&k.market).await;
    let ev = world
        .place(&b, order(Side::Bid, OrderType::Limit, 100, 4))
        .await
        .unwrap();
    assert_eq!(world.env.lamports(&b.key()).await, lamports - 5_000);
    assert_eq!(world.env.lamports(&k.market).await, market_lamports + 5_000);
    let fill = ev
        .iter()
        .find_map(|e| {
            if let ProgramEvent::OrderFilled(x) = e {
                Some(x.clone())
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(
        (
            fill.maker_order_id,
            fill.base_lots,
            fill.quote,
            fill.taker_fee
        ),
        (ask_id, 4, 4_000, 2)
    );
    let s = seqs(&ev);
    assert!(
        s.windows(2).all(|w| w[1] == w[0] + 1),
        "event sequence numbers are consecutive: {s:?}"
    );

    // Refusals of the buyer's order, each changing nothing.
    let refusals = [
        (
            order(Side::Bid, OrderType::Limit, 0, 1),
            None,
            code(E::InvalidPrice),
        ),
        (
            order(Side::Bid, OrderType::PostOnly, 100, 1),
            None,
            code(E::PostOnlyWouldCross),
        ),
        (
            order(Side::Bid, OrderType::FillOrKill, 100, 7),
            None,
            code(E::FillOrKillNotFilled),
        ),
        // More than the free balance with no wallet accounts to top up from.
        (
            order(Side::Bid, OrderType::Limit, 90, 100_000),
            None,
            code(E::TopUpAccountsMissing),
        ),
        // With the wallet, but the wallet cannot cover the shortfall either
        // (the token program's InsufficientFunds).
        (
            order(Side::Bid, OrderType::Limit, 90, 1_000_000),
            Some((TokenKind::Quote, b.quote_wallet)),
            TxError::Custom(1),
        ),
        // Top-up account of the wrong token (base for a bid).
        (
            order(Side::Bid, OrderType::Limit, 90, 100_000),
            Some((TokenKind::Base, b.base_wallet)),
            code(E::WrongMint),
        ),
    ];
    for (args, top_up, want) in refusals {
        let ix = build::place_order(&b.key(), &k, args, top_up);
        world.fail(ix, &b.owner, want).await;
    }
    let abort = PlaceOrderArgs {
        self_trade: SelfTradeMode::AbortTransaction,
        ..order(Side::Bid, OrderType::Limit, 100, 1)
    };
    world
        .env
        .deposit(&world.market, &a, TokenKind::Quote, 1_000_000)
        .await
        .unwrap();
    world
        .fail(
            build::place_order(&a.key(), &k, abort, None),
            &a.owner,
            code(E::SelfTradeAborted),
        )
        .await;
    // Another trader's account, and another market's book.
    let mut ix = build::place_order(
        &b.key(),
        &k,
        order(Side::Bid, OrderType::Limit, 90, 1),
        None,
    );
    ix.accounts[5].pubkey = a.account;
    world.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    let mut ix = build::place_order(
        &b.key(),
        &k,
        order(Side::Bid, OrderType::Limit, 90, 1),
        None,
    );
    ix.accounts[2].pubkey = k.asks;
    world.fail(ix, &b.owner, code(E::WrongMarketAccount)).await;
    // Batches: atomic, bounded.
    let too_many = vec![order(Side::Bid, OrderType::Limit, 50, 1); 9];
    world
        .fail(
            build::place_orders(&b.key(), &k, too_many, None),
            &b.owner,
            code(E::TooManyOrders),
        )
        .await;
    let batch = vec![
        order(Side::Bid, OrderType::Limit, 50, 1),
        order(Side::Bid, OrderType::PostOnly, 100, 1),
    ];
    world
        .fail(
            build::place_orders(&b.key(), &k, batch, None),
            &b.owner,
            code(E::PostOnlyWouldCross),
        )
        .await;
    let batch = vec![
        order(Side::Bid, OrderType::Limit, 50, 1),
        order(Side::Bid, OrderType::Limit, 51, 1),
    ];
    let ev = world
        .env
        .send(
            &[build::place_orders(&b.key(), &k, batch, None)],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, ProgramEvent::OrderPlaced(_)))
            .count(),
        2
    );
    // cancel_all_and_place replaces both quotes atomically.
    let ev = world
        .env
        .send(
            &[build::cancel_all_and_place(
                &b.key(),
                &k,
                vec![order(Side::Bid, OrderType::Limit, 60, 3)],
                None,
            )],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, ProgramEvent::OrderCancelled(_)))
            .count(),
        2
    );
    let bids = decode::book(&world.env.data(&k.bids).await).unwrap();
    assert_eq!(
        bids.l2(10),
        vec![decode::L2Level {
            price: 60,
            base_lots: 3,
            orders: 1
        }]
    );
}
