//! `mev-bench`'s adversary strategies as real transactions (issue 25): a
//! [`Leader`] reads every pending transaction's bytes, inserts its own,
//! reorders them and holds some back, on the continuous book and on a
//! sealed batch market. Each scenario runs twice on a fresh bank, without
//! and with the adversary; the traders' funds are marked to the fair value
//! the test knows.
//!
//! On the continuous book the sandwich, the quote fade and the cancel snipe
//! profit at their victim's cost (so the harness is not vacuous). On the
//! batch market the same strategies, a leader holding makers' cancels for
//! its four slots and a leader censoring a reveal leave the victim's
//! balances exactly as they are without the adversary, and the adversary
//! gains nothing. An encrypted commit (issue 26) read before its beacon
//! round opens to nothing.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use orderbook::error::OrderbookError as E;
use orderbook::instructions::BatchModeArgs;
use orderbook::types::TokenKind;
use orderbook_beacon::{Beacon, Clock, SecretKey};
use orderbook_client::encrypted;
use orderbook_client::events::ProgramEvent;
use orderbook_client::sealed::RevealPayload;
use orderbook_engine::auction::BatchSchedule;
use orderbook_engine::trader::Balances;
use orderbook_program_tests::leader::{
    Landed, Leader, Pending, ciphertext, is_cancel, readable_order,
};
use orderbook_program_tests::*;

/// The fair value, in ticks (1 tick = 1 bp here); news moves it to
/// [`NEWS_FAIR`].
const FAIR: u64 = 10_000;
const NEWS_FAIR: u64 = 10_100;
/// Atoms per lot and per tick·lot ([`orderbook_chain::scenario::standard_market_args`]).
const BASE_LOT: i128 = 1_000;
const QUOTE_PER_TICK_LOT: i128 = 10;
/// The victim's taking order: 30 lots, 50 bps of slippage room.
const VICTIM_LOTS: u64 = 30;
const VICTIM_LIMIT: u64 = FAIR + 50;
/// The batch clock: batch 0 commits from `START`, C = 2, G = 4, R = 8.
const START: u64 = 1_001;
const LEADER_SLOTS: u64 = 4;
const BOND: u64 = 1_000_000;
const COMMIT_FEE: u64 = 10_000;

fn schedule() -> BatchSchedule {
    BatchSchedule::new(START, 2, 4, 8).unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Continuous,
    Batch,
}

/// A market with a maker, a victim and an adversary, each holding both
/// tokens deposited, and a leader at its slot.
struct Market {
    env: Env,
    m: TestMarket,
    batch: Option<Pubkey>,
    maker: TestTrader,
    victim: TestTrader,
    adversary: TestTrader,
    leader: Leader,
    /// The drand-style beacon the batch market names (issue 26).
    beacon: Beacon,
}

/// A sealed order committed, with what its reveal needs.
struct Sealed {
    batch: u64,
    entry: u32,
    order: PlaceOrderArgs,
    salt: [u8; 32],
}

/// Funds marked to a fair value (quote atoms), and the raw balances.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Marked {
    value: i128,
    balances: Balances,
}

/// What a scenario ends with, per trader.
#[derive(Debug)]
struct Outcome {
    victim: Marked,
    adversary: Marked,
    /// Lamports the adversary's wallet paid (crank rewards of its orders,
    /// bonds not refunded, commit fees).
    adversary_lamports_paid: u64,
}

impl Market {
    async fn new(mode: Mode) -> Self {
        let mut env = Env::start().await;
        let cfg = MarketCfg {
            orders_per_side: 64,
            events: 256,
            ..MarketCfg::default()
        };
        let m = env.create_market(cfg).await;
        let mut traders = Vec::new();
        for _ in 0..3 {
            let t = env.trader(&m, 1_000_000, 100_000_000_000).await;
            env.deposit(&m, &t, TokenKind::Base, 1_000_000)
                .await
                .unwrap();
            env.deposit(&m, &t, TokenKind::Quote, 100_000_000_000)
                .await
                .unwrap();
            traders.push(t);
        }
        let clock = Clock {
            genesis_time: 0,
            period_secs: 3,
        };
        let beacon = Beacon::new(SecretKey::generate(), clock, "adversary");
        let batch = match mode {
            Mode::Continuous => None,
            Mode::Batch => Some(enable_batch_mode(&mut env, &m, beacon.info.hash()).await),
        };
        let [maker, victim, adversary] = <[TestTrader; 3]>::try_from(traders).ok().unwrap();
        Self {
            env,
            m,
            batch,
            maker,
            victim,
            adversary,
            leader: Leader::new(START),
            beacon,
        }
    }

