//! cancel_order, cancel_by_client_id and cancel_all.

use super::*;

/// The seller's asks at 100 (client id 5), 101 (client id 6) and 102; the first two ids.
async fn three_asks() -> (TwoTraders, u64, u64) {
    let mut world = two_traders().await;
    let seller = world.seller.clone();
    let mut ids = Vec::new();
    for (price, client_order_id) in [(100, 5), (101, 6), (102, 0)] {
        let ask = PlaceOrderArgs {
            client_order_id,
            ..order(Side::Ask, OrderType::Limit, price, 10)
        };
        ids.push(placed_id(&world.place(&seller, ask).await.unwrap()));
    }
    (world, ids[0], ids[1])
}

#[tokio::test]
async fn an_unknown_order_id_is_refused() {
    let (mut world, _, _) = three_asks().await;
    let seller = world.seller.clone();
    let ix = build::cancel_order(&seller.key(), &world.market.keys, 999);
    world.fail(ix, &seller.owner, code(E::OrderNotFound)).await;
}

#[tokio::test]
async fn another_traders_order_is_not_found_for_the_canceller() {
    let (mut world, first, _) = three_asks().await;
    let buyer = world.buyer.clone();
    let ix = build::cancel_order(&buyer.key(), &world.market.keys, first);
    world.fail(ix, &buyer.owner, code(E::OrderNotFound)).await;
}

#[tokio::test]
async fn another_traders_account_is_refused() {
    let (mut world, first, _) = three_asks().await;
    let buyer = world.buyer.clone();
    let mut ix = build::cancel_order(&buyer.key(), &world.market.keys, first);
    ix.accounts[4].pubkey = world.seller.account;
    world
        .fail(ix, &buyer.owner, code(E::WrongTraderAccount))
        .await;
}

#[tokio::test]
async fn an_unknown_client_order_id_is_refused() {
    let (mut world, _, _) = three_asks().await;
    let seller = world.seller.clone();
    let ix = build::cancel_by_client_id(&seller.key(), &world.market.keys, 99);
    world.fail(ix, &seller.owner, code(E::OrderNotFound)).await;
}

#[tokio::test]
async fn cancel_by_order_id_emits_the_order_cancelled() {
    let (mut world, first, _) = three_asks().await;
    let seller = world.seller.clone();
    let ix = build::cancel_order(&seller.key(), &world.market.keys, first);
    let ev = world.env.send(&[ix], &[&seller.owner]).await.unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == first && c.client_order_id == 5)
    );
}

#[tokio::test]
async fn cancel_by_client_order_id_finds_the_order() {
    let (mut world, _, second) = three_asks().await;
    let seller = world.seller.clone();
    let ix = build::cancel_by_client_id(&seller.key(), &world.market.keys, 6);
    let ev = world.env.send(&[ix], &[&seller.owner]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == second));
}

#[tokio::test]
async fn cancel_all_of_a_side_releases_every_lock() {
    let (mut world, _, _) = three_asks().await;
    let seller = world.seller.clone();
    let ix = build::cancel_all(&seller.key(), &world.market.keys, Some(Side::Ask), 10);
    let ev = world.env.send(&[ix], &[&seller.owner]).await.unwrap();
    assert_eq!(ev.len(), 3);
    let state = world.env.trader_state(&seller).await;
    assert_eq!(
        (state.balances.locked_base.get(), state.open_orders),
        (0, 0)
    );
}

#[tokio::test]
async fn cancel_all_with_nothing_to_cancel_succeeds_and_emits_nothing() {
    let mut world = two_traders().await;
    let seller = world.seller.clone();
    let ix = build::cancel_all(&seller.key(), &world.market.keys, None, 10);
    assert!(
        world
            .env
            .send(&[ix], &[&seller.owner])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn cancelling_an_expiring_order_refunds_its_prepaid_reward() {
    let mut f = maker_taker().await;
    let maker = f.maker.clone();
    let before = f.env.lamports(&maker.key()).await;
    let ix = build::place_order(
        &maker.key(),
        &f.m.keys,
        expiring(Side::Ask, 300, 1, NOW + 60),
        None,
    );
    let ev = f.env.send(&[ix], &[&maker.owner]).await.unwrap();
    let id = placed_id(&ev);
    let ix = build::cancel_order(&maker.key(), &f.m.keys, id);
    f.env.send(&[ix], &[&maker.owner]).await.unwrap();
    assert_eq!(
        f.env.lamports(&maker.key()).await,
        before,
        "the cancel refunds the reward"
    );
    assert_eq!(f.pending().await, 0, "nothing is held back");
}
