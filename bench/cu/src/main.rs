//! `cu-bench`: compute units of orderbook-engine operations on real SBF.
//!
//! Loads the harness program (`bench/sbf-harness`, built for
//! `bpfel-unknown-none` by `scripts/build-sbf-harness.sh`) into LiteSVM, sets
//! up market accounts with the host build of the same engine, runs each case
//! as a transaction and prints the CU it used minus the harness's own no-op
//! cost. Every case is also run on the host engine and the resulting account
//! bytes must match the SBF run exactly. With budgets enabled (the default)
//! it exits non-zero if any case is over budget.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use litesvm::LiteSVM;
use orderbook_cu_protocol::{
    ASKS, BIDS, EVENTS, encode_cancel, encode_clear, encode_commit, encode_consume, encode_grow,
    encode_place, encode_reveal,
};
use orderbook_engine::auction::BatchSchedule;
use orderbook_engine::batch::{BatchBook, BatchParams, Now, batch_account_size};
use orderbook_engine::layout::{GrowTarget, market_account_sizes, rent_exempt_lamports};
use orderbook_engine::{
    BaseAtoms, BaseLots, Market, MarketHeader, MarketParams, OrderParams, OrderType,
    OwnedClearBuffers, OwnedMarket, QuoteAtoms, QuoteLots, SelfTradeMode, Side, Ticks, TraderState,
    order::NO_QUOTE_LIMIT,
};
use solana_account::Account;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use solana_transaction::Transaction;

#[derive(Parser)]
#[command(about = "Measure orderbook-engine compute units on real SBF in LiteSVM")]
struct Args {
    /// Path of the harness program built for SBF.
    #[arg(
        long,
        env = "ORDERBOOK_SBF_HARNESS",
        default_value = "bench/sbf-harness/target/bpfel-unknown-none/release/liborderbook_sbf_harness.so"
    )]
    so: PathBuf,
    /// Path of the harness variant with the batch auction's operations
    /// (`scripts/build-sbf-harness.sh --batch`).
    #[arg(
        long,
        env = "ORDERBOOK_SBF_HARNESS_BATCH",
        default_value = "bench/sbf-harness/target/batch/bpfel-unknown-none/release/liborderbook_sbf_harness.so"
    )]
    batch_so: PathBuf,
    /// Print the figures but do not fail on budget overruns.
    #[arg(long)]
    no_budget: bool,
}

/// CU budgets, checked on every CI run (`scripts/test.sh`): each is the
/// figure measured when it was set plus about 5 %, so a regression that
/// size fails. Lower one when an optimisation lands; raise one only with
/// the reason in the commit. The figures are in docs/benchmarks.md.
mod budget {
    /// A placement that rests, at depth 0 / 100 / 1000 per side, and at 1000
    /// in sides grown to 1,184 (measured 996 / 1,226 / 1,370 / 1,370).
    pub const PLACE: [u64; 4] = [1_050, 1_300, 1_400, 1_400];
    /// A taker's first maker (measured 1,157).
    pub const FIRST_MAKER: u64 = 1_220;
    /// Each further maker a sweep takes whole (measured 564 / 567).
    pub const EXTRA_MAKER: u64 = 600;
    /// A cancel at depth 1000 (measured 466).
    pub const CANCEL: u64 = 490;
    /// Per event, consuming 1 / 16 (measured 386 / 213).
    pub const CONSUME: [u64; 2] = [405, 225];
    /// A commit into a batch of 63 (measured 4,606).
    pub const COMMIT: u64 = 4_850;
    /// A reveal (measured 968).
    pub const REVEAL: u64 = 1_020;
    /// Per order, clearing 16 / 64 revealed orders (measured 3,064 / 1,676).
    pub const CLEAR: [u64; 2] = [3_220, 1_760];
    /// Growing a side 1,000 deep / the queue by 160 (measured 6,456 / 75;
    /// the side's cost is checking the 10 KiB of new nodes are zero).
    pub const GROW: [u64; 2] = [6_800, 80];
}

const BOOK_CAPACITY: u32 = 1024;
const QUEUE_CAPACITY: u32 = 1024;
const NOW: u64 = 1_700_000_000;
/// Trader ids 1..=FILLERS own the background depth; the measured trader is TAKER.
const FILLERS: u32 = 80;
const TAKER: u32 = 1000;

