//! `reveal-bench`: how long after an encrypted order's round is published
//! the keeper's reveal of it is on chain, and what the ciphertext adds to a
//! commit, against `orderbook-node` and a local drand beacon (1 s rounds)
//! started in this process.
//!
//! Each run makes a sealed batch market naming the beacon and `--orders`
//! takers; each commits an IOC bid encrypted to the first round published
//! after its batch's reveal window opens (reckoned at the node's slot
//! time, as the web app does). A keeper with the default configuration
//! (`--poll-ms` apart from the test's) reveals them; the bench reads the
//! batch account every 20 ms and times each reveal from its round's
//! publication (drand's clock: genesis + (round − 1) × period). Prints
//! each run's p50/p99 and the medians over runs.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use orderbook::instructions::{BatchModeArgs, PlaceOrderArgs};
use orderbook::types::{OrderType, Side};
use orderbook_beacon::{Beacon, Clock, SecretKey};
use orderbook_chain::Chain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::accounts as decode;
use orderbook_client::sealed::{self, RevealPayload};
use orderbook_client::{encrypted, ix};
use orderbook_engine::batch::EntryKind;
use orderbook_keeper::{Keeper, KeeperConfig};
use orderbook_node::limits::NodeLimits;
use orderbook_test_support::node::LocalNode;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    about = "Measure the keeper's reveal delay after a beacon round, and the bytes a ciphertext adds to a commit"
)]
struct Args {
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Encrypted orders per run, one per taker.
    #[arg(long, default_value_t = 48)]
    orders: usize,
    /// Orders committed to each batch: the run spreads them over
    /// `orders / per_batch` batches, so each meets the keeper's pass at
    /// another point.
    #[arg(long, default_value_t = 2)]
    per_batch: usize,
    /// Slot length of the node, milliseconds (a validator's by default).
    #[arg(long, default_value_t = 400)]
    slot_ms: u64,
    /// The market's commit fee, lamports: what pays the clearer, and so
    /// the keeper's reveals (the standard batch mode's by default).
    #[arg(long, default_value_t = scenario::standard_batch_args().commit_fee_lamports)]
    commit_fee_lamports: u64,
    /// The keeper's pass interval, milliseconds (its default by default).
    #[arg(long, default_value_t = KeeperConfig::default().poll.as_millis() as u64)]
    poll_ms: u64,
}

