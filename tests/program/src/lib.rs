//! A native test environment for the orderbook program: a real bank with the
//! real SPL Token and Token-2022 programs (BPF), the orderbook program run
//! natively, mints, wallets, markets and traders, and helpers that assert a
//! failed transaction changed no account.
#![allow(deprecated)] // `processor!` is deprecation-flagged in program-test 3.1.

pub mod leader;

use std::collections::BTreeMap;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022;
use orderbook::error::OrderbookError;
use orderbook::instructions::CreateMarketArgs;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_client::ix::{self, MarketKeys, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use orderbook_client::{pda, setup};
use solana_instruction_error::InstructionError;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext, processor};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

pub use orderbook_client::accounts as decode;

/// Why a transaction failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxError {
    /// A custom program error code (Anchor: 6000 + variant for ours).
    Custom(u32),
    Other(String),
}

/// Anchor error code of one of our errors.
pub fn code(e: OrderbookError) -> TxError {
    TxError::Custom(anchor_lang::error::ERROR_CODE_OFFSET + e as u32)
}

/// Anchor framework error code.
pub fn anchor_code(e: anchor_lang::error::ErrorCode) -> TxError {
    TxError::Custom(e as u32)
}

pub struct Env {
    pub ctx: ProgramTestContext,
    pub mint_authority: Keypair,
}

/// A created market.
pub struct TestMarket {
    pub keys: MarketKeys,
    pub authority: Keypair,
    pub fee_authority: Keypair,
    pub creator: Pubkey,
}

/// A trader with funded wallets and an open trader account.
pub struct TestTrader {
    pub owner: Keypair,
    pub base_wallet: Pubkey,
    pub quote_wallet: Pubkey,
    pub account: Pubkey,
}

/// What a market is created with.
#[derive(Clone, Copy, Debug)]
pub struct MarketCfg {
    pub args: CreateMarketArgs,
    pub base_program: Pubkey,
    pub quote_program: Pubkey,
    pub base_decimals: u8,
    pub quote_decimals: u8,
    pub orders_per_side: u32,
    pub events: u32,
}

impl Default for MarketCfg {
    fn default() -> Self {
        Self {
            args: orderbook_chain::scenario::standard_market_args(Pubkey::default()),
            base_program: TOKEN_PROGRAM_ID,
            quote_program: TOKEN_PROGRAM_ID,
            base_decimals: 6,
            quote_decimals: 6,
            orders_per_side: 64,
            events: 256,
        }
    }
}

impl Env {
    pub async fn start() -> Self {
        Self::start_with(Vec::new()).await
    }

    /// Start with extra accounts in genesis (e.g. hand-made mints).
    pub async fn start_with(accounts: Vec<(Pubkey, solana_account::Account)>) -> Self {
        let mut pt = ProgramTest::new(
            "orderbook",
            orderbook::ID,
            processor!(orderbook_node::bank::native::process),
        );
        pt.prefer_bpf(false);
        for (k, a) in accounts {
            pt.add_account(k, a);
        }
        let ctx = pt.start_with_context().await;
        Self {
            ctx,
            mint_authority: Keypair::new(),
        }
    }

    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Send `ixs` signed by the payer and `signers`. On success, returns the
    /// program events the transaction emitted (read from its inner
    /// instructions by simulating first, as the indexer would read them).
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<ProgramEvent>, TxError> {
        let tx = self.sign(ixs, signers).await?;
        self.process(tx).await
    }

