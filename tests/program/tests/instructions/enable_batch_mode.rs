//! enable_batch_mode: the market authority makes an Active market with
//! empty books a sealed batch market.

use super::*;

#[tokio::test]
async fn a_market_becomes_a_batch_market_and_refuses_continuous_orders_and_cancels() {
    let mut w = two_traders().await;
    w.env.set_slot(500).await;
    let batch = w.env.batch_account(3 * BATCH_ENTRIES).await.pubkey();
    let authority = w.market.authority.insecure_clone();
    let ix = build::enable_batch_mode(&authority.pubkey(), &w.market.keys, &batch, batch_args());
    let ev = w.env.send(&[ix], &[&authority]).await.unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ProgramEvent::BatchModeEnabled(e)] if e.batch_account == batch && e.start_slot == 501 && e.entries_per_batch == BATCH_ENTRIES
    ));
    assert_eq!(w.env.market(&w.market).await.batch, batch);
    let buyer = w.buyer.clone();
    let place = build::place_order(
        &buyer.key(),
        &w.market.keys,
        order(Side::Bid, OrderType::Limit, 100, 1),
        None,
    );
    w.fail(place, &buyer.owner, code(E::SealedBatchMarket))
        .await;
    let cancel = build::cancel_order(&buyer.key(), &w.market.keys, 1);
    w.fail(cancel, &buyer.owner, code(E::SealedBatchMarket))
        .await;
}

#[tokio::test]
async fn only_the_authority_with_empty_books_a_queue_for_a_full_clear_and_a_large_enough_pool() {
    let mut w = two_traders().await;
    let authority = w.market.authority.insecure_clone();
    let k = w.market.keys;
    let stranger = w.buyer.clone();
    let batch = w.env.batch_account(3 * BATCH_ENTRIES).await.pubkey();
    let not_authority = build::enable_batch_mode(&stranger.key(), &k, &batch, batch_args());
    w.fail(not_authority, &stranger.owner, code(E::NotMarketAuthority))
        .await;
    // 64 entries need room for 64 + 4 × 64 events; the queue holds 256.
    let big = orderbook::instructions::BatchModeArgs {
        entries_per_batch: 64,
        ..batch_args()
    };
    let ix = build::enable_batch_mode(&authority.pubkey(), &k, &batch, big);
    w.fail(ix, &authority, code(E::InvalidBatchParams)).await;
    // A pool smaller than three batches.
    let small = w.env.batch_account(2 * BATCH_ENTRIES).await.pubkey();
    let ix = build::enable_batch_mode(&authority.pubkey(), &k, &small, batch_args());
    w.fail(ix, &authority, code(E::InvalidBatchParams)).await;
    let no_reveal = orderbook::instructions::BatchModeArgs {
        reveal_slots: 0,
        ..batch_args()
    };
    let ix = build::enable_batch_mode(&authority.pubkey(), &k, &batch, no_reveal);
    w.fail(ix, &authority, code(E::InvalidBatchParams)).await;
    // A resting order.
    let seller = w.seller.clone();
    w.place(&seller, order(Side::Ask, OrderType::Limit, 100, 1))
        .await
        .unwrap();
    let ix = build::enable_batch_mode(&authority.pubkey(), &k, &batch, batch_args());
    w.fail(ix, &authority, code(E::BatchModeNotAllowed)).await;
}

#[tokio::test]
async fn a_market_with_a_positive_maker_fee_cannot_batch() {
    let mut env = Env::start().await;
    let mut cfg = MarketCfg::default();
    cfg.args.maker_fee_ppm = 100;
    let m = env.create_market(cfg).await;
    let batch = env.batch_account(3 * BATCH_ENTRIES).await.pubkey();
    let ix = build::enable_batch_mode(&m.authority.pubkey(), &m.keys, &batch, batch_args());
    let mut watch = Env::market_watch(&m);
    watch.push(batch);
    env.expect_fail(&[ix], &[&m.authority], code(E::BatchMakerFee), &watch)
        .await;
}

#[tokio::test]
async fn a_batch_market_cannot_be_enabled_twice() {
    let mut b = batch_market().await;
    let other = b.w.env.batch_account(3 * BATCH_ENTRIES).await.pubkey();
    let authority = b.w.market.authority.insecure_clone();
    let ix = build::enable_batch_mode(&authority.pubkey(), &b.w.market.keys, &other, batch_args());
    b.refused(ix, &[&authority], code(E::BatchModeNotAllowed))
        .await;
}
