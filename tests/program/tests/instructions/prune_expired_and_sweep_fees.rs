//! prune_expired and sweep_fees.

use super::*;

#[tokio::test]
async fn prune_expired_and_sweep_fees() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    f.env.set_time(1_000).await;
    f.place(
        &a,
        PlaceOrderArgs {
            expiry: 1_100,
            ..order(Side::Ask, OrderType::Limit, 100, 5)
        },
    )
    .await
    .unwrap();
    f.place(&a, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    f.env.set_time(1_200).await;
    let ev = f
        .env
        .send(
            &[build::prune_expired(&b.key(), &k, Side::Ask, 10)],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderOut(o)] if o.reason == 0 && o.base_lots == 5)
    );
    assert_eq!(
        decode::book(&f.env.data(&k.asks).await)
            .unwrap()
            .orders
            .len(),
        1
    );
    // Trade to accrue fees, then sweep.
    f.place(&b, order(Side::Bid, OrderType::ImmediateOrCancel, 101, 5))
        .await
        .unwrap();
    let fees = f.env.market(&f.m).await.engine().accrued_fees.get();
    assert!(fees > 0);
    let fee_auth = f.m.fee_authority.insecure_clone();
    let dest = f
        .env
        .token_account(&k.quote_mint, &fee_auth.pubkey(), TOKEN)
        .await;
    f.fail(
        build::sweep_fees(&a.key(), &k, TokenKind::Quote, &dest),
        &a.owner,
        code(E::NotFeeAuthority),
    )
    .await;
    f.fail(
        build::sweep_fees(&fee_auth.pubkey(), &k, TokenKind::Quote, &a.base_wallet),
        &fee_auth,
        anchor_code(Anchor::ConstraintTokenMint),
    )
    .await;
    let ev = f
        .env
        .send(
            &[build::sweep_fees(
                &fee_auth.pubkey(),
                &k,
                TokenKind::Quote,
                &dest,
            )],
            &[&fee_auth],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::FeesSwept(s)] if s.amount == fees));
    assert_eq!(f.env.token_balance(&dest).await, fees);
    assert_eq!(f.env.market(&f.m).await.engine().accrued_fees.get(), 0);
}
