//! Regression tests for the security review's on-chain findings: who pays
//! the crank for expiring orders (6), the bounded expiry (2), a way out of a
//! Closed market that donations and abandoned accounts cannot block (4), and
//! the account-substitution tests the review found missing (10). Every
//! refused transaction is checked to leave every watched account unchanged.

use anchor_lang::solana_program::instruction::AccountMeta;
use anchor_lang::solana_program::system_instruction;
use orderbook::error::OrderbookError as E;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_engine::order::MAX_ORDER_LIFETIME_SECS;
use orderbook_program_tests::*;

const NOW: i64 = 100_000;

/// A market with a maker holding base and a taker holding quote.
struct Fx {
    env: Env,
    m: TestMarket,
    maker: TestTrader,
    taker: TestTrader,
    reward: u64,
}

async fn fx() -> Fx {
    let mut env = Env::start().await;
    env.set_time(NOW).await;
    let m = env.create_market(MarketCfg::default()).await;
    let maker = env.trader(&m, 100_000_000, 0).await;
    let taker = env.trader(&m, 0, 100_000_000).await;
    env.deposit(&m, &maker, TokenKind::Base, 50_000_000)
        .await
        .unwrap();
    env.deposit(&m, &taker, TokenKind::Quote, 50_000_000)
        .await
        .unwrap();
    let reward = env.market(&m).await.crank_reward_lamports;
    assert!(reward > 0);
    Fx {
        env,
        m,
        maker,
        taker,
        reward,
    }
}

fn expiring(side: Side, price: u64, lots: u64, expiry: i64) -> PlaceOrderArgs {
    PlaceOrderArgs {
        expiry: expiry as u64,
        ..order(side, OrderType::Limit, price, lots)
    }
}

impl Fx {
    fn watch(&self) -> Vec<anchor_lang::prelude::Pubkey> {
        let mut w = Env::market_watch(&self.m);
        w.extend(self.maker.watch());
        w.extend(self.taker.watch());
        w
    }

    /// Place `args` for `t`; returns the lamports it cost `t`'s owner.
    async fn place_cost(&mut self, t: &TestTrader, args: PlaceOrderArgs) -> i64 {
        let before = self.env.lamports(&t.key()).await as i64;
        self.env
            .send(
                &[build::place_order(&t.key(), &self.m.keys, args, None)],
                &[&t.owner],
            )
            .await
            .unwrap();
        before - self.env.lamports(&t.key()).await as i64
    }

    /// Crank everything; returns the lamports the cranker earned.
    async fn crank(&mut self) -> u64 {
        let cranker = Kp::new();
        let payer = self.env.payer();
        self.env
            .send(
                &[system_instruction::transfer(
                    &payer.pubkey(),
                    &cranker.pubkey(),
                    1_000_000_000,
                )],
                &[],
            )
            .await
            .unwrap();
        let makers = [self.maker.account, self.taker.account];
        let k = self.m.keys;
        self.env
            .send(
                &[build::consume_events(
                    &cranker.pubkey(),
                    &k.market,
                    &k.event_queue,
                    &makers,
                    64,
                )],
                &[&cranker],
            )
            .await
            .unwrap();
        self.env.lamports(&cranker.pubkey()).await - 1_000_000_000
    }

    async fn pending(&mut self) -> u64 {
        self.env.market(&self.m).await.pending_crank_lamports
    }
}

