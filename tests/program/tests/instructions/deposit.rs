//! deposit: tokens from the owner's wallet into the market's vault, credited
//! as free balance, and every refusal.

use super::*;

#[tokio::test]
async fn a_deposit_moves_tokens_to_the_vault_and_credits_free_balance() {
    let mut world = two_traders().await;
    let (k, seller) = (world.market.keys, world.seller.clone());
    assert_eq!(
        world
            .env
            .trader_state(&seller)
            .await
            .balances
            .free_base
            .get(),
        50_000_000
    );
    assert_eq!(world.env.token_balance(&k.base_vault).await, 50_000_000);
    let ev = world
        .env
        .deposit(&world.market, &seller, TokenKind::Quote, 7)
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::Deposited(d)] if d.amount == 7 && d.token == TokenKind::Quote)
    );
}

#[tokio::test]
async fn a_zero_amount_is_refused() {
    let mut world = two_traders().await;
    let s = world.seller.clone();
    let ix = build::deposit(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        0,
    );
    world.fail(ix, &s.owner, code(E::ZeroAmount)).await;
}

#[tokio::test]
async fn more_than_the_wallet_holds_is_refused_by_the_token_program() {
    let mut world = two_traders().await;
    let s = world.seller.clone();
    let ix = build::deposit(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &s.base_wallet,
        60_000_000,
    );
    // The token program's InsufficientFunds.
    world.fail(ix, &s.owner, TxError::Custom(1)).await;
}

#[tokio::test]
async fn someone_elses_wallet_as_the_source_is_refused_by_the_token_program() {
    let mut world = two_traders().await;
    let (s, b) = (world.seller.clone(), world.buyer.clone());
    let ix = build::deposit(
        &s.key(),
        &world.market.keys,
        TokenKind::Quote,
        &b.quote_wallet,
        1,
    );
    // The token program's OwnerMismatch.
    world.fail(ix, &s.owner, TxError::Custom(4)).await;
}

#[tokio::test]
async fn the_other_tokens_vault_is_refused() {
    let mut world = two_traders().await;
    let (k, s) = (world.market.keys, world.seller.clone());
    let mut ix = build::deposit(&s.key(), &k, TokenKind::Base, &s.base_wallet, 1);
    ix.accounts[5].pubkey = k.quote_vault;
    world.fail(ix, &s.owner, code(E::WrongVault)).await;
}

#[tokio::test]
async fn a_mint_foreign_to_the_market_is_refused() {
    let mut world = two_traders().await;
    let s = world.seller.clone();
    let other = world.env.create_mint(TOKEN, 6).await;
    let foreign_wallet = world.env.token_account(&other, &s.key(), TOKEN).await;
    let mut ix = build::deposit(
        &s.key(),
        &world.market.keys,
        TokenKind::Base,
        &foreign_wallet,
        1,
    );
    ix.accounts[3].pubkey = other;
    world.fail(ix, &s.owner, code(E::WrongMint)).await;
}

#[tokio::test]
async fn another_traders_account_is_refused() {
    let mut world = two_traders().await;
    let s = world.seller.clone();
    let mut ix = build::deposit(
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
async fn a_second_markets_vault_is_refused() {
    second_markets_vault_refused(
        |f| {
            build::deposit(
                &f.maker.key(),
                &f.m.keys,
                TokenKind::Base,
                &f.maker.base_wallet,
                1,
            )
        },
        5,
    )
    .await;
}
