//! close_market: only an empty, closed market closes, by its authority, and
//! its rent returns to its creator; donations and abandoned trader accounts
//! cannot block it (settle_trader and sweep_fees clear them).

use super::*;

#[tokio::test]
async fn closing_an_emptied_market_returns_every_lamport_of_rent_to_the_creator() {
    let mut env = Env::start().await;
    let base = env.create_mint(TOKEN, 6).await;
    let quote = env.create_mint(TOKEN, 6).await;
    let creator = env.payer().pubkey();
    let creator_start = env.lamports(&creator).await;
    let (m, ixs, kps) = env
        .create_market_ixs(MarketCfg::default(), base, quote)
        .await;
    let signers: Vec<&Kp> = kps.iter().collect();
    env.send(&ixs, &signers).await.unwrap();
    let k = m.keys;
    let accounts = Env::market_watch(&m);
    let mut rent = 0;
    for a in &accounts {
        rent += env.lamports(a).await;
    }
    assert!(
        creator_start > env.lamports(&creator).await + rent,
        "creator paid the rent"
    );

    // Trade, crank, sweep, withdraw, close traders.
    let a = env.trader(&m, 1_000_000, 0).await;
    let b = env.trader(&m, 0, 10_000_000).await;
    env.deposit(&m, &a, TokenKind::Base, 1_000_000)
        .await
        .unwrap();
    env.deposit(&m, &b, TokenKind::Quote, 10_000_000)
        .await
        .unwrap();
    env.send(
        &[build::place_order(
            &a.key(),
            &k,
            order(Side::Ask, OrderType::Limit, 100, 10),
            None,
        )],
        &[&a.owner],
    )
    .await
    .unwrap();
    env.send(
        &[build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::Limit, 100, 10),
            None,
        )],
        &[&b.owner],
    )
    .await
    .unwrap();

    let auth = m.authority.insecure_clone();
    env.expect_fail(
        &[build::close_market(&auth.pubkey(), &k, &creator, None)],
        &[&auth],
        code(E::MarketNotEmpty),
        &accounts,
    )
    .await;
    env.send(
        &[build::set_market_status(
            &auth.pubkey(),
            &k.market,
            MarketStatus::Closed,
        )],
        &[&auth],
    )
    .await
    .unwrap();
    env.expect_fail(
        &[build::close_market(&auth.pubkey(), &k, &creator, None)],
        &[&auth],
        code(E::MarketNotEmpty),
        &accounts,
    )
    .await;
    env.expect_fail(
        &[build::close_market(&a.key(), &k, &creator, None)],
        &[&a.owner],
        code(E::NotMarketAuthority),
        &accounts,
    )
    .await;
    env.expect_fail(
        &[build::close_market(&auth.pubkey(), &k, &a.key(), None)],
        &[&auth],
        code(E::WrongCreator),
        &accounts,
    )
    .await;

    env.send(
        &[build::consume_events(
            &a.key(),
            &k.market,
            &k.event_queue,
            &[a.account],
            8,
        )],
        &[&a.owner],
    )
    .await
    .unwrap();
    let fa = m.fee_authority.insecure_clone();
    let dest = env.token_account(&k.quote_mint, &fa.pubkey(), TOKEN).await;
    env.send(
        &[build::sweep_fees(&fa.pubkey(), &k, TokenKind::Quote, &dest)],
        &[&fa],
    )
    .await
    .unwrap();
    for t in [&a, &b] {
        let trader_state = env.trader_state(t).await;
        let b_amt = trader_state.balances.free_base.get();
        let q_amt = trader_state.balances.free_quote.get();
        if b_amt > 0 {
            env.send(
                &[build::withdraw(
                    &t.key(),
                    &k,
                    TokenKind::Base,
                    &t.base_wallet,
                    b_amt,
                )],
                &[&t.owner],
            )
            .await
            .unwrap();
        }
        if q_amt > 0 {
            env.send(
                &[build::withdraw(
                    &t.key(),
                    &k,
                    TokenKind::Quote,
                    &t.quote_wallet,
                    q_amt,
                )],
                &[&t.owner],
            )
            .await
            .unwrap();
        }
        env.send(
            &[build::close_trader_account(&t.key(), &k.market)],
            &[&t.owner],
        )
        .await
        .unwrap();
    }
    assert_eq!(
        env.token_balance(&k.base_vault).await + env.token_balance(&k.quote_vault).await,
        0
    );

    let before = env.lamports(&creator).await;
    let ev = env
        .send(
            &[build::close_market(&auth.pubkey(), &k, &creator, None)],
            &[&auth],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::MarketClosed(_)]));
    for a in &accounts {
        assert!(!env.exists(a).await, "account {a} still exists");
    }
    // The creator (also this transaction's fee payer) got back exactly the rent.
    let tx_fee = 5_000 * 2; // payer + authority signatures
    assert_eq!(env.lamports(&creator).await, before + rent - tx_fee);
}

