//! open_trader_account: one trader account per owner and market.

use super::*;

#[tokio::test]
async fn open_trader_account_once_per_owner() {
    let mut world = two_traders().await;
    let a = world.seller.clone();
    let trader_state = world.env.trader_state(&a).await;
    assert_eq!(trader_state.trader_id, 1);
    assert_eq!(
        world.env.trader_state(&world.buyer.clone()).await.trader_id,
        2
    );
    assert_eq!(
        world.env.market(&world.market).await.engine().open_traders,
        2
    );
    // A second open for the same owner fails in the system program (account in use).
    let got = world
        .env
        .send(
            &[build::open_trader_account(
                &a.key(),
                &world.market.keys.market,
            )],
            &[&a.owner],
        )
        .await;
    assert!(got.is_err());
    assert_eq!(
        world.env.market(&world.market).await.engine().open_traders,
        2
    );
}
