//! set_market_status: the kill switch (post-only, paused, closed) and who may use it.

use super::*;

#[tokio::test]
async fn set_market_status_is_the_kill_switch() {
    let mut world = two_traders().await;
    let k = world.market.keys;
    let auth = world.market.authority.insecure_clone();
    let intruder = world.seller.owner.insecure_clone();
    world
        .fail(
            build::set_market_status(&intruder.pubkey(), &k.market, MarketStatus::Paused),
            &intruder,
            code(E::NotMarketAuthority),
        )
        .await;
    // A status byte no variant has does not deserialize.
    let mut unknown_status =
        build::set_market_status(&auth.pubkey(), &k.market, MarketStatus::Paused);
    *unknown_status.data.last_mut().unwrap() = 9;
    world
        .fail(
            unknown_status,
            &auth,
            anchor_code(anchor_lang::error::ErrorCode::InstructionDidNotDeserialize),
        )
        .await;
    world
        .fail(
            build::set_market_status(&auth.pubkey(), &k.market, MarketStatus::Active),
            &auth,
            code(E::InvalidStatus),
        )
        .await;
    // Paused: no placing; cancels, cranks and withdrawals still work.
    let ev = world
        .place(
            &world.seller.clone(),
            order(Side::Ask, OrderType::Limit, 100, 5),
        )
        .await
        .unwrap();
    let id = placed_id(&ev);
    let ev = world
        .env
        .send(
            &[build::set_market_status(
                &auth.pubkey(),
                &k.market,
                MarketStatus::Paused,
            )],
            &[&auth],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::MarketStatusChanged(s)] if s.old_status == MarketStatus::Active && s.new_status == MarketStatus::Paused)
    );
    let a = world.seller.clone();
    world
        .fail(
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
    world
        .env
        .send(&[build::cancel_order(&a.key(), &k, id)], &[&a.owner])
        .await
        .unwrap();
    world
        .env
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
    world
        .env
        .send(
            &[build::set_market_status(
                &auth.pubkey(),
                &k.market,
                MarketStatus::PostOnly,
            )],
            &[&auth],
        )
        .await
        .unwrap();
    world
        .fail(
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
    world
        .place(&a, order(Side::Ask, OrderType::PostOnly, 100, 5))
        .await
        .unwrap();
    // Closed is final.
    world
        .env
        .send(
            &[build::set_market_status(
                &auth.pubkey(),
                &k.market,
                MarketStatus::Closed,
            )],
            &[&auth],
        )
        .await
        .unwrap();
    world
        .fail(
            build::set_market_status(&auth.pubkey(), &k.market, MarketStatus::Active),
            &auth,
            code(E::MarketClosed),
        )
        .await;
    let newcomer = Kp::new();
    let payer = world.env.payer();
    world
        .env
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
    world
        .fail(
            build::open_trader_account(&newcomer.pubkey(), &k.market),
            &newcomer,
            code(E::MarketNotActive),
        )
        .await;
    world
        .fail(
            build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1),
            &a.owner,
            code(E::MarketNotActive),
        )
        .await;
}
