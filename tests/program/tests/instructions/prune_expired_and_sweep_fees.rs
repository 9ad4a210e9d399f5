//! prune_expired and sweep_fees.

use super::*;

#[tokio::test]
async fn prune_expired_and_sweep_fees() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    world.env.set_time(1_000).await;
    world
        .place(
            &a,
            PlaceOrderArgs {
                expiry: 1_100,
                ..order(Side::Ask, OrderType::Limit, 100, 5)
            },
        )
        .await
        .unwrap();
    world
        .place(&a, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    world.env.set_time(1_200).await;
    let ev = world
        .env
        .send(
            &[build::prune_expired(&b.key(), &k, Side::Ask, 10)],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderOut(o)] if o.reason == orderbook::types::OutReason::Expired && o.base_lots == 5)
    );
    assert_eq!(
        decode::book(&world.env.data(&k.asks).await)
            .unwrap()
            .orders
            .len(),
        1
    );
    // Trade to accrue fees, then sweep.
    world
        .place(&b, order(Side::Bid, OrderType::ImmediateOrCancel, 101, 5))
        .await
        .unwrap();
    let fees = world
        .env
        .market(&world.market)
        .await
        .engine()
        .accrued_fees
        .get();
    assert!(fees > 0);
    let fee_auth = world.market.fee_authority.insecure_clone();
    let dest = world
        .env
        .token_account(&k.quote_mint, &fee_auth.pubkey(), TOKEN)
        .await;
    world
        .fail(
            build::sweep_fees(&a.key(), &k, TokenKind::Quote, &dest),
            &a.owner,
            code(E::NotFeeAuthority),
        )
        .await;
    world
        .fail(
            build::sweep_fees(&fee_auth.pubkey(), &k, TokenKind::Quote, &a.base_wallet),
            &fee_auth,
            anchor_code(Anchor::ConstraintTokenMint),
        )
        .await;
    let ev = world
        .env
        .send(
            &[build::sweep_fees(
                &fee_auth.pubkey(),
                &k,
                TokenKind::Quote,
                &dest,
            )],
            &[&fee_auth],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::FeesSwept(s)] if s.amount == fees));
    assert_eq!(world.env.token_balance(&dest).await, fees);
    assert_eq!(
        world
            .env
            .market(&world.market)
            .await
            .engine()
            .accrued_fees
            .get(),
        0
    );
}