/// Finding 6: takers used to pay the crank reward of makers' expired orders.
/// Now a resting order with an expiry pre-pays its final event, whoever
/// pushes it; partial events are paid by whoever causes them; an owner's
/// cancel refunds the pre-payment.
#[tokio::test]
async fn an_order_with_an_expiry_prepays_its_final_event() {
    let mut f = fx().await;
    let (maker, taker, r) = (f.maker.clone(), f.taker.clone(), f.reward as i64);

    // Placement pre-pays one reward; a partial fill is the taker's to pay;
    // the fill that finishes the order was pre-paid.
    assert_eq!(
        f.place_cost(&maker, expiring(Side::Ask, 100, 5, NOW + 60))
            .await,
        r
    );
    assert_eq!(f.pending().await, f.reward);
    let ioc = |lots| order(Side::Bid, OrderType::ImmediateOrCancel, 100, lots);
    assert_eq!(f.place_cost(&taker, ioc(2)).await, r, "partial fill");
    assert_eq!(
        f.place_cost(&taker, ioc(3)).await,
        0,
        "final fill was pre-paid"
    );
    assert_eq!(f.crank().await, 2 * f.reward);
    assert_eq!(f.pending().await, 0);

    // An expired maker removed by a taker costs the taker nothing.
    assert_eq!(
        f.place_cost(&maker, expiring(Side::Ask, 100, 5, NOW + 10))
            .await,
        r
    );
    f.env.set_time(NOW + 20).await;
    let cost = f
        .place_cost(&taker, order(Side::Bid, OrderType::Limit, 100, 1))
        .await;
    assert_eq!(cost, 0, "the taker paid for the maker's expiry");
    assert_eq!(f.crank().await, f.reward, "the cranker still earns it");

    // The same through prune_expired: the pruner pays nothing.
    let expiry = NOW + 30;
    f.place_cost(&maker, expiring(Side::Ask, 200, 5, expiry))
        .await;
    f.env.set_time(expiry).await;
    let pruner = f.env.payer();
    let before = f.env.lamports(&pruner.pubkey()).await;
    let ev = f
        .env
        .send(
            &[build::prune_expired(
                &pruner.pubkey(),
                &f.m.keys,
                Side::Ask,
                8,
            )],
            &[],
        )
        .await
        .unwrap();
    assert!(ev.iter().any(|e| matches!(e, ProgramEvent::OrderOut(_))));
    let fee = 5_000;
    assert_eq!(f.env.lamports(&pruner.pubkey()).await, before - fee);
    assert_eq!(f.crank().await, f.reward);

    // An owner's cancel refunds the pre-payment; so does a requote.
    let before = f.env.lamports(&maker.key()).await;
    let ev = f
        .env
        .send(
            &[build::place_order(
                &maker.key(),
                &f.m.keys,
                expiring(Side::Ask, 300, 1, expiry + 60),
                None,
            )],
            &[&maker.owner],
        )
        .await
        .unwrap();
    let ProgramEvent::OrderPlaced(placed) = &ev[0] else {
        panic!("{ev:?}")
    };
    f.env
        .send(
            &[build::cancel_order(
                &maker.key(),
                &f.m.keys,
                placed.order_id,
            )],
            &[&maker.owner],
        )
        .await
        .unwrap();
    assert_eq!(f.env.lamports(&maker.key()).await, before, "cancel refunds");
    // Nothing queued and no expiring order resting: nothing is held back.
    assert_eq!(f.pending().await, 0);
}

/// Finding 2 (on-chain half): an expiry is a sane timestamp.
#[tokio::test]
async fn an_expiry_beyond_the_order_lifetime_is_refused() {
    let mut f = fx().await;
    let maker = f.maker.clone();
    let watch = f.watch();
    for expiry in [u64::MAX, 1 << 63, NOW as u64 + MAX_ORDER_LIFETIME_SECS + 1] {
        let args = PlaceOrderArgs {
            expiry,
            ..order(Side::Ask, OrderType::Limit, 100, 1)
        };
        f.env
            .expect_fail(
                &[build::place_order(&maker.key(), &f.m.keys, args, None)],
                &[&maker.owner],
                code(E::ExpiryTooFar),
                &watch,
            )
            .await;
    }
    let longest = expiring(Side::Ask, 100, 1, NOW + MAX_ORDER_LIFETIME_SECS as i64);
    assert_eq!(f.place_cost(&maker, longest).await, f.reward as i64);
}

/// A market order's price field is ignored; the event reports its effective
/// limit, so no price the program emits is out of range.
#[tokio::test]
async fn a_market_order_reports_its_effective_limit() {
    let mut f = fx().await;
    let taker = f.taker.clone();
    let args = PlaceOrderArgs {
        price: u64::MAX,
        max_base_lots: u64::MAX,
        max_quote: 1_000,
        ..order(Side::Bid, OrderType::Market, 0, 1)
    };
    let ev = f
        .env
        .send(
            &[build::place_order(&taker.key(), &f.m.keys, args, None)],
            &[&taker.owner],
        )
        .await
        .unwrap();
    let ProgramEvent::OrderPlaced(placed) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(placed.price, orderbook_engine::market::MAX_PRICE_TICKS);
    assert_eq!(placed.max_base_lots, u64::MAX);
}

