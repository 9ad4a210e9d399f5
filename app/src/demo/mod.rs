//! The demo markets of the local exchange: makers re-quoting a ladder around
//! a random-walking mid price and takers crossing it, on the chain reached
//! over RPC, on a continuous market (here) or a sealed batch market
//! ([`sealed`]). Errors (a trader out of funds, a full queue waiting for the
//! keeper) are logged and the flow goes on.

mod saved;
mod sealed;

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use orderbook::instructions::{CreateMarketArgs, PlaceOrderArgs};

use orderbook::state::Market;
use orderbook::types::{OrderType, Side};
use orderbook_chain::scenario::{self, Funding, MarketSetup, Mints, TraderSetup};
use orderbook_chain::{Chain, ChainError};
use orderbook_client::ix;
use orderbook_client::ix::MarketKeys;
use orderbook_client::setup::TokenName;
use orderbook_engine::MarketStatus;
use orderbook_keeper::{Keeper, KeeperConfig};
use rand::Rng;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Levels each maker quotes per side.
pub const LADDER: u64 = 4;
/// Orders per side of the demo market's book, and its queue size.
pub const DEMO_ORDERS_PER_SIDE: u32 = 256;
pub const DEMO_EVENTS: u32 = 512;

/// What a demo market is created with: its capacities now, and the most
/// `grow_market` may take them to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSize {
    pub orders_per_side: u32,
    pub events: u32,
    pub max_orders_per_side: u32,
    pub max_events: u32,
}

impl Default for DemoSize {
    /// Room for the demo's trading from the start; may grow to the program's maxima.
    fn default() -> Self {
        Self {
            orders_per_side: DEMO_ORDERS_PER_SIDE,
            events: DEMO_EVENTS,
            max_orders_per_side: orderbook::state::MAX_ORDERS_PER_SIDE,
            max_events: orderbook::state::MAX_QUEUE_EVENTS,
        }
    }
}
/// Starting mid price in ticks: 25.00 USDQ per DEMO.
pub const START_MID: u64 = 2_500;

pub use saved::SavedDemo;
pub use sealed::{DemoBeacon, SealedDemo, demo_batch_args};

/// The demo's tokens, named in their mints (Token-2022 metadata) so wallets,
/// the feed and the page show symbols: DEMO (9 decimals) priced in USDQ (6).
pub fn demo_tokens() -> (TokenName, TokenName) {
    let named = |name: &str, symbol: &str| TokenName {
        name: name.into(),
        symbol: symbol.into(),
    };
    (named("Demo Token", "DEMO"), named("Demo USD", "USDQ"))
}

/// The demo market's sizes, in the range of what the faucet hands out
/// (100 DEMO, 10,000 USDQ): a lot is 0.1 DEMO (10^8 atoms) and a tick
/// 0.01 USDQ per DEMO (1,000 quote atoms per lot); the standard fees.
pub fn demo_market_args(authority: Pubkey) -> CreateMarketArgs {
    CreateMarketArgs {
        base_lot_size: 100_000_000,
        quote_lot_size: 1_000,
        tick_size: 1,
        ..scenario::standard_market_args(authority)
    }
}

/// A new demo market, sized for the demo, on `mints` (another market's, so
/// one faucet funds both) or new named ones.
async fn new_market<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    mints: Option<Mints>,
    size: DemoSize,
) -> Result<MarketSetup, ChainError> {
    let args = CreateMarketArgs {
        max_orders_per_side: size.max_orders_per_side,
        max_queue_events: size.max_events,
        ..demo_market_args(payer.pubkey())
    };
    let mints = match mints {
        Some(m) => m,
        None => {
            let (base, quote) = demo_tokens();
            scenario::create_named_mints(chain, payer, &base, &quote).await?
        }
    };
    scenario::create_market_on(chain, payer, args, mints, size.orders_per_side, size.events).await
}

pub struct Demo<C: Chain> {
    pub chain: Arc<C>,
    pub payer: Keypair,
    pub market: MarketSetup,
    pub makers: Vec<TraderSetup>,
    pub takers: Vec<TraderSetup>,
    pub mid: u64,
    /// Transactions sent, and how many failed.
    pub sent: u64,
    pub failed: u64,
    /// Client order ids are unique so no two transactions are identical
    /// (a cluster would drop the second as a duplicate).
    next_client_id: u64,
}