    /// `ixs` signed by the payer (fee payer) and `signers` under a fresh
    /// blockhash, not sent: what a wallet hands to a leader.
    pub async fn sign(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Transaction, TxError> {
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .map_err(|e| TxError::Other(e.to_string()))?;
        let payer = self.payer();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(
            signers
                .iter()
                .copied()
                .filter(|s| s.pubkey() != payer.pubkey()),
        );
        Ok(Transaction::new_signed_with_payer(
            ixs,
            Some(&payer.pubkey()),
            &all,
            blockhash,
        ))
    }

    /// Execute a signed transaction; on success, the program events it
    /// emitted (read from a simulation first, as the indexer reads them).
    pub async fn process(&mut self, tx: Transaction) -> Result<Vec<ProgramEvent>, TxError> {
        let sim = self
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .map_err(|e| TxError::Other(e.to_string()))?;
        let mut events = Vec::new();
        if let Some(details) = &sim.simulation_details
            && let Some(inner) = &details.inner_instructions
        {
            let keys = &tx.message.account_keys;
            let pairs = inner.iter().flatten().map(|ii| {
                (
                    keys[ii.instruction.program_id_index as usize],
                    ii.instruction.data.as_slice(),
                )
            });
            events = orderbook_chain::events_from_inner(pairs).expect("event batch decodes");
        }
        match self.ctx.banks_client.process_transaction(tx).await {
            Ok(()) => Ok(events),
            Err(BanksClientError::TransactionError(TransactionError::InstructionError(
                _,
                InstructionError::Custom(c),
            )))
            | Err(BanksClientError::SimulationError {
                err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
                ..
            }) => Err(TxError::Custom(c)),
            Err(e) => Err(TxError::Other(e.to_string())),
        }
    }

    pub async fn data(&mut self, key: &Pubkey) -> Vec<u8> {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .expect("rpc")
            .map(|a| a.data)
            .unwrap_or_default()
    }

    pub async fn lamports(&mut self, key: &Pubkey) -> u64 {
        self.ctx.banks_client.get_balance(*key).await.expect("rpc")
    }

    pub async fn exists(&mut self, key: &Pubkey) -> bool {
        self.ctx
            .banks_client
            .get_account(*key)
            .await
            .expect("rpc")
            .is_some()
    }

    pub async fn rent(&mut self, len: usize) -> u64 {
        self.ctx
            .banks_client
            .get_rent()
            .await
            .expect("rent")
            .minimum_balance(len)
    }

    /// (lamports, data) of each key, for before/after comparisons.
    pub async fn snapshot(&mut self, keys: &[Pubkey]) -> BTreeMap<Pubkey, Option<(u64, Vec<u8>)>> {
        let mut out = BTreeMap::new();
        for k in keys {
            let a = self.ctx.banks_client.get_account(*k).await.expect("rpc");
            out.insert(*k, a.map(|a| (a.lamports, a.data)));
        }
        out
    }

    /// Send, expect `want`, and assert none of `watch` changed.
    pub async fn expect_fail(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        want: TxError,
        watch: &[Pubkey],
    ) {
        let before = self.snapshot(watch).await;
        let got = self.send(ixs, signers).await;
        assert_eq!(got.err(), Some(want), "unexpected result");
        let after = self.snapshot(watch).await;
        for k in watch {
            assert!(
                before[k] == after[k],
                "failed transaction changed account {k}"
            );
        }
    }

    pub async fn create_mint(&mut self, program: Pubkey, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.payer().pubkey();
        let rent = self.rent(setup::MINT_LEN).await;
        let ixs = setup::create_mint(
            &payer,
            &mint.pubkey(),
            &self.mint_authority.pubkey(),
            &program,
            decimals,
            rent,
        );
        self.send(&ixs, &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    pub async fn token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        program: Pubkey,
    ) -> Pubkey {
        let acc = Keypair::new();
        let payer = self.payer().pubkey();
        let rent = self.rent(setup::TOKEN_ACCOUNT_LEN).await;
        let ixs = setup::create_token_account(&payer, &acc.pubkey(), mint, owner, &program, rent);
        self.send(&ixs, &[&acc])
            .await
            .expect("create token account");
        acc.pubkey()
    }

    pub async fn mint_to(&mut self, program: Pubkey, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let auth = self.mint_authority.insecure_clone();
        let ix = setup::mint_to(&program, mint, to, &auth.pubkey(), amount);
        self.send(&[ix], &[&auth]).await.expect("mint to");
    }

    pub async fn token_balance(&mut self, account: &Pubkey) -> u64 {
        setup::token_amount(&self.data(account).await).expect("token account")
    }

    /// Create mints (with the given programs) and a market on them.
    pub async fn create_market(&mut self, cfg: MarketCfg) -> TestMarket {
        let base_mint = self.create_mint(cfg.base_program, cfg.base_decimals).await;
        let quote_mint = self
            .create_mint(cfg.quote_program, cfg.quote_decimals)
            .await;
        self.create_market_on(cfg, base_mint, quote_mint)
            .await
            .expect("create market")
    }

    /// The instructions (and new account keypairs) that create a market.
    pub async fn create_market_ixs(
        &mut self,
        cfg: MarketCfg,
        base_mint: Pubkey,
        quote_mint: Pubkey,
    ) -> (TestMarket, Vec<Instruction>, [Keypair; 4]) {
        let kps = [
            Keypair::new(),
            Keypair::new(),
            Keypair::new(),
            Keypair::new(),
        ];
        let keys = ix::new_market_keys(
            kps[0].pubkey(),
            kps[1].pubkey(),
            kps[2].pubkey(),
            kps[3].pubkey(),
            base_mint,
            quote_mint,
            cfg.base_program,
            cfg.quote_program,
        );
        let (authority, fee_authority) = (Keypair::new(), Keypair::new());
        let args = CreateMarketArgs {
            authority: authority.pubkey(),
            fee_authority: fee_authority.pubkey(),
            ..cfg.args
        };
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let payer = self.payer().pubkey();
        let mut ixs =
            ix::allocate_market_accounts(&payer, &keys, cfg.orders_per_side, cfg.events, |n| {
                rent.minimum_balance(n)
            });
        ixs.push(ix::create_market(&payer, &keys, args));
        (
            TestMarket {
                keys,
                authority,
                fee_authority,
                creator: payer,
            },
            ixs,
            kps,
        )
    }

    pub async fn create_market_on(
        &mut self,
        cfg: MarketCfg,
        base_mint: Pubkey,
        quote_mint: Pubkey,
    ) -> Result<TestMarket, TxError> {
        let (fx, ixs, kps) = self.create_market_ixs(cfg, base_mint, quote_mint).await;
        let signers: Vec<&Keypair> = kps.iter().collect();
        self.send(&ixs, &signers).await?;
        Ok(fx)
    }

    /// A trader with wallets holding `base`/`quote` atoms and an open trader account.
    pub async fn trader(&mut self, m: &TestMarket, base: u64, quote: u64) -> TestTrader {
        let owner = Keypair::new();
        let payer = self.payer();
        self.send(
            &[system_instruction::transfer(
                &payer.pubkey(),
                &owner.pubkey(),
                10_000_000_000,
            )],
            &[],
        )
        .await
        .expect("fund owner");
        let k = m.keys;
        let base_wallet = self
            .token_account(&k.base_mint, &owner.pubkey(), k.base_token_program)
            .await;
        let quote_wallet = self
            .token_account(&k.quote_mint, &owner.pubkey(), k.quote_token_program)
            .await;
        if base > 0 {
            self.mint_to(k.base_token_program, &k.base_mint, &base_wallet, base)
                .await;
        }
        if quote > 0 {
            self.mint_to(k.quote_token_program, &k.quote_mint, &quote_wallet, quote)
                .await;
        }
        self.send(
            &[ix::open_trader_account(&owner.pubkey(), &k.market)],
            &[&owner],
        )
        .await
        .expect("open trader");
        TestTrader {
            account: pda::trader(&k.market, &owner.pubkey()),
            owner,
            base_wallet,
            quote_wallet,
        }
    }

    /// Deposit into a trader's free balance.
    pub async fn deposit(
        &mut self,
        m: &TestMarket,
        t: &TestTrader,
        token: TokenKind,
        amount: u64,
    ) -> Result<Vec<ProgramEvent>, TxError> {
        let wallet = match token {
            TokenKind::Base => t.base_wallet,
            TokenKind::Quote => t.quote_wallet,
        };
        self.send(
            &[ix::deposit(
                &t.owner.pubkey(),
                &m.keys,
                token,
                &wallet,
                amount,
            )],
            &[&t.owner],
        )
        .await
    }

    pub async fn market(&mut self, m: &TestMarket) -> orderbook::state::Market {
        decode::market(&self.data(&m.keys.market).await).expect("market")
    }

    pub async fn trader_state(&mut self, t: &TestTrader) -> orderbook_engine::TraderState {
        *decode::trader(&self.data(&t.account).await)
            .expect("trader")
            .state()
    }

    /// Set the clock's unix timestamp.
    pub async fn set_time(&mut self, unix: i64) {
        let mut clock: anchor_lang::prelude::Clock =
            self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = unix;
        self.ctx.set_sysvar(&clock);
    }

    /// Set the clock's slot (the batch markets' clock).
    pub async fn set_slot(&mut self, slot: u64) {
        let mut clock: anchor_lang::prelude::Clock =
            self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.slot = slot;
        self.ctx.set_sysvar(&clock);
    }

    /// Allocate a batch account with a pool of `entries`, owned by the
    /// program (what `enable_batch_mode` initialises).
    pub async fn batch_account(&mut self, entries: u32) -> Keypair {
        let account = Keypair::new();
        let len = ix::batch_account_size(entries);
        let rent = self.rent(len).await;
        let payer = self.payer().pubkey();
        let create = system_instruction::create_account(
            &payer,
            &account.pubkey(),
            rent,
            len as u64,
            &orderbook::ID,
        );
        self.send(&[create], &[&account])
            .await
            .expect("batch account");
        account
    }

    /// Every account key of a market (for "nothing changed" checks).
    pub fn market_watch(m: &TestMarket) -> Vec<Pubkey> {
        let k = m.keys;
        vec![
            k.market,
            k.bids,
            k.asks,
            k.event_queue,
            k.base_vault,
            k.quote_vault,
        ]
    }
}

impl Clone for TestTrader {
    fn clone(&self) -> Self {
        Self {
            owner: self.owner.insecure_clone(),
            base_wallet: self.base_wallet,
            quote_wallet: self.quote_wallet,
            account: self.account,
        }
    }
}

impl TestTrader {
    pub fn key(&self) -> Pubkey {
        self.owner.pubkey()
    }
    /// Keys whose state a failed call must leave untouched.
    pub fn watch(&self) -> Vec<Pubkey> {
        vec![
            self.owner.pubkey(),
            self.base_wallet,
            self.quote_wallet,
            self.account,
        ]
    }
}

/// Re-exports tests use.
/// A small seeded generator (xorshift64) for the randomized tests: the same
/// seed gives the same sequence on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The environment variable `name` as a number, or `default`.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub use orderbook::instructions::PlaceOrderArgs;
pub use orderbook::types::{MarketStatus, OrderType, SelfTradeMode, Side};
pub use orderbook_client::ix as build;
pub use solana_keypair::Keypair as Kp;
pub use solana_signer::Signer as _;

/// A limit-style order with no quote limit.
pub fn order(side: Side, order_type: OrderType, price: u64, lots: u64) -> PlaceOrderArgs {
    PlaceOrderArgs::new(side, order_type, price, lots)
}

pub const TOKEN: Pubkey = TOKEN_PROGRAM_ID;
pub const TOKEN_2022: Pubkey = TOKEN_2022_PROGRAM_ID;

/// A Token-2022 mint account with `extensions` initialised (zeroed
/// configuration), for genesis: how the refusal of escrow-breaking
/// extensions is tested without each extension's init instruction.
pub fn token_2022_mint_with(
    extensions: &[spl_token_2022::extension::ExtensionType],
    authority: &Pubkey,
) -> solana_account::Account {
    use spl_token_2022::extension::{
        BaseStateWithExtensionsMut, ExtensionType as E, StateWithExtensionsMut,
    };
    use spl_token_2022::extension::{
        non_transferable, permanent_delegate, transfer_fee, transfer_hook,
    };
    use spl_token_2022::state::Mint;
    let len = E::try_calculate_account_len::<Mint>(extensions).expect("len");
    let mut data = vec![0u8; len];
    let mut state =
        StateWithExtensionsMut::<Mint>::unpack_uninitialized(&mut data).expect("unpack");
    for e in extensions {
        match e {
            E::TransferFeeConfig => {
                state
                    .init_extension::<transfer_fee::TransferFeeConfig>(true)
                    .expect("ext");
            }
            E::PermanentDelegate => {
                state
                    .init_extension::<permanent_delegate::PermanentDelegate>(true)
                    .expect("ext");
            }
            E::NonTransferable => {
                state
                    .init_extension::<non_transferable::NonTransferable>(true)
                    .expect("ext");
            }
            E::TransferHook => {
                state
                    .init_extension::<transfer_hook::TransferHook>(true)
                    .expect("ext");
            }
            E::MintCloseAuthority => {
                state.init_extension::<spl_token_2022::extension::mint_close_authority::MintCloseAuthority>(true).expect("ext");
            }
            E::InterestBearingConfig => {
                state
                    .init_extension::<spl_token_2022::extension::interest_bearing_mint::InterestBearingConfig>(true)
                    .expect("ext");
            }
            other => panic!("no test setup for {other:?}"),
        }
    }
    state.base = Mint {
        mint_authority: Some(*authority).into(),
        supply: 0,
        decimals: 6,
        is_initialized: true,
        freeze_authority: None.into(),
    };
    state.pack_base();
    state.init_account_type().expect("account type");
    solana_account::Account {
        lamports: 1_000_000_000,
        data,
        owner: TOKEN_2022_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}