/// Finding 4: one atom sent straight into a vault, or one trader account
/// nobody closes, used to block `close_market` forever.
#[tokio::test]
async fn donations_and_abandoned_traders_cannot_block_close_market() {
    let mut f = fx().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    let authority = f.m.authority.insecure_clone();
    let stranger = f.env.payer();
    // Resting orders, one of them partly filled and not yet cranked.
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 5))
        .await;
    f.place_cost(&maker, expiring(Side::Ask, 110, 5, NOW + 600))
        .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 2),
    )
    .await;
    // Donations straight into both vaults (the mint authority can).
    f.env
        .mint_to(k.base_token_program, &k.base_mint, &k.base_vault, 7)
        .await;
    f.env
        .mint_to(k.quote_token_program, &k.quote_mint, &k.quote_vault, 9)
        .await;
    f.env
        .send(
            &[build::set_market_status(
                &authority.pubkey(),
                &k.market,
                MarketStatus::Closed,
            )],
            &[&authority],
        )
        .await
        .unwrap();

    let settle = |closer: &Kp, t: &TestTrader| {
        build::settle_trader(
            &closer.pubkey(),
            &t.key(),
            &k,
            Some(t.base_wallet),
            Some(t.quote_wallet),
        )
    };
    let watch = f.watch();
    // A stranger may not settle an account that holds funds.
    f.env
        .expect_fail(
            &[settle(&stranger, &maker)],
            &[],
            code(E::SettleNeedsAuthority),
            &watch,
        )
        .await;
    // Nor may the authority while the queue still owes the maker.
    f.env
        .expect_fail(
            &[settle(&authority, &maker)],
            &[&authority],
            code(E::EventsPending),
            &watch,
        )
        .await;
    // Nor pay to a token account that is not the owner's.
    let mut wrong = settle(&authority, &maker);
    wrong.accounts[9].pubkey = taker.base_wallet;
    f.crank().await;
    f.env
        .expect_fail(
            &[wrong],
            &[&authority],
            code(E::NotOwnersTokenAccount),
            &watch,
        )
        .await;

    // After the crank the authority settles the maker: orders cancelled, the
    // expiring order's reward refunded, balances and rent to the owner.
    let state = f.env.trader_state(&maker).await;
    let (base_before, quote_before) = (
        f.env.token_balance(&maker.base_wallet).await,
        f.env.token_balance(&maker.quote_wallet).await,
    );
    let lamports_before = f.env.lamports(&maker.key()).await;
    let rent = f.env.lamports(&maker.account).await;
    let ev = f
        .env
        .send(&[settle(&authority, &maker)], &[&authority])
        .await
        .unwrap();
    let cancelled = ev
        .iter()
        .filter(|e| matches!(e, ProgramEvent::OrderCancelled(_)))
        .count();
    assert_eq!(cancelled, 2);
    assert!(matches!(
        ev.last(),
        Some(ProgramEvent::TraderAccountClosed(_))
    ));
    let b = state.balances;
    assert_eq!(
        f.env.token_balance(&maker.base_wallet).await,
        base_before + b.free_base.get() + b.locked_base.get()
    );
    assert_eq!(
        f.env.token_balance(&maker.quote_wallet).await,
        quote_before + b.free_quote.get()
    );
    assert_eq!(
        f.env.lamports(&maker.key()).await,
        lamports_before + rent + f.reward
    );
    assert!(!f.env.exists(&maker.account).await);

    // The taker empties its own account; then anyone may close it.
    let free_quote = f.env.trader_state(&taker).await.balances.free_quote.get();
    let free_base = f.env.trader_state(&taker).await.balances.free_base.get();
    f.env
        .send(
            &[
                build::withdraw(
                    &taker.key(),
                    &k,
                    TokenKind::Quote,
                    &taker.quote_wallet,
                    free_quote,
                ),
                build::withdraw(
                    &taker.key(),
                    &k,
                    TokenKind::Base,
                    &taker.base_wallet,
                    free_base,
                ),
            ],
            &[&taker.owner],
        )
        .await
        .unwrap();
    let rent = f.env.lamports(&taker.account).await;
    let before = f.env.lamports(&taker.key()).await;
    f.env
        .send(
            &[build::settle_trader(
                &stranger.pubkey(),
                &taker.key(),
                &k,
                None,
                None,
            )],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(f.env.lamports(&taker.key()).await, before + rent);

    // The donations are surplus: the fee authority sweeps them, and the
    // market closes.
    let fee_authority = f.m.fee_authority.insecure_clone();
    let base_dest = f
        .env
        .token_account(&k.base_mint, &fee_authority.pubkey(), k.base_token_program)
        .await;
    let quote_dest = f
        .env
        .token_account(
            &k.quote_mint,
            &fee_authority.pubkey(),
            k.quote_token_program,
        )
        .await;
    let fees = f.env.market(&f.m).await.engine().accrued_fees.get();
    let ev = f
        .env
        .send(
            &[
                build::sweep_fees(&fee_authority.pubkey(), &k, TokenKind::Base, &base_dest),
                build::sweep_fees(&fee_authority.pubkey(), &k, TokenKind::Quote, &quote_dest),
            ],
            &[&fee_authority],
        )
        .await
        .unwrap();
    let surplus: Vec<(TokenKind, u64)> = ev
        .iter()
        .filter_map(|e| match e {
            ProgramEvent::SurplusSwept(s) => Some((s.token, s.amount)),
            _ => None,
        })
        .collect();
    assert_eq!(surplus, vec![(TokenKind::Base, 7), (TokenKind::Quote, 9)]);
    assert_eq!(f.env.token_balance(&base_dest).await, 7);
    assert_eq!(f.env.token_balance(&quote_dest).await, 9 + fees);
    let market = f.env.market(&f.m).await;
    assert_eq!((market.base_vault_owed, market.quote_vault_owed), (0, 0));
    f.env
        .send(
            &[build::close_market(&authority.pubkey(), &k, &f.m.creator)],
            &[&authority],
        )
        .await
        .unwrap();
    assert!(!f.env.exists(&k.market).await);
}