impl<C: Chain> Demo<C> {
    /// Create the market (standard parameters, [`DemoSize::default`]) and funded traders.
    pub async fn new(
        chain: Arc<C>,
        payer: Keypair,
        makers: usize,
        takers: usize,
    ) -> Result<Self, ChainError> {
        Self::sized(chain, payer, makers, takers, DemoSize::default()).await
    }

    /// [`Demo::new`] with a market of `size` (a small one grows under its
    /// own trading when a keeper grows it: `scripts/run.sh`).
    pub async fn sized(
        chain: Arc<C>,
        payer: Keypair,
        makers: usize,
        takers: usize,
        size: DemoSize,
    ) -> Result<Self, ChainError> {
        let market = new_market(chain.as_ref(), &payer, None, size).await?;
        Self::with_market(chain, payer, market, makers, takers).await
    }

    /// Funded traders on `market`.
    async fn with_market(
        chain: Arc<C>,
        payer: Keypair,
        market: MarketSetup,
        makers: usize,
        takers: usize,
    ) -> Result<Self, ChainError> {
        let funds = 1_000_000_000_000;
        let mut ms = Vec::new();
        for _ in 0..makers + takers {
            ms.push(
                scenario::trader(
                    chain.as_ref(),
                    &payer,
                    &market,
                    Funding {
                        lamports: 1_000_000_000,
                        base_atoms: funds,
                        quote_atoms: funds,
                        deposit_pct: 100,
                    },
                )
                .await?,
            );
        }
        let ts = ms.split_off(makers);
        Ok(Self {
            chain,
            payer,
            market,
            makers: ms,
            takers: ts,
            mid: START_MID,
            sent: 0,
            failed: 0,
            next_client_id: 1,
        })
    }

    /// The saved demo's market and traders, when the chain still has that
    /// market and it is active (else None: a new chain, or a closed market).
    pub async fn resume(
        chain: Arc<C>,
        payer: Keypair,
        saved: &SavedDemo,
        mint_authority: Keypair,
    ) -> anyhow::Result<Option<Self>> {
        Ok(Self::resume_market(chain, payer, saved, mint_authority)
            .await?
            .map(|(demo, _)| demo))
    }

    /// [`Demo::resume`], with the market account as it read it.
    async fn resume_market(
        chain: Arc<C>,
        payer: Keypair,
        saved: &SavedDemo,
        mint_authority: Keypair,
    ) -> anyhow::Result<Option<(Self, Market)>> {
        let address = saved.market()?;
        let Some(account) = chain.account(&address).await? else {
            return Ok(None);
        };
        let Ok(m) = orderbook_client::accounts::market(&account.data) else {
            return Ok(None);
        };
        if m.engine().status() != Ok(MarketStatus::Active) {
            return Ok(None);
        }
        let market = MarketSetup {
            keys: MarketKeys::from_market(address, &m),
            // The demo never acts as the market's authorities after creating it.
            authority: payer.insecure_clone(),
            fee_authority: payer.insecure_clone(),
            mint_authority,
        };
        let demo = Self {
            makers: SavedDemo::traders(&saved.makers)?,
            takers: SavedDemo::traders(&saved.takers)?,
            chain,
            payer,
            market,
            mid: saved.mid,
            sent: 0,
            failed: 0,
            next_client_id: 1,
        };
        Ok(Some((demo, m)))
    }

    /// What [`Demo::resume`] needs to trade this market again.
    pub fn saved(&self) -> SavedDemo {
        SavedDemo {
            market: self.market.keys.market.to_string(),
            mid: self.mid,
            makers: self.makers.iter().map(saved::SavedTrader::of).collect(),
            takers: self.takers.iter().map(saved::SavedTrader::of).collect(),
        }
    }

    /// A client order id no transaction of this demo used yet.
    fn client_id(&mut self) -> u64 {
        self.next_client_id += 1;
        self.next_client_id
    }

