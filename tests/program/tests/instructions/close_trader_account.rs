//! close_trader_account: only an empty account closes, and its rent returns
//! to its owner.

use super::*;

#[tokio::test]
async fn an_account_holding_funds_is_refused() {
    let mut world = two_traders().await;
    let s = world.seller.clone();
    let ix = build::close_trader_account(&s.key(), &world.market.keys.market);
    world
        .fail(ix, &s.owner, code(E::TraderAccountNotEmpty))
        .await;
}

#[tokio::test]
async fn another_traders_account_is_refused() {
    let mut world = two_traders().await;
    let b = world.buyer.clone();
    let mut ix = build::close_trader_account(&b.key(), &world.market.keys.market);
    ix.accounts[2].pubkey = world.seller.account;
    world.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
}

#[tokio::test]
async fn an_empty_account_closes_and_its_rent_returns_to_the_owner() {
    let mut world = two_traders().await;
    let (k, s) = (world.market.keys, world.seller.clone());
    let withdraw = build::withdraw(&s.key(), &k, TokenKind::Base, &s.base_wallet, 50_000_000);
    world.env.send(&[withdraw], &[&s.owner]).await.unwrap();
    let rent = world.env.lamports(&s.account).await;
    let before = world.env.lamports(&s.key()).await;
    let ix = build::close_trader_account(&s.key(), &k.market);
    let ev = world.env.send(&[ix], &[&s.owner]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::TraderAccountClosed(c)] if c.trader_id == 1));
    assert!(!world.env.exists(&s.account).await);
    assert_eq!(world.env.lamports(&s.key()).await, before + rent);
    assert_eq!(
        world.env.market(&world.market).await.engine().open_traders,
        1
    );
}

#[tokio::test]
async fn an_account_the_queue_still_owes_cannot_close_until_cranked() {
    let mut f = maker_taker().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 1))
        .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
    )
    .await;
    // The maker's order is gone and its base is owed to the taker; all it
    // has left to withdraw is its free base.
    let free = f.env.trader_state(&maker).await.balances.free_base.get();
    let ix = build::withdraw(&maker.key(), &k, TokenKind::Base, &maker.base_wallet, free);
    f.env.send(&[ix], &[&maker.owner]).await.unwrap();
    let close = build::close_trader_account(&maker.key(), &k.market);
    f.refused(
        close.clone(),
        &[&maker.owner],
        code(E::TraderAccountNotEmpty),
    )
    .await;
    f.crank().await;
    let quote = f.env.trader_state(&maker).await.balances.free_quote.get();
    let withdraw = build::withdraw(
        &maker.key(),
        &k,
        TokenKind::Quote,
        &maker.quote_wallet,
        quote,
    );
    f.env
        .send(&[withdraw, close], &[&maker.owner])
        .await
        .unwrap();
    assert!(!f.env.exists(&maker.account).await);
}
