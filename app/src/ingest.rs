//! Writing a batch of transactions' events into PostgreSQL in one database
//! transaction, with set-based statements (`UNNEST` arrays) so a batch of
//! thousands of events costs a dozen round trips, not one per event.
//!
//! Events are inserted keyed by `(market, seq)` with `ON CONFLICT DO
//! NOTHING ... RETURNING seq`; the read models are then updated only from
//! the events that were new, so replaying a batch changes nothing. The
//! cursor is advanced in the same transaction.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anchor_lang::prelude::Pubkey;
use orderbook_chain::{Chain, TxEvents};
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;
use tokio_postgres::{Client, Transaction};

use crate::db::i64_of;
use crate::indexer::IndexError;

/// Candle resolutions maintained, in seconds.
pub const CANDLE_RESOLUTIONS: [i64; 4] = [60, 300, 3_600, 86_400];

/// An event stored for the first time.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub seq: u64,
    pub signature: Signature,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub event: ProgramEvent,
}

/// A trader's balances as refreshed from its on-chain account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceRow {
    pub trader_id: u32,
    pub owner: Pubkey,
    pub base_free: u64,
    pub base_locked: u64,
    pub quote_free: u64,
    pub quote_locked: u64,
    pub open_orders: u32,
    /// `None`: the trader account is gone (closed).
    pub closed: bool,
}

/// What one committed batch changed; the feed publishes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ingested {
    pub market: Pubkey,
    /// New events in sequence order.
    pub events: Vec<NewEvent>,
    /// Balances refreshed in this batch.
    pub balances: Vec<BalanceRow>,
}

fn num(v: impl ToString) -> String {
    v.to_string()
}