    /// Rest `t`'s post-only asks at `prices` (10 lots each): placed on the
    /// continuous book, queued and cleared on the batch market.
    async fn rest_asks(&mut self, t: &TestTrader, prices: &[u64]) {
        for &p in prices {
            let order = order(Side::Ask, OrderType::PostOnly, p, 10);
            let ix = match self.batch {
                None => build::place_order(&t.key(), &self.m.keys, order, None),
                Some(batch) => build::queue_post_only(&t.key(), &self.m.keys.market, &batch, order),
            };
            self.submit("rest ask", ix, t).await;
        }
        self.slot_ok().await;
        if self.batch.is_some() {
            let k = schedule().committing_batch(self.leader.slot - 1).unwrap();
            self.until(schedule().clearable_from(k).unwrap() + 1).await;
        }
    }

    /// `ix` signed by `t`'s owner, sent to the leader.
    async fn submit(&mut self, label: &'static str, ix: Instruction, t: &TestTrader) {
        let tx = self.env.sign(&[ix], &[&t.owner]).await.unwrap();
        self.leader.submit(label, tx);
    }

    /// `ixs` signed by `t`'s owner, as a transaction a strategy places.
    async fn pending(
        &mut self,
        label: &'static str,
        ixs: &[Instruction],
        t: &TestTrader,
    ) -> Pending {
        let tx = self.env.sign(ixs, &[&t.owner]).await.unwrap();
        Pending { label, tx }
    }

    /// An honest slot, then the keeper's clears and cranks.
    async fn slot(&mut self) -> Vec<Landed> {
        let landed = self.leader.honest(&mut self.env).await;
        self.keep().await;
        landed
    }

    /// An honest slot in which every transaction lands.
    async fn slot_ok(&mut self) {
        for r in self.slot().await {
            r.result.unwrap();
        }
    }

    /// [`Market::slot_as`] in which every transaction run lands.
    async fn slot_as_ok(&mut self, run: Vec<Pending>, hold: Vec<Pending>) -> Vec<Landed> {
        let landed = self.slot_as(run, hold).await;
        for r in &landed {
            r.result.as_ref().unwrap();
        }
        landed
    }

    /// A slot in the order `run`, holding `hold`, then the keeper.
    async fn slot_as(&mut self, run: Vec<Pending>, hold: Vec<Pending>) -> Vec<Landed> {
        let landed = self.leader.execute(&mut self.env, run, hold).await;
        self.keep().await;
        landed
    }

    /// Honest slots until the leader is at `slot`.
    async fn until(&mut self, slot: u64) {
        while self.leader.slot < slot {
            self.slot_ok().await;
        }
    }

    /// The keeper at the slot just produced: clear every clearable batch,
    /// crank the queue empty.
    async fn keep(&mut self) {
        let payer = self.env.payer().pubkey();
        if let Some(batch) = self.batch {
            let slot = self.leader.slot - 1;
            while decode::batch_account(&self.env.data(&batch).await)
                .unwrap()
                .clearable(slot)
                .unwrap()
                .is_some()
            {
                let ix = build::clear_batch(&payer, &self.m.keys, &batch);
                self.env.send(&[ix], &[]).await.unwrap();
                self.crank().await;
            }
        }
        self.crank().await;
    }

