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
        &[build::close_market(&auth.pubkey(), &k, &creator)],
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
        &[build::close_market(&auth.pubkey(), &k, &creator)],
        &[&auth],
        code(E::MarketNotEmpty),
        &accounts,
    )
    .await;
    env.expect_fail(
        &[build::close_market(&a.key(), &k, &creator)],
        &[&a.owner],
        code(E::NotMarketAuthority),
        &accounts,
    )
    .await;
    env.expect_fail(
        &[build::close_market(&auth.pubkey(), &k, &a.key())],
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
            &[build::close_market(&auth.pubkey(), &k, &creator)],
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
    let close = build::close_market(&authority.pubkey(), &k, &f.m.creator);
    f.env.send(&[close], &[&authority]).await.unwrap();
    assert!(!f.env.exists(&k.market).await);
}
