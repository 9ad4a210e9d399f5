//! Compare what the indexer stored with the chain's accounts: every resting
//! order (id, trader, side, price, lots), every trader's free/locked
//! balances and, on a sealed batch market, every entry of the batches not
//! yet cleared (trader, kind, commitment, order, cancel target). A
//! difference means the indexer missed or misapplied something.
//!
//! The chain may move while the accounts are read; the comparison is only
//! trusted when the market's event sequence is the same before and after
//! the reads and equals the indexer's cursor, and is retried otherwise.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use anchor_lang::Discriminator;
use anchor_lang::prelude::Pubkey;
use orderbook::state::TraderAccount;
use orderbook::types::Side;
use orderbook_chain::Chain;
use orderbook_client::accounts;
use orderbook_engine::batch::EntryKind;
use tokio_postgres::Client;

use crate::db;
use crate::indexer::{IndexError, Indexer};
use crate::model::{BookOrder, PendingEntry};

/// Attempts at a consistent read before giving up.
pub const MAX_ATTEMPTS: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// The indexer has no open order the book holds.
    MissingOrder { order_id: u64 },
    /// The indexer has an open order the book does not hold.
    ExtraOrder { order_id: u64 },
    /// The order exists on both sides but differs.
    OrderMismatch {
        order_id: u64,
        chain: String,
        indexed: String,
    },
    /// A trader account without an indexed balances row.
    MissingBalances { trader_id: u32 },
    /// An indexed balances row without a trader account.
    ExtraBalances { trader_id: u32 },
    BalancesMismatch {
        trader_id: u32,
        chain: [u64; 4],
        indexed: [u64; 4],
    },
    /// A batch account entry the indexer does not hold as pending.
    MissingEntry { batch: u64, entry: u32 },
    /// An indexed pending entry the batch account does not hold.
    ExtraEntry { batch: u64, entry: u32 },
    EntryMismatch {
        batch: u64,
        entry: u32,
        chain: String,
        indexed: String,
    },
    /// A book side's or the queue's capacity differs (a `MarketGrown` lost).
    CapacityMismatch {
        part: &'static str,
        chain: u32,
        indexed: Option<u32>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingOrder { order_id } => {
                write!(f, "order {order_id}: on the book, not open in the indexer")
            }
            Self::ExtraOrder { order_id } => {
                write!(f, "order {order_id}: open in the indexer, not on the book")
            }
            Self::OrderMismatch {
                order_id,
                chain,
                indexed,
            } => {
                write!(f, "order {order_id}: chain {chain}, indexer {indexed}")
            }
            Self::MissingBalances { trader_id } => write!(
                f,
                "trader {trader_id}: account on chain, no indexed balances"
            ),
            Self::ExtraBalances { trader_id } => write!(
                f,
                "trader {trader_id}: indexed balances, no account on chain"
            ),
            Self::BalancesMismatch {
                trader_id,
                chain,
                indexed,
            } => write!(
                f,
                "trader {trader_id}: balances [base free, base locked, quote free, quote locked] chain {chain:?}, indexer {indexed:?}"
            ),
            Self::MissingEntry { batch, entry } => write!(
                f,
                "batch {batch} entry {entry}: in the batch account, not pending in the indexer"
            ),
            Self::ExtraEntry { batch, entry } => write!(
                f,
                "batch {batch} entry {entry}: pending in the indexer, not in the batch account"
            ),
            Self::EntryMismatch {
                batch,
                entry,
                chain,
                indexed,
            } => write!(
                f,
                "batch {batch} entry {entry}: chain {chain}, indexer {indexed}"
            ),
            Self::CapacityMismatch {
                part,
                chain,
                indexed,
            } => match indexed {
                Some(indexed) => write!(f, "{part} capacity: chain {chain}, indexer {indexed}"),
                None => write!(f, "{part} capacity: chain {chain}, market not indexed"),
            },
        }
    }
}

