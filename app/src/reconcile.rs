//! Compare what the indexer stored with the chain's accounts: every resting
//! order (id, trader, side, price, lots) and every trader's free/locked
//! balances. A difference means the indexer missed or misapplied something.
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
use orderbook_chain::Chain;
use orderbook_client::accounts;
use tokio_postgres::Client;

use crate::indexer::{IndexError, Indexer};

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
        }
    }
}

/// The outcome of one comparison.
#[derive(Debug, Default)]
pub struct Report {
    pub market_seq: Option<u64>,
    pub orders: usize,
    pub traders: usize,
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
        let indexed: Option<u64> = db
            .query_opt(
                "SELECT last_seq FROM ingest_cursor WHERE market = $1",
                &[&market.to_string()],
            )
            .await?
            .map(|r| r.get::<_, i64>(0) as u64);
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
    // Orders: order_id -> (trader, side, price, lots).
    let mut on_chain: BTreeMap<u64, (u32, u8, u64, u64)> = BTreeMap::new();
    for key in [m.bids, m.asks] {
        let acc = chain
            .account(&key)
            .await?
            .ok_or(ReconcileError::NoMarket(key))?;
        let book = decode(accounts::book(&acc.data), "book side")?;
        let side = book.side as u8;
        for o in book.orders {
            on_chain.insert(o.order_id, (o.trader_id, side, o.price, o.base_lots));
        }
    }
    let mut indexed: BTreeMap<u64, (u32, u8, u64, u64)> = BTreeMap::new();
    for r in db
        .query(
            "SELECT order_id, trader_id, side, price, open_base_lots::text FROM orders
             WHERE market = $1 AND status = 'open' AND open_base_lots > 0",
            &[&mk],
        )
        .await?
    {
        indexed.insert(
            r.get::<_, i64>(0) as u64,
            (
                r.get::<_, i32>(1) as u32,
                r.get::<_, i16>(2) as u8,
                r.get::<_, i64>(3) as u64,
                crate::db::u64_text(&r, 4).map_err(IndexError::from)?,
            ),
        );
    }
    report.orders = on_chain.len();
    for (id, c) in &on_chain {
        match indexed.get(id) {
            None => report
                .differences
                .push(Difference::MissingOrder { order_id: *id }),
            Some(i) if i != c => report.differences.push(Difference::OrderMismatch {
                order_id: *id,
                chain: format!("{c:?}"),
                indexed: format!("{i:?}"),
            }),
            _ => {}
        }
    }
    for id in indexed.keys().filter(|id| !on_chain.contains_key(id)) {
        report
            .differences
            .push(Difference::ExtraOrder { order_id: *id });
    }
    // Balances.
    let mut chain_bal: BTreeMap<u32, [u64; 4]> = BTreeMap::new();
    let disc: [u8; 8] = TraderAccount::DISCRIMINATOR
        .try_into()
        .expect("8-byte discriminator");
    for (_, acc) in chain.program_accounts(disc, Some(*market)).await? {
        let t = decode(accounts::trader(&acc.data), "trader account")?;
        let s = t.state();
        let b = s.balances;
        chain_bal.insert(
            s.trader_id,
            [
                b.free_base.get(),
                b.locked_base.get(),
                b.free_quote.get(),
                b.locked_quote.get(),
            ],
        );
    }
    let mut db_bal: BTreeMap<u32, [u64; 4]> = BTreeMap::new();
    for r in db
        .query(
            "SELECT trader_id, base_free::text, base_locked::text, quote_free::text, quote_locked::text
             FROM balances WHERE market = $1",
            &[&mk],
        )
        .await?
    {
        let mut v = [0u64; 4];
        for (i, x) in v.iter_mut().enumerate() {
            let s: String = r.get(i + 1);
            *x = s.parse().map_err(|_| IndexError::Corrupt(format!("balance {s}")))?;
        }
        db_bal.insert(r.get::<_, i32>(0) as u32, v);
    }
    report.traders = chain_bal.len();
    for (id, c) in &chain_bal {
        match db_bal.get(id) {
            None => report
                .differences
                .push(Difference::MissingBalances { trader_id: *id }),
            Some(i) if i != c => report.differences.push(Difference::BalancesMismatch {
                trader_id: *id,
                chain: *c,
                indexed: *i,
            }),
            _ => {}
        }
    }
    for id in db_bal.keys().filter(|id| !chain_bal.contains_key(id)) {
        report
            .differences
            .push(Difference::ExtraBalances { trader_id: *id });
    }
    Ok(report)
}