fn params() -> MarketParams {
    MarketParams {
        base_lot_size: 1_000,
        quote_lot_size: 10,
        tick_size: QuoteLots(1),
        taker_fee_ppm: 500,
        maker_fee_ppm: -100,
    }
}

/// A market plus every trader state, indexed by trader id, and for the
/// batch cases a batch account.
#[derive(Clone)]
struct Fixture {
    market: OwnedMarket,
    traders: Vec<TraderState>,
    batch: Option<Vec<u64>>,
    /// Zeroed units appended to one part's account, as `grow_market`'s
    /// resize leaves it before the engine grows it (the growth cases).
    resized: Option<(GrowTarget, u32)>,
}

impl Fixture {
    fn new() -> Self {
        let traders = (0..=TAKER)
            .map(|id| {
                let mut t = TraderState::new(id);
                t.deposit(BaseAtoms(1 << 50), QuoteAtoms(1 << 60))
                    .expect("deposit");
                t
            })
            .collect();
        Self {
            market: OwnedMarket::new(&params(), BOOK_CAPACITY, QUEUE_CAPACITY).expect("market"),
            traders,
            batch: None,
            resized: None,
        }
    }

    fn with<R>(
        &mut self,
        trader: u32,
        f: impl FnOnce(&mut Market<'_>, &mut TraderState) -> R,
    ) -> R {
        let mut market = self.market.market().expect("market view");
        f(&mut market, &mut self.traders[trader as usize])
    }

    /// The account bytes the harness sees: market parts, then `traders`.
    fn accounts(&self, traders: &[u32]) -> Vec<Vec<u8>> {
        let m = &self.market;
        let mut out = vec![
            bytemuck::bytes_of(&m.header).to_vec(),
            m.bids_bytes().to_vec(),
            m.asks_bytes().to_vec(),
            m.events_bytes().to_vec(),
        ];
        if let Some(batch) = &self.batch {
            out.push(bytemuck::cast_slice(batch).to_vec());
        }
        if let Some((target, units)) = self.resized {
            let part = match target {
                GrowTarget::Bids => BIDS,
                GrowTarget::Asks => ASKS,
                GrowTarget::EventQueue => EVENTS,
            };
            let grown = out[part].len() + units as usize * target.unit_bytes();
            out[part].resize(grown, 0);
        }
        out.extend(
            traders
                .iter()
                .map(|&id| bytemuck::bytes_of(&self.traders[id as usize]).to_vec()),
        );
        out
    }

    fn rest(&mut self, trader: u32, side: Side, price: u64, lots: u64) -> u64 {
        let p = OrderParams {
            side,
            order_type: OrderType::PostOnly,
            self_trade: SelfTradeMode::CancelProvide,
            price: Ticks(price),
            max_base: BaseLots(lots),
            max_quote: NO_QUOTE_LIMIT,
            client_order_id: price,
            expiry: 0,
            match_limit: 0,
        };
        self.with(trader, |m, t| m.place_order(t, &p, NOW))
            .expect("rest order")
            .order_id
    }

    /// `depth` bids below 1000 and asks from 3000 up, spread over the filler traders.
    fn with_depth(depth: u32) -> Self {
        let mut fx = Self::new();
        for i in 0..depth {
            let trader = 1 + i % FILLERS;
            fx.rest(trader, Side::Bid, 1000 - u64::from(i % 500), 5);
            fx.rest(trader, Side::Ask, 3000 + u64::from(i % 500), 5);
        }
        fx
    }
}

/// The batch cases' market: a clock from `BATCH_START`, 64 entries per
/// batch (the harness's buffers hold that many), 8 commitments per trader.
const BATCH_START: u64 = 100;
const BATCH_ENTRIES: u32 = 64;

fn batch_schedule() -> BatchSchedule {
    BatchSchedule::with_defaults(BATCH_START)
}

impl Fixture {
    /// `with_depth(depth)` plus an empty batch account (three batches' pool).
    fn batch_market(depth: u32) -> Self {
        let mut fx = Self::with_depth(depth);
        let mut batch = vec![0u64; batch_account_size(3 * BATCH_ENTRIES) / 8];
        let p = BatchParams {
            schedule: batch_schedule(),
            bond_lamports: 1_000_000,
            commit_fee_lamports: 5_000,
            entries_per_batch: BATCH_ENTRIES,
            entries_per_trader: 8,
            beacon_chain_hash: [0; 32],
        };
        BatchBook::init(bytemuck::cast_slice_mut(&mut batch), &p, &fx.market.header)
            .expect("batch account");
        fx.batch = Some(batch);
        fx
    }