    async fn crank(&mut self) {
        let k = self.m.keys;
        let makers = [
            self.maker.account,
            self.victim.account,
            self.adversary.account,
        ];
        while !decode::event_queue(&self.env.data(&k.event_queue).await)
            .unwrap()
            .is_empty()
        {
            let payer = self.env.payer().pubkey();
            let ix = build::consume_events(&payer, &k.market, &k.event_queue, &makers, 64);
            self.env.send(&[ix], &[]).await.unwrap();
        }
    }

    /// `t`'s commitment of `order`, hashed for batch `k`, and its salt.
    fn commit_ix(&self, t: &TestTrader, order: PlaceOrderArgs, k: u64) -> (Instruction, [u8; 32]) {
        let salt = [k as u8 ^ 0x5a; 32];
        let market = self.m.keys.market;
        let commitment =
            orderbook_client::sealed::commitment(&market, &t.key(), k, &order.to_engine(), &salt);
        let batch = self.batch.unwrap();
        (
            build::commit_order(&t.key(), &market, &batch, k, commitment),
            salt,
        )
    }

    /// The reveal of `s` (anyone sends it: here the payer).
    fn reveal_ix(&self, t: &TestTrader, s: &Sealed) -> Instruction {
        let payer = self.env.payer().pubkey();
        build::reveal_order(
            &payer,
            &t.key(),
            &self.m.keys.market,
            &self.batch.unwrap(),
            s.entry,
            s.order,
            s.salt,
        )
    }

    /// Commit `order` for `t` in the open batch (an honest slot); the
    /// leader saw only its hash.
    async fn commit(&mut self, t: &TestTrader, order: PlaceOrderArgs) -> Sealed {
        let k = schedule().committing_batch(self.leader.slot).unwrap();
        let (ix, salt) = self.commit_ix(t, order, k);
        let pending = self.pending("commit", &[ix], t).await;
        assert_eq!(
            readable_order(&pending.tx),
            None,
            "a commitment shows no order"
        );
        let landed = self.slot_as(vec![pending], Vec::new()).await;
        let entry = committed_entry(&landed[0]);
        Sealed {
            batch: k,
            entry,
            order,
            salt,
        }
    }

    /// The reveal of `s` as a pending transaction, at the first slot of its
    /// reveal window.
    async fn pending_reveal(&mut self, t: &TestTrader, s: &Sealed) -> Pending {
        self.until(schedule().reveal_opens(s.batch).unwrap()).await;
        let ix = self.reveal_ix(t, s);
        let payer = self.env.payer();
        let tx = self.env.sign(&[ix], &[&payer]).await.unwrap();
        Pending {
            label: "reveal",
            tx,
        }
    }

    /// Honest slots until every batch up to `k` is cleared and settled.
    async fn settle_through(&mut self, k: u64) {
        self.until(schedule().clearable_from(k).unwrap() + 1).await;
    }

    async fn marked(&mut self, t: &TestTrader, fair: u64) -> Marked {
        let balances = self.env.trader_state(t).await.balances;
        let base = (balances.free_base.get() + balances.locked_base.get()) as i128;
        let quote = (balances.free_quote.get() + balances.locked_quote.get()) as i128;
        Marked {
            value: quote + base / BASE_LOT * fair as i128 * QUOTE_PER_TICK_LOT,
            balances,
        }
    }

    async fn outcome(&mut self, fair: u64, lamports_before: u64) -> Outcome {
        let (victim, adversary) = (self.victim.clone(), self.adversary.clone());
        let paid = lamports_before - self.env.lamports(&adversary.key()).await;
        Outcome {
            victim: self.marked(&victim, fair).await,
            adversary: self.marked(&adversary, fair).await,
            adversary_lamports_paid: paid,
        }
    }

    async fn adversary_lamports(&mut self) -> u64 {
        let key = self.adversary.key();
        self.env.lamports(&key).await
    }

    /// `t`'s resting order ids.
    async fn order_ids(&mut self, t: &TestTrader) -> Vec<u64> {
        let state = self.env.trader_state(t).await;
        state
            .orders
            .iter()
            .filter(|o| o.in_use != 0)
            .map(|o| o.order_seq)
            .collect()
    }
}

