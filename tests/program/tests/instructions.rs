//! Each instruction's success path and its error paths. Every failing
//! transaction is checked to leave every watched account (market accounts,
//! vaults, wallets, trader accounts, signers' lamports) byte-for-byte unchanged.

use anchor_lang::error::ErrorCode as Anchor;
use orderbook::error::OrderbookError as E;
use orderbook::state::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_client::pda;
use orderbook_program_tests::*;

/// A market with two traders: `a` holds base, `b` holds quote, both deposited.
struct Fx {
    env: Env,
    m: MarketFx,
    a: TraderFx,
    b: TraderFx,
}

async fn fx() -> Fx {
    let mut env = Env::start().await;
    let m = env.create_market(MarketCfg::default()).await;
    let a = env.trader(&m, 100_000_000, 1_000_000).await;
    let b = env.trader(&m, 1_000_000, 100_000_000).await;
    env.deposit(&m, &a, TokenKind::Base, 50_000_000)
        .await
        .unwrap();
    env.deposit(&m, &b, TokenKind::Quote, 50_000_000)
        .await
        .unwrap();
    Fx { env, m, a, b }
}

impl Fx {
    fn watch(&self) -> Vec<anchor_lang::prelude::Pubkey> {
        let mut w = Env::market_watch(&self.m);
        w.extend(self.a.watch());
        w.extend(self.b.watch());
        w
    }
    async fn place(
        &mut self,
        t: &TraderFx,
        args: PlaceOrderArgs,
    ) -> Result<Vec<ProgramEvent>, TxError> {
        self.env
            .send(
                &[build::place_order(&t.key(), &self.m.keys, args, None)],
                &[&t.owner],
            )
            .await
    }
    async fn fail(
        &mut self,
        ix: anchor_lang::solana_program::instruction::Instruction,
        signer: &Kp,
        want: TxError,
    ) {
        let watch = self.watch();
        self.env.expect_fail(&[ix], &[signer], want, &watch).await;
    }
}

fn seqs(events: &[ProgramEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq().1).collect()
}

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

fn placed_id(ev: &[ProgramEvent]) -> u64 {
    ev.iter()
        .find_map(|e| match e {
            ProgramEvent::OrderPlaced(p) => Some(p.order_id),
            _ => None,
        })
        .expect("an OrderPlaced event")
}

#[tokio::test]
async fn open_trader_account_once_per_owner() {
    let mut f = fx().await;
    let a = f.a.clone();
    let st = f.env.trader_state(&a).await;
    assert_eq!(st.trader_id, 1);
    assert_eq!(f.env.trader_state(&f.b.clone()).await.trader_id, 2);
    assert_eq!(f.env.market(&f.m).await.engine().open_traders, 2);
    // A second open for the same owner fails in the system program (account in use).
    let got = f
        .env
        .send(
            &[build::open_trader_account(&a.key(), &f.m.keys.market)],
            &[&a.owner],
        )
        .await;
    assert!(got.is_err());
    assert_eq!(f.env.market(&f.m).await.engine().open_traders, 2);
}