/// Finding 10: every account of a second market, substituted one at a time,
/// is refused.
#[tokio::test]
async fn accounts_of_a_second_market_are_refused() {
    let mut f = fx().await;
    let (maker, k) = (f.maker.clone(), f.m.keys);
    let other = f.env.create_market(MarketCfg::default()).await;
    // The same owner's trader account on the other market (same trader id 1).
    let other_trader = f.env.trader(&other, 0, 0).await;
    let watch = f.watch();
    let place = || {
        build::place_order(
            &maker.key(),
            &k,
            order(Side::Ask, OrderType::Limit, 100, 1),
            None,
        )
    };
    let substitutions = [
        (2, other.keys.bids, E::WrongMarketAccount),
        (3, other.keys.asks, E::WrongMarketAccount),
        (4, other.keys.event_queue, E::WrongMarketAccount),
        (5, other_trader.account, E::WrongTraderAccount),
    ];
    for (index, key, want) in substitutions {
        let mut ix = place();
        ix.accounts[index].pubkey = key;
        f.env
            .expect_fail(&[ix], &[&maker.owner], code(want), &watch)
            .await;
    }
    // The other market's trader account even with its own owner signing.
    let mut ix = build::place_order(
        &other_trader.key(),
        &k,
        order(Side::Ask, OrderType::Limit, 100, 1),
        None,
    );
    ix.accounts[5].pubkey = other_trader.account;
    f.env
        .expect_fail(
            &[ix],
            &[&other_trader.owner],
            code(E::WrongTraderAccount),
            &watch,
        )
        .await;
    // Its vault in a deposit and a withdrawal.
    let mut ix = build::deposit(&maker.key(), &k, TokenKind::Base, &maker.base_wallet, 1);
    ix.accounts[5].pubkey = other.keys.base_vault;
    f.env
        .expect_fail(&[ix], &[&maker.owner], code(E::WrongVault), &watch)
        .await;
    let mut ix = build::withdraw(&maker.key(), &k, TokenKind::Base, &maker.base_wallet, 1);
    ix.accounts[6].pubkey = other.keys.base_vault;
    f.env
        .expect_fail(&[ix], &[&maker.owner], code(E::WrongVault), &watch)
        .await;
    // Its queue in a crank.
    let payer = f.env.payer();
    let mut ix = build::consume_events(&payer.pubkey(), &k.market, &k.event_queue, &[], 8);
    ix.accounts[2].pubkey = other.keys.event_queue;
    f.env
        .expect_fail(&[ix], &[], code(E::WrongMarketAccount), &watch)
        .await;
}