async fn enable_batch_mode(env: &mut Env, m: &TestMarket, beacon_chain_hash: [u8; 32]) -> Pubkey {
    env.set_slot(START - 1).await;
    let batch = env.batch_account(3 * 32).await.pubkey();
    let args = BatchModeArgs {
        commit_slots: 2,
        grace_slots: 4,
        reveal_slots: 8,
        bond_lamports: BOND,
        commit_fee_lamports: COMMIT_FEE,
        entries_per_batch: 32,
        entries_per_trader: 8,
        beacon_chain_hash,
    };
    let authority = m.authority.insecure_clone();
    let ix = build::enable_batch_mode(&authority.pubkey(), &m.keys, &batch, args);
    env.send(&[ix], &[&authority]).await.unwrap();
    batch
}

fn committed_entry(landed: &Landed) -> u32 {
    match landed.result.as_ref().expect("commit lands").as_slice() {
        [ProgramEvent::OrderCommitted(c)] => c.entry,
        [
            ProgramEvent::OrderCommitted(c),
            ProgramEvent::OrderEncrypted(_),
        ] => c.entry,
        other => panic!("{other:?}"),
    }
}

fn victim_order() -> PlaceOrderArgs {
    order(
        Side::Bid,
        OrderType::ImmediateOrCancel,
        VICTIM_LIMIT,
        VICTIM_LOTS,
    )
}

/// The adversary's gain and the victim's shortfall (quote atoms) against
/// the same scenario without the adversary.
fn judge(name: &str, without: &Outcome, with: &Outcome) -> (i128, i128) {
    let gain = with.adversary.value - without.adversary.value;
    let shortfall = without.victim.value - with.victim.value;
    println!(
        "{name}: adversary gain {gain} quote atoms ({} lamports paid in crank rewards and commit fees), victim shortfall {shortfall} quote atoms",
        with.adversary_lamports_paid
    );
    (gain, shortfall)
}

// ---- Sandwich ----

/// Continuous: the leader reads the victim's buy, buys the liquidity it
/// would take, re-offers it a tick inside the victim's limit, and pulls
/// what is left after the victim.
async fn sandwich_continuous(adversarial: bool) -> Outcome {
    let mut x = Market::new(Mode::Continuous).await;
    let (maker, victim, adv) = (x.maker.clone(), x.victim.clone(), x.adversary.clone());
    x.rest_asks(&maker, &[10_001, 10_002, 10_003, 10_004, 10_005])
        .await;
    let before = x.adversary_lamports().await;
    let ix = build::place_order(&victim.key(), &x.m.keys, victim_order(), None);
    x.submit("victim buy", ix, &victim).await;
    if !adversarial {
        x.slot_ok().await;
        return x.outcome(FAIR, before).await;
    }
    let mut pending = x.leader.take();
    let seen = readable_order(&pending[0].tx).expect("a place_order is readable");
    let k = x.m.keys;
    let front = order(
        Side::Bid,
        OrderType::ImmediateOrCancel,
        seen.price,
        seen.max_base_lots,
    );
    let reoffer = order(
        Side::Ask,
        OrderType::PostOnly,
        seen.price - 1,
        seen.max_base_lots,
    );
    let mut run = vec![
        x.pending(
            "front-run",
            &[build::place_order(&adv.key(), &k, front, None)],
            &adv,
        )
        .await,
        x.pending(
            "re-offer",
            &[build::place_order(&adv.key(), &k, reoffer, None)],
            &adv,
        )
        .await,
    ];
    run.append(&mut pending);
    run.push(
        x.pending("pull", &[build::cancel_all(&adv.key(), &k, None, 8)], &adv)
            .await,
    );
    x.slot_as_ok(run, Vec::new()).await;
    x.outcome(FAIR, before).await
}