/// The outcome of one comparison.
#[derive(Debug, Default)]
pub struct Report {
    pub market_seq: Option<u64>,
    pub orders: usize,
    pub traders: usize,
    /// Entries of batches not yet cleared (0 on a continuous market).
    pub batch_entries: usize,
    pub differences: Vec<Difference>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("market {0} not found on chain")]
    NoMarket(Pubkey),
    #[error(
        "the chain kept moving (or the indexer lags it) after {MAX_ATTEMPTS} attempts; last chain seq {chain:?}, indexer {indexed:?}"
    )]
    Unstable {
        chain: Option<u64>,
        indexed: Option<u64>,
    },
}

impl From<tokio_postgres::Error> for ReconcileError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Index(e.into())
    }
}

impl From<crate::db::DbError> for ReconcileError {
    fn from(e: crate::db::DbError) -> Self {
        Self::Index(e.into())
    }
}

impl From<orderbook_chain::ChainError> for ReconcileError {
    fn from(e: orderbook_chain::ChainError) -> Self {
        Self::Index(e.into())
    }
}

fn decode<T>(r: Result<T, orderbook_client::DecodeError>, what: &str) -> Result<T, ReconcileError> {
    r.map_err(|e| IndexError::Corrupt(format!("{what}: {e}")).into())
}

/// The last emitted sequence number of `market` on chain.
async fn chain_seq<C: Chain + ?Sized>(
    chain: &C,
    market: &Pubkey,
) -> Result<(Option<u64>, orderbook::state::Market), ReconcileError> {
    let acc = chain
        .account(market)
        .await?
        .ok_or(ReconcileError::NoMarket(*market))?;
    let m = decode(accounts::market(&acc.data), "market")?;
    let next = m.engine().next_emit_seq;
    Ok((next.checked_sub(1), m))
}

/// Compare once the chain is still and the indexer has caught up with it.
/// Before each attempt the indexer is synced with `sync` (its own
/// connection), or, without one, given `wait` to catch up by itself.
pub async fn reconcile<C: Chain + ?Sized>(
    chain: &C,
    db: &Client,
    market: &Pubkey,
    mut sync: Option<(&Indexer<C>, &mut Client)>,
    wait: Duration,
) -> Result<Report, ReconcileError> {
    let (mut last_chain, mut last_indexed) = (None, None);
    for attempt in 0..MAX_ATTEMPTS {
        match &mut sync {
            Some((ix, c)) => {
                ix.sync(c).await?;
            }
            None if attempt > 0 => tokio::time::sleep(wait).await,
            None => {}
        }
        let (seq, m) = chain_seq(chain, market).await?;
        let indexed = db::cursor::last_seq(db, &market.to_string()).await?;
        (last_chain, last_indexed) = (seq, indexed);
        if seq != indexed {
            if sync.is_some() {
                tokio::time::sleep(wait).await;
            }
            continue;
        }
        let report = compare(chain, db, market, &m).await?;
        if chain_seq(chain, market).await?.0 == seq {
            return Ok(Report {
                market_seq: seq,
                ..report
            });
        }
    }
    Err(ReconcileError::Unstable {
        chain: last_chain,
        indexed: last_indexed,
    })
}

