//! Each instruction's success path and its error paths. Every failing
//! transaction is checked to leave every watched account (market accounts,
//! vaults, wallets, trader accounts, signers' lamports) byte-for-byte unchanged.
//! One module per instruction (place_orders and cancel_all_and_place with
//! place_order), one test per case named for the behaviour, one test binary.

mod cancel;
mod clear_batch;
mod close_market;
mod close_trader_account;
mod commit_encrypted_order;
mod commit_order;
mod consume_events;
mod create_market;
mod deposit;
mod enable_batch_mode;
mod grow_market;
mod open_trader_account;
mod place_order;
mod prune_expired;
mod queue_cancel;
mod queue_post_only;
mod reveal_order;
mod set_market_status;
mod settle_trader;
mod sweep_fees;
mod sweep_forfeits;
mod withdraw;

use anchor_lang::error::ErrorCode as Anchor;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_instruction;
use orderbook::error::OrderbookError as E;
use orderbook::instructions::MAX_ORDERS_PER_BATCH;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_client::ix::MarketKeys;
use orderbook_client::pda;
use orderbook_engine::order::MAX_ORDER_LIFETIME_SECS;
use orderbook_program_tests::*;

/// A market with two traders: the seller holds base, the buyer quote, both deposited.
struct TwoTraders {
    env: Env,
    market: TestMarket,
    seller: TestTrader,
    buyer: TestTrader,
}

async fn two_traders() -> TwoTraders {
    let mut env = Env::start().await;
    let market = env.create_market(MarketCfg::default()).await;
    let seller = env.trader(&market, 100_000_000, 1_000_000).await;
    let buyer = env.trader(&market, 1_000_000, 100_000_000).await;
    env.deposit(&market, &seller, TokenKind::Base, 50_000_000)
        .await
        .unwrap();
    env.deposit(&market, &buyer, TokenKind::Quote, 50_000_000)
        .await
        .unwrap();
    TwoTraders {
        env,
        market,
        seller,
        buyer,
    }
}

impl TwoTraders {
    fn watch(&self) -> Vec<anchor_lang::prelude::Pubkey> {
        let mut w = Env::market_watch(&self.market);
        w.extend(self.seller.watch());
        w.extend(self.buyer.watch());
        w
    }
    async fn place(
        &mut self,
        t: &TestTrader,
        args: PlaceOrderArgs,
    ) -> Result<Vec<ProgramEvent>, TxError> {
        self.env
            .send(
                &[build::place_order(&t.key(), &self.market.keys, args, None)],
                &[&t.owner],
            )
            .await
    }
    async fn fail(&mut self, ix: Instruction, signer: &Kp, want: TxError) {
        let watch = self.watch();
        self.env.expect_fail(&[ix], &[signer], want, &watch).await;
    }
}

fn seqs(events: &[ProgramEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq().1).collect()
}

fn placed_id(ev: &[ProgramEvent]) -> u64 {
    ev.iter()
        .find_map(|e| match e {
            ProgramEvent::OrderPlaced(p) => Some(p.order_id),
            _ => None,
        })
        .expect("an OrderPlaced event")
}

/// The clock of a [`MakerTaker`] market.
const NOW: i64 = 100_000;

/// A market at [`NOW`] with a maker holding base and a taker holding
/// quote, both deposited, and a crank reward.
struct MakerTaker {
    env: Env,
    m: TestMarket,
    maker: TestTrader,
    taker: TestTrader,
    reward: u64,
}

async fn maker_taker() -> MakerTaker {
    maker_taker_on(MarketCfg::default()).await
}

/// [`maker_taker`] on a market created with `cfg`.
async fn maker_taker_on(cfg: MarketCfg) -> MakerTaker {
    let mut env = Env::start().await;
    env.set_time(NOW).await;
    let m = env.create_market(cfg).await;
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
    MakerTaker {
        env,
        m,
        maker,
        taker,
        reward,
    }
}