    fn batch(&mut self) -> BatchBook<'_> {
        BatchBook::load(bytemuck::cast_slice_mut(
            self.batch.as_mut().expect("batch"),
        ))
        .expect("batch view")
    }

    fn commit(&mut self, trader: u32, commitment: [u8; 32]) -> u32 {
        let slot = batch_schedule().commit_opens(0).expect("slot");
        self.batch()
            .commit(trader, 0, commitment, slot)
            .expect("commit")
    }

    fn reveal(&mut self, trader: u32, index: u32, p: &OrderParams, commitment: [u8; 32]) {
        let header = self.market.header;
        let now = Now {
            slot: batch_schedule().reveal_opens(0).expect("slot"),
            unix_time: NOW,
        };
        let t = &mut self.traders[trader as usize];
        BatchBook::load(bytemuck::cast_slice_mut(
            self.batch.as_mut().expect("batch"),
        ))
        .expect("batch view")
        .reveal(&header, t, index, p, &commitment, now)
        .expect("reveal");
    }

    fn clear(&mut self, now: Now) {
        let mut buffers = OwnedClearBuffers::new(BATCH_ENTRIES);
        let mut batch = BatchBook::load(bytemuck::cast_slice_mut(
            self.batch.as_mut().expect("batch"),
        ))
        .expect("batch view");
        let mut market = self.market.market().expect("market");
        batch
            .clear(&mut market, now, &mut buffers.buffers())
            .expect("host clear");
    }
}

fn commitment_of(n: u32) -> [u8; 32] {
    let mut c = [0x5A; 32];
    c[..4].copy_from_slice(&n.to_le_bytes());
    c
}

fn limit(side: Side, order_type: OrderType, price: u64, lots: u64, match_limit: u8) -> OrderParams {
    OrderParams {
        client_order_id: 7,
        match_limit,
        ..OrderParams::new(side, order_type, Ticks(price), BaseLots(lots))
    }
}

struct Bench {
    svm: LiteSVM,
    payer: Keypair,
    program: Pubkey,
    keys: Vec<Pubkey>,
}

impl Bench {
    fn new(so: &PathBuf) -> Result<Self, String> {
        let mut svm = LiteSVM::new();
        let program = Pubkey::new_unique();
        svm.add_program_from_file(program, so).map_err(|e| {
            format!(
                "cannot load {}: {e:?} (run scripts/build-sbf-harness.sh)",
                so.display()
            )
        })?;
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), 1_000_000_000_000)
            .map_err(|e| format!("airdrop: {e:?}"))?;
        let keys = (0..8).map(|_| Pubkey::new_unique()).collect();
        Ok(Self {
            svm,
            payer,
            program,
            keys,
        })
    }

    fn put(&mut self, key: Pubkey, data: Vec<u8>) -> Result<(), String> {
        let account = Account {
            lamports: rent_exempt_lamports(data.len()),
            data,
            owner: self.program,
            executable: false,
            rent_epoch: 0,
        };
        self.svm
            .set_account(key, account)
            .map_err(|e| format!("set_account: {e:?}"))
    }

    fn data(&self, i: usize) -> Vec<u8> {
        self.svm
            .get_account(&self.keys[i])
            .map(|a| a.data)
            .unwrap_or_default()
    }

    /// Load `fx` (with `traders` as trader accounts) and run `data`; returns CU used.
    fn run(&mut self, fx: &Fixture, traders: &[u32], data: &[u8]) -> Result<u64, String> {
        let accounts = fx.accounts(traders);
        let metas = accounts
            .iter()
            .enumerate()
            .map(|(i, _)| AccountMeta::new(self.keys[i], false))
            .collect();
        for (i, a) in accounts.into_iter().enumerate() {
            self.put(self.keys[i], a)?;
        }
        let ix = Instruction {
            program_id: self.program,
            accounts: metas,
            data: data.to_vec(),
        };
        self.svm.expire_blockhash();
        let tx = Transaction::new_signed_with_payer(
            &[ix],
            Some(&self.payer.pubkey()),
            &[&self.payer],
            self.svm.latest_blockhash(),
        );
        match self.svm.send_transaction(tx) {
            Ok(meta) => Ok(meta.compute_units_consumed),
            Err(e) => Err(format!(
                "transaction failed: {:?}\n{}",
                e.err,
                e.meta.logs.join("\n")
            )),
        }
    }

    /// CU of `data` minus the no-op baseline on the same accounts, after checking
    /// that SBF produced exactly the bytes the host engine produces in `expect`.
    fn measure(
        &mut self,
        fx: &Fixture,
        traders: &[u32],
        data: &[u8],
        expect: &Fixture,
    ) -> Result<(u64, u64), String> {
        let noop = self.run(fx, traders, &[0])?;
        let used = self.run(fx, traders, data)?;
        for (i, w) in expect.accounts(traders).iter().enumerate() {
            if &self.data(i) != w {
                return Err(format!(
                    "account {i}: SBF result differs from the host engine"
                ));
            }
        }
        Ok((used, used.saturating_sub(noop)))
    }
}