/// How often the bench reads the batch account.
const WATCH_EVERY: Duration = Duration::from_millis(20);
/// How long a run waits for every reveal.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// An encrypted commitment the bench waits to see revealed.
struct Pending {
    batch: u64,
    commitment: [u8; 32],
    /// When its round is published.
    published: SystemTime,
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// A local beacon of 1 s rounds serving drand's HTTP API on a free port.
async fn beacon() -> anyhow::Result<(Arc<Beacon>, String)> {
    let clock = Clock {
        genesis_time: unix_secs() - 100,
        period_secs: 1,
    };
    let beacon = Arc::new(Beacon::new(SecretKey::generate(), clock, "bench"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(
        axum::serve(listener, orderbook_beacon::http::router(beacon.clone())).into_future(),
    );
    Ok((beacon, url))
}

/// Where the bench's takers commit: the market, its batch account, the
/// beacon it names, and the node's slot time.
#[derive(Clone, Copy)]
struct Target<'a> {
    payer: &'a Keypair,
    m: &'a MarketSetup,
    batch: &'a Pubkey,
    beacon: &'a Beacon,
    slot_ms: u64,
}

/// `t` commits `payload` encrypted to the first round after its batch's
/// reveal window opens; a commit that lands after its window closed is made
/// again for the batch open then.
async fn commit(
    chain: &impl Chain,
    to: &Target<'_>,
    t: &TraderSetup,
    payload: &RevealPayload,
) -> anyhow::Result<Pending> {
    let Target {
        payer,
        m,
        batch,
        beacon,
        slot_ms,
    } = *to;
    let schedule = scenario::batches(chain, batch).await?.schedule()?;
    let owner = t.owner.pubkey();
    for _ in 0..scenario::COMMIT_ATTEMPTS {
        let slot = scenario::chain_slot(chain).await?;
        let k = schedule
            .committing_batch(slot)
            .expect("the batches started");
        let opens_in = schedule.reveal_opens(k).expect("in range") - slot;
        let opens_at = SystemTime::now() + Duration::from_millis(opens_in * slot_ms);
        let opens_unix = opens_at.duration_since(UNIX_EPOCH)?.as_secs();
        let round = beacon.info.clock.round_at(opens_unix) + 1;
        let ciphertext =
            encrypted::encrypt(payload, &beacon.info.hash(), &beacon.info.public_key, round)
                .map_err(anyhow::Error::msg)?;
        let commitment = sealed::commitment(
            &m.keys.market,
            &owner,
            k,
            &payload.order.to_engine(),
            &payload.salt,
        );
        let ix =
            ix::commit_encrypted_order(&owner, &m.keys.market, batch, k, commitment, ciphertext);
        if scenario::send(chain, payer, &[ix], &[&t.owner])
            .await
            .is_ok()
        {
            let published = UNIX_EPOCH + Duration::from_secs(beacon.info.clock.time_of(round));
            return Ok(Pending {
                batch: k,
                commitment,
                published,
            });
        }
    }
    anyhow::bail!("no commit landed in {} attempts", scenario::COMMIT_ATTEMPTS)
}

/// One run: each reveal's delay after its round, in seconds, and the
/// keeper's balance change through its reveals, clears and cranks.
struct Run {
    delays: Vec<f64>,
    net: i64,
}

async fn run_once(a: &Args) -> anyhow::Result<Run> {
    let node =
        LocalNode::start_with(Duration::from_millis(a.slot_ms), NodeLimits::default()).await?;
    let chain = Arc::new(node.chain());
    let c = chain.as_ref();
    let payer = node.funded(1_000).await?;
    let (beacon, beacon_url) = beacon().await?;
    let m = scenario::create_market(
        c,
        &payer,
        scenario::standard_market_args(payer.pubkey()),
        256,
        256,
    )
    .await?;
    let args = BatchModeArgs {
        beacon_chain_hash: beacon.info.hash(),
        entries_per_batch: 32,
        commit_fee_lamports: a.commit_fee_lamports,
        ..scenario::standard_batch_args()
    };
    let batch = scenario::enable_batch_mode(c, &payer, &m, args).await?;
    let mut takers = Vec::new();
    for _ in 0..a.orders {
        takers.push(scenario::trader(c, &payer, &m, Funding::buyer(100_000_000)).await?);
    }

    let cfg = KeeperConfig {
        poll: Duration::from_millis(a.poll_ms),
        beacon_url: Some(beacon_url),
        ..KeeperConfig::default()
    };
    let keeper_key = Keypair::new();
    scenario::send(
        c,
        &payer,
        &[anchor_lang::solana_program::system_instruction::transfer(
            &payer.pubkey(),
            &keeper_key.pubkey(),
            10_000_000_000,
        )],
        &[],
    )
    .await?;
    let mut keeper = Keeper::new(chain.clone(), keeper_key, cfg);
    let metrics = keeper.metrics.clone();
    let (stop, stopped) = watch::channel(false);
    let keeping = tokio::spawn(async move { keeper.run(stopped).await });

    let schedule = scenario::batches(c, &batch).await?.schedule()?;
    scenario::until_slot(c, schedule.start_slot, Duration::from_millis(a.slot_ms / 4)).await?;
    // Committing and watching at once: an early batch is revealed (and
    // cleared) while later ones still take commits.
    let (committed, watched) = tokio::sync::mpsc::channel(a.orders);
    let target = Target {
        payer: &payer,
        m: &m,
        batch: &batch,
        beacon: &beacon,
        slot_ms: a.slot_ms,
    };
    let committing = async {
        for (i, t) in takers.iter().enumerate() {
            let payload = RevealPayload {
                order: PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
                salt: [i as u8; 32],
            };
            let p = commit(c, &target, t, &payload).await?;
            let next = schedule.commit_opens(p.batch + 1).expect("in range");
            committed.send(p).await?;
            if (i + 1) % a.per_batch == 0 {
                scenario::until_slot(c, next, Duration::from_millis(a.slot_ms / 4)).await?;
            }
        }
        drop(committed);
        anyhow::Ok(())
    };
    let watching = tokio::time::timeout(RUN_DEADLINE, watch_reveals(c, &batch, watched));
    let (committing, watching) = tokio::join!(committing, watching);
    committing?;
    let Ok(delays) = watching else {
        anyhow::bail!(
            "not every order revealed within {RUN_DEADLINE:?}; the keeper's metrics:\n{}",
            metrics.render()
        );
    };
    let (delays, last_batch) = delays?;
    // The keeper's net once every batch is cleared and its settlement
    // cranked: the commit fees a clear pays and the rewards it pre-pays.
    let settled = async {
        loop {
            let header = scenario::batches(c, &batch).await?.header;
            let queue = c.account(&m.keys.event_queue).await?.expect("the queue");
            if header.next_clear > last_batch && decode::event_queue(&queue.data)?.is_empty() {
                return anyhow::Ok(());
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
    };
    tokio::time::timeout(RUN_DEADLINE, settled).await??;
    let net = metrics
        .net_lamports
        .with_label_values(&[&m.keys.market.to_string()])
        .get();
    stop.send(true)?;
    keeping.await?;
    node.stop().await;
    Ok(Run { delays, net })
}

/// Read the batch account every [`WATCH_EVERY`] until each commitment
/// `committed` sends is revealed (and the sender is gone); each one's delay
/// after its round, and the last batch committed to.
async fn watch_reveals(
    chain: &impl Chain,
    batch: &Pubkey,
    mut committed: tokio::sync::mpsc::Receiver<Pending>,
) -> anyhow::Result<(Vec<f64>, u64)> {
    let (mut pending, mut delays, mut open) = (Vec::new(), Vec::new(), true);
    let mut last_batch = 0;
    while open || !pending.is_empty() {
        loop {
            match committed.try_recv() {
                Ok(p) => {
                    last_batch = last_batch.max(p.batch);
                    pending.push(p);
                }
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        let now = SystemTime::now();
        let entries = scenario::batches(chain, batch).await?.entries;
        pending.retain(|p: &Pending| {
            let revealed = entries.iter().any(|e| {
                e.batch == p.batch
                    && e.commitment == p.commitment
                    && matches!(e.kind(), Ok(EntryKind::Revealed))
            });
            if revealed {
                let late = now.duration_since(p.published).unwrap_or_default();
                delays.push(late.as_secs_f64());
            }
            !revealed
        });
        tokio::time::sleep(WATCH_EVERY).await;
    }
    Ok((delays, last_batch))
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Encryptions [`commit_bytes`] sizes: the age format adds a header stanza
/// of random length, so the ciphertext's size varies.
const SIZE_SAMPLES: usize = 200;

/// The serialized size of a commit transaction without a ciphertext, and
/// with the largest of [`SIZE_SAMPLES`] ciphertexts; the ciphertexts' median
/// and largest sizes.
fn commit_bytes() -> anyhow::Result<(usize, usize, usize, usize)> {
    let beacon = Beacon::new(
        SecretKey::generate(),
        Clock {
            genesis_time: 0,
            period_secs: 3,
        },
        "size",
    );
    let payload = RevealPayload {
        order: PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 100, 1),
        salt: [7; 32],
    };
    let (hash, key) = (beacon.info.hash(), beacon.info.public_key);
    let mut ciphertexts = (0..SIZE_SAMPLES)
        .map(|_| encrypted::encrypt(&payload, &hash, &key, 1_000))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    ciphertexts.sort_by_key(Vec::len);
    let median_len = ciphertexts[SIZE_SAMPLES / 2].len();
    let ciphertext = ciphertexts.pop().expect("samples");
    let (owner, market, batch) = (Keypair::new(), Pubkey::new_unique(), Pubkey::new_unique());
    let size = |ixs: &[solana_instruction::Instruction]| {
        let tx = Transaction::new_signed_with_payer(
            ixs,
            Some(&owner.pubkey()),
            &[&owner],
            Default::default(),
        );
        bincode_len(&tx)
    };
    let plain = size(&[ix::commit_order(
        &owner.pubkey(),
        &market,
        &batch,
        1,
        [1; 32],
    )]);
    let sealed = size(&[ix::commit_encrypted_order(
        &owner.pubkey(),
        &market,
        &batch,
        1,
        [1; 32],
        ciphertext.clone(),
    )]);
    Ok((plain, sealed, median_len, ciphertext.len()))
}

fn bincode_len(tx: &Transaction) -> usize {
    // The wire format: compact-u16 signature count, signatures, message.
    let message = tx.message.serialize();
    1 + tx.signatures.len() * 64 + message.len()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let mut out = orderbook_test_support::node::quiet_in_process_node()?;
    let (plain, sealed, median_len, largest) = commit_bytes()?;
    writeln!(
        out,
        "commit transaction: {plain} bytes; with a ciphertext at most {sealed} bytes (+{}; {SIZE_SAMPLES} ciphertexts: median {median_len}, largest {largest} bytes, {} allowed)",
        sealed - plain,
        orderbook::instructions::MAX_ORDER_CIPHERTEXT_BYTES,
    )?;
    writeln!(
        out,
        "reveal-bench: {} encrypted orders per run ({} per batch), commit fee {} lamports, {} ms slots, 1 s beacon rounds, keeper pass every {} ms, {} runs",
        a.orders, a.per_batch, a.commit_fee_lamports, a.slot_ms, a.poll_ms, a.runs
    )?;
    let (mut p50s, mut p99s) = (Vec::new(), Vec::new());
    for i in 0..a.runs {
        let Run { mut delays, net } = run_once(&a).await?;
        delays.sort_by(|x, y| x.total_cmp(y));
        let (p50, p99) = (quantile(&delays, 0.5), quantile(&delays, 0.99));
        writeln!(
            out,
            "run {}: {} reveals, after their round p50 {:.0} ms, p99 {:.0} ms (max {:.0} ms); the keeper's net {net} lamports",
            i + 1,
            delays.len(),
            p50 * 1e3,
            p99 * 1e3,
            delays.last().copied().unwrap_or_default() * 1e3
        )?;
        p50s.push(p50);
        p99s.push(p99);
    }
    writeln!(
        out,
        "median over runs: reveal after its round p50 {:.0} ms, p99 {:.0} ms",
        median(p50s) * 1e3,
        median(p99s) * 1e3
    )?;
    Ok(())
}