/// A limit order that expires at `expiry` (unix seconds).
fn expiring(side: Side, price: u64, lots: u64, expiry: i64) -> PlaceOrderArgs {
    PlaceOrderArgs {
        expiry: expiry as u64,
        ..order(side, OrderType::Limit, price, lots)
    }
}

impl MakerTaker {
    fn watch(&self) -> Vec<Pubkey> {
        let mut w = Env::market_watch(&self.m);
        w.extend(self.maker.watch());
        w.extend(self.taker.watch());
        w
    }

    /// Place `args` for `t`; returns the lamports it cost `t`'s owner.
    async fn place_cost(&mut self, t: &TestTrader, args: PlaceOrderArgs) -> i64 {
        let before = self.env.lamports(&t.key()).await as i64;
        let ix = build::place_order(&t.key(), &self.m.keys, args, None);
        self.env.send(&[ix], &[&t.owner]).await.unwrap();
        before - self.env.lamports(&t.key()).await as i64
    }

    /// Crank everything; returns the lamports the cranker earned.
    async fn crank(&mut self) -> u64 {
        let cranker = Kp::new();
        let payer = self.env.payer();
        let fund = system_instruction::transfer(&payer.pubkey(), &cranker.pubkey(), 1_000_000_000);
        self.env.send(&[fund], &[]).await.unwrap();
        let makers = [self.maker.account, self.taker.account];
        let k = self.m.keys;
        let ix = build::consume_events(&cranker.pubkey(), &k.market, &k.event_queue, &makers, 64);
        self.env.send(&[ix], &[&cranker]).await.unwrap();
        self.env.lamports(&cranker.pubkey()).await - 1_000_000_000
    }

    /// `Market.pending_crank_lamports`: the rewards still owed to crankers.
    async fn pending(&mut self) -> u64 {
        self.env.market(&self.m).await.pending_crank_lamports
    }

    /// `ix` signed by `signers` refused with `want`, changing nothing watched.
    async fn refused(&mut self, ix: Instruction, signers: &[&Kp], want: TxError) {
        let watch = self.watch();
        self.env.expect_fail(&[ix], signers, want, &watch).await;
    }
}

/// A Closed market whose maker rests an ask (partly filled, the fill not
/// yet cranked) and an expiring ask, with 7 base and 9 quote atoms donated
/// straight into its vaults (the mint authority can).
async fn closed_market_with_a_queued_fill() -> MakerTaker {
    let mut f = maker_taker().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.place_cost(&maker, order(Side::Ask, OrderType::Limit, 100, 5))
        .await;
    f.place_cost(&maker, expiring(Side::Ask, 110, 5, NOW + 600))
        .await;
    f.place_cost(
        &taker,
        order(Side::Bid, OrderType::ImmediateOrCancel, 100, 2),
    )
    .await;
    f.env
        .mint_to(k.base_token_program, &k.base_mint, &k.base_vault, 7)
        .await;
    f.env
        .mint_to(k.quote_token_program, &k.quote_mint, &k.quote_vault, 9)
        .await;
    let authority = f.m.authority.insecure_clone();
    let close = build::set_market_status(&authority.pubkey(), &k.market, MarketStatus::Closed);
    f.env.send(&[close], &[&authority]).await.unwrap();
    f
}

/// `settle_trader` of `t` by `closer`, paying to `t`'s own token accounts.
fn settle_ix(closer: &Pubkey, t: &TestTrader, k: &MarketKeys) -> Instruction {
    build::settle_trader(
        closer,
        &t.key(),
        k,
        Some(t.base_wallet),
        Some(t.quote_wallet),
    )
}