struct Row {
    name: String,
    total: u64,
    engine: u64,
    /// Per-unit figure compared against the budget, and the budget.
    check: Option<(String, u64, u64)>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(ok) if ok || args.no_budget => ExitCode::SUCCESS,
        Ok(_) => {
            eprintln!("cu-bench: over budget");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cu-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let mut bench = Bench::new(&args.so)?;
    let mut rows = place_rows(&mut bench)?;
    rows.extend(take_rows(&mut bench)?);
    rows.push(cancel_row(&mut bench)?);
    rows.extend(consume_rows(&mut bench)?);
    let mut batch_bench = Bench::new(&args.batch_so)?;
    rows.extend(batch_rows(&mut batch_bench)?);
    rows.extend(grow_rows(&mut batch_bench)?);
    let noop = bench.run(&Fixture::new(), &[TAKER], &[0])?;
    let ok = print_table(noop, &rows);
    print_market_size();
    Ok(ok)
}

/// Place without crossing, mid-book, at depth 0 / 100 / 1000 per side, and
/// at depth 1000 in sides grown by 160 (a placement's cost is the book's
/// depth, not its capacity).
fn place_rows(bench: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let cases = [(0u32, false), (100, false), (1000, false), (1000, true)];
    for ((depth, grown), budget) in cases.into_iter().zip(budget::PLACE) {
        let mut fx = Fixture::with_depth(depth);
        if grown {
            for side in [GrowTarget::Bids, GrowTarget::Asks] {
                fx.market
                    .grow(side, 160, u32::MAX)
                    .map_err(|e| format!("host grow: {e}"))?;
            }
        }
        let p = limit(
            Side::Bid,
            OrderType::Limit,
            1000 - u64::from(depth / 4),
            10,
            8,
        );
        let mut expect = fx.clone();
        expect
            .with(TAKER, |m, t| m.place_order(t, &p, NOW))
            .map_err(|e| format!("host place: {e}"))?;
        let (total, engine) = bench.measure(&fx, &[TAKER], &encode_place(&p, NOW), &expect)?;
        rows.push(Row {
            name: format!(
                "place (no cross), depth {depth}/side{}",
                if grown { ", grown" } else { "" }
            ),
            total,
            engine,
            check: Some(("per order".into(), engine, budget)),
        });
    }
    Ok(rows)
}

/// Take against 1 / 5 / 20 makers (IOC bid sweeping whole maker orders) at depth 1000.
fn take_rows(bench: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut take = Vec::new();
    for makers in [1u32, 5, 20] {
        let mut fx = Fixture::with_depth(1000 - makers);
        for m in 0..makers {
            fx.rest(300 + m, Side::Ask, 2000 + u64::from(m), 10);
        }
        let p = limit(
            Side::Bid,
            OrderType::ImmediateOrCancel,
            2000 + u64::from(makers),
            10 * u64::from(makers),
            20,
        );
        let mut expect = fx.clone();
        let out = expect
            .with(TAKER, |m, t| m.place_order(t, &p, NOW))
            .map_err(|e| format!("host take: {e}"))?;
        if out.matches != makers as u8 || out.filled_base != BaseLots(10 * u64::from(makers)) {
            return Err(format!(
                "take fixture matched {} makers, wanted {makers}",
                out.matches
            ));
        }
        let (total, engine) = bench.measure(&fx, &[TAKER], &encode_place(&p, NOW), &expect)?;
        take.push(engine);
        rows.push(Row {
            name: format!("take vs {makers} maker(s)"),
            total,
            engine,
            check: None,
        });
    }
    rows[0].check = Some(("first maker".into(), take[0], budget::FIRST_MAKER));
    rows[1].check = Some((
        "per extra maker".into(),
        (take[1] - take[0]) / 4,
        budget::EXTRA_MAKER,
    ));
    rows[2].check = Some((
        "per extra maker".into(),
        (take[2] - take[0]) / 19,
        budget::EXTRA_MAKER,
    ));
    Ok(rows)
}

/// Cancel one order in the middle of a 1000-deep side.
fn cancel_row(bench: &mut Bench) -> Result<Row, String> {
    let mut fx = Fixture::with_depth(999);
    let id = fx.rest(TAKER, Side::Bid, 750, 10);
    let mut expect = fx.clone();
    expect
        .with(TAKER, |m, t| m.cancel_order(t, id))
        .map_err(|e| format!("host cancel: {e}"))?;
    let (total, engine) = bench.measure(&fx, &[TAKER], &encode_cancel(id), &expect)?;
    Ok(Row {
        name: "cancel, depth 1000/side".into(),
        total,
        engine,
        check: Some(("per cancel".into(), engine, budget::CANCEL)),
    })
}

/// Consume 1 / 16 fill events into one maker account.
fn consume_rows(bench: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (n, budget) in [1u8, 16].into_iter().zip(budget::CONSUME) {
        let mut fx = Fixture::with_depth(500);
        let maker = 500;
        for i in 0..u64::from(n) {
            fx.rest(maker, Side::Ask, 2000 + i, 10);
        }
        let p = limit(
            Side::Bid,
            OrderType::ImmediateOrCancel,
            2100,
            10 * u64::from(n),
            n,
        );
        fx.with(TAKER, |m, t| m.place_order(t, &p, NOW))
            .map_err(|e| format!("host fills: {e}"))?;
        let mut expect = fx.clone();
        for _ in 0..n {
            expect
                .with(maker, |m, t| m.consume_front(t))
                .map_err(|e| format!("host consume: {e}"))?;
        }
        let (total, engine) = bench.measure(&fx, &[TAKER, maker], &encode_consume(n), &expect)?;
        rows.push(Row {
            name: format!("consume {n} event(s)"),
            total,
            engine,
            check: Some(("per event".into(), engine / u64::from(n), budget)),
        });
    }
    Ok(rows)
}

/// The batch mode at book depth 1,000: a commitment into a batch already
/// holding 63, a reveal, and clears of 16 and 64 revealed orders (half
/// bids, half asks, crossing each other and the book's top).
fn batch_rows(bench: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut fx = Fixture::batch_market(1000);
    for i in 0..BATCH_ENTRIES - 1 {
        fx.commit(100 + i, commitment_of(i));
    }
    let mut expect = fx.clone();
    expect.commit(TAKER, commitment_of(TAKER));
    let slot = batch_schedule().commit_opens(0).expect("slot");
    let data = encode_commit(slot, &commitment_of(TAKER));
    let (total, engine) = bench.measure(&fx, &[TAKER], &data, &expect)?;
    rows.push(Row {
        name: "commit (63 in the batch)".into(),
        total,
        engine,
        check: Some(("per commit".into(), engine, budget::COMMIT)),
    });

    let mut fx = Fixture::batch_market(1000);
    let index = fx.commit(TAKER, commitment_of(TAKER));
    let p = limit(Side::Bid, OrderType::ImmediateOrCancel, 3005, 5, 1);
    let mut expect = fx.clone();
    expect.reveal(TAKER, index, &p, commitment_of(TAKER));
    let reveal_slot = batch_schedule().reveal_opens(0).expect("slot");
    let data = encode_reveal(index, &p, &commitment_of(TAKER), reveal_slot, NOW);
    let (total, engine) = bench.measure(&fx, &[TAKER], &data, &expect)?;
    rows.push(Row {
        name: "reveal".into(),
        total,
        engine,
        check: Some(("per reveal".into(), engine, budget::REVEAL)),
    });

    for (n, budget) in [16u32, 64].into_iter().zip(budget::CLEAR) {
        let mut fx = Fixture::batch_market(1000);
        for i in 0..n {
            let trader = 100 + i;
            let (side, price) = if i % 2 == 0 {
                (Side::Bid, 3005)
            } else {
                (Side::Ask, 995)
            };
            let index = fx.commit(trader, commitment_of(trader));
            let p = limit(side, OrderType::ImmediateOrCancel, price, 5, 1);
            fx.reveal(trader, index, &p, commitment_of(trader));
        }
        let now = Now {
            slot: batch_schedule().clearable_from(0).expect("slot"),
            unix_time: NOW,
        };
        let mut expect = fx.clone();
        expect.clear(now);
        let data = encode_clear(now.slot, now.unix_time);
        let (total, engine) = bench.measure(&fx, &[], &data, &expect)?;
        rows.push(Row {
            name: format!("clear {n} revealed orders"),
            total,
            engine,
            // The fixed part (forfeits, the price walk, the book's top)
            // spreads thinner as the batch fills.
            check: Some(("per order".into(), engine / u64::from(n), budget)),
        });
    }
    Ok(rows)
}

/// `grow_market`'s engine part at its largest step (160 units, 10 KiB):
/// a side 1,000 deep, then the queue. Run in the batch build (see the
/// harness's `grow_op`).
fn grow_rows(bench: &mut Bench) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (target, name, budget) in [
        (
            GrowTarget::Asks,
            "grow a side by 160 nodes, depth 1000",
            budget::GROW[0],
        ),
        (
            GrowTarget::EventQueue,
            "grow the queue by 160 events",
            budget::GROW[1],
        ),
    ] {
        let mut fx = Fixture::with_depth(1000);
        let mut expect = fx.clone();
        expect
            .market
            .grow(target, 160, u32::MAX)
            .map_err(|e| format!("host grow: {e}"))?;
        fx.resized = Some((target, 160));
        let (total, engine) = bench.measure(&fx, &[TAKER], &encode_grow(target), &expect)?;
        rows.push(Row {
            name: name.into(),
            total,
            engine,
            check: Some(("per growth".into(), engine, budget)),
        });
    }
    Ok(rows)
}

