//! Randomized, bounded sequences on a sealed batch market (issue 25):
//! deposits, withdrawals, commitments, reveals (in and out of their
//! window, with the right and a wrong salt), queued post-only orders and
//! cancels, clears and cranks, with the slot moving on. After every
//! transaction: a failed one changed no account; event sequence numbers
//! run +1; the batch account holds exactly its rent, the bonds and commit
//! fees of the commitments not yet cleared and the forfeited bonds; the
//! market holds its rent plus the crank rewards of the queued events; and,
//! whenever the queue is empty, each vault holds exactly its traders' free
//! and locked funds (plus the fees), the locks of revealed and queued
//! entries included.
//! `ORDERBOOK_SEQUENCES` (default 6) × `ORDERBOOK_STEPS` (default 80).

use anchor_lang::prelude::Pubkey;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_engine::auction::BatchPhase;
use orderbook_engine::batch::EntryKind;
use orderbook_program_tests::*;

const START: u64 = 1_001;
const ENTRIES: u32 = 16;
const BOND: u64 = 1_000_000;
const COMMIT_FEE: u64 = 10_000;

/// A commitment sent, with what its reveal needs.
struct Sealed {
    trader: usize,
    batch: u64,
    entry: u32,
    order: PlaceOrderArgs,
    salt: [u8; 32],
}

/// The batch account holds its rent, each uncleared commitment's commit fee
/// (and its bond until revealed) and the forfeited bonds, nothing else.
async fn check_batch_lamports(env: &mut Env, batch: &Pubkey) {
    let data = env.data(batch).await;
    let batches = decode::batch_account(&data).unwrap();
    let (mut bonds, mut fees) = (0u64, 0u64);
    for e in &batches.entries {
        match e.kind() {
            Ok(EntryKind::Committed) => {
                bonds += e.bond_lamports;
                fees += COMMIT_FEE;
            }
            Ok(EntryKind::Revealed) => fees += COMMIT_FEE,
            _ => {}
        }
    }
    let rent = env.rent(data.len()).await;
    assert_eq!(
        env.lamports(batch).await,
        rent + bonds + fees + batches.header.forfeited_lamports,
        "batch lamports = rent + bonds held + commit fees + forfeited bonds"
    );
}

/// The market holds its rent plus one crank reward per queued event; with
/// the queue empty, each vault holds the traders' funds and the fees.
async fn check_market(env: &mut Env, m: &TestMarket, traders: &[TestTrader]) {
    let mk = env.market(m).await;
    let queued = decode::event_queue(&env.data(&m.keys.event_queue).await).unwrap();
    assert_eq!(
        mk.pending_crank_lamports,
        mk.crank_reward_lamports * queued.len() as u64,
        "pending crank lamports"
    );
    let market_len = 8 + std::mem::size_of::<orderbook::state::Market>();
    let rent = env.rent(market_len).await;
    assert_eq!(
        env.lamports(&m.keys.market).await,
        rent + mk.pending_crank_lamports
    );
    let vault_base = env.token_balance(&m.keys.base_vault).await;
    let vault_quote = env.token_balance(&m.keys.quote_vault).await;
    assert_eq!(vault_base, mk.base_vault_owed, "base vault obligation");
    assert_eq!(vault_quote, mk.quote_vault_owed, "quote vault obligation");
    if !queued.is_empty() {
        return;
    }
    let mut held = [0u64; 2];
    for t in traders {
        let b = env.trader_state(t).await.balances;
        held[0] += b.free_base.get() + b.locked_base.get();
        held[1] += b.free_quote.get() + b.locked_quote.get();
    }
    assert_eq!(vault_base, held[0], "base vault conservation");
    assert_eq!(
        vault_quote,
        held[1] + mk.engine().accrued_fees.get(),
        "quote vault conservation"
    );
}

