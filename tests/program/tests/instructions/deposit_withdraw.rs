//! deposit and withdraw: token movements and their refusals.

use super::*;

#[tokio::test]
async fn deposit_and_withdraw_paths() {
    let mut world = two_traders().await;
    let (k, a, b) = (world.market.keys, world.seller.clone(), world.buyer.clone());
    assert_eq!(
        world.env.trader_state(&a).await.balances.free_base.get(),
        50_000_000
    );
    assert_eq!(world.env.token_balance(&k.base_vault).await, 50_000_000);
    let ev = world
        .env
        .deposit(&world.market, &a, TokenKind::Quote, 7)
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::Deposited(d)] if d.amount == 7 && d.token == TokenKind::Quote)
    );

    world
        .fail(
            build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 0),
            &a.owner,
            code(E::ZeroAmount),
        )
        .await;
    // Wallet has less than asked: the token program refuses (custom error 1).
    world
        .fail(
            build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 60_000_000),
            &a.owner,
            TxError::Custom(1),
        )
        .await;
    // Someone else's wallet as source: token program refuses the owner.
    world
        .fail(
            build::deposit(&a.key(), &k, TokenKind::Quote, &b.quote_wallet, 1),
            &a.owner,
            TxError::Custom(4),
        )
        .await;
    // Vault of the other token.
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[5].pubkey = k.quote_vault;
    world.fail(ix, &a.owner, code(E::WrongVault)).await;
    // A mint foreign to the market.
    let other = world.env.create_mint(TOKEN, 6).await;
    let foreign_wallet = world.env.token_account(&other, &a.key(), TOKEN).await;
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &foreign_wallet, 1);
    ix.accounts[3].pubkey = other;
    world.fail(ix, &a.owner, code(E::WrongMint)).await;
    // Another trader's account.
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[2].pubkey = b.account;
    world.fail(ix, &a.owner, code(E::WrongTraderAccount)).await;

    // Withdraw: only free funds.
    world
        .place(&a, order(Side::Ask, OrderType::Limit, 100, 40_000))
        .await
        .unwrap(); // locks 40,000 lots × 1,000 = 40,000,000
    world
        .fail(
            build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 10_000_001),
            &a.owner,
            code(E::InsufficientFunds),
        )
        .await;
    world
        .fail(
            build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 0),
            &a.owner,
            code(E::ZeroAmount),
        )
        .await;
    let mut ix = build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[2].pubkey = b.account;
    world.fail(ix, &a.owner, code(E::WrongTraderAccount)).await;
    let mut ix = build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[3].pubkey = pda::market_authority(&b.account);
    world
        .fail(ix, &a.owner, anchor_code(Anchor::ConstraintSeeds))
        .await;
    let before = world.env.token_balance(&a.base_wallet).await;
    let ev = world
        .env
        .send(
            &[build::withdraw(
                &a.key(),
                &k,
                TokenKind::Base,
                &a.base_wallet,
                10_000_000,
            )],
            &[&a.owner],
        )
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::Withdrew(w)] if w.amount == 10_000_000));
    assert_eq!(
        world.env.token_balance(&a.base_wallet).await,
        before + 10_000_000
    );
    assert_eq!(world.env.trader_state(&a).await.balances.free_base.get(), 0);
}
