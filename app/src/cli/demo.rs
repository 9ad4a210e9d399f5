//! `orderbook-app demo`: a demo market on a local node, traded by simulated
//! makers and takers.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use clap::Args;
use orderbook::instructions::BatchModeArgs;
use orderbook::state::{
    MAX_ORDERS_PER_SIDE, MAX_QUEUE_EVENTS, MIN_ORDERS_PER_SIDE, MIN_QUEUE_EVENTS,
};
use orderbook::types::{
    DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS, DEFAULT_REVEAL_SLOTS, MAX_WINDOW_SLOTS,
};
use orderbook_app::demo::{
    DEMO_EVENTS, DEMO_ORDERS_PER_SIDE, Demo, DemoBeacon, DemoSize, SavedDemo, SealedDemo,
    demo_batch_args,
};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::Mints;
use tokio::sync::watch;

use super::{LOCAL_RPC, stop_after};

#[derive(Args)]
pub struct DemoArgs {
    /// JSON-RPC URL of a local node (its faucet funds the demo).
    #[arg(long, env = "ORDERBOOK_RPC_URL", default_value = LOCAL_RPC)]
    rpc_url: String,
    /// Simulated makers.
    #[arg(long, env = "ORDERBOOK_DEMO_MAKERS", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=64))]
    makers: u16,
    /// Simulated takers.
    #[arg(long, env = "ORDERBOOK_DEMO_TAKERS", default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=64))]
    takers: u16,
    /// Milliseconds between simulated transactions.
    #[arg(long, env = "ORDERBOOK_DEMO_INTERVAL_MS", default_value_t = 200)]
    interval_ms: u64,
    /// Orders per book side the continuous demo market is created with
    /// (16..=16384); a keeper with `--grow-market` grows a small one as its
    /// trading fills it (`scripts/run.sh` starts it at 16).
    #[arg(long, env = "ORDERBOOK_DEMO_ORDERS_PER_SIDE", default_value_t = DEMO_ORDERS_PER_SIDE,
        value_parser = clap::value_parser!(u32).range(i64::from(MIN_ORDERS_PER_SIDE)..=i64::from(MAX_ORDERS_PER_SIDE)))]
    orders_per_side: u32,
    /// Events the continuous demo market's queue is created with (128..=16384).
    #[arg(long, env = "ORDERBOOK_DEMO_EVENTS", default_value_t = DEMO_EVENTS,
        value_parser = clap::value_parser!(u32).range(i64::from(MIN_QUEUE_EVENTS)..=i64::from(MAX_QUEUE_EVENTS)))]
    events: u32,
    /// Write the demo market's address to this file once it exists.
    #[arg(long, env = "ORDERBOOK_DEMO_MARKET_FILE")]
    market_file: Option<PathBuf>,
    /// Write the keypair that mints the demo market's base and quote tokens
    /// here (Solana CLI format, owner-only), so a wallet can mint itself
    /// tokens to trade with. The demo's throw-away key: never reuse it.
    #[arg(long, env = "ORDERBOOK_DEMO_MINT_AUTHORITY_FILE")]
    mint_authority_file: Option<PathBuf>,
    /// Make the demo market a sealed batch market (issue 25): makers queue
    /// post-only ladders, takers commit sealed orders that the demo reveals
    /// when their batch's reveal window opens; a keeper must clear it.
    #[arg(long, env = "ORDERBOOK_DEMO_SEALED_BATCH")]
    sealed_batch: bool,
    /// Sealed batch market: slots of each batch's commit window.
    #[arg(long, env = "ORDERBOOK_DEMO_COMMIT_SLOTS", default_value_t = DEFAULT_COMMIT_SLOTS, requires = "sealed_batch",
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_WINDOW_SLOTS)))]
    commit_slots: u16,
    /// Sealed batch market: slots between a commit window and its reveals
    /// (cancels still reach the batch in them).
    #[arg(long, env = "ORDERBOOK_DEMO_GRACE_SLOTS", default_value_t = DEFAULT_GRACE_SLOTS, requires = "sealed_batch",
          value_parser = clap::value_parser!(u16).range(0..=i64::from(MAX_WINDOW_SLOTS)))]
    grace_slots: u16,
    /// Sealed batch market: slots of each batch's reveal window.
    #[arg(long, env = "ORDERBOOK_DEMO_REVEAL_SLOTS", default_value_t = DEFAULT_REVEAL_SLOTS, requires = "sealed_batch",
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_WINDOW_SLOTS)))]
    reveal_slots: u16,
    /// Create the market on this market's mints (with `--mint-authority`,
    /// their authority's keypair file), so one faucet funds both markets.
    #[arg(long, env = "ORDERBOOK_DEMO_MINTS_OF", requires = "mint_authority")]
    mints_of: Option<Pubkey>,
    /// The keypair file of the authority of `--mints-of`'s mints (read).
    #[arg(long, env = "ORDERBOOK_DEMO_MINT_AUTHORITY", requires = "mints_of")]
    mint_authority: Option<PathBuf>,
    /// Sealed batch market: a drand beacon's HTTP API (`orderbook-beacon`,
    /// or a relay): the market names it, and the takers encrypt their orders
    /// to it and leave the reveal to a keeper pointed at it (issue 26).
    #[arg(long, env = "ORDERBOOK_DEMO_BEACON_URL", requires = "sealed_batch")]
    beacon_url: Option<String>,
    /// Keep the demo's market and traders in this file (owner-only: it holds
    /// their keys) and, when it names a market the chain still has active,
    /// trade that market again instead of creating one: a restarted demo
    /// resumes its market. The continuous demo also needs
    /// `--mint-authority-file` from its first run.
    #[arg(long, env = "ORDERBOOK_DEMO_RESUME_FILE")]
    resume_file: Option<PathBuf>,
    /// Stop after this many seconds (default: until Ctrl-C / SIGTERM).
    #[arg(long, env = "ORDERBOOK_RUN_FOR_SECS")]
    run_for_secs: Option<u64>,
}