#[tokio::test]
async fn deposit_and_withdraw_paths() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    assert_eq!(
        f.env.trader_state(&a).await.balances.free_base.get(),
        50_000_000
    );
    assert_eq!(f.env.token_balance(&k.base_vault).await, 50_000_000);
    let ev = f.env.deposit(&f.m, &a, TokenKind::Quote, 7).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::Deposited(d)] if d.amount == 7 && d.token == 1));

    f.fail(
        build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 0),
        &a.owner,
        code(E::ZeroAmount),
    )
    .await;
    // Wallet has less than asked: the token program refuses (custom error 1).
    f.fail(
        build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 60_000_000),
        &a.owner,
        TxError::Custom(1),
    )
    .await;
    // Someone else's wallet as source: token program refuses the owner.
    f.fail(
        build::deposit(&a.key(), &k, TokenKind::Quote, &b.quote_wallet, 1),
        &a.owner,
        TxError::Custom(4),
    )
    .await;
    // Vault of the other token.
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[5].pubkey = k.quote_vault;
    f.fail(ix, &a.owner, code(E::WrongVault)).await;
    // A mint foreign to the market.
    let other = f.env.create_mint(TOKEN, 6).await;
    let foreign_wallet = f.env.token_account(&other, &a.key(), TOKEN).await;
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &foreign_wallet, 1);
    ix.accounts[3].pubkey = other;
    f.fail(ix, &a.owner, code(E::WrongMint)).await;
    // Another trader's account.
    let mut ix = build::deposit(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[2].pubkey = b.account;
    f.fail(ix, &a.owner, code(E::WrongTraderAccount)).await;

    // Withdraw: only free funds.
    f.place(&a, order(Side::Ask, OrderType::Limit, 100, 40_000))
        .await
        .unwrap(); // locks 40,000 lots × 1,000 = 40,000,000
    f.fail(
        build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 10_000_001),
        &a.owner,
        code(E::InsufficientFunds),
    )
    .await;
    f.fail(
        build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 0),
        &a.owner,
        code(E::ZeroAmount),
    )
    .await;
    let mut ix = build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[2].pubkey = b.account;
    f.fail(ix, &a.owner, code(E::WrongTraderAccount)).await;
    let mut ix = build::withdraw(&a.key(), &k, TokenKind::Base, &a.base_wallet, 1);
    ix.accounts[3].pubkey = pda::market_authority(&b.account);
    f.fail(ix, &a.owner, anchor_code(Anchor::ConstraintSeeds))
        .await;
    let before = f.env.token_balance(&a.base_wallet).await;
    let ev = f
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
        f.env.token_balance(&a.base_wallet).await,
        before + 10_000_000
    );
    assert_eq!(f.env.trader_state(&a).await.balances.free_base.get(), 0);
}