async fn compare<C: Chain + ?Sized>(
    chain: &C,
    db: &Client,
    market: &Pubkey,
    m: &orderbook::state::Market,
) -> Result<Report, ReconcileError> {
    let mk = market.to_string();
    let mut report = Report::default();
    let parts = MarketParts::read(chain, m).await?;
    let on_chain = parts.orders()?;
    let indexed: BTreeMap<u64, BookOrder> = db::orders::resting(db, &mk)
        .await?
        .into_iter()
        .map(|order| (order.order_id, order))
        .collect();
    report.orders = on_chain.len();
    report.differences.extend(differences(
        &on_chain,
        &indexed,
        |order_id| Difference::MissingOrder { order_id },
        |order_id| Difference::ExtraOrder { order_id },
        |order_id, chain, indexed| Difference::OrderMismatch {
            order_id,
            chain: format!("{chain:?}"),
            indexed: format!("{indexed:?}"),
        },
    ));
    let chain_balances = chain_balances(chain, market).await?;
    let indexed: BTreeMap<u32, [u64; 4]> = db::balances::all(db, &mk)
        .await?
        .iter()
        .map(|row| {
            let amounts = [
                row.base_free,
                row.base_locked,
                row.quote_free,
                row.quote_locked,
            ];
            (row.trader_id, amounts)
        })
        .collect();
    report.traders = chain_balances.len();
    report.differences.extend(differences(
        &chain_balances,
        &indexed,
        |trader_id| Difference::MissingBalances { trader_id },
        |trader_id| Difference::ExtraBalances { trader_id },
        |trader_id, chain, indexed| Difference::BalancesMismatch {
            trader_id,
            chain: *chain,
            indexed: *indexed,
        },
    ));
    report
        .differences
        .extend(capacity_differences(db, &mk, &parts).await?);
    if m.is_batch_market() {
        let on_chain = chain_entries(chain, &m.batch).await?;
        let indexed: BTreeMap<(u64, u32), PendingEntry> = db::batches::pending_entries(db, &mk)
            .await?
            .into_iter()
            .collect();
        report.batch_entries = on_chain.len();
        report.differences.extend(differences(
            &on_chain,
            &indexed,
            |(batch, entry)| Difference::MissingEntry { batch, entry },
            |(batch, entry)| Difference::ExtraEntry { batch, entry },
            |(batch, entry), chain, indexed| Difference::EntryMismatch {
                batch,
                entry,
                chain: format!("{chain:?}"),
                indexed: format!("{indexed:?}"),
            },
        ));
    }
    Ok(report)
}

/// A market's bids, asks and event queue accounts, read together (one
/// `getMultipleAccounts`), for every comparison that needs them.
struct MarketParts {
    bids: Vec<u8>,
    asks: Vec<u8>,
    event_queue: Vec<u8>,
}

impl MarketParts {
    async fn read<C: Chain + ?Sized>(
        chain: &C,
        m: &orderbook::state::Market,
    ) -> Result<Self, ReconcileError> {
        let keys = [m.bids, m.asks, m.event_queue];
        let mut accounts = chain.accounts(&keys).await?.into_iter();
        let mut next = |key| {
            accounts
                .next()
                .flatten()
                .map(|a| a.data)
                .ok_or(ReconcileError::NoMarket(key))
        };
        Ok(Self {
            bids: next(m.bids)?,
            asks: next(m.asks)?,
            event_queue: next(m.event_queue)?,
        })
    }

    /// Every resting order of both book sides, by id.
    fn orders(&self) -> Result<BTreeMap<u64, BookOrder>, ReconcileError> {
        let mut orders = BTreeMap::new();
        for data in [&self.bids, &self.asks] {
            let book = decode(accounts::book(data), "book side")?;
            for o in book.orders {
                let order = BookOrder {
                    order_id: o.order_id,
                    side: book.side.into(),
                    price_ticks: o.price,
                    trader_id: o.trader_id,
                    base_lots: o.base_lots,
                };
                orders.insert(o.order_id, order);
            }
        }
        Ok(orders)
    }

    /// `[bids, asks, event queue]` capacities.
    fn capacities(&self) -> Result<[u32; 3], ReconcileError> {
        Ok([
            decode(accounts::book_fill(&self.bids), "book side")?.1,
            decode(accounts::book_fill(&self.asks), "book side")?.1,
            decode(
                accounts::event_queue_with_capacity(&self.event_queue),
                "event queue",
            )?
            .1,
        ])
    }
}

