//! The demo's sealed batch market (issue 25): makers queue post-only
//! ladders (cancelling their last one in the same batch), takers commit
//! sealed IOC orders and the demo reveals each one, as its payer (anyone
//! may), once its batch's reveal window opens. The keeper clears. With a
//! beacon (issue 26) the takers encrypt their orders to it and never
//! reveal: the keeper does.

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use orderbook::instructions::{BatchModeArgs, PlaceOrderArgs};
use orderbook::types::{OrderType, Side};
use orderbook_chain::scenario::{self, Committed, Mints, TraderSetup};
use orderbook_chain::{Chain, ChainError};
use orderbook_client::accounts as decode;
use orderbook_client::encrypted;
use orderbook_client::ix;
use orderbook_client::sealed::{RevealPayload, SlotPace};
use orderbook_engine::auction::BatchSchedule;
use rand::Rng;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::sync::watch;

use super::{Demo, DemoSize, LADDER, SavedDemo, Step, new_market, run_steps};

/// Entries per batch: room for every maker's requote (cancels and posts)
/// and the takers' commitments of one commit window.
pub const DEMO_BATCH_ENTRIES: u32 = 64;

/// The demo's batch mode: the standard one with [`DEMO_BATCH_ENTRIES`].
pub fn demo_batch_args() -> BatchModeArgs {
    BatchModeArgs {
        entries_per_batch: DEMO_BATCH_ENTRIES,
        ..scenario::standard_batch_args()
    }
}

/// What a demo step does.
enum Plan {
    Requote {
        maker: usize,
        ladder: Vec<PlaceOrderArgs>,
    },
    Commit {
        taker: usize,
        order: PlaceOrderArgs,
        salt: [u8; 32],
    },
}

/// A sealed order committed and not yet revealed.
struct Sealed {
    taker: usize,
    committed: Committed,
    order: PlaceOrderArgs,
    salt: [u8; 32],
}

/// A drand beacon the demo's takers encrypt to (its `/info`).
#[derive(Clone, Debug)]
pub struct DemoBeacon {
    pub chain_hash: [u8; 32],
    pub public_key: Vec<u8>,
    pub genesis_time: u64,
    pub period_secs: u64,
}

impl DemoBeacon {
    /// Read the beacon's `/info` at `url` (a drand relay or `orderbook-beacon`).
    pub async fn fetch(url: &str) -> anyhow::Result<Self> {
        use anyhow::Context;
        let url = format!("{}/info", url.trim_end_matches('/'));
        let info: serde_json::Value = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .with_context(|| format!("reading {url}"))?
            .json()
            .await
            .with_context(|| format!("{url} is not JSON"))?;
        let hex_field = |name: &str| -> anyhow::Result<Vec<u8>> {
            let text = info[name]
                .as_str()
                .with_context(|| format!("{url}: no `{name}`"))?;
            hex::decode(text).with_context(|| format!("{url}: `{name}` is not hex"))
        };
        let number = |name: &str| {
            info[name]
                .as_u64()
                .with_context(|| format!("{url}: no `{name}`"))
        };
        Ok(Self {
            chain_hash: hex_field("hash")?
                .try_into()
                .map_err(|_| anyhow::anyhow!("{url}: `hash` is not 32 bytes"))?,
            public_key: hex_field("public_key")?,
            genesis_time: number("genesis_time")?,
            period_secs: number("period")?.max(1),
        })
    }

    /// The round a taker encrypts to: the first published after its
    /// batch's reveal window opens, `slots_ahead` slots from now at `pace`
    /// (as the web app reckons it): unreadable through the commit window
    /// and the grace, readable by any keeper within the reveal window.
    fn round(&self, slots_ahead: u64, pace: &SlotPace) -> u64 {
        let opens = std::time::SystemTime::now()
            + std::time::Duration::from_secs_f64(slots_ahead as f64 * pace.ms_per_slot() / 1e3);
        let unix = opens
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        unix.saturating_sub(self.genesis_time) / self.period_secs + 2
    }
}

pub struct SealedDemo<C: Chain> {
    pub demo: Demo<C>,
    /// The market's batch account.
    pub batch: Pubkey,
    schedule: BatchSchedule,
    sealed: Vec<Sealed>,
    /// Sealed orders revealed, and those whose reveal window passed first
    /// (their bond forfeited).
    pub revealed: u64,
    pub forfeited: u64,
    /// With a beacon: takers encrypt and leave the reveal to the keeper.
    pub beacon: Option<DemoBeacon>,
    /// Encrypted orders committed (revealed by the keeper, not the demo).
    pub encrypted: u64,
    /// The node's slot time, measured: when a reveal window opens.
    pace: SlotPace,
}