/// A random order: a post-only one quotes 1–5 ticks from 100, a sealed one
/// reaches 0–2 ticks past 100 (so the two meet at most clears).
fn random_order(rng: &mut Rng, order_type: OrderType) -> PlaceOrderArgs {
    let side = if rng.below(2) == 0 {
        Side::Bid
    } else {
        Side::Ask
    };
    let offset = if order_type == OrderType::PostOnly {
        -1 - rng.below(5) as i64
    } else {
        rng.below(3) as i64
    };
    let price = match side {
        Side::Bid => 100 + offset,
        Side::Ask => 100 - offset,
    };
    PlaceOrderArgs {
        client_order_id: rng.below(1_000),
        ..PlaceOrderArgs::new(side, order_type, price as u64, 1 + rng.below(30))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_batch_sequences_conserve_funds_and_lamports() {
    let sequences = env_num("ORDERBOOK_SEQUENCES", 6);
    let steps = env_num("ORDERBOOK_STEPS", 80);
    let (mut ok, mut failed, mut clears) = (0u64, 0u64, 0u64);
    let (mut reveals, mut fills) = (0u64, 0u64);
    let mut kinds = std::collections::BTreeMap::new();
    let mut errors = std::collections::BTreeMap::new();
    for s in 0..sequences {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (s + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut env = Env::start().await;
        let mut cfg = MarketCfg {
            orders_per_side: 16,
            events: 256,
            ..MarketCfg::default()
        };
        cfg.args.maker_fee_ppm = [-100, 0][(s % 2) as usize];
        let m = env.create_market(cfg).await;
        let mut traders = Vec::new();
        for _ in 0..3 {
            let t = env.trader(&m, 50_000_000, 50_000_000).await;
            env.deposit(&m, &t, TokenKind::Base, 20_000_000)
                .await
                .unwrap();
            env.deposit(&m, &t, TokenKind::Quote, 20_000_000)
                .await
                .unwrap();
            traders.push(t);
        }
        let mut slot = START - 1;
        env.set_slot(slot).await;
        let batch = env.batch_account(3 * ENTRIES).await.pubkey();
        let args = orderbook::instructions::BatchModeArgs {
            commit_slots: 2,
            grace_slots: 1 + (s % 3) as u16,
            reveal_slots: 3,
            bond_lamports: BOND,
            commit_fee_lamports: COMMIT_FEE,
            entries_per_batch: ENTRIES,
            entries_per_trader: 3,
            beacon_chain_hash: [0; 32],
        };
        let authority = m.authority.insecure_clone();
        env.send(
            &[build::enable_batch_mode(
                &authority.pubkey(),
                &m.keys,
                &batch,
                args,
            )],
            &[&authority],
        )
        .await
        .unwrap();
        let schedule = orderbook_engine::auction::BatchSchedule::new(
            START,
            args.commit_slots,
            args.grace_slots,
            args.reveal_slots,
        )
        .unwrap();
        let mut last_seq = env.market(&m).await.engine().next_emit_seq - 1;
        let mut watch = Env::market_watch(&m);
        watch.push(batch);
        for t in &traders {
            watch.extend(t.watch());
        }
        let mut sealed: Vec<Sealed> = Vec::new();
        let makers: Vec<_> = traders.iter().map(|t| t.account).collect();
        for step in 0..steps {
            slot += rng.below(3);
            env.set_slot(slot).await;
            let ti = rng.below(3) as usize;
            let t = &traders[ti];
            let (k, owner) = (m.keys, t.key());
            let mut committed: Option<Sealed> = None;
            let mut signer_is_owner = true;
            let ix = match rng.below(12) {
                0 => build::deposit(
                    &owner,
                    &k,
                    TokenKind::Quote,
                    &t.quote_wallet,
                    1 + rng.below(2_000_000),
                ),
                1 => build::withdraw(
                    &owner,
                    &k,
                    TokenKind::Base,
                    &t.base_wallet,
                    1 + rng.below(5_000_000),
                ),
                2..=4 => {
                    let order_type = if rng.below(2) == 0 {
                        OrderType::Limit
                    } else {
                        OrderType::ImmediateOrCancel
                    };
                    let order = random_order(&mut rng, order_type);
                    let salt = [rng.below(256) as u8; 32];
                    // Hashed for the open batch, or now and then a later one (refused).
                    let k_open =
                        schedule.committing_batch(slot).unwrap_or(0) + u64::from(rng.below(8) == 0);
                    let commitment = orderbook_client::sealed::commitment(
                        &k.market,
                        &owner,
                        k_open,
                        &order.to_engine(),
                        &salt,
                    );
                    committed = Some(Sealed {
                        trader: ti,
                        batch: 0,
                        entry: 0,
                        order,
                        salt,
                    });
                    build::commit_order(&owner, &k.market, &batch, k_open, commitment)
                }
                5..=7 if !sealed.is_empty() => {
                    // Mostly one whose reveal window is open; now and then any.
                    let open = sealed
                        .iter()
                        .position(|x| schedule.phase(x.batch, slot) == BatchPhase::Revealing);
                    let i = match open {
                        Some(i) if rng.below(4) != 0 => i,
                        _ => rng.below(sealed.len() as u64) as usize,
                    };
                    let c = &sealed[i];
                    let mut salt = c.salt;
                    if rng.below(8) == 0 {
                        salt[0] ^= 1; // a wrong salt: refused
                    }
                    signer_is_owner = false;
                    let payer = env.payer().pubkey();
                    build::reveal_order(
                        &payer,
                        &traders[c.trader].key(),
                        &k.market,
                        &batch,
                        c.entry,
                        c.order,
                        salt,
                    )
                }
                8 => build::queue_post_only(
                    &owner,
                    &k.market,
                    &batch,
                    random_order(&mut rng, OrderType::PostOnly),
                ),
                9 => {
                    let id = env.trader_state(t).await.orders[rng.below(32) as usize].order_seq;
                    build::queue_cancel(&owner, &k, &batch, id)
                }
                10 => {
                    signer_is_owner = false;
                    build::clear_batch(&env.payer().pubkey(), &k, &batch)
                }
                _ => {
                    signer_is_owner = false;
                    build::consume_events(
                        &env.payer().pubkey(),
                        &k.market,
                        &k.event_queue,
                        &makers,
                        64,
                    )
                }
            };
            let before = env.snapshot(&watch).await;
            let signers: Vec<&Kp> = if signer_is_owner {
                vec![&t.owner]
            } else {
                vec![]
            };
            match env.send(&[ix], &signers).await {
                Ok(events) => {
                    ok += 1;
                    for e in &events {
                        let (mkey, seq) = e.seq();
                        assert_eq!(mkey, m.keys.market);
                        assert_eq!(
                            seq,
                            last_seq + 1,
                            "sequence {s} step {step}: event sequence gap"
                        );
                        last_seq = seq;
                        match e {
                            ProgramEvent::OrderCommitted(c) => {
                                if let Some(mut sealed_order) = committed.take() {
                                    (sealed_order.batch, sealed_order.entry) = (c.batch, c.entry);
                                    sealed.push(sealed_order);
                                }
                            }
                            ProgramEvent::OrderRevealed(r) => {
                                reveals += 1;
                                sealed.retain(|x| (x.batch, x.entry) != (r.batch, r.entry))
                            }
                            ProgramEvent::SealedFilled(_) => fills += 1,
                            ProgramEvent::BatchCleared(_) => clears += 1,
                            other => *kinds.entry(other.kind()).or_insert(0u64) += 1,
                        }
                    }
                }
                Err(e) => {
                    *errors.entry(format!("{e:?}")).or_insert(0u64) += 1;
                    failed += 1;
                    let after = env.snapshot(&watch).await;
                    assert!(
                        before == after,
                        "sequence {s} step {step}: a failed transaction changed state"
                    );
                }
            }
            // Commitments of cleared batches can no longer be revealed (their
            // entries are free for the next batches).
            let next_clear = decode::batch_account(&env.data(&batch).await)
                .unwrap()
                .header
                .next_clear;
            sealed.retain(|x| x.batch >= next_clear);
            check_batch_lamports(&mut env, &batch).await;
            check_market(&mut env, &m, &traders).await;
        }
    }
    println!(
        "{sequences} sequences × {steps} steps: {ok} transactions succeeded ({reveals} reveals, {clears} clears, {fills} sealed fills), {failed} failed (each checked unchanged)"
    );
    println!("other events: {kinds:?}\nrefusals by program error: {errors:?}");
    assert!(
        reveals > sequences && fills > 0 && clears > sequences,
        "too few reveals, fills or clears to mean anything"
    );
    assert!(failed > 0, "no failure path was exercised");
}
