//! open_trader_account: one trader account per owner and market.

use super::*;

#[tokio::test]
async fn open_trader_account_once_per_owner() {
    let mut f = fx().await;
    let a = f.a.clone();
    let st = f.env.trader_state(&a).await;
    assert_eq!(st.trader_id, 1);
    assert_eq!(f.env.trader_state(&f.b.clone()).await.trader_id, 2);
    assert_eq!(f.env.market(&f.m).await.engine().open_traders, 2);
    // A second open for the same owner fails in the system program (account in use).
    let got = f
        .env
        .send(
            &[build::open_trader_account(&a.key(), &f.m.keys.market)],
            &[&a.owner],
        )
        .await;
    assert!(got.is_err());
    assert_eq!(f.env.market(&f.m).await.engine().open_traders, 2);
}
