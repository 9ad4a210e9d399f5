//! create_market: a market and its accounts, and every parameter it refuses.

use super::*;

#[tokio::test]
async fn create_market_success_and_events() {
    let mut env = Env::start().await;
    let base = env.create_mint(TOKEN, 6).await;
    let quote = env.create_mint(TOKEN, 6).await;
    let (m, ixs, kps) = env
        .create_market_ixs(MarketCfg::default(), base, quote)
        .await;
    let signers: Vec<&Kp> = kps.iter().collect();
    let ev = env.send(&ixs, &signers).await.unwrap();
    match ev.as_slice() {
        [ProgramEvent::MarketCreated(c)] => {
            assert_eq!((c.seq, c.orders_per_side, c.event_capacity), (0, 64, 256));
            assert_eq!((c.base_mint, c.quote_mint), (base, quote));
        }
        other => panic!("{other:?}"),
    }
    let mk = env.market(&m).await;
    assert_eq!(
        (mk.authority, mk.fee_authority),
        (m.authority.pubkey(), m.fee_authority.pubkey())
    );
    // The client's keys round-trip through the on-chain account.
    assert_eq!(build::MarketKeys::from_market(m.keys.market, &mk), m.keys);
    assert_eq!(mk.base_vault, pda::vault(&m.keys.market, TokenKind::Base));
    assert_eq!(env.token_balance(&m.keys.base_vault).await, 0);
    let book = decode::book(&env.data(&m.keys.bids).await).unwrap();
    assert!(book.orders.is_empty());
}

#[tokio::test]
async fn create_market_rejects_bad_parameters() {
    let mut env = Env::start().await;
    let base = env.create_mint(TOKEN, 6).await;
    let quote = env.create_mint(TOKEN, 6).await;
    let d = MarketCfg::default();
    let cases: Vec<(MarketCfg, anchor_lang::prelude::Pubkey, TxError)> = vec![
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    base_lot_size: 0,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidMarketParams),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    tick_size: 0,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidMarketParams),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    taker_fee_ppm: 100_001,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidMarketParams),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    maker_fee_ppm: 501,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidMarketParams),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    max_orders_per_side: d.orders_per_side - 1,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidCapacity),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    max_queue_events: orderbook::state::MAX_QUEUE_EVENTS + 1,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidCapacity),
        ),
        (
            MarketCfg {
                args: orderbook::instructions::CreateMarketArgs {
                    crank_reward_lamports: 1_000_001,
                    ..d.args
                },
                ..d
            },
            quote,
            code(E::InvalidCrankReward),
        ),
        (
            MarketCfg {
                orders_per_side: 8,
                ..d
            },
            quote,
            code(E::InvalidCapacity),
        ),
        (
            MarketCfg { events: 64, ..d },
            quote,
            code(E::InvalidCapacity),
        ),
        (d, base, code(E::SameMints)),
    ];
    for (cfg, q, want) in cases {
        let (_, ixs, kps) = env.create_market_ixs(cfg, base, q).await;
        let signers: Vec<&Kp> = kps.iter().collect();
        let payer = env.payer().pubkey();
        let watch: Vec<_> = kps
            .iter()
            .map(|k| k.pubkey())
            .chain([base, quote, payer])
            .collect();
        // The payer pays the fee, so compare only the market accounts and mints.
        env.expect_fail(&ixs, &signers, want, &watch[..6]).await;
    }
    // Unequal side sizes.
    let (fx, mut ixs, kps) = env.create_market_ixs(d, base, quote).await;
    let rent = env
        .rent(8 + orderbook_engine::book::book_side_size(32))
        .await;
    ixs[2] = anchor_lang::solana_program::system_instruction::create_account(
        &env.payer().pubkey(),
        &fx.keys.asks,
        rent,
        (8 + orderbook_engine::book::book_side_size(32)) as u64,
        &orderbook::ID,
    );
    let signers: Vec<&Kp> = kps.iter().collect();
    env.expect_fail(&ixs, &signers, code(E::InvalidCapacity), &[fx.keys.market])
        .await;
    // A mint of another token program than the one passed.
    let t22 = env.create_mint(TOKEN_2022, 6).await;
    let (fx, ixs, kps) = env.create_market_ixs(d, t22, quote).await;
    let signers: Vec<&Kp> = kps.iter().collect();
    let got = env.send(&ixs, &signers).await.unwrap_err();
    assert!(
        matches!(&got, TxError::Other(s) if s.contains("incorrect program id")),
        "got {got:?}"
    );
    assert!(!env.exists(&fx.keys.market).await && !env.exists(&fx.keys.base_vault).await);
}