/// Batch: the victim's order is readable only at its reveal. The leader
/// then tries to front-run into the victim's batch (refused: its commit
/// window is over), and sandwiches in the open batch instead.
async fn sandwich_batch(adversarial: bool) -> Outcome {
    let mut x = Market::new(Mode::Batch).await;
    let (maker, victim, adv) = (x.maker.clone(), x.victim.clone(), x.adversary.clone());
    x.rest_asks(&maker, &[10_001, 10_002, 10_003, 10_004, 10_005])
        .await;
    let before = x.adversary_lamports().await;
    let sealed = x.commit(&victim, victim_order()).await;
    let reveal = x.pending_reveal(&victim, &sealed).await;
    if !adversarial {
        x.slot_as_ok(vec![reveal], Vec::new()).await;
        x.settle_through(sealed.batch + 1).await;
        return x.outcome(FAIR, before).await;
    }
    let seen = readable_order(&reveal.tx).expect("a reveal shows its order");
    let front = order(
        Side::Bid,
        OrderType::ImmediateOrCancel,
        seen.price,
        seen.max_base_lots,
    );
    let open = schedule().committing_batch(x.leader.slot).unwrap();
    assert!(open > sealed.batch);
    let (into_victims, _) = x.commit_ix(&adv, front, sealed.batch);
    let (into_open, salt) = x.commit_ix(&adv, front, open);
    let reoffer = order(
        Side::Ask,
        OrderType::PostOnly,
        seen.price - 1,
        seen.max_base_lots,
    );
    let market = x.m.keys.market;
    let batch = x.batch.unwrap();
    let run = vec![
        x.pending("front-run into the victim's batch", &[into_victims], &adv)
            .await,
        x.pending("front-run into the open batch", &[into_open], &adv)
            .await,
        x.pending(
            "re-offer",
            &[build::queue_post_only(&adv.key(), &market, &batch, reoffer)],
            &adv,
        )
        .await,
        reveal,
    ];
    let landed = x.slot_as(run, Vec::new()).await;
    assert_eq!(landed[0].result.as_ref().err(), Some(&code(E::BatchWindow)));
    for r in &landed[1..] {
        r.result.as_ref().unwrap();
    }
    let own = Sealed {
        batch: open,
        entry: committed_entry(&landed[1]),
        order: front,
        salt,
    };
    let own_reveal = x.pending_reveal(&adv, &own).await;
    x.slot_as_ok(vec![own_reveal], Vec::new()).await;
    x.settle_through(open).await;
    x.outcome(FAIR, before).await
}

#[tokio::test]
async fn a_sandwich_pays_on_the_continuous_book_and_earns_nothing_in_a_sealed_batch() {
    let (without, with) = (
        sandwich_continuous(false).await,
        sandwich_continuous(true).await,
    );
    let (gain, shortfall) = judge("continuous sandwich", &without, &with);
    assert!(gain > 0 && shortfall > 0, "the continuous sandwich pays");
    let (without, with) = (sandwich_batch(false).await, sandwich_batch(true).await);
    let (gain, _) = judge("batch sandwich", &without, &with);
    assert_eq!(
        with.victim, without.victim,
        "the victim's balances are untouched"
    );
    assert!(gain <= 0, "the batch sandwich earns nothing");
}

// ---- Quote fade ----

/// Continuous: the adversary is the maker of the best asks; reading the
/// victim's buy, it pulls them and re-posts a tick inside the victim's
/// limit, ahead of it.
async fn fade_continuous(adversarial: bool) -> Outcome {
    let mut x = Market::new(Mode::Continuous).await;
    let (maker, victim, adv) = (x.maker.clone(), x.victim.clone(), x.adversary.clone());
    x.rest_asks(&adv, &[10_001, 10_002, 10_003]).await;
    x.rest_asks(&maker, &[10_004, 10_005]).await;
    let before = x.adversary_lamports().await;
    let ix = build::place_order(&victim.key(), &x.m.keys, victim_order(), None);
    x.submit("victim buy", ix, &victim).await;
    if !adversarial {
        x.slot_ok().await;
        return x.outcome(FAIR, before).await;
    }
    let mut pending = x.leader.take();
    let seen = readable_order(&pending[0].tx).expect("a place_order is readable");
    let k = x.m.keys;
    let repost = order(
        Side::Ask,
        OrderType::PostOnly,
        seen.price - 1,
        seen.max_base_lots,
    );
    let mut run = vec![
        x.pending(
            "pull and re-post",
            &[
                build::cancel_all(&adv.key(), &k, Some(Side::Ask), 8),
                build::place_order(&adv.key(), &k, repost, None),
            ],
            &adv,
        )
        .await,
    ];
    run.append(&mut pending);
    x.slot_as_ok(run, Vec::new()).await;
    x.outcome(FAIR, before).await
}