#[tokio::test]
async fn place_order_paths() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    let ev = f
        .place(
            &a,
            PlaceOrderArgs {
                client_order_id: 77,
                ..order(Side::Ask, OrderType::Limit, 100, 10)
            },
        )
        .await
        .unwrap();
    let ask_id = placed_id(&ev);
    let book = decode::book(&f.env.data(&k.asks).await).unwrap();
    assert_eq!(
        book.l2(5),
        vec![decode::L2Level {
            price: 100,
            base_lots: 10,
            orders: 1
        }]
    );

    // A crossing bid fills 4 and pays the crank reward for one queued event.
    let lamports = f.env.lamports(&b.key()).await;
    let market_lamports = f.env.lamports(&k.market).await;
    let ev = f
        .place(&b, order(Side::Bid, OrderType::Limit, 100, 4))
        .await
        .unwrap();
    assert_eq!(f.env.lamports(&b.key()).await, lamports - 5_000);
    assert_eq!(f.env.lamports(&k.market).await, market_lamports + 5_000);
    let fill = ev
        .iter()
        .find_map(|e| {
            if let ProgramEvent::OrderFilled(x) = e {
                Some(x.clone())
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(
        (
            fill.maker_order_id,
            fill.base_lots,
            fill.quote,
            fill.taker_fee
        ),
        (ask_id, 4, 4_000, 2)
    );
    let s = seqs(&ev);
    assert!(
        s.windows(2).all(|w| w[1] == w[0] + 1),
        "event sequence numbers are consecutive: {s:?}"
    );

    let w = f.watch();
    f.env
        .expect_fail(
            &[build::place_order(
                &b.key(),
                &k,
                order(Side::Bid, OrderType::Limit, 0, 1),
                None,
            )],
            &[&b.owner],
            code(E::InvalidPrice),
            &w,
        )
        .await;
    f.fail(
        build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::PostOnly, 100, 1),
            None,
        ),
        &b.owner,
        code(E::PostOnlyWouldCross),
    )
    .await;
    f.fail(
        build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::FillOrKill, 100, 7),
            None,
        ),
        &b.owner,
        code(E::FillOrKillNotFilled),
    )
    .await;
    let abort = PlaceOrderArgs {
        self_trade: SelfTradeMode::AbortTransaction,
        ..order(Side::Bid, OrderType::Limit, 100, 1)
    };
    f.env
        .deposit(&f.m, &a, TokenKind::Quote, 1_000_000)
        .await
        .unwrap();
    f.fail(
        build::place_order(&a.key(), &k, abort, None),
        &a.owner,
        code(E::SelfTradeAborted),
    )
    .await;
    // More than the free balance with no wallet accounts to top up from.
    f.fail(
        build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::Limit, 90, 100_000),
            None,
        ),
        &b.owner,
        code(E::TopUpAccountsMissing),
    )
    .await;
    // With the wallet, but the wallet cannot cover the shortfall either.
    f.fail(
        build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::Limit, 90, 1_000_000),
            Some((TokenKind::Quote, b.quote_wallet)),
        ),
        &b.owner,
        TxError::Custom(1),
    )
    .await;
    // Top-up account of the wrong token (base for a bid).
    f.fail(
        build::place_order(
            &b.key(),
            &k,
            order(Side::Bid, OrderType::Limit, 90, 100_000),
            Some((TokenKind::Base, b.base_wallet)),
        ),
        &b.owner,
        code(E::WrongMint),
    )
    .await;
    // Another trader's account, and another market's book.
    let mut ix = build::place_order(
        &b.key(),
        &k,
        order(Side::Bid, OrderType::Limit, 90, 1),
        None,
    );
    ix.accounts[5].pubkey = a.account;
    f.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    let mut ix = build::place_order(
        &b.key(),
        &k,
        order(Side::Bid, OrderType::Limit, 90, 1),
        None,
    );
    ix.accounts[2].pubkey = k.asks;
    f.fail(ix, &b.owner, code(E::WrongMarketAccount)).await;
    // Batches: atomic, bounded.
    let too_many = vec![order(Side::Bid, OrderType::Limit, 50, 1); 9];
    f.fail(
        build::place_orders(&b.key(), &k, too_many, None),
        &b.owner,
        code(E::TooManyOrders),
    )
    .await;
    let batch = vec![
        order(Side::Bid, OrderType::Limit, 50, 1),
        order(Side::Bid, OrderType::PostOnly, 100, 1),
    ];
    f.fail(
        build::place_orders(&b.key(), &k, batch, None),
        &b.owner,
        code(E::PostOnlyWouldCross),
    )
    .await;
    let batch = vec![
        order(Side::Bid, OrderType::Limit, 50, 1),
        order(Side::Bid, OrderType::Limit, 51, 1),
    ];
    let ev = f
        .env
        .send(
            &[build::place_orders(&b.key(), &k, batch, None)],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, ProgramEvent::OrderPlaced(_)))
            .count(),
        2
    );
    // cancel_all_and_place replaces both quotes atomically.
    let ev = f
        .env
        .send(
            &[build::cancel_all_and_place(
                &b.key(),
                &k,
                vec![order(Side::Bid, OrderType::Limit, 60, 3)],
                None,
            )],
            &[&b.owner],
        )
        .await
        .unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, ProgramEvent::OrderCancelled(_)))
            .count(),
        2
    );
    let bids = decode::book(&f.env.data(&k.bids).await).unwrap();
    assert_eq!(
        bids.l2(10),
        vec![decode::L2Level {
            price: 60,
            base_lots: 3,
            orders: 1
        }]
    );
}