impl<C: Chain> SealedDemo<C> {
    /// Create a sealed batch market (standard parameters, the default
    /// windows, [`DEMO_BATCH_ENTRIES`]) and funded traders.
    pub async fn new(
        chain: Arc<C>,
        payer: Keypair,
        makers: usize,
        takers: usize,
    ) -> Result<Self, ChainError> {
        Self::with_batch_args(chain, payer, makers, takers, demo_batch_args(), None).await
    }

    /// The same with other batch parameters (wider windows for tests), on
    /// `mints` (another market's) or new ones.
    pub async fn with_batch_args(
        chain: Arc<C>,
        payer: Keypair,
        makers: usize,
        takers: usize,
        args: BatchModeArgs,
        mints: Option<Mints>,
    ) -> Result<Self, ChainError> {
        let market = new_market(chain.as_ref(), &payer, mints, DemoSize::default()).await?;
        let batch = scenario::enable_batch_mode(chain.as_ref(), &payer, &market, args).await?;
        let schedule = scenario::batches(chain.as_ref(), &batch)
            .await?
            .schedule()
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        let demo = Demo::with_market(chain, payer, market, makers, takers).await?;
        Ok(Self::trading(demo, batch, schedule))
    }

    /// The saved demo's batch market and traders, when the chain still has
    /// the market, active and trading as a batch auction (else None).
    pub async fn resume(
        chain: Arc<C>,
        payer: Keypair,
        saved: &SavedDemo,
        mint_authority: Keypair,
    ) -> anyhow::Result<Option<Self>> {
        let Some((demo, market)) = Demo::resume_market(chain, payer, saved, mint_authority).await?
        else {
            return Ok(None);
        };
        let (address, batch) = (demo.market.keys.market, market.batch);
        if batch == Pubkey::default() {
            return Ok(None);
        }
        let schedule = scenario::batches(demo.chain.as_ref(), &batch)
            .await?
            .schedule()
            .map_err(|e| anyhow::anyhow!("the batch schedule of {address}: {e}"))?;
        Ok(Some(Self::trading(demo, batch, schedule)))
    }

    fn trading(demo: Demo<C>, batch: Pubkey, schedule: BatchSchedule) -> Self {
        Self {
            demo,
            batch,
            schedule,
            sealed: Vec::new(),
            revealed: 0,
            forfeited: 0,
            beacon: None,
            encrypted: 0,
            pace: SlotPace::new(),
        }
    }

    /// One step: reveal what is due, then a maker requotes (60%) or a taker
    /// commits a sealed order (40%).
    pub async fn step(&mut self) -> Result<(), ChainError> {
        self.reveal_due().await?;
        let result = match self.plan() {
            Plan::Requote { maker, ladder } => self.requote(maker, ladder).await,
            Plan::Commit { taker, order, salt } => self.commit(taker, order, salt).await,
        };
        self.demo.sent += 1;
        if result.is_err() {
            self.demo.failed += 1;
        }
        result
    }

    /// The next action, drawn at random (the thread's generator is not
    /// held across an await): a maker requotes (60%) or a taker commits a
    /// sealed IOC crossing the mid by 3 ticks (40%).
    fn plan(&mut self) -> Plan {
        let mut rng = rand::rng();
        if self.demo.takers.is_empty() || rng.random_bool(0.6) {
            self.demo.walk_mid(&mut rng);
            let maker = rng.random_range(0..self.demo.makers.len());
            let mid = self.demo.mid;
            let mut ladder = Vec::new();
            for i in 0..LADDER / 2 {
                for (side, price) in [(Side::Bid, mid - 1 - i), (Side::Ask, mid + 1 + i)] {
                    let lots = rng.random_range(1..=20);
                    ladder.push(PlaceOrderArgs {
                        client_order_id: self.demo.client_id(),
                        ..PlaceOrderArgs::new(side, OrderType::PostOnly, price, lots)
                    });
                }
            }
            return Plan::Requote { maker, ladder };
        }
        let taker = rng.random_range(0..self.demo.takers.len());
        let (side, price) = if rng.random_bool(0.5) {
            (Side::Bid, self.demo.mid + 3)
        } else {
            (Side::Ask, self.demo.mid - 3)
        };
        let lots = rng.random_range(1..=30);
        let order = PlaceOrderArgs {
            client_order_id: self.demo.client_id(),
            ..PlaceOrderArgs::new(side, OrderType::ImmediateOrCancel, price, lots)
        };
        Plan::Commit {
            taker,
            order,
            salt: rng.random(),
        }
    }