/// Batch: the maker reads the victim's order at its reveal; its queued
/// cancels and re-post land in the next batch, after the victim's clear.
async fn fade_batch(adversarial: bool) -> Outcome {
    let mut x = Market::new(Mode::Batch).await;
    let (maker, victim, adv) = (x.maker.clone(), x.victim.clone(), x.adversary.clone());
    x.rest_asks(&adv, &[10_001, 10_002, 10_003]).await;
    x.rest_asks(&maker, &[10_004, 10_005]).await;
    let before = x.adversary_lamports().await;
    let sealed = x.commit(&victim, victim_order()).await;
    let reveal = x.pending_reveal(&victim, &sealed).await;
    let mut run = Vec::new();
    if adversarial {
        let seen = readable_order(&reveal.tx).expect("a reveal shows its order");
        let (k, batch) = (x.m.keys, x.batch.unwrap());
        let mut ixs: Vec<Instruction> = x
            .order_ids(&adv)
            .await
            .into_iter()
            .map(|id| build::queue_cancel(&adv.key(), &k, &batch, id))
            .collect();
        let repost = order(
            Side::Ask,
            OrderType::PostOnly,
            seen.price - 1,
            seen.max_base_lots,
        );
        ixs.push(build::queue_post_only(
            &adv.key(),
            &k.market,
            &batch,
            repost,
        ));
        run.push(x.pending("pull and re-post", &ixs, &adv).await);
    }
    run.push(reveal);
    x.slot_as_ok(run, Vec::new()).await;
    x.settle_through(sealed.batch + 1).await;
    x.outcome(FAIR, before).await
}

#[tokio::test]
async fn a_quote_fade_pays_on_the_continuous_book_and_earns_nothing_in_a_sealed_batch() {
    let (without, with) = (fade_continuous(false).await, fade_continuous(true).await);
    let (gain, shortfall) = judge("continuous fade", &without, &with);
    assert!(gain > 0 && shortfall > 0, "the continuous fade pays");
    let (without, with) = (fade_batch(false).await, fade_batch(true).await);
    let (gain, _) = judge("batch fade", &without, &with);
    assert_eq!(
        with.victim, without.victim,
        "the victim's balances are untouched"
    );
    assert!(gain <= 0, "the batch fade earns nothing");
}

// ---- Cancel snipe ----

/// The maker's stale asks after news moved the fair value up; its cancel
/// is pending.
async fn snipe_setup(mode: Mode) -> (Market, u64) {
    let mut x = Market::new(mode).await;
    // The victim of a snipe is the maker whose quotes went stale: the test's
    // `victim` trader rests them.
    let victim = x.victim.clone();
    x.rest_asks(&victim, &[10_001, 10_002, 10_003, 10_004, 10_005])
        .await;
    let before = x.adversary_lamports().await;
    let ixs: Vec<Instruction> = match x.batch {
        None => vec![build::cancel_all(&victim.key(), &x.m.keys, None, 8)],
        Some(batch) => {
            let ids = x.order_ids(&victim).await;
            ids.into_iter()
                .map(|id| build::queue_cancel(&victim.key(), &x.m.keys, &batch, id))
                .collect()
        }
    };
    let tx = x.env.sign(&ixs, &[&victim.owner]).await.unwrap();
    x.leader.submit("maker's cancels", tx);
    (x, before)
}