/// SOL the demo's payer asks the local faucet for.
const DEMO_AIRDROP_SOL: u64 = 1_000;

pub async fn demo(a: DemoArgs) -> Result<ExitCode> {
    let (shutdown_tx, shutdown) = watch::channel(false);
    tokio::spawn(orderbook_service::shutdown::on_signal(shutdown_tx.clone()));
    stop_after(a.run_for_secs, shutdown_tx);
    let chain = Arc::new(RpcChain::new(&a.rpc_url));
    let payer = solana_keypair::Keypair::new();
    chain
        .airdrop(
            &solana_signer::Signer::pubkey(&payer),
            DEMO_AIRDROP_SOL * 1_000_000_000,
        )
        .await
        .with_context(|| format!("funding the demo from the faucet of {}", a.rpc_url))?;
    let kind = if a.sealed_batch {
        "sealed batch"
    } else {
        "continuous"
    };
    eprintln!(
        "demo: a {kind} market with {} makers and {} takers…",
        a.makers, a.takers
    );
    let (makers, takers) = (a.makers.into(), a.takers.into());
    let interval = Duration::from_millis(a.interval_ms);
    let mints = shared_mints(&a, chain.as_ref()).await?;
    if a.sealed_batch {
        let beacon = match &a.beacon_url {
            Some(url) => Some(DemoBeacon::fetch(url).await?),
            None => None,
        };
        let args = BatchModeArgs {
            commit_slots: a.commit_slots,
            grace_slots: a.grace_slots,
            reveal_slots: a.reveal_slots,
            beacon_chain_hash: beacon.as_ref().map_or([0; 32], |b| b.chain_hash),
            ..demo_batch_args()
        };
        let resumed = match (saved(&a)?, &mints) {
            (Some(saved), Some(m)) => {
                SealedDemo::resume(
                    chain.clone(),
                    payer.insecure_clone(),
                    &saved,
                    m.authority.insecure_clone(),
                )
                .await?
            }
            _ => None,
        };
        let mut demo = match resumed {
            Some(demo) => demo,
            None => SealedDemo::with_batch_args(chain, payer, makers, takers, args, mints)
                .await
                .context("creating the demo market")?,
        };
        demo.beacon = beacon;
        announce(&a, &demo.demo)?;
        demo.run(interval, shutdown).await;
        save(&a, &demo.demo)?;
        eprintln!(
            "demo: {} transactions sent, {} failed; {} sealed orders revealed, {} forfeited, {} encrypted (revealed by the keeper)",
            demo.demo.sent, demo.demo.failed, demo.revealed, demo.forfeited, demo.encrypted
        );
    } else {
        anyhow::ensure!(mints.is_none(), "--mints-of is for the sealed batch demo");
        let resumed = match (saved(&a)?, &a.mint_authority_file) {
            (Some(saved), Some(path)) if path.exists() => {
                Demo::resume(
                    chain.clone(),
                    payer.insecure_clone(),
                    &saved,
                    read_keypair(path)?,
                )
                .await?
            }
            _ => None,
        };
        let mut demo = match resumed {
            Some(demo) => demo,
            None => {
                let size = DemoSize {
                    orders_per_side: a.orders_per_side,
                    events: a.events,
                    ..DemoSize::default()
                };
                Demo::sized(chain, payer, makers, takers, size)
                    .await
                    .context("creating the demo market")?
            }
        };
        announce(&a, &demo)?;
        demo.run(interval, shutdown).await;
        save(&a, &demo)?;
        eprintln!(
            "demo: {} transactions sent, {} failed",
            demo.sent, demo.failed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The demo saved in `--resume-file`, if any; says what it will do.
fn saved(a: &DemoArgs) -> Result<Option<SavedDemo>> {
    let Some(path) = &a.resume_file else {
        return Ok(None);
    };
    let saved = SavedDemo::read(path)?;
    match &saved {
        Some(s) => eprintln!(
            "demo: resuming market {} from {} if this chain has it",
            s.market,
            path.display()
        ),
        None => eprintln!("demo: no {} yet: a new market", path.display()),
    }
    Ok(saved)
}

/// Keep the demo in `--resume-file` (its ladder's mid as it is now).
fn save<C: orderbook_chain::Chain>(a: &DemoArgs, demo: &Demo<C>) -> Result<()> {
    match &a.resume_file {
        Some(path) => demo.saved().write(path),
        None => Ok(()),
    }
}

fn read_keypair(path: &std::path::Path) -> Result<solana_keypair::Keypair> {
    solana_keypair::read_keypair_file(path)
        .map_err(|e| anyhow::anyhow!("reading the keypair {}: {e}", path.display()))
}

/// Write the resume file, the mint authority and then the market file
/// (which tells run.sh the demo is ready).
fn announce<C: orderbook_chain::Chain>(a: &DemoArgs, demo: &Demo<C>) -> Result<()> {
    let market = demo.market.keys.market;
    save(a, demo)?;
    if let Some(path) = &a.mint_authority_file {
        let _ = std::fs::remove_file(path);
        solana_keypair::write_keypair_file(&demo.market.mint_authority, path)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    }
    if let Some(path) = &a.market_file {
        std::fs::write(path, format!("{market}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("demo: market {market}; trading every {} ms", a.interval_ms);
    Ok(())
}

/// `--mints-of`'s mints with their authority, if given.
async fn shared_mints(a: &DemoArgs, chain: &RpcChain) -> Result<Option<Mints>> {
    let (Some(market), Some(path)) = (a.mints_of, &a.mint_authority) else {
        return Ok(None);
    };
    let authority = read_keypair(path)?;
    let account = chain
        .account(&market)
        .await?
        .with_context(|| format!("market {market} (--mints-of) not found"))?;
    let m = orderbook_client::accounts::market(&account.data)
        .with_context(|| format!("{market} (--mints-of) is not a market"))?;
    Ok(Some(Mints {
        base: m.base_mint,
        quote: m.quote_mint,
        token_program: m.base_token_program,
        authority,
    }))
}