/// Ingest `txs` (in chain order) for `market` atomically. With `allow_gaps`
/// (a full rescan) a jump in the sequence is not an error. With `chain`,
/// the balances of every trader the new events touched are re-read from
/// their accounts.
pub async fn ingest_batch<C: Chain + ?Sized>(
    db: &mut Client,
    market: &Pubkey,
    txs: &[TxEvents],
    allow_gaps: bool,
    chain: Option<&C>,
) -> Result<Ingested, IndexError> {
    let m = market.to_string();
    let mut events: Vec<(u64, &TxEvents, &ProgramEvent)> = Vec::new();
    for tx in txs {
        for ev in &tx.events {
            let (em, seq) = ev.seq();
            if em == *market {
                events.push((seq, tx, ev));
            }
        }
    }
    let mut out = Ingested {
        market: *market,
        ..Default::default()
    };
    if events.is_empty() {
        return Ok(out);
    }
    let t = db.transaction().await?;
    let last: i64 = t
        .query_opt(
            "SELECT last_seq FROM ingest_cursor WHERE market = $1 FOR UPDATE",
            &[&m],
        )
        .await?
        .map_or(-1, |r| r.get(0));
    let mut max_seq = last;
    let mut cols = EventCols::default();
    for &(seq, tx, ev) in &events {
        let seq = i64_of(seq)?;
        if !allow_gaps && seq > max_seq + 1 {
            return Err(IndexError::Gap {
                market: *market,
                expected: max_seq + 1,
                got: seq,
            });
        }
        max_seq = max_seq.max(seq);
        cols.push(seq, tx, ev)?;
    }
    let inserted: HashSet<i64> = t
        .query(
            "INSERT INTO events (market, seq, kind, signature, slot, block_time, data)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bytea[])
             ON CONFLICT DO NOTHING RETURNING seq",
            &[&m, &cols.seq, &cols.kind, &cols.signature, &cols.slot, &cols.block_time, &cols.data],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for &(seq, tx, ev) in &events {
        if inserted.contains(&(seq as i64)) {
            out.events.push(NewEvent {
                seq,
                signature: tx.signature,
                slot: tx.slot,
                block_time: tx.block_time,
                event: ev.clone(),
            });
        }
    }
    project(&t, &m, &out.events).await?;
    if let Some(chain) = chain {
        out.balances = refresh_balances(&t, market, &out.events, max_seq, chain).await?;
    }
    let tail = txs.last().expect("events came from a transaction");
    t.execute(
        "INSERT INTO ingest_cursor (market, last_seq, last_signature, last_slot) VALUES ($1, $2, $3, $4)
         ON CONFLICT (market) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_signature = EXCLUDED.last_signature,
             last_slot = EXCLUDED.last_slot, updated_at = now()
         WHERE ingest_cursor.last_seq <= EXCLUDED.last_seq",
        &[&m, &max_seq, &tail.signature.to_string(), &i64_of(tail.slot)?],
    )
    .await?;
    t.commit().await?;
    Ok(out)
}

/// Column arrays for the events insert.
#[derive(Default)]
struct EventCols {
    seq: Vec<i64>,
    kind: Vec<&'static str>,
    signature: Vec<String>,
    slot: Vec<i64>,
    block_time: Vec<Option<i64>>,
    data: Vec<Vec<u8>>,
}

impl EventCols {
    fn push(&mut self, seq: i64, tx: &TxEvents, ev: &ProgramEvent) -> Result<(), IndexError> {
        self.seq.push(seq);
        self.kind.push(ev.kind());
        self.signature.push(tx.signature.to_string());
        self.slot.push(i64_of(tx.slot)?);
        self.block_time.push(tx.block_time);
        self.data.push(ev.to_bytes());
        Ok(())
    }
}

/// Column arrays for the orders insert.
#[derive(Default)]
struct PlacedCols {
    id: Vec<i64>,
    trader: Vec<i32>,
    client_id: Vec<String>,
    side: Vec<i16>,
    order_type: Vec<i16>,
    price: Vec<i64>,
    max: Vec<String>,
    posted: Vec<String>,
    filled: Vec<String>,
    status: Vec<&'static str>,
    expiry: Vec<String>,
    seq: Vec<i64>,
}

/// Column arrays for the transfers insert.
#[derive(Default)]
struct TransferCols {
    seq: Vec<i64>,
    trader: Vec<i32>,
    kind: Vec<&'static str>,
    token: Vec<i16>,
    amount: Vec<String>,
}

impl TransferCols {
    fn push(&mut self, seq: i64, trader: u32, kind: &'static str, token: u8, amount: u64) {
        self.seq.push(seq);
        self.trader.push(trader as i32);
        self.kind.push(kind);
        self.token.push(token.into());
        self.amount.push(num(amount));
    }
}

/// How the events of one batch change one existing order (lot sums of
/// u64 sizes, so u128).
struct OrderChange {
    reduce: u128,
    filled: u128,
    zero: bool,
    status: &'static str,
    seq: i64,
}

/// OHLCV of one bucket, prices in ticks: what the indexer accumulates per
/// batch and the feed keeps in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candle {
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub base_lots: u128,
    pub quote: u128,
    pub trades: i64,
}

impl Candle {
    /// A bucket opened at `price`, with no volume yet.
    pub fn new(price: i64) -> Self {
        Self {
            open: price,
            high: price,
            low: price,
            close: price,
            base_lots: 0,
            quote: 0,
            trades: 0,
        }
    }

    /// Add one fill.
    pub fn add(&mut self, price: i64, base_lots: u64, quote: u64) {
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.close = price;
        self.base_lots += u128::from(base_lots);
        self.quote += u128::from(quote);
        self.trades += 1;
    }
}

/// Start (unix seconds) of the `resolution`-second bucket holding `time`.
pub fn bucket_start(time: i64, resolution: i64) -> i64 {
    time - time.rem_euclid(resolution)
}

/// One candle's worth of fills from this batch, with the sequence numbers
/// of its first and last fill (to merge with a stored candle).
struct CandleAcc {
    candle: Candle,
    first_seq: i64,
    last_seq: i64,
}

/// Status of an order after `OrderPlaced`.
pub fn placed_status(posted: u64, filled: u64, max: u64) -> &'static str {
    if posted > 0 {
        "open"
    } else if filled == max {
        "filled"
    } else {
        "cancelled"
    }
}

/// Status name of an `OrderOut` reason.
pub fn out_reason(reason: u8) -> &'static str {
    match reason {
        0 => "expired",
        1 => "evicted",
        _ => "self_trade",
    }
}