/// Continuous: the leader puts a take of the stale asks before the
/// maker's cancel.
async fn snipe_continuous(adversarial: bool) -> Outcome {
    let (mut x, before) = snipe_setup(Mode::Continuous).await;
    if !adversarial {
        x.slot_ok().await;
        return x.outcome(NEWS_FAIR, before).await;
    }
    let mut pending = x.leader.take();
    assert!(is_cancel(&pending[0].tx));
    let adv = x.adversary.clone();
    let take = order(Side::Bid, OrderType::ImmediateOrCancel, NEWS_FAIR, 50);
    let ix = build::place_order(&adv.key(), &x.m.keys, take, None);
    let mut run = vec![x.pending("snipe", &[ix], &adv).await];
    run.append(&mut pending);
    x.slot_as_ok(run, Vec::new()).await;
    x.outcome(NEWS_FAIR, before).await
}

/// Batch: the leader commits its take ahead of the maker's queued cancels
/// and holds the cancels for the rest of its four slots; they still apply
/// before the take's batch crosses.
async fn snipe_batch(adversarial: bool) -> Outcome {
    let (mut x, before) = snipe_setup(Mode::Batch).await;
    let snipe_batch = schedule().committing_batch(x.leader.slot).unwrap();
    if !adversarial {
        x.slot_ok().await;
        x.settle_through(snipe_batch).await;
        return x.outcome(NEWS_FAIR, before).await;
    }
    let cancels = x.leader.take();
    assert!(is_cancel(&cancels[0].tx));
    let adv = x.adversary.clone();
    let take = order(Side::Bid, OrderType::ImmediateOrCancel, NEWS_FAIR, 50);
    let (ix, salt) = x.commit_ix(&adv, take, snipe_batch);
    let commit = x.pending("snipe", &[ix], &adv).await;
    let landed = x.slot_as(vec![commit], cancels).await;
    let sealed = Sealed {
        batch: snipe_batch,
        entry: committed_entry(&landed[0]),
        order: take,
        salt,
    };
    // The rest of the leader's slots: the cancels stay held.
    for _ in 1..LEADER_SLOTS {
        let held = x.leader.take();
        x.slot_as(Vec::new(), held).await;
    }
    // The next leader is honest: the cancels land in the grace.
    assert!(schedule().reveal_opens(snipe_batch).unwrap() > x.leader.slot);
    x.slot_ok().await;
    let reveal = x.pending_reveal(&adv, &sealed).await;
    x.slot_as_ok(vec![reveal], Vec::new()).await;
    x.settle_through(snipe_batch).await;
    x.outcome(NEWS_FAIR, before).await
}

#[tokio::test]
async fn a_cancel_snipe_pays_on_the_continuous_book_and_not_in_a_sealed_batch_even_with_held_cancels()
 {
    let (without, with) = (snipe_continuous(false).await, snipe_continuous(true).await);
    let (gain, shortfall) = judge("continuous cancel snipe", &without, &with);
    assert!(gain > 0 && shortfall > 0, "the continuous snipe pays");
    let (without, with) = (snipe_batch(false).await, snipe_batch(true).await);
    let (gain, _) = judge("batch cancel snipe, cancels held 4 slots", &without, &with);
    assert_eq!(
        with.victim, without.victim,
        "the maker's balances are untouched"
    );
    assert!(gain <= 0, "the batch snipe earns nothing");
    assert!(
        with.adversary_lamports_paid >= COMMIT_FEE,
        "it paid the commit fee"
    );
}

// ---- Censoring a reveal ----

/// Batch: the leader drops the victim's reveal for its four slots; the
/// reveal window (8 slots) outlasts it.
async fn censored_reveal(adversarial: bool) -> Outcome {
    let mut x = Market::new(Mode::Batch).await;
    let (maker, victim) = (x.maker.clone(), x.victim.clone());
    x.rest_asks(&maker, &[10_001, 10_002, 10_003, 10_004, 10_005])
        .await;
    let before = x.adversary_lamports().await;
    let sealed = x.commit(&victim, victim_order()).await;
    let reveal = x.pending_reveal(&victim, &sealed).await;
    let mut held = vec![reveal];
    if adversarial {
        for _ in 0..LEADER_SLOTS {
            x.slot_as(Vec::new(), held).await;
            held = x.leader.take();
        }
    }
    let landed = x.slot_as(held, Vec::new()).await;
    assert!(matches!(
        landed[0].result.as_deref(),
        Ok([ProgramEvent::OrderRevealed(_)])
    ));
    x.settle_through(sealed.batch).await;
    x.outcome(FAIR, before).await
}

