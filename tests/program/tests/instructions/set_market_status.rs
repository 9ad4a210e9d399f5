//! set_market_status: the kill switch (post-only, paused, closed) and who may use it.

use super::*;

#[tokio::test]
async fn set_market_status_is_the_kill_switch() {
    let mut f = fx().await;
    let k = f.m.keys;
    let auth = f.m.authority.insecure_clone();
    let intruder = f.a.owner.insecure_clone();
    f.fail(
        build::set_market_status(&intruder.pubkey(), &k.market, 2),
        &intruder,
        code(E::NotMarketAuthority),
    )
    .await;
    f.fail(
        build::set_market_status(&auth.pubkey(), &k.market, 9),
        &auth,
        code(E::InvalidStatus),
    )
    .await;
    f.fail(
        build::set_market_status(&auth.pubkey(), &k.market, 0),
        &auth,
        code(E::InvalidStatus),
    )
    .await;
    // Paused: no placing; cancels, cranks and withdrawals still work.
    let ev = f
        .place(&f.a.clone(), order(Side::Ask, OrderType::Limit, 100, 5))
        .await
        .unwrap();
    let id = placed_id(&ev);
    let ev = f
        .env
        .send(
            &[build::set_market_status(&auth.pubkey(), &k.market, 2)],
            &[&auth],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::MarketStatusChanged(s)] if s.old_status == 0 && s.new_status == 2)
    );
    let a = f.a.clone();
    f.fail(
        build::place_order(
            &a.key(),
            &k,
            order(Side::Ask, OrderType::Limit, 100, 5),
            None,
        ),
        &a.owner,
        code(E::MarketNotActive),
    )
    .await;
    f.env
        .send(&[build::cancel_order(&a.key(), &k, id)], &[&a.owner])
        .await
        .unwrap();
    f.env
        .send(
            &[build::withdraw(
                &a.key(),
                &k,
                TokenKind::Base,
                &a.base_wallet,
                1,
            )],
            &[&a.owner],
        )
        .await
        .unwrap();
    // PostOnly: takers refused, post-only accepted.
    f.env
        .send(
            &[build::set_market_status(&auth.pubkey(), &k.market, 1)],
            &[&auth],
        )
        .await
        .unwrap();
    f.fail(
        build::place_order(
            &a.key(),
            &k,
            order(Side::Ask, OrderType::ImmediateOrCancel, 100, 5),
            None,
        ),
        &a.owner,
        code(E::MarketPostOnly),
    )
    .await;
    f.place(&a, order(Side::Ask, OrderType::PostOnly, 100, 5))
        .await
        .unwrap();
    // Closed is final.
    f.env
        .send(
            &[build::set_market_status(&auth.pubkey(), &k.market, 3)],
            &[&auth],
        )
        .await
        .unwrap();
    f.fail(
        build::set_market_status(&auth.pubkey(), &k.market, 0),
        &auth,
        code(E::MarketClosed),
    )
    .await;
    let newcomer = Kp::new();
    let payer = f.env.payer();
    f.env
        .send(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &payer.pubkey(),
                &newcomer.pubkey(),
                1_000_000_000,
            )],
            &[],
        )
        .await
        .unwrap();
    f.fail(
        build::open_trader_account(&newcomer.pubkey(), &k.market),
        &newcomer,
        code(E::MarketNotActive),
    )
    .await;
    f.fail(
        build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1),
        &a.owner,
        code(E::MarketNotActive),
    )
    .await;
}