/// Apply new events (in sequence order) to the read models.
async fn project(t: &Transaction<'_>, m: &str, events: &[NewEvent]) -> Result<(), IndexError> {
    // Orders placed, fills, transfers, queue owners: column arrays.
    let mut placed = PlacedCols::default();
    let mut fills: Vec<[i64; 9]> = Vec::new();
    #[allow(clippy::type_complexity)]
    let mut fill_amounts: (
        Vec<String>,
        Vec<String>,
        Vec<String>,
        Vec<Option<i64>>,
        Vec<String>,
    ) = Default::default();
    let mut transfers = TransferCols::default();
    let mut owners: (Vec<i64>, Vec<i32>) = Default::default();
    let mut changes: BTreeMap<i64, OrderChange> = BTreeMap::new();
    let mut candles: BTreeMap<(i64, i64), CandleAcc> = BTreeMap::new();
    let mut change = |id: i64, seq: i64, f: &dyn Fn(&mut OrderChange)| {
        let c = changes.entry(id).or_insert(OrderChange {
            reduce: 0,
            filled: 0,
            zero: false,
            status: "open",
            seq,
        });
        c.seq = seq;
        f(c);
    };
    for ne in events {
        let seq = i64_of(ne.seq)?;
        match &ne.event {
            ProgramEvent::MarketCreated(e) => {
                t.execute(
                    "INSERT INTO markets (market, base_mint, quote_mint, base_lot_size, quote_lot_size, tick_size, taker_fee_ppm,
                         maker_fee_ppm, orders_per_side, event_capacity, crank_reward_lamports, authority, fee_authority, created_slot)
                     VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7, $8, $9, $10,
                         $11::text::numeric, $12, $13, $14)
                     ON CONFLICT (market) DO NOTHING",
                    &[
                        &m,
                        &e.base_mint.to_string(),
                        &e.quote_mint.to_string(),
                        &num(e.base_lot_size),
                        &num(e.quote_lot_size),
                        &num(e.tick_size),
                        &(e.taker_fee_ppm as i32),
                        &e.maker_fee_ppm,
                        &(e.orders_per_side as i32),
                        &(e.event_capacity as i32),
                        &num(e.crank_reward_lamports),
                        &e.authority.to_string(),
                        &e.fee_authority.to_string(),
                        &i64_of(ne.slot)?,
                    ],
                )
                .await?;
            }
            ProgramEvent::MarketStatusChanged(e) => {
                t.execute(
                    "UPDATE markets SET status = $2 WHERE market = $1",
                    &[&m, &i16::from(e.new_status)],
                )
                .await?;
            }
            ProgramEvent::MarketClosed(_) => {
                t.execute("UPDATE markets SET status = 4 WHERE market = $1", &[&m])
                    .await?;
            }
            ProgramEvent::TraderAccountOpened(e) => {
                t.execute(
                    "INSERT INTO traders (market, trader_id, owner, trader_account, opened_seq) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT DO NOTHING",
                    &[&m, &(e.trader_id as i32), &e.owner.to_string(), &e.trader_account.to_string(), &seq],
                )
                .await?;
            }
            ProgramEvent::TraderAccountClosed(e) => {
                t.execute(
                    "UPDATE traders SET closed_seq = $3 WHERE market = $1 AND trader_id = $2",
                    &[&m, &(e.trader_id as i32), &seq],
                )
                .await?;
            }
            ProgramEvent::Deposited(e) => {
                transfers.push(seq, e.trader_id, "deposit", e.token, e.amount);
            }
            ProgramEvent::Withdrew(e) => {
                transfers.push(seq, e.trader_id, "withdraw", e.token, e.amount);
            }
            ProgramEvent::OrderPlaced(e) => {
                placed.id.push(i64_of(e.order_id)?);
                placed.trader.push(e.trader_id as i32);
                placed.client_id.push(num(e.client_order_id));
                placed.side.push(e.side.into());
                placed.order_type.push(e.order_type.into());
                placed.price.push(i64_of(e.price)?);
                placed.max.push(num(e.max_base_lots));
                placed.posted.push(num(e.posted_base_lots));
                placed.filled.push(num(e.filled_base_lots));
                placed.status.push(placed_status(
                    e.posted_base_lots,
                    e.filled_base_lots,
                    e.max_base_lots,
                ));
                placed.expiry.push(num(e.expiry));
                placed.seq.push(seq);
            }
            ProgramEvent::OrderFilled(e) => {
                let (price, lots) = (i64_of(e.price)?, u128::from(e.base_lots));
                fills.push([
                    seq,
                    i64_of(e.queue_seq)?,
                    e.maker_trader_id.into(),
                    e.taker_trader_id.into(),
                    i64_of(e.maker_order_id)?,
                    i64_of(e.taker_order_id)?,
                    e.taker_side.into(),
                    price,
                    i64_of(ne.slot)?,
                ]);
                fill_amounts.0.push(num(e.quote));
                fill_amounts.4.push(num(e.base_lots));
                fill_amounts.1.push(num(e.taker_fee));
                fill_amounts.2.push(num(e.maker_fee));
                fill_amounts.3.push(ne.block_time);
                owners.0.push(i64_of(e.queue_seq)?);
                owners.1.push(e.maker_trader_id as i32);
                let out = e.maker_out;
                change(i64_of(e.maker_order_id)?, seq, &|c| {
                    c.reduce += lots;
                    c.filled += lots;
                    c.status = if out { "filled" } else { "open" };
                });
                if let Some(time) = ne.block_time {
                    for r in CANDLE_RESOLUTIONS {
                        let c = candles
                            .entry((r, bucket_start(time, r)))
                            .or_insert(CandleAcc {
                                candle: Candle::new(price),
                                first_seq: seq,
                                last_seq: seq,
                            });
                        c.candle.add(price, e.base_lots, e.quote);
                        c.last_seq = seq;
                    }
                }
            }
            ProgramEvent::OrderOut(e) => {
                owners.0.push(i64_of(e.queue_seq)?);
                owners.1.push(e.trader_id as i32);
                let (lots, gone, reason) =
                    (u128::from(e.base_lots), e.order_gone, out_reason(e.reason));
                change(i64_of(e.order_id)?, seq, &|c| {
                    c.reduce += lots;
                    c.status = if gone { reason } else { "open" };
                });
            }
            ProgramEvent::OrderCancelled(e) => {
                change(i64_of(e.order_id)?, seq, &|c| {
                    c.zero = true;
                    c.status = "cancelled";
                });
            }
            ProgramEvent::EventsConsumed(_)
            | ProgramEvent::FeesSwept(_)
            | ProgramEvent::SurplusSwept(_) => {}
        }
    }
    if !placed.id.is_empty() {
        t.execute(
            "INSERT INTO orders (market, order_id, trader_id, client_order_id, side, order_type, price, max_base_lots,
                 posted_base_lots, open_base_lots, filled_base_lots, status, expiry, placed_seq, updated_seq)
             SELECT $1, u.oid, u.tid, u.coid::numeric, u.side, u.ot, u.price, u.maxl, u.posted, u.posted, u.filled,
                 u.status, u.expiry, u.seq, u.seq
             FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::int2[], $6::int2[], $7::bigint[],
                 $8::text[]::numeric[], $9::text[]::numeric[], $10::text[]::numeric[], $11::text[],
                 $12::text[]::numeric[], $13::bigint[])
                 AS u(oid, tid, coid, side, ot, price, maxl, posted, filled, status, expiry, seq)
             ON CONFLICT DO NOTHING",
            &[
                &m,
                &placed.id,
                &placed.trader,
                &placed.client_id,
                &placed.side,
                &placed.order_type,
                &placed.price,
                &placed.max,
                &placed.posted,
                &placed.filled,
                &placed.status,
                &placed.expiry,
                &placed.seq,
            ],
        )
        .await?;
    }
    if !fills.is_empty() {
        let col = |i: usize| fills.iter().map(|f| f[i]).collect::<Vec<i64>>();
        let col32 = |i: usize| fills.iter().map(|f| f[i] as i32).collect::<Vec<i32>>();
        let col16 = |i: usize| fills.iter().map(|f| f[i] as i16).collect::<Vec<i16>>();
        t.execute(
            "INSERT INTO fills (market, seq, queue_seq, maker_trader_id, taker_trader_id, maker_order_id, taker_order_id,
                 taker_side, price, base_lots, slot, quote, taker_fee, maker_fee, block_time)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::bigint[], $7::bigint[],
                 $8::int2[], $9::bigint[], $10::text[]::numeric[], $11::bigint[], $12::text[]::numeric[],
                 $13::text[]::numeric[], $14::text[]::numeric[], $15::bigint[])
             ON CONFLICT DO NOTHING",
            &[
                &m, &col(0), &col(1), &col32(2), &col32(3), &col(4), &col(5), &col16(6), &col(7), &fill_amounts.4,
                &col(8), &fill_amounts.0, &fill_amounts.1, &fill_amounts.2, &fill_amounts.3,
            ],
        )
        .await?;
    }
    if !owners.0.is_empty() {
        t.execute(
            "INSERT INTO queue_owners (market, queue_seq, trader_id)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::int[]) ON CONFLICT DO NOTHING",
            &[&m, &owners.0, &owners.1],
        )
        .await?;
    }
    if !transfers.seq.is_empty() {
        t.execute(
            "INSERT INTO transfers (market, seq, trader_id, kind, token, amount)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::int[], $4::text[], $5::int2[], $6::text[]::numeric[])
             ON CONFLICT DO NOTHING",
            &[
                &m,
                &transfers.seq,
                &transfers.trader,
                &transfers.kind,
                &transfers.token,
                &transfers.amount,
            ],
        )
        .await?;
    }
    if !changes.is_empty() {
        let ids: Vec<i64> = changes.keys().copied().collect();
        let v = changes.values();
        let reduce: Vec<String> = v.clone().map(|c| num(c.reduce)).collect();
        let filled: Vec<String> = v.clone().map(|c| num(c.filled)).collect();
        let zero: Vec<bool> = v.clone().map(|c| c.zero).collect();
        let status: Vec<&str> = v.clone().map(|c| c.status).collect();
        let seq: Vec<i64> = v.map(|c| c.seq).collect();
        t.execute(
            "UPDATE orders o SET open_base_lots = CASE WHEN u.zero THEN 0 ELSE o.open_base_lots - u.reduce END,
                 filled_base_lots = o.filled_base_lots + u.filled, status = u.status, updated_seq = u.seq
             FROM UNNEST($2::bigint[], $3::text[]::numeric[], $4::text[]::numeric[], $5::bool[], $6::text[],
                 $7::bigint[])
                 AS u(oid, reduce, filled, zero, status, seq)
             WHERE o.market = $1 AND o.order_id = u.oid",
            &[&m, &ids, &reduce, &filled, &zero, &status, &seq],
        )
        .await?;
    }
    if !candles.is_empty() {
        let k = candles.keys();
        let res: Vec<i32> = k.clone().map(|k| k.0 as i32).collect();
        let start: Vec<i64> = k.map(|k| k.1).collect();
        let v = candles.values();
        let pick = |f: fn(&CandleAcc) -> i64| v.clone().map(f).collect::<Vec<i64>>();
        let lots: Vec<String> = v.clone().map(|c| num(c.candle.base_lots)).collect();
        let quote: Vec<String> = v.clone().map(|c| num(c.candle.quote)).collect();
        let trades: Vec<i32> = v.clone().map(|c| c.candle.trades as i32).collect();
        t.execute(
            "INSERT INTO candles (market, resolution, bucket_start, open, high, low, close, base_lots, quote, trades,
                 first_seq, last_seq)
             SELECT $1, * FROM UNNEST($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                 $8::text[]::numeric[], $9::text[]::numeric[], $10::int[], $11::bigint[], $12::bigint[])
             ON CONFLICT (market, resolution, bucket_start) DO UPDATE SET
                 open = CASE WHEN EXCLUDED.first_seq < candles.first_seq THEN EXCLUDED.open ELSE candles.open END,
                 high = GREATEST(candles.high, EXCLUDED.high), low = LEAST(candles.low, EXCLUDED.low),
                 close = CASE WHEN EXCLUDED.last_seq > candles.last_seq THEN EXCLUDED.close ELSE candles.close END,
                 base_lots = candles.base_lots + EXCLUDED.base_lots, quote = candles.quote + EXCLUDED.quote,
                 trades = candles.trades + EXCLUDED.trades, first_seq = LEAST(candles.first_seq, EXCLUDED.first_seq),
                 last_seq = GREATEST(candles.last_seq, EXCLUDED.last_seq)",
            &[
                &m,
                &res,
                &start,
                &pick(|c| c.candle.open),
                &pick(|c| c.candle.high),
                &pick(|c| c.candle.low),
                &pick(|c| c.candle.close),
                &lots,
                &quote,
                &trades,
                &pick(|c| c.first_seq),
                &pick(|c| c.last_seq),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Re-read the balances of every trader the new events touched and store
/// them; returns the rows written.
async fn refresh_balances<C: Chain + ?Sized>(
    t: &Transaction<'_>,
    market: &Pubkey,
    events: &[NewEvent],
    as_of_seq: i64,
    chain: &C,
) -> Result<Vec<BalanceRow>, IndexError> {
    let m = market.to_string();
    let mut ids: BTreeSet<i32> = BTreeSet::new();
    for ne in events {
        match &ne.event {
            ProgramEvent::TraderAccountOpened(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::TraderAccountClosed(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::Deposited(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::Withdrew(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::OrderPlaced(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::OrderCancelled(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::OrderOut(e) => ids.insert(e.trader_id as i32),
            ProgramEvent::EventsConsumed(e) => {
                let first = i64_of(e.first_queue_seq)?;
                for r in t
                    .query(
                        "SELECT DISTINCT trader_id FROM queue_owners
                         WHERE market = $1 AND queue_seq >= $2 AND queue_seq < $3",
                        &[&m, &first, &(first + i64::from(e.count))],
                    )
                    .await?
                {
                    ids.insert(r.get(0));
                }
                false
            }
            _ => false,
        };
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = ids.into_iter().collect();
    let rows = t
        .query(
            "SELECT trader_id, owner, trader_account FROM traders WHERE market = $1 AND trader_id = ANY($2)",
            &[&m, &ids],
        )
        .await?;
    let mut who = Vec::new();
    let mut keys = Vec::new();
    for r in rows {
        let (id, owner, account): (i32, String, String) = (r.get(0), r.get(1), r.get(2));
        let parse = |s: &str| {
            s.parse::<Pubkey>()
                .map_err(|e| IndexError::Corrupt(format!("{s}: {e}")))
        };
        who.push((id as u32, parse(&owner)?));
        keys.push(parse(&account)?);
    }
    let accounts = chain.accounts(&keys).await?;
    let mut out = Vec::new();
    for ((trader_id, owner), acc) in who.into_iter().zip(accounts) {
        let state = acc
            .and_then(|a| orderbook_client::accounts::trader(&a.data).ok())
            .map(|ta| *ta.state());
        let row = match state {
            Some(s) => BalanceRow {
                trader_id,
                owner,
                base_free: s.balances.free_base.get(),
                base_locked: s.balances.locked_base.get(),
                quote_free: s.balances.free_quote.get(),
                quote_locked: s.balances.locked_quote.get(),
                open_orders: s.open_orders,
                closed: false,
            },
            None => BalanceRow {
                trader_id,
                owner,
                base_free: 0,
                base_locked: 0,
                quote_free: 0,
                quote_locked: 0,
                open_orders: 0,
                closed: true,
            },
        };
        if row.closed {
            t.execute(
                "DELETE FROM balances WHERE market = $1 AND trader_id = $2",
                &[&m, &(trader_id as i32)],
            )
            .await?;
        } else {
            t.execute(
                "INSERT INTO balances (market, trader_id, owner, base_free, base_locked, quote_free, quote_locked,
                     open_orders, as_of_seq)
                 VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7::text::numeric, $8, $9)
                 ON CONFLICT (market, trader_id) DO UPDATE SET base_free = EXCLUDED.base_free,
                     base_locked = EXCLUDED.base_locked, quote_free = EXCLUDED.quote_free,
                     quote_locked = EXCLUDED.quote_locked, open_orders = EXCLUDED.open_orders,
                     as_of_seq = EXCLUDED.as_of_seq",
                &[
                    &m,
                    &(trader_id as i32),
                    &owner.to_string(),
                    &num(row.base_free),
                    &num(row.base_locked),
                    &num(row.quote_free),
                    &num(row.quote_locked),
                    &(row.open_orders as i32),
                    &as_of_seq,
                ],
            )
            .await?;
        }
        out.push(row);
    }
    Ok(out)
}