/// Print the table; false if any row is over its budget.
fn print_table(noop: u64, rows: &[Row]) -> bool {
    println!("orderbook-engine CU on SBF (LiteSVM), harness no-op = {noop} CU subtracted");
    println!(
        "{:<42} {:>9} {:>9}   {:<16} {:>7} {:>7}",
        "case", "total CU", "engine", "budget on", "value", "budget"
    );
    let mut ok = true;
    for r in rows {
        let (what, value, budget) = r.check.clone().unwrap_or_default();
        let verdict = if r.check.is_none() {
            ""
        } else if value <= budget {
            "ok"
        } else {
            ok = false;
            "OVER"
        };
        let (v, b) = if r.check.is_some() {
            (value.to_string(), budget.to_string())
        } else {
            (String::new(), String::new())
        };
        println!(
            "{:<42} {:>9} {:>9}   {:<16} {:>7} {:>7} {verdict}",
            r.name, r.total, r.engine, what, v, b
        );
    }
    ok
}

/// Engine bytes and rent of a market at 1,024 per side and 1,024 events,
/// and of the smallest one `create_market` takes (16 per side, 128 events),
/// which `grow_market` grows as orders arrive.
fn print_market_size() {
    for (orders, events) in [(BOOK_CAPACITY, QUEUE_CAPACITY), (16, 128)] {
        let (b, a, q) = market_account_sizes(orders, events);
        let header = std::mem::size_of::<MarketHeader>();
        let total: usize = b + a + q + header;
        let rent: u64 = [b, a, q, header]
            .iter()
            .map(|&n| rent_exempt_lamports(n))
            .sum();
        println!(
            "market with {orders} orders/side and {events} events: bids {b} B, asks {a} B, queue {q} B, \
             engine header {header} B; {total} B in all, rent {rent} lamports ({:.3} SOL)",
            rent as f64 / 1e9
        );
    }
}