#[tokio::test]
async fn cancel_paths() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    let id1 = placed_id(
        &f.place(
            &a,
            PlaceOrderArgs {
                client_order_id: 5,
                ..order(Side::Ask, OrderType::Limit, 100, 10)
            },
        )
        .await
        .unwrap(),
    );
    let id2 = placed_id(
        &f.place(
            &a,
            PlaceOrderArgs {
                client_order_id: 6,
                ..order(Side::Ask, OrderType::Limit, 101, 10)
            },
        )
        .await
        .unwrap(),
    );
    f.place(&a, order(Side::Ask, OrderType::Limit, 102, 10))
        .await
        .unwrap();
    f.fail(
        build::cancel_order(&a.key(), &k, 999),
        &a.owner,
        code(E::OrderNotFound),
    )
    .await;
    f.fail(
        build::cancel_order(&b.key(), &k, id1),
        &b.owner,
        code(E::OrderNotFound),
    )
    .await;
    let mut ix = build::cancel_order(&b.key(), &k, id1);
    ix.accounts[4].pubkey = a.account;
    f.fail(ix, &b.owner, code(E::WrongTraderAccount)).await;
    f.fail(
        build::cancel_by_client_id(&a.key(), &k, 99),
        &a.owner,
        code(E::OrderNotFound),
    )
    .await;

    let ev = f
        .env
        .send(&[build::cancel_order(&a.key(), &k, id1)], &[&a.owner])
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == id1 && c.client_order_id == 5)
    );
    let ev = f
        .env
        .send(&[build::cancel_by_client_id(&a.key(), &k, 6)], &[&a.owner])
        .await
        .unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::OrderCancelled(c)] if c.order_id == id2));
    let ev = f
        .env
        .send(
            &[build::cancel_all(&a.key(), &k, Some(Side::Ask), 10)],
            &[&a.owner],
        )
        .await
        .unwrap();
    assert_eq!(ev.len(), 1);
    let st = f.env.trader_state(&a).await;
    assert_eq!((st.balances.locked_base.get(), st.open_orders), (0, 0));
    // Cancel-all with nothing to cancel succeeds and emits nothing.
    assert!(
        f.env
            .send(&[build::cancel_all(&a.key(), &k, None, 10)], &[&a.owner])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn consume_events_pays_and_skips_missing_makers() {
    let mut f = fx().await;
    let (k, a, b) = (f.m.keys, f.a.clone(), f.b.clone());
    let c = f.env.trader(&f.m, 10_000_000, 0).await;
    f.env
        .deposit(&f.m, &c, TokenKind::Base, 10_000_000)
        .await
        .unwrap();
    f.place(&a, order(Side::Ask, OrderType::Limit, 100, 5))
        .await
        .unwrap();
    f.place(&c, order(Side::Ask, OrderType::Limit, 101, 5))
        .await
        .unwrap();
    f.place(&a, order(Side::Ask, OrderType::Limit, 102, 5))
        .await
        .unwrap();
    f.place(&b, order(Side::Bid, OrderType::ImmediateOrCancel, 102, 15))
        .await
        .unwrap();
    assert_eq!(
        decode::event_queue(&f.env.data(&k.event_queue).await)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(f.env.market(&f.m).await.pending_crank_lamports, 15_000);

    let cranker = Kp::new();
    let payer = f.env.payer();
    f.env
        .send(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &payer.pubkey(),
                &cranker.pubkey(),
                1_000_000_000,
            )],
            &[],
        )
        .await
        .unwrap();
    let wrong_queue = build::consume_events(&cranker.pubkey(), &k.market, &k.bids, &[a.account], 8);
    f.fail(wrong_queue, &cranker, code(E::WrongMarketAccount))
        .await;
    // Only a's account: the first event (a) applies, the second (c) is missing: stop, no failure.
    let before = f.env.lamports(&cranker.pubkey()).await;
    let ev = f
        .env
        .send(
            &[build::consume_events(
                &cranker.pubkey(),
                &k.market,
                &k.event_queue,
                &[a.account],
                8,
            )],
            &[&cranker],
        )
        .await
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::EventsConsumed(e)] if e.count == 1 && e.reward_lamports == 5_000)
    );
    assert_eq!(f.env.lamports(&cranker.pubkey()).await, before + 5_000);
    // A call that can apply nothing changes nothing.
    let w = f.watch();
    let before = f.env.snapshot(&w).await;
    assert!(
        f.env
            .send(
                &[build::consume_events(
                    &cranker.pubkey(),
                    &k.market,
                    &k.event_queue,
                    &[a.account],
                    8
                )],
                &[&cranker]
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(f.env.snapshot(&w).await, before);
    // Both makers: the queue drains and the cranker earns two more rewards.
    let before = f.env.lamports(&cranker.pubkey()).await;
    f.env
        .send(
            &[build::consume_events(
                &cranker.pubkey(),
                &k.market,
                &k.event_queue,
                &[c.account, a.account],
                8,
            )],
            &[&cranker],
        )
        .await
        .unwrap();
    assert!(
        decode::event_queue(&f.env.data(&k.event_queue).await)
            .unwrap()
            .is_empty()
    );
    assert_eq!(f.env.lamports(&cranker.pubkey()).await, before + 10_000);
    assert_eq!(f.env.market(&f.m).await.pending_crank_lamports, 0);
    assert_eq!(
        f.env.trader_state(&c).await.balances.free_quote.get(),
        5 * 1010
    ); // 5 lots @101, rebate f(5)=0
}

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
