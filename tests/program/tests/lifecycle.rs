//! Whole lifecycles across instructions: Token-2022 markets (and the mint
//! extensions refused), and the paid crank draining a queue. A market's
//! close is in `instructions/close_market.rs`.

use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use orderbook::error::OrderbookError as E;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_program_tests::*;

#[tokio::test]
async fn token_2022_mints_with_escrow_breaking_extensions_are_refused() {
    let authority = Kp::new().pubkey();
    // MintCloseAuthority is refused because extensions are only checked at
    // creation: a closable mint could be re-created at the same address with
    // a permanent delegate and move deposits out of the vault.
    let bad = [
        ExtensionType::TransferFeeConfig,
        ExtensionType::PermanentDelegate,
        ExtensionType::NonTransferable,
        ExtensionType::TransferHook,
        ExtensionType::MintCloseAuthority,
    ];
    let keys: Vec<_> = bad.iter().map(|_| Kp::new().pubkey()).collect();
    let ok_key = Kp::new().pubkey();
    let mut genesis: Vec<_> = keys
        .iter()
        .zip(bad)
        .map(|(k, e)| (*k, token_2022_mint_with(&[e], &authority)))
        .collect();
    genesis.push((
        ok_key,
        token_2022_mint_with(&[ExtensionType::InterestBearingConfig], &authority),
    ));
    let mut env = Env::start_with(genesis).await;
    let quote = env.create_mint(TOKEN, 6).await;
    let cfg = MarketCfg {
        base_program: TOKEN_2022,
        ..MarketCfg::default()
    };
    for k in &keys {
        let (fx, ixs, kps) = env.create_market_ixs(cfg, *k, quote).await;
        let signers: Vec<&Kp> = kps.iter().collect();
        env.expect_fail(
            &ixs,
            &signers,
            code(E::UnsupportedMintExtension),
            &[fx.keys.market, fx.keys.base_vault, *k],
        )
        .await;
    }
    // An allowed extension is fine.
    env.create_market_on(cfg, ok_key, quote)
        .await
        .expect("InterestBearingConfig is allowed");
}

#[tokio::test]
async fn token_2022_market_trades_and_settles() {
    let mut env = Env::start().await;
    let m = env
        .create_market(MarketCfg {
            base_program: TOKEN_2022,
            quote_program: TOKEN_2022,
            ..MarketCfg::default()
        })
        .await;
    let a = env.trader(&m, 10_000_000, 0).await;
    let b = env.trader(&m, 0, 10_000_000).await;
    env.deposit(&m, &a, TokenKind::Base, 10_000_000)
        .await
        .unwrap();
    env.send(
        &[build::place_order(
            &a.key(),
            &m.keys,
            order(Side::Ask, OrderType::Limit, 200, 5),
            None,
        )],
        &[&a.owner],
    )
    .await
    .unwrap();
    env.send(
        &[build::place_order(
            &b.key(),
            &m.keys,
            order(Side::Bid, OrderType::Limit, 200, 5),
            Some((TokenKind::Quote, b.quote_wallet)),
        )],
        &[&b.owner],
    )
    .await
    .unwrap();
    env.send(
        &[build::consume_events(
            &b.key(),
            &m.keys.market,
            &m.keys.event_queue,
            &[a.account],
            4,
        )],
        &[&b.owner],
    )
    .await
    .unwrap();
    env.send(
        &[build::withdraw(
            &b.key(),
            &m.keys,
            TokenKind::Base,
            &b.base_wallet,
            5_000,
        )],
        &[&b.owner],
    )
    .await
    .unwrap();
    assert_eq!(env.token_balance(&b.base_wallet).await, 5_000);
    let a_quote = env.trader_state(&a).await.balances.free_quote.get();
    env.send(
        &[build::withdraw(
            &a.key(),
            &m.keys,
            TokenKind::Quote,
            &a.quote_wallet,
            a_quote,
        )],
        &[&a.owner],
    )
    .await
    .unwrap();
    assert_eq!(env.token_balance(&a.quote_wallet).await, 10_000 + 1); // 5 lots × 200 × 10 + rebate 1
}

#[tokio::test]
async fn crank_reward_arrives_and_queue_drains() {
    let mut env = Env::start().await;
    let m = env.create_market(MarketCfg::default()).await;
    let makers = [
        env.trader(&m, 1_000_000, 0).await,
        env.trader(&m, 1_000_000, 0).await,
    ];
    let taker = env.trader(&m, 0, 100_000_000).await;
    env.deposit(&m, &taker, TokenKind::Quote, 100_000_000)
        .await
        .unwrap();
    for (i, mk) in makers.iter().enumerate() {
        env.deposit(&m, mk, TokenKind::Base, 1_000_000)
            .await
            .unwrap();
        let orders = (0..8)
            .map(|j| order(Side::Ask, OrderType::Limit, 100 + (i * 8 + j) as u64, 10))
            .collect();
        env.send(
            &[build::place_orders(&mk.key(), &m.keys, orders, None)],
            &[&mk.owner],
        )
        .await
        .unwrap();
    }
    let sweep = PlaceOrderArgs {
        match_limit: 16,
        ..order(Side::Bid, OrderType::ImmediateOrCancel, 200, 160)
    };
    let before = env.lamports(&taker.key()).await;
    env.send(
        &[build::place_order(&taker.key(), &m.keys, sweep, None)],
        &[&taker.owner],
    )
    .await
    .unwrap();
    assert_eq!(
        before - env.lamports(&taker.key()).await,
        16 * 5_000,
        "taker pre-paid 16 rewards"
    );
    assert_eq!(
        decode::event_queue(&env.data(&m.keys.event_queue).await)
            .unwrap()
            .len(),
        16
    );

    let cranker = Kp::new();
    let payer = env.payer();
    env.send(
        &[anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &cranker.pubkey(),
            1_000_000_000,
        )],
        &[],
    )
    .await
    .unwrap();
    let start = env.lamports(&cranker.pubkey()).await;
    let accounts = [makers[0].account, makers[1].account];
    let ev = env
        .send(
            &[build::consume_events(
                &cranker.pubkey(),
                &m.keys.market,
                &m.keys.event_queue,
                &accounts,
                16,
            )],
            &[&cranker],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::EventsConsumed(e)] if e.count == 16 && e.reward_lamports == 80_000)
    );
    assert_eq!(env.lamports(&cranker.pubkey()).await, start + 80_000);
    assert!(
        decode::event_queue(&env.data(&m.keys.event_queue).await)
            .unwrap()
            .is_empty()
    );
    for mk in &makers {
        let trader_state = env.trader_state(mk).await;
        assert_eq!(
            (
                trader_state.balances.locked_base.get(),
                trader_state.open_orders
            ),
            (0, 0),
            "maker fully settled"
        );
    }
}