/// Finding 10: the crank's remaining accounts. Read-only, foreign-owned and
/// other-market accounts are skipped (the crank stops at their event without
/// failing); a duplicate applies each event once.
#[tokio::test]
async fn the_crank_skips_accounts_it_must_not_write_and_applies_duplicates_once() {
    let mut f = fx().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 4))
        .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
    )
    .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
    )
    .await;
    let other = f.env.create_market(MarketCfg::default()).await;
    let other_maker = f.env.trader(&other, 0, 0).await; // trader id 1 there too
    let payer = f.env.payer();
    let crank = |makers: Vec<AccountMeta>| {
        let mut ix = build::consume_events(&payer.pubkey(), &k.market, &k.event_queue, &[], 8);
        ix.accounts.extend(makers);
        ix
    };
    let applied = |ev: &[ProgramEvent]| {
        ev.iter()
            .find_map(|e| match e {
                ProgramEvent::EventsConsumed(c) => Some(c.count),
                _ => None,
            })
            .unwrap_or(0)
    };
    let skipped = [
        AccountMeta::new_readonly(maker.account, false),
        AccountMeta::new(maker.base_wallet, false),
        AccountMeta::new(other_maker.account, false),
    ];
    for meta in skipped {
        let before = f.env.snapshot(&[maker.account, other_maker.account]).await;
        let ev = f.env.send(&[crank(vec![meta.clone()])], &[]).await.unwrap();
        assert_eq!(applied(&ev), 0, "{meta:?} was used");
        assert_eq!(
            before,
            f.env.snapshot(&[maker.account, other_maker.account]).await
        );
    }
    let state_before = f.env.trader_state(&maker).await.balances;
    let duplicate = vec![AccountMeta::new(maker.account, false); 3];
    let ev = f.env.send(&[crank(duplicate)], &[]).await.unwrap();
    assert_eq!(applied(&ev), 2);
    let after = f.env.trader_state(&maker).await.balances;
    let two_lots = 2 * f.env.market(&f.m).await.engine().base_lot_size;
    assert_eq!(
        after.locked_base.get(),
        state_before.locked_base.get() - two_lots
    );
}

/// Finding 10: a trader account cannot be closed while the queue owes it.
#[tokio::test]
async fn a_trader_account_with_queued_events_cannot_close() {
    let mut f = fx().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 1))
        .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
    )
    .await;
    // The maker's book order is gone and its base is owed to the taker; all
    // it has left to withdraw is its free base.
    let free = f.env.trader_state(&maker).await.balances.free_base.get();
    f.env
        .send(
            &[build::withdraw(
                &maker.key(),
                &k,
                TokenKind::Base,
                &maker.base_wallet,
                free,
            )],
            &[&maker.owner],
        )
        .await
        .unwrap();
    let watch = f.watch();
    f.env
        .expect_fail(
            &[build::close_trader_account(&maker.key(), &k.market)],
            &[&maker.owner],
            code(E::TraderAccountNotEmpty),
            &watch,
        )
        .await;
    f.crank().await;
    let quote = f.env.trader_state(&maker).await.balances.free_quote.get();
    f.env
        .send(
            &[
                build::withdraw(
                    &maker.key(),
                    &k,
                    TokenKind::Quote,
                    &maker.quote_wallet,
                    quote,
                ),
                build::close_trader_account(&maker.key(), &k.market),
            ],
            &[&maker.owner],
        )
        .await
        .unwrap();
    assert!(!f.env.exists(&maker.account).await);
}
