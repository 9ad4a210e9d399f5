//! withdraw: free balance back to the owner's wallet, and every refusal.

use super::*;

/// The seller with 40,000,000 of its 50,000,000 base atoms locked in an ask.
async fn seller_with_locked_base() -> TwoTraders {
    let mut world = two_traders().await;
    let seller = world.seller.clone();
    // 40,000 lots × 1,000 atoms.
    let ask = order(Side::Ask, OrderType::Limit, 100, 40_000);
    world.place(&seller, ask).await.unwrap();
    world
}

async fn withdraw_refused(amount: u64, want: TxError) {
    let mut world = seller_with_locked_base().await;
    let s = world.seller.clone();
    let ix = build::withdraw(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        amount,
    );
    world.fail(ix, &s.owner, want).await;
}

#[tokio::test]
async fn more_than_the_free_balance_is_refused() {
    withdraw_refused(10_000_001, code(E::InsufficientFunds)).await;
}

#[tokio::test]
async fn a_zero_amount_is_refused() {
    withdraw_refused(0, code(E::ZeroAmount)).await;
}

#[tokio::test]
async fn another_traders_account_is_refused() {
    let mut world = seller_with_locked_base().await;
    let s = world.seller.clone();
    let mut ix = build::withdraw(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        1,
    );
    ix.accounts[2].pubkey = world.buyer.account;
    world.fail(ix, &s.owner, code(E::WrongTraderAccount)).await;
}

#[tokio::test]
async fn an_authority_of_another_market_is_refused() {
    let mut world = seller_with_locked_base().await;
    let s = world.seller.clone();
    let mut ix = build::withdraw(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        1,
    );
    ix.accounts[3].pubkey = pda::market_authority(&world.buyer.account);
    world
        .fail(ix, &s.owner, anchor_code(Anchor::ConstraintSeeds))
        .await;
}

#[tokio::test]
async fn the_whole_free_balance_reaches_the_wallet() {
    let mut world = seller_with_locked_base().await;
    let s = world.seller.clone();
    let before = world.env.token_balance(&s.base_wallet).await;
    let ix = build::withdraw(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        10_000_000,
    );
    let ev = world.env.send(&[ix], &[&s.owner]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::Withdrew(w)] if w.amount == 10_000_000));
    assert_eq!(
        world.env.token_balance(&s.base_wallet).await,
        before + 10_000_000
    );
    assert_eq!(world.env.trader_state(&s).await.balances.free_base.get(), 0);
}

#[tokio::test]
async fn a_second_markets_vault_is_refused() {
    second_markets_vault_refused(
        |f| {
            build::withdraw(
                &f.maker.key(),
                &f.m.keys,
                TokenKind::Base,
                &f.maker.base_wallet,
                1,
            )
        },
        6,
    )
    .await;
}
