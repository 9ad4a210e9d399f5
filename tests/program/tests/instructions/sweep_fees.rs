//! sweep_fees: the fee authority takes the fees a market accrued.

use super::*;

/// A trade that accrued quote fees; the fee authority's quote account.
async fn accrued_fees() -> (TwoTraders, u64, Pubkey) {
    let mut world = two_traders().await;
    let (k, s, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    world
        .place(&s, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    world
        .place(&b, order(Side::Bid, OrderType::ImmediateOrCancel, 101, 5))
        .await
        .unwrap();
    let fees = world
        .env
        .market(&world.market)
        .await
        .engine()
        .accrued_fees
        .get();
    assert!(fees > 0);
    let authority = world.market.fee_authority.pubkey();
    let dest = world
        .env
        .token_account(&k.quote_mint, &authority, TOKEN)
        .await;
    (world, fees, dest)
}

#[tokio::test]
async fn anyone_but_the_fee_authority_is_refused() {
    let (mut world, _, dest) = accrued_fees().await;
    let s = world.seller.clone();
    let ix = build::sweep_fees(&s.key(), &world.market.keys, TokenKind::Quote, &dest);
    world.fail(ix, &s.owner, code(E::NotFeeAuthority)).await;
}

#[tokio::test]
async fn a_destination_of_the_other_token_is_refused() {
    let (mut world, _, _) = accrued_fees().await;
    let authority = world.market.fee_authority.insecure_clone();
    let wrong = world.seller.base_wallet;
    let ix = build::sweep_fees(
        &authority.pubkey(),
        &world.market.keys,
        TokenKind::Quote,
        &wrong,
    );
    world
        .fail(ix, &authority, anchor_code(Anchor::ConstraintTokenMint))
        .await;
}

#[tokio::test]
async fn the_fee_authority_takes_every_accrued_atom() {
    let (mut world, fees, dest) = accrued_fees().await;
    let authority = world.market.fee_authority.insecure_clone();
    let ix = build::sweep_fees(
        &authority.pubkey(),
        &world.market.keys,
        TokenKind::Quote,
        &dest,
    );
    let ev = world.env.send(&[ix], &[&authority]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::FeesSwept(s)] if s.amount == fees));
    assert_eq!(world.env.token_balance(&dest).await, fees);
    assert_eq!(
        world
            .env
            .market(&world.market)
            .await
            .engine()
            .accrued_fees
            .get(),
        0
    );
}

#[tokio::test]
async fn donations_to_the_vaults_are_swept_as_surplus_beside_the_fees() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.crank().await;
    let authority = f.m.authority.insecure_clone();
    f.env
        .send(&[settle_ix(&authority.pubkey(), &maker, &k)], &[&authority])
        .await
        .unwrap();
    empty_and_settle_by_stranger(&mut f, &taker).await;
    let fees = f.env.market(&f.m).await.engine().accrued_fees.get();
    let (surplus, base_dest, quote_dest) = sweep_both(&mut f).await;
    assert_eq!(surplus, vec![(TokenKind::Base, 7), (TokenKind::Quote, 9)]);
    assert_eq!(f.env.token_balance(&base_dest).await, 7);
    assert_eq!(f.env.token_balance(&quote_dest).await, 9 + fees);
    let market = f.env.market(&f.m).await;
    assert_eq!((market.base_vault_owed, market.quote_vault_owed), (0, 0));
}
