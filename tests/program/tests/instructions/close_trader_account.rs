//! close_trader_account: only an empty account closes.

use super::*;

#[tokio::test]
async fn close_trader_account_paths() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    world
        .fail(
            build::close_trader_account(&a.key(), &k.market),
            &a.owner,
            code(E::TraderAccountNotEmpty),
        )
        .await;
    let mut ix = build::close_trader_account(&b.key(), &k.market);
    ix.accounts[2].pubkey = a.account;
    world.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    world
        .env
        .send(
            &[build::withdraw(
                &a.key(),
                &k,
                TokenKind::Base,
                &a.base_wallet,
                50_000_000,
            )],
            &[&a.owner],
        )
        .await
        .unwrap();
    let rent = world.env.lamports(&a.account).await;
    let before = world.env.lamports(&a.key()).await;
    let ev = world
        .env
        .send(
            &[build::close_trader_account(&a.key(), &k.market)],
            &[&a.owner],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::TraderAccountClosed(c)] if c.trader_id == 1));
    assert!(!world.env.exists(&a.account).await);
    assert_eq!(world.env.lamports(&a.key()).await, before + rent);
    assert_eq!(
        world.env.market(&world.market).await.engine().open_traders,
        1
    );
}