    /// Queue cancels of the maker's resting orders and its new `ladder`, in
    /// one transaction (one batch); a maker whose last requote is still
    /// queued waits.
    async fn requote(
        &mut self,
        maker: usize,
        ladder: Vec<PlaceOrderArgs>,
    ) -> Result<(), ChainError> {
        let t = &self.demo.makers[maker];
        let Some(resting) = resting_orders(self.demo.chain.as_ref(), t).await? else {
            return Ok(());
        };
        let owner = t.owner.pubkey();
        let keys = self.demo.market.keys;
        let cancels = resting
            .iter()
            .map(|&id| ix::queue_cancel(&owner, &keys, &self.batch, id));
        let posts = ladder
            .into_iter()
            .map(|order| ix::queue_post_only(&owner, &keys.market, &self.batch, order));
        let ixs: Vec<_> = cancels.chain(posts).collect();
        let signer = self.demo.makers[maker].owner.insecure_clone();
        scenario::send(self.demo.chain.as_ref(), &self.demo.payer, &ixs, &[&signer])
            .await
            .map(|_| ())
    }

    /// Commit `taker`'s sealed `order`, kept for its reveal; with a beacon,
    /// encrypted to it and left for the keeper to reveal.
    async fn commit(
        &mut self,
        taker: usize,
        order: PlaceOrderArgs,
        salt: [u8; 32],
    ) -> Result<(), ChainError> {
        let d = &self.demo;
        let t = &d.takers[taker];
        let (chain, market) = (d.chain.as_ref(), &d.market);
        if let Some(b) = &self.beacon {
            let payload = RevealPayload { order, salt };
            let slot = scenario::chain_slot(chain).await?;
            self.pace.observe(slot, std::time::Instant::now());
            let opens = self
                .schedule
                .committing_batch(slot)
                .and_then(|k| self.schedule.reveal_opens(k))
                .unwrap_or(slot);
            let round = b.round(opens.saturating_sub(slot), &self.pace);
            let ciphertext = encrypted::encrypt(&payload, &b.chain_hash, &b.public_key, round)
                .map_err(ChainError::Rpc)?;
            scenario::commit_encrypted(
                chain,
                &d.payer,
                market,
                &self.batch,
                t,
                &order,
                &salt,
                ciphertext,
            )
            .await?;
            self.encrypted += 1;
            return Ok(());
        }
        let committed =
            scenario::commit_sealed(chain, &d.payer, market, &self.batch, t, &order, &salt).await?;
        self.sealed.push(Sealed {
            taker,
            committed,
            order,
            salt,
        });
        Ok(())
    }

    /// Sealed orders committed and not yet revealed.
    pub fn unrevealed(&self) -> usize {
        self.sealed.len()
    }

    /// Reveal every sealed order whose reveal window is open; give up on
    /// those whose window passed.
    pub async fn reveal_due(&mut self) -> Result<(), ChainError> {
        let slot = scenario::chain_slot(self.demo.chain.as_ref()).await?;
        let mut waiting = Vec::new();
        for s in std::mem::take(&mut self.sealed) {
            let opens = self.schedule.reveal_opens(s.committed.batch);
            let closes = self.schedule.clearable_from(s.committed.batch);
            if opens.is_some_and(|o| slot < o) {
                waiting.push(s);
            } else if closes.is_some_and(|c| slot >= c) {
                self.forfeited += 1;
            } else {
                let d = &self.demo;
                let t: &TraderSetup = &d.takers[s.taker];
                match scenario::reveal_sealed(
                    d.chain.as_ref(),
                    &d.payer,
                    &d.market,
                    &self.batch,
                    t,
                    s.committed,
                    s.order,
                    s.salt,
                )
                .await
                {
                    Ok(()) => self.revealed += 1,
                    Err(e) => {
                        tracing::debug!(error = %e, "reveal failed");
                        self.forfeited += 1;
                    }
                }
            }
        }
        self.sealed = waiting;
        Ok(())
    }

    /// Step every `interval` until `shutdown`.
    pub async fn run(&mut self, interval: Duration, shutdown: watch::Receiver<bool>) {
        run_steps(self, interval, shutdown).await
    }
}

impl<C: Chain> Step for SealedDemo<C> {
    fn step(&mut self) -> impl Future<Output = Result<(), ChainError>> + Send {
        SealedDemo::step(self)
    }
}

/// The ids of `t`'s resting orders, or `None` while a post of its is still
/// queued (a slot in use, no order id yet).
async fn resting_orders<C: Chain + ?Sized>(
    chain: &C,
    t: &TraderSetup,
) -> Result<Option<Vec<u64>>, ChainError> {
    let account = chain
        .account(&t.account)
        .await?
        .ok_or_else(|| ChainError::Rpc("trader account not found".into()))?;
    let trader = decode::trader(&account.data).map_err(|e| ChainError::Rpc(e.to_string()))?;
    let in_use: Vec<u64> = trader
        .state()
        .orders
        .iter()
        .filter(|o| o.in_use != 0)
        .map(|o| o.order_seq)
        .collect();
    Ok((!in_use.contains(&0)).then_some(in_use))
}
