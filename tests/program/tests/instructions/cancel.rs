//! cancel_order, cancel_by_client_id, cancel_all.

use super::*;

#[tokio::test]
async fn cancel_paths() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    let id1 = placed_id(
        &world
            .place(
                &a,
                PlaceOrderArgs {
                    client_order_id: 5,
                    ..order(Side::Ask, OrderType::Limit, 100, 10)
                },
            )
            .await
            .unwrap(),
    );
    let id2 = placed_id(
        &world
            .place(
                &a,
                PlaceOrderArgs {
                    client_order_id: 6,
                    ..order(Side::Ask, OrderType::Limit, 101, 10)
                },
            )
            .await
            .unwrap(),
    );
    world
        .place(&a, order(Side::Ask, OrderType::Limit, 102, 10))
        .await
        .unwrap();
    world
        .fail(
            build::cancel_order(&a.key(), &k, 999),
            &a.owner,
            code(E::OrderNotFound),
        )
        .await;
    world
        .fail(
            build::cancel_order(&b.key(), &k, id1),
            &b.owner,
            code(E::OrderNotFound),
        )
        .await;
    let mut ix = build::cancel_order(&b.key(), &k, id1);
    ix.accounts[4].pubkey = a.account;
    world.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    world
        .fail(
            build::cancel_by_client_id(&a.key(), &k, 99),
            &a.owner,
            code(E::OrderNotFound),
        )
        .await;

    let ev = world
        .env
        .send(&[build::cancel_order(&a.key(), &k, id1)], &[&a.owner])
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == id1 && c.client_order_id == 5)
    );
    let ev = world
        .env
        .send(&[build::cancel_by_client_id(&a.key(), &k, 6)], &[&a.owner])
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == id2));
    let ev = world
        .env
        .send(
            &[build::cancel_all(&a.key(), &k, Some(Side::Ask), 10)],
            &[&a.owner],
        )
        .await
        .unwrap();
    assert_eq!(ev.len(), 1);
    let trader_state = world.env.trader_state(&a).await;
    assert_eq!(
        (
            trader_state.balances.locked_base.get(),
            trader_state.open_orders
        ),
        (0, 0)
    );
    // Cancel-all with nothing to cancel succeeds and emits nothing.
    assert!(
        world
            .env
            .send(&[build::cancel_all(&a.key(), &k, None, 10)], &[&a.owner])
            .await
            .unwrap()
            .is_empty()
    );
}
