//! prune_expired: anyone removes expired orders from a side.

use super::*;

#[tokio::test]
async fn an_expired_ask_is_removed_and_a_live_one_stays() {
    let mut world = two_traders().await;
    let (k, s, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    world.env.set_time(1_000).await;
    let expiring = PlaceOrderArgs {
        expiry: 1_100,
        ..order(Side::Ask, OrderType::Limit, 100, 5)
    };
    world.place(&s, expiring).await.unwrap();
    world
        .place(&s, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    world.env.set_time(1_200).await;
    let ix = build::prune_expired(&b.key(), &k, Side::Ask, 10);
    let ev = world.env.send(&[ix], &[&b.owner]).await.unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderOut(o)] if o.reason == orderbook::types::OutReason::Expired && o.base_lots == 5)
    );
    let asks = decode::book(&world.env.data(&k.asks).await).unwrap();
    assert_eq!(asks.orders.len(), 1);
}

#[tokio::test]
async fn pruning_costs_the_pruner_only_the_fee_and_the_cranker_earns_the_prepaid_reward() {
    let mut f = maker_taker().await;
    let maker = f.maker.clone();
    let expiry = NOW + 30;
    f.place_cost(&maker, expiring(Side::Ask, 200, 5, expiry))
        .await;
    f.env.set_time(expiry).await;
    let pruner = f.env.payer();
    let before = f.env.lamports(&pruner.pubkey()).await;
    let ix = build::prune_expired(&pruner.pubkey(), &f.m.keys, Side::Ask, 8);
    let ev = f.env.send(&[ix], &[]).await.unwrap();
    assert!(ev.iter().any(|e| matches!(e, ProgramEvent::OrderOut(_))));
    let fee = 5_000;
    assert_eq!(f.env.lamports(&pruner.pubkey()).await, before - fee);
    assert_eq!(f.crank().await, f.reward);
}