#[tokio::test]
async fn a_reveal_censored_for_a_leaders_slots_still_lands_and_trades_as_it_would_have() {
    let (without, with) = (censored_reveal(false).await, censored_reveal(true).await);
    let (gain, _) = judge("batch censored reveal", &without, &with);
    assert_eq!(with.victim, without.victim);
    assert_eq!(gain, 0);
    let bought = with.victim.balances.free_base.get() - 1_000_000;
    assert_eq!(bought, VICTIM_LOTS * BASE_LOT as u64, "the victim bought");
}

/// The beacon round the victim's encrypted order opens at (the first of
/// its reveal window, in the test's reckoning), and how many rounds before
/// it the leader has: everything the beacon published by the commit.
const REVEAL_ROUND: u64 = 1_000;
const PUBLISHED_ROUNDS: u64 = 32;

/// Batch, encrypted (issue 26): the victim's commit carries its order
/// tlock-encrypted to the round at its reveal window. The leader reads the
/// ciphertext from the pending transaction and tries every round the
/// beacon has published: none opens it, so there is nothing to front-run.
/// At its round anyone opens it (so the test is not vacuous) and a keeper,
/// not the victim, reveals it; the batch trades exactly as the plain
/// sealed order does without an adversary.
#[tokio::test]
async fn an_encrypted_order_read_before_its_round_shows_the_leader_nothing() {
    let mut x = Market::new(Mode::Batch).await;
    let (maker, victim) = (x.maker.clone(), x.victim.clone());
    x.rest_asks(&maker, &[10_001, 10_002, 10_003, 10_004, 10_005])
        .await;
    let before = x.adversary_lamports().await;
    let k = schedule().committing_batch(x.leader.slot).unwrap();
    let salt = [0x3c; 32];
    let market = x.m.keys.market;
    let commitment = orderbook_client::sealed::commitment(
        &market,
        &victim.key(),
        k,
        &victim_order().to_engine(),
        &salt,
    );
    let (hash, key) = (x.beacon.info.hash(), x.beacon.info.public_key);
    let payload = RevealPayload {
        order: victim_order(),
        salt,
    };
    let sealed = encrypted::encrypt(&payload, &hash, &key, REVEAL_ROUND).unwrap();
    let batch = x.batch.unwrap();
    let ix = build::commit_encrypted_order(&victim.key(), &market, &batch, k, commitment, sealed);
    let pending = x.pending("encrypted commit", &[ix], &victim).await;

    assert_eq!(
        readable_order(&pending.tx),
        None,
        "a commitment shows no order"
    );
    let read = ciphertext(&pending.tx).expect("the leader reads the ciphertext");
    for round in REVEAL_ROUND - PUBLISHED_ROUNDS..REVEAL_ROUND {
        let signature = x.beacon.signature(round).unwrap();
        assert!(
            encrypted::decrypt(&read, &hash, &signature).is_err(),
            "round {round}, published before the reveal window, opens nothing"
        );
    }
    let landed = x.slot_as(vec![pending], Vec::new()).await;
    let entry = committed_entry(&landed[0]);

    // The round is published: any keeper opens the order and reveals it.
    let signature = x.beacon.signature(REVEAL_ROUND).unwrap();
    let opened = encrypted::decrypt(&read, &hash, &signature).expect("at its round it opens");
    assert!(opened.opens(&market, &victim.key(), k, &commitment));
    let s = Sealed {
        batch: k,
        entry,
        order: opened.order,
        salt: opened.salt,
    };
    let reveal = x.pending_reveal(&victim, &s).await;
    x.slot_as_ok(vec![reveal], Vec::new()).await;
    x.settle_through(k + 1).await;
    let with = x.outcome(FAIR, before).await;

    let without = sandwich_batch(false).await;
    assert_eq!(
        with.victim, without.victim,
        "the victim trades as with a plain sealed order"
    );
    assert_eq!(with.adversary, without.adversary);
}