/// `t` withdraws all it holds; then a stranger settles (closes) its account.
async fn empty_and_settle_by_stranger(f: &mut MakerTaker, t: &TestTrader) {
    let k = f.m.keys;
    let balances = f.env.trader_state(t).await.balances;
    let withdraw = [
        build::withdraw(
            &t.key(),
            &k,
            TokenKind::Quote,
            &t.quote_wallet,
            balances.free_quote.get(),
        ),
        build::withdraw(
            &t.key(),
            &k,
            TokenKind::Base,
            &t.base_wallet,
            balances.free_base.get(),
        ),
    ];
    f.env.send(&withdraw, &[&t.owner]).await.unwrap();
    let stranger = f.env.payer();
    let settle = build::settle_trader(&stranger.pubkey(), &t.key(), &k, None, None);
    f.env.send(&[settle], &[]).await.unwrap();
}

/// The fee authority sweeps both tokens; returns what `SurplusSwept` reported
/// and its base and quote destination accounts.
async fn sweep_both(f: &mut MakerTaker) -> (Vec<(TokenKind, u64)>, Pubkey, Pubkey) {
    let k = f.m.keys;
    let fee_authority = f.m.fee_authority.insecure_clone();
    let owner = fee_authority.pubkey();
    let base_dest = f
        .env
        .token_account(&k.base_mint, &owner, k.base_token_program)
        .await;
    let quote_dest = f
        .env
        .token_account(&k.quote_mint, &owner, k.quote_token_program)
        .await;
    let sweeps = [
        build::sweep_fees(&owner, &k, TokenKind::Base, &base_dest),
        build::sweep_fees(&owner, &k, TokenKind::Quote, &quote_dest),
    ];
    let ev = f.env.send(&sweeps, &[&fee_authority]).await.unwrap();
    let surplus = ev
        .iter()
        .filter_map(|e| match e {
            ProgramEvent::SurplusSwept(s) => Some((s.token, s.amount)),
            _ => None,
        })
        .collect();
    (surplus, base_dest, quote_dest)
}

/// The maker's `ix` with account `index` (its vault) replaced by a second
/// market's base vault: refused, changing nothing.
async fn second_markets_vault_refused(ix: impl FnOnce(&MakerTaker) -> Instruction, index: usize) {
    let mut f = maker_taker().await;
    let other = f.env.create_market(MarketCfg::default()).await;
    let mut ix = ix(&f);
    ix.accounts[index].pubkey = other.keys.base_vault;
    let owner = f.maker.owner.insecure_clone();
    f.refused(ix, &[&owner], code(E::WrongVault)).await;
}

/// Batch 0 of a [`BatchMarket`] opens its commit window at this slot.
const BATCH_START: u64 = 1_001;
/// Entries per batch of a [`BatchMarket`] (its queue of 256 holds a full clear).
const BATCH_ENTRIES: u32 = 16;
const BOND: u64 = 1_000_000;
const COMMIT_FEE: u64 = 10_000;
/// The chain hash of the beacon a [`BatchMarket`] names (any non-zero value:
/// the program never reads the beacon).
const BEACON: [u8; 32] = [0xbe; 32];

fn batch_args() -> orderbook::instructions::BatchModeArgs {
    orderbook::instructions::BatchModeArgs {
        commit_slots: 2,
        grace_slots: 4,
        reveal_slots: 8,
        bond_lamports: BOND,
        commit_fee_lamports: COMMIT_FEE,
        entries_per_batch: BATCH_ENTRIES,
        entries_per_trader: 2,
        beacon_chain_hash: BEACON,
    }
}

/// A sealed batch market (enabled at slot `BATCH_START - 1`) with a buyer
/// and a seller, both deposited.
struct BatchMarket {
    w: TwoTraders,
    batch: Pubkey,
}

async fn batch_market() -> BatchMarket {
    batch_market_with(batch_args()).await
}

