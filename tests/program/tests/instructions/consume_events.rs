//! consume_events: the crank pays, and skips makers it was not given.

use super::*;

#[tokio::test]
async fn consume_events_pays_and_skips_missing_makers() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    let c = world.env.trader(&world.market, 10_000_000, 0).await;
    world
        .env
        .deposit(&world.market, &c, TokenKind::Base, 10_000_000)
        .await
        .unwrap();
    world
        .place(&a, order(Side::Ask, OrderType::Limit, 100, 5))
        .await
        .unwrap();
    world
        .place(&c, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    world
        .place(&a, order(Side::Ask, OrderType::Limit, 102, 5))
        .await
        .unwrap();
    world
        .place(&b, order(Side::Bid, OrderType::ImmediateOrCancel, 102, 15))
        .await
        .unwrap();
    assert_eq!(
        decode::event_queue(&world.env.data(&k.event_queue).await)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        world.env.market(&world.market).await.pending_crank_lamports,
        15_000
    );

    let cranker = Kp::new();
    let payer = world.env.payer();
    world
        .env
        .send(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &payer.pubkey(),
                &cranker.pubkey(),
                1_000_000_000,
            )],
            &[],
        )
        .await
        .unwrap();
    let wrong_queue = build::consume_events(&cranker.pubkey(), &k.market, &k.bids, &[a.account], 8);
    world
        .fail(wrong_queue, &cranker, code(E::WrongMarketAccount))
        .await;
    // Only a's account: the first event (a) applies, the second (c) is missing: stop, no failure.
    let before = world.env.lamports(&cranker.pubkey()).await;
    let ev = world
        .env
        .send(
            &[build::consume_events(
                &cranker.pubkey(),
                &k.market,
                &k.event_queue,
                &[a.account],
                8,
            )],
            &[&cranker],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::EventsConsumed(e)] if e.count == 1 && e.reward_lamports == 5_000)
    );
    assert_eq!(world.env.lamports(&cranker.pubkey()).await, before + 5_000);
    // A call that can apply nothing changes nothing.
    let w = world.watch();
    let before = world.env.snapshot(&w).await;
    assert!(
        world
            .env
            .send(
                &[build::consume_events(
                    &cranker.pubkey(),
                    &k.market,
                    &k.event_queue,
                    &[a.account],
                    8
                )],
                &[&cranker]
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(world.env.snapshot(&w).await, before);
    // Both makers: the queue drains and the cranker earns two more rewards.
    let before = world.env.lamports(&cranker.pubkey()).await;
    world
        .env
        .send(
            &[build::consume_events(
                &cranker.pubkey(),
                &k.market,
                &k.event_queue,
                &[c.account, a.account],
                8,
            )],
            &[&cranker],
        )
        .await
        .unwrap();
    assert!(
        decode::event_queue(&world.env.data(&k.event_queue).await)
            .unwrap()
            .is_empty()
    );
    assert_eq!(world.env.lamports(&cranker.pubkey()).await, before + 10_000);
    assert_eq!(
        world.env.market(&world.market).await.pending_crank_lamports,
        0
    );
    assert_eq!(
        world.env.trader_state(&c).await.balances.free_quote.get(),
        5 * 1010
    ); // 5 lots @101, rebate f(5)=0
}
