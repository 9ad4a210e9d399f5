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

/// The maker's ask of 4 lots with two 1-lot fills queued; a crank of the
/// market's queue with `makers` as its remaining accounts.
async fn two_queued_fills() -> MakerTaker {
    let mut f = maker_taker().await;
    let (maker, taker) = (f.maker.clone(), f.taker.clone());
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 4))
        .await;
    for _ in 0..2 {
        f.place_cost(
            &taker,
            order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
        )
        .await;
    }
    f
}

fn crank_with(f: &MakerTaker, cranker: &Pubkey, makers: Vec<AccountMeta>) -> Instruction {
    let k = f.m.keys;
    let mut ix = build::consume_events(cranker, &k.market, &k.event_queue, &[], 8);
    ix.accounts.extend(makers);
    ix
}

/// Events an `EventsConsumed` says were applied (0 without one).
fn applied(ev: &[ProgramEvent]) -> u32 {
    ev.iter()
        .find_map(|e| match e {
            ProgramEvent::EventsConsumed(c) => Some(c.count),
            _ => None,
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn read_only_foreign_and_other_market_makers_are_skipped_without_failing() {
    let mut f = two_queued_fills().await;
    let maker = f.maker.clone();
    let other = f.env.create_market(MarketCfg::default()).await;
    let other_maker = f.env.trader(&other, 0, 0).await; // trader id 1 there too
    let payer = f.env.payer().pubkey();
    let skipped = [
        AccountMeta::new_readonly(maker.account, false),
        AccountMeta::new(maker.base_wallet, false),
        AccountMeta::new(other_maker.account, false),
    ];
    for meta in skipped {
        let before = f.env.snapshot(&[maker.account, other_maker.account]).await;
        let ev = f
            .env
            .send(&[crank_with(&f, &payer, vec![meta.clone()])], &[])
            .await
            .unwrap();
        assert_eq!(applied(&ev), 0, "{meta:?} was used");
        assert_eq!(
            before,
            f.env.snapshot(&[maker.account, other_maker.account]).await
        );
    }
}

#[tokio::test]
async fn a_maker_listed_three_times_is_credited_once_per_event() {
    let mut f = two_queued_fills().await;
    let maker = f.maker.clone();
    let payer = f.env.payer().pubkey();
    let before = f.env.trader_state(&maker).await.balances;
    let duplicate = vec![AccountMeta::new(maker.account, false); 3];
    let ev = f
        .env
        .send(&[crank_with(&f, &payer, duplicate)], &[])
        .await
        .unwrap();
    assert_eq!(applied(&ev), 2);
    let after = f.env.trader_state(&maker).await.balances;
    let two_lots = 2 * f.env.market(&f.m).await.engine().base_lot_size;
    assert_eq!(after.locked_base.get(), before.locked_base.get() - two_lots);
}

#[tokio::test]
async fn a_second_markets_queue_is_refused() {
    let mut f = maker_taker().await;
    let k = f.m.keys;
    let other = f.env.create_market(MarketCfg::default()).await;
    let payer = f.env.payer();
    let mut ix = build::consume_events(&payer.pubkey(), &k.market, &k.event_queue, &[], 8);
    ix.accounts[2].pubkey = other.keys.event_queue;
    f.refused(ix, &[], code(E::WrongMarketAccount)).await;
}