/// [`batch_market`] with other batch parameters.
async fn batch_market_with(args: orderbook::instructions::BatchModeArgs) -> BatchMarket {
    let mut w = two_traders().await;
    w.env.set_slot(BATCH_START - 1).await;
    let batch = w.env.batch_account(3 * BATCH_ENTRIES).await.pubkey();
    let ix = build::enable_batch_mode(&w.market.authority.pubkey(), &w.market.keys, &batch, args);
    let authority = w.market.authority.insecure_clone();
    w.env.send(&[ix], &[&authority]).await.unwrap();
    BatchMarket { w, batch }
}

/// Slots of batch 0's windows in a [`BatchMarket`].
fn batch_clock() -> orderbook_engine::auction::BatchSchedule {
    orderbook_engine::auction::BatchSchedule::new(BATCH_START, 2, 4, 8).unwrap()
}

impl BatchMarket {
    fn watch(&self) -> Vec<Pubkey> {
        let mut w = self.w.watch();
        w.push(self.batch);
        w
    }

    /// The commitment of `order` by `t` in batch 0 with `salt`.
    fn commitment(&self, t: &TestTrader, order: &PlaceOrderArgs, salt: [u8; 32]) -> [u8; 32] {
        orderbook_client::sealed::commitment(
            &self.w.market.keys.market,
            &t.key(),
            0,
            &order.to_engine(),
            &salt,
        )
    }

    /// Commit for `t`; returns the batch account entry it took.
    async fn commit_entry(&mut self, t: &TestTrader, commitment: [u8; 32]) -> u32 {
        match self.commit(t, commitment).await.unwrap().as_slice() {
            [ProgramEvent::OrderCommitted(e)] => e.entry,
            other => panic!("{other:?}"),
        }
    }

    async fn commit(
        &mut self,
        t: &TestTrader,
        commitment: [u8; 32],
    ) -> Result<Vec<ProgramEvent>, TxError> {
        let ix = build::commit_order(
            &t.key(),
            &self.w.market.keys.market,
            &self.batch,
            0,
            commitment,
        );
        self.w.env.send(&[ix], &[&t.owner]).await
    }

    fn reveal_ix(
        &self,
        revealer: &Pubkey,
        t: &TestTrader,
        entry: u32,
        order: PlaceOrderArgs,
        salt: [u8; 32],
    ) -> Instruction {
        build::reveal_order(
            revealer,
            &t.key(),
            &self.w.market.keys.market,
            &self.batch,
            entry,
            order,
            salt,
        )
    }

    /// `ix` signed by `signers` refused with `want`, changing nothing watched.
    async fn refused(&mut self, ix: Instruction, signers: &[&Kp], want: TxError) {
        let watch = self.watch();
        self.w.env.expect_fail(&[ix], signers, want, &watch).await;
    }

    /// Queue `t`'s post-only order at the current slot.
    async fn post(
        &mut self,
        t: &TestTrader,
        order: PlaceOrderArgs,
    ) -> Result<Vec<ProgramEvent>, TxError> {
        let ix = build::queue_post_only(&t.key(), &self.w.market.keys.market, &self.batch, order);
        self.w.env.send(&[ix], &[&t.owner]).await
    }

    /// Clear at the first slot batch `k` may be cleared; returns the events.
    async fn clear(&mut self, k: u64) -> Vec<ProgramEvent> {
        self.w
            .env
            .set_slot(batch_clock().clearable_from(k).unwrap())
            .await;
        let payer = self.w.env.payer().pubkey();
        let ix = build::clear_batch(&payer, &self.w.market.keys, &self.batch);
        self.w.env.send(&[ix], &[]).await.unwrap()
    }

    /// Apply every queued event to the two traders.
    async fn crank(&mut self) {
        let k = self.w.market.keys;
        let payer = self.w.env.payer().pubkey();
        let accounts = [self.w.buyer.account, self.w.seller.account];
        let ix = build::consume_events(&payer, &k.market, &k.event_queue, &accounts, 64);
        self.w.env.send(&[ix], &[]).await.unwrap();
    }
}
