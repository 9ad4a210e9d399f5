//! close_trader_account: only an empty account closes.

use super::*;

#[tokio::test]
async fn close_trader_account_paths() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    f.fail(
        build::close_trader_account(&a.key(), &k.market),
        &a.owner,
        code(E::TraderAccountNotEmpty),
    )
    .await;
    let mut ix = build::close_trader_account(&b.key(), &k.market);
    ix.accounts[2].pubkey = a.account;
    f.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    f.env
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
    let rent = f.env.lamports(&a.account).await;
    let before = f.env.lamports(&a.key()).await;
    let ev = f
        .env
        .send(
            &[build::close_trader_account(&a.key(), &k.market)],
            &[&a.owner],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::TraderAccountClosed(c)] if c.trader_id == 1));
    assert!(!f.env.exists(&a.account).await);
    assert_eq!(f.env.lamports(&a.key()).await, before + rent);
    assert_eq!(f.env.market(&f.m).await.engine().open_traders, 1);
}