    /// Walk the mid price one tick at random, half the time.
    fn walk_mid(&mut self, rng: &mut impl Rng) {
        if rng.random_bool(0.5) {
            self.mid = (self.mid + rng.random_range(0..=2))
                .saturating_sub(1)
                .max(LADDER + 10);
        }
    }

    /// The next action's signer and instruction: a maker re-quotes (60%)
    /// or a taker crosses (40%).
    fn next_action(&mut self) -> (Keypair, solana_instruction::Instruction) {
        let mut rng = rand::rng();
        if self.takers.is_empty() || rng.random_bool(0.6) {
            self.walk_mid(&mut rng);
            let maker = self.makers[rng.random_range(0..self.makers.len())]
                .owner
                .insecure_clone();
            let mut orders = Vec::new();
            for i in 0..LADDER {
                let lots = rng.random_range(1..=20);
                for (side, price) in [(Side::Bid, self.mid - 1 - i), (Side::Ask, self.mid + 1 + i)]
                {
                    orders.push(PlaceOrderArgs {
                        client_order_id: self.client_id(),
                        ..PlaceOrderArgs::new(side, OrderType::Limit, price, lots)
                    });
                }
            }
            let ix = ix::cancel_all_and_place(&maker.pubkey(), &self.market.keys, orders, None);
            (maker, ix)
        } else {
            let taker = self.takers[rng.random_range(0..self.takers.len())]
                .owner
                .insecure_clone();
            let (side, price) = if rng.random_bool(0.5) {
                (Side::Bid, self.mid + 3)
            } else {
                (Side::Ask, self.mid - 3)
            };
            let args = PlaceOrderArgs {
                client_order_id: self.client_id(),
                ..PlaceOrderArgs::new(
                    side,
                    OrderType::ImmediateOrCancel,
                    price,
                    rng.random_range(1..=30),
                )
            };
            let ix = ix::place_order(&taker.pubkey(), &self.market.keys, args, None);
            (taker, ix)
        }
    }

    /// One simulated transaction.
    pub async fn step(&mut self) -> Result<(), ChainError> {
        let (who, ix) = self.next_action();
        self.sent += 1;
        let r = scenario::send(self.chain.as_ref(), &self.payer, &[ix], &[&who]).await;
        if r.is_err() {
            self.failed += 1;
        }
        r.map(|_| ())
    }

    /// Trade every `interval` with a keeper (paid by `keeper_payer`)
    /// cranking the market, both until `shutdown`; the demo comes back from
    /// its task (for its counts). What the tests and benches that need a
    /// live market run.
    pub fn trade_and_crank(
        mut self,
        keeper_payer: Keypair,
        interval: Duration,
        shutdown: watch::Receiver<bool>,
    ) -> (JoinHandle<Self>, JoinHandle<()>)
    where
        C: 'static,
    {
        let config = KeeperConfig {
            markets: vec![self.market.keys.market],
            poll: Duration::from_millis(100),
            ..KeeperConfig::default()
        };
        let mut keeper = Keeper::new(self.chain.clone(), keeper_payer, config);
        let keeper_shutdown = shutdown.clone();
        let keeper = tokio::spawn(async move { keeper.run(keeper_shutdown).await });
        let demo = tokio::spawn(async move {
            self.run(interval, shutdown).await;
            self
        });
        (demo, keeper)
    }

    /// Step every `interval` until `shutdown`.
    pub async fn run(&mut self, interval: Duration, shutdown: watch::Receiver<bool>) {
        run_steps(self, interval, shutdown).await
    }
}

/// One simulated trader action of a demo.
pub trait Step {
    fn step(&mut self) -> impl Future<Output = Result<(), ChainError>> + Send;
}

impl<C: Chain> Step for Demo<C> {
    fn step(&mut self) -> impl Future<Output = Result<(), ChainError>> + Send {
        Demo::step(self)
    }
}

/// Step `demo` every `interval` until `shutdown`; a failed step (a trader
/// out of funds, a full queue waiting for the keeper) is logged and the
/// flow goes on.
pub async fn run_steps(
    demo: &mut impl Step,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        if let Err(e) = demo.step().await {
            // Said at info: the run's summary counts failures, and an
            // operator reading the demo's log should find why each one was.
            tracing::info!(error = %e, "demo transaction failed; the demo goes on");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