#[tokio::test]
async fn donations_and_abandoned_traders_cannot_block_close_market() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    let authority = f.m.authority.insecure_clone();
    f.crank().await;
    let settle = settle_ix(&authority.pubkey(), &maker, &k);
    f.env.send(&[settle], &[&authority]).await.unwrap();
    empty_and_settle_by_stranger(&mut f, &taker).await;
    sweep_both(&mut f).await;
    let close = build::close_market(&authority.pubkey(), &k, &f.m.creator, None);
    f.env.send(&[close], &[&authority]).await.unwrap();
    assert!(!f.env.exists(&k.market).await);
}

/// A sealed batch market closes like a continuous one, once its batches
/// drained: closed, it takes no commitment or post; a reveal still lands
/// (refunding its bond) and the clear crosses nothing, releasing every lock;
/// its batch account is deleted with it once every batch is cleared and the
/// forfeited bonds are swept, its rent to the creator.
#[tokio::test]
async fn a_batch_market_closes_once_its_batches_are_cleared_and_its_forfeits_swept() {
    let mut b = batch_market().await;
    let (buyer, seller) = (b.w.buyer.clone(), b.w.seller.clone());
    let (k, batch) = (b.w.market.keys, b.batch);
    let auth = b.w.market.authority.insecure_clone();
    let creator = b.w.market.creator;
    // Batch 0: the buyer's sealed bid and the seller's queued ask would
    // cross; the seller's own commitment is never revealed.
    b.w.env.set_slot(BATCH_START).await;
    let bid = order(Side::Bid, OrderType::Limit, 102, 3);
    let salt = [7; 32];
    let commitment = b.commitment(&buyer, &bid, salt);
    let entry = b.commit_entry(&buyer, commitment).await;
    b.post(&seller, order(Side::Ask, OrderType::PostOnly, 101, 3))
        .await
        .unwrap();
    b.commit(&seller, [9; 32]).await.unwrap();
    let close = |batch: Option<Pubkey>| build::close_market(&auth.pubkey(), &k, &creator, batch);
    b.w.env
        .send(
            &[build::set_market_status(
                &auth.pubkey(),
                &k.market,
                MarketStatus::Closed,
            )],
            &[&auth],
        )
        .await
        .unwrap();
    // Closed: no new commitment or post, and not deletable yet.
    b.refused(
        build::commit_order(&buyer.key(), &k.market, &batch, 0, [1; 32]),
        &[&buyer.owner],
        code(E::MarketNotActive),
    )
    .await;
    let post = build::queue_post_only(
        &seller.key(),
        &k.market,
        &batch,
        order(Side::Ask, OrderType::PostOnly, 101, 1),
    );
    b.refused(post, &[&seller.owner], code(E::MarketNotActive))
        .await;
    b.refused(close(Some(batch)), &[&auth], code(E::MarketNotEmpty))
        .await;
    b.refused(close(None), &[&auth], code(E::WrongMarketAccount))
        .await;
    // The reveal lands; the clear crosses nothing and forfeits the
    // unrevealed bond.
    b.w.env
        .set_slot(batch_clock().reveal_opens(0).unwrap())
        .await;
    let payer = b.w.env.payer().pubkey();
    let reveal = b.reveal_ix(&payer, &buyer, entry, bid, salt);
    b.w.env.send(&[reveal], &[]).await.unwrap();
    let events = b.clear(0).await;
    assert!(matches!(
        events.first(),
        Some(ProgramEvent::BatchCleared(c)) if c.price == 0 && c.revealed == 1 && c.forfeited == 1
    ));
    b.crank().await;
    for t in [&buyer, &seller] {
        let s = b.w.env.trader_state(t).await;
        assert_eq!(
            (
                s.open_orders,
                s.balances.locked_base.get(),
                s.balances.locked_quote.get()
            ),
            (0, 0, 0)
        );
    }
    // Settle both traders; the forfeited bond still blocks the close.
    for t in [&buyer, &seller] {
        let ix = build::settle_trader(
            &auth.pubkey(),
            &t.key(),
            &k,
            Some(t.base_wallet),
            Some(t.quote_wallet),
        );
        b.w.env.send(&[ix], &[&auth]).await.unwrap();
    }
    b.refused(close(Some(batch)), &[&auth], code(E::MarketNotEmpty))
        .await;
    let fa = b.w.market.fee_authority.insecure_clone();
    let sweep = build::sweep_forfeits(&fa.pubkey(), &k.market, &batch, &fa.pubkey());
    b.w.env.send(&[sweep], &[&fa]).await.unwrap();
    let batch_rent = b.w.env.lamports(&batch).await;
    let before = b.w.env.lamports(&creator).await;
    let mut rent = batch_rent;
    for a in Env::market_watch(&b.w.market) {
        rent += b.w.env.lamports(&a).await;
    }
    b.w.env.send(&[close(Some(batch))], &[&auth]).await.unwrap();
    assert!(
        !b.w.env.exists(&batch).await,
        "the batch account is deleted"
    );
    assert!(!b.w.env.exists(&k.market).await);
    // The creator (the fee payer) pays 5,000 lamports per signature, its
    // own and the authority's, and gets all the rent back.
    assert_eq!(b.w.env.lamports(&creator).await, before + rent - 10_000);
}