/// The book sides' and the queue's capacities on chain against the
/// indexed ones.
async fn capacity_differences(
    db: &Client,
    market: &str,
    parts: &MarketParts,
) -> Result<Vec<Difference>, ReconcileError> {
    let indexed = db::markets::capacities(db, market).await?;
    Ok(["bids", "asks", "event_queue"]
        .into_iter()
        .zip(parts.capacities()?)
        .enumerate()
        .filter_map(|(i, (part, chain))| {
            let indexed = indexed.map(|c| c[i]);
            (indexed != Some(chain)).then_some(Difference::CapacityMismatch {
                part,
                chain,
                indexed,
            })
        })
        .collect())
}

/// Every entry in use in the batch account, by (batch, entry index).
async fn chain_entries<C: Chain + ?Sized>(
    chain: &C,
    batch: &Pubkey,
) -> Result<BTreeMap<(u64, u32), PendingEntry>, ReconcileError> {
    let acc = chain
        .account(batch)
        .await?
        .ok_or(ReconcileError::NoMarket(*batch))?;
    let book = decode(accounts::batch_account(&acc.data), "batch account")?;
    let mut entries = BTreeMap::new();
    for (index, e) in book.entries.iter().enumerate() {
        let kind = decode(
            e.kind().map_err(orderbook_client::DecodeError::Engine),
            "batch entry kind",
        )?;
        if kind == EntryKind::Free {
            continue;
        }
        let side = || -> Result<Side, ReconcileError> {
            let side = orderbook_engine::Side::try_from(e.side)
                .map_err(orderbook_client::DecodeError::Engine);
            Ok(decode(side, "batch entry side")?.into())
        };
        let sealed = matches!(kind, EntryKind::Committed | EntryKind::Revealed);
        let order = match kind {
            EntryKind::Revealed | EntryKind::Post => {
                Some((side()?, e.price.get(), e.max_base.get()))
            }
            _ => None,
        };
        let pending = PendingEntry {
            trader_id: e.trader_id,
            kind,
            commitment: sealed.then_some(e.commitment),
            order,
            cancels: (kind == EntryKind::Cancel).then_some(e.order_id),
        };
        entries.insert((e.batch, index as u32), pending);
    }
    Ok(entries)
}

/// Every trader account's [base free, base locked, quote free, quote locked], by trader id.
async fn chain_balances<C: Chain + ?Sized>(
    chain: &C,
    market: &Pubkey,
) -> Result<BTreeMap<u32, [u64; 4]>, ReconcileError> {
    let disc: [u8; 8] = TraderAccount::DISCRIMINATOR
        .try_into()
        .expect("8-byte discriminator");
    let mut balances = BTreeMap::new();
    for (_, acc) in chain.program_accounts(disc, Some(*market)).await? {
        let trader = decode(accounts::trader(&acc.data), "trader account")?;
        let state = trader.state();
        let b = state.balances;
        let amounts = [
            b.free_base.get(),
            b.locked_base.get(),
            b.free_quote.get(),
            b.locked_quote.get(),
        ];
        balances.insert(state.trader_id, amounts);
    }
    Ok(balances)
}

/// What differs between the chain's and the indexer's maps: keys only on
/// the chain (`missing`), only indexed (`extra`), or with other values.
fn differences<K: Copy + Ord, V: PartialEq>(
    chain: &BTreeMap<K, V>,
    indexed: &BTreeMap<K, V>,
    missing: impl Fn(K) -> Difference,
    extra: impl Fn(K) -> Difference,
    mismatch: impl Fn(K, &V, &V) -> Difference,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for (key, on_chain) in chain {
        match indexed.get(key) {
            None => out.push(missing(*key)),
            Some(stored) if stored != on_chain => out.push(mismatch(*key, on_chain, stored)),
            Some(_) => {}
        }
    }
    let extras = indexed.keys().filter(|key| !chain.contains_key(key));
    out.extend(extras.map(|key| extra(*key)));
    out
}
