//! One market as the feed serves it: the book (L3 and L2), recent trades,
//! recent candles and traders' balances, loaded from PostgreSQL at start and
//! then advanced by every ingested batch, producing the deltas of each
//! channel. Everything here is plain data; the hub owns one per market.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use anchor_lang::prelude::Pubkey;
use orderbook::events::OrderFilled;
use orderbook::types::Side;
use orderbook_client::events::ProgramEvent;
use serde_json::{Value, json};
use tokio_postgres::Client;

use crate::indexer::IndexError;
use crate::ingest::{BalanceRow, Ingested, NewEvent};
use crate::model::{CANDLE_RESOLUTIONS, Candle, OrderStatus, StoredEnum, bucket_start, side_name};

/// Trades kept for snapshots.
pub const RECENT_TRADES: usize = 100;
/// Candles kept per resolution for snapshots.
pub const RECENT_CANDLES: usize = 100;

/// A channel of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Trades,
    L2,
    L3,
    /// One owner's orders and balances.
    Account(Pubkey),
    /// Candles of one resolution (seconds).
    Candles(i64),
}

impl Channel {
    pub fn name(&self) -> &'static str {
        match self {
            Channel::Trades => "trades",
            Channel::L2 => "l2",
            Channel::L3 => "l3",
            Channel::Account(_) => "account",
            Channel::Candles(_) => "candles",
        }
    }

    /// Fields that identify the subscription besides market and channel.
    pub fn params(&self) -> Value {
        match self {
            Channel::Account(o) => json!({ "owner": o.to_string() }),
            Channel::Candles(r) => json!({ "resolution": r }),
            _ => json!({}),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookOrder {
    pub order_id: u64,
    pub side: Side,
    pub price: u64,
    pub trader_id: u32,
    pub base_lots: u64,
}

impl BookOrder {
    fn json(&self) -> Value {
        json!({
            "order_id": self.order_id,
            "side": side_name(self.side),
            "price": self.price,
            "trader_id": self.trader_id,
            "base_lots": self.base_lots,
        })
    }
}

/// The `fills` columns of a trade, in the order [`trade_json`] reads them
/// (a query may select more columns after these).
pub const TRADE_COLUMNS: &str = "seq, price, base_lots::text, quote::text, taker_side, maker_order_id, \
     taker_order_id, maker_trader_id, taker_trader_id, slot, block_time";

/// A trade as the feed and REST send it, from a row starting with [`TRADE_COLUMNS`].
pub fn trade_json(r: &tokio_postgres::Row) -> Result<Value, crate::db::DbError> {
    Ok(json!({
        "seq": r.get::<_, i64>(0),
        "price": r.get::<_, i64>(1),
        "base_lots": crate::db::u64_text(r, 2)?,
        "quote": r.get::<_, String>(3),
        "taker_side": side_name(Side::read(r, 4)?),
        "maker_order_id": r.get::<_, i64>(5),
        "taker_order_id": r.get::<_, i64>(6),
        "maker_trader_id": r.get::<_, i32>(7),
        "taker_trader_id": r.get::<_, i32>(8),
        "slot": r.get::<_, i64>(9),
        "block_time": r.get::<_, Option<i64>>(10),
    }))
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Level {
    base_lots: u64,
    orders: u32,
}

fn candle_json(resolution: i64, start: i64, c: &Candle) -> Value {
    json!({
        "resolution": resolution,
        "start": start,
        "open": c.open,
        "high": c.high,
        "low": c.low,
        "close": c.close,
        "base_lots": c.base_lots.to_string(),
        "quote": c.quote.to_string(),
        "trades": c.trades,
    })
}

fn balance_json(b: &BalanceRow) -> Value {
    json!({
        "trader_id": b.trader_id,
        "base_free": b.base_free.to_string(),
        "base_locked": b.base_locked.to_string(),
        "quote_free": b.quote_free.to_string(),
        "quote_locked": b.quote_locked.to_string(),
        "open_orders": b.open_orders,
        "closed": b.closed,
    })
}

pub struct MarketView {
    pub market: Pubkey,
    /// The last market sequence number applied.
    pub seq: Option<u64>,
    orders: HashMap<u64, BookOrder>,
    levels: [BTreeMap<u64, Level>; 2],
    trades: VecDeque<Value>,
    candles: BTreeMap<(i64, i64), Candle>,
    owners: HashMap<u32, Pubkey>,
    trader_of: HashMap<Pubkey, u32>,
    balances: HashMap<u32, BalanceRow>,
    /// Sequence jumps seen (should stay 0; see `apply`).
    pub gaps: u64,
}

fn parse_key(s: &str) -> Result<Pubkey, IndexError> {
    s.parse()
        .map_err(|e| IndexError::Corrupt(format!("bad pubkey {s}: {e}")))
}

fn parse_u64(s: &str) -> Result<u64, IndexError> {
    s.parse()
        .map_err(|e| IndexError::Corrupt(format!("bad amount {s}: {e}")))
}

impl MarketView {
    pub fn empty(market: Pubkey) -> Self {
        Self {
            market,
            seq: None,
            orders: HashMap::new(),
            levels: [BTreeMap::new(), BTreeMap::new()],
            trades: VecDeque::new(),
            candles: BTreeMap::new(),
            owners: HashMap::new(),
            trader_of: HashMap::new(),
            balances: HashMap::new(),
            gaps: 0,
        }
    }

    /// The market as the database has it (at its ingest cursor), in one
    /// repeatable-read transaction so every table is seen at the same point.
    pub async fn load(db: &mut Client, market: Pubkey) -> Result<Self, IndexError> {
        let m = market.to_string();
        let mut v = Self::empty(market);
        let t = db
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        v.seq = t
            .query_opt(
                "SELECT last_seq FROM ingest_cursor WHERE market = $1",
                &[&m],
            )
            .await?
            .map(|r| r.get::<_, i64>(0) as u64);
        for r in t
            .query(
                "SELECT order_id, side, price, trader_id, open_base_lots::text FROM orders
                 WHERE market = $1 AND status = 'open' AND open_base_lots > 0",
                &[&m],
            )
            .await?
        {
            v.add(BookOrder {
                order_id: r.get::<_, i64>(0) as u64,
                side: Side::read(&r, 1)?,
                price: r.get::<_, i64>(2) as u64,
                trader_id: r.get::<_, i32>(3) as u32,
                base_lots: crate::db::u64_text(&r, 4)?,
            });
        }
        for r in t
            .query(
                "SELECT trader_id, owner FROM traders WHERE market = $1 AND closed_seq IS NULL",
                &[&m],
            )
            .await?
        {
            v.set_owner(r.get::<_, i32>(0) as u32, parse_key(r.get(1))?);
        }
        for r in t
            .query(
                "SELECT trader_id, owner, base_free::text, base_locked::text, quote_free::text,
                     quote_locked::text, open_orders FROM balances WHERE market = $1",
                &[&m],
            )
            .await?
        {
            let b = BalanceRow {
                trader_id: r.get::<_, i32>(0) as u32,
                owner: parse_key(r.get(1))?,
                base_free: parse_u64(r.get(2))?,
                base_locked: parse_u64(r.get(3))?,
                quote_free: parse_u64(r.get(4))?,
                quote_locked: parse_u64(r.get(5))?,
                open_orders: r.get::<_, i32>(6) as u32,
                closed: false,
            };
            v.balances.insert(b.trader_id, b);
        }
        let mut trades: Vec<Value> = Vec::new();
        for r in t
            .query(
                &format!(
                    "SELECT {TRADE_COLUMNS} FROM fills WHERE market = $1 ORDER BY seq DESC LIMIT $2"
                ),
                &[&m, &(RECENT_TRADES as i64)],
            )
            .await?
        {
            trades.push(trade_json(&r)?);
        }
        v.trades = trades.into_iter().rev().collect();
        for r in t
            .query(
                "SELECT resolution, bucket_start, open, high, low, close, base_lots::text, quote::text, trades
                 FROM (SELECT *, row_number() OVER (PARTITION BY resolution ORDER BY bucket_start DESC) AS n
                       FROM candles WHERE market = $1) c
                 WHERE n <= $2",
                &[&m, &(RECENT_CANDLES as i64)],
            )
            .await?
        {
            let parse128 = |s: String| {
                s.parse::<u128>()
                    .map_err(|e| IndexError::Corrupt(format!("bad volume {s}: {e}")))
            };
            v.candles.insert(
                (r.get::<_, i32>(0) as i64, r.get(1)),
                Candle {
                    open: r.get(2),
                    high: r.get(3),
                    low: r.get(4),
                    close: r.get(5),
                    base_lots: parse128(r.get(6))?,
                    quote: parse128(r.get(7))?,
                    trades: r.get::<_, i32>(8) as i64,
                },
            );
        }
        t.commit().await?;
        Ok(v)
    }

    fn set_owner(&mut self, trader_id: u32, owner: Pubkey) {
        self.owners.insert(trader_id, owner);
        self.trader_of.insert(owner, trader_id);
    }

    fn add(&mut self, o: BookOrder) {
        let l = self.levels[o.side as usize].entry(o.price).or_default();
        // Real levels fit a u64 (every resting lot is backed by vault tokens,
        // whose supply is a u64); saturate so no event can panic the hub.
        l.base_lots = l.base_lots.saturating_add(o.base_lots);
        l.orders = l.orders.saturating_add(1);
        self.orders.insert(o.order_id, o);
    }

    /// Take `lots` off an order (all of it when `gone`); returns the order
    /// as it now stands (`base_lots` 0 = removed).
    fn reduce(&mut self, order_id: u64, lots: u64, gone: bool) -> Option<BookOrder> {
        let o = self.orders.get_mut(&order_id)?;
        let take = if gone {
            o.base_lots
        } else {
            lots.min(o.base_lots)
        };
        o.base_lots -= take;
        let now = *o;
        let side = o.side as usize;
        let levels = &mut self.levels[side];
        if let Some(l) = levels.get_mut(&now.price) {
            l.base_lots -= take.min(l.base_lots);
            if now.base_lots == 0 {
                l.orders -= 1;
            }
            if l.orders == 0 {
                levels.remove(&now.price);
            }
        }
        if now.base_lots == 0 {
            self.orders.remove(&order_id);
        }
        Some(now)
    }

    fn level_json(&self, side: Side, price: u64) -> Value {
        let l = self.levels[side as usize]
            .get(&price)
            .copied()
            .unwrap_or_default();
        json!({ "side": side_name(side), "price": price, "base_lots": l.base_lots, "orders": l.orders })
    }

    /// Resting orders, each side best first then by time (order id).
    pub fn l3(&self) -> Vec<BookOrder> {
        let mut v: Vec<BookOrder> = self.orders.values().copied().collect();
        v.sort_by_key(|o| {
            let p = if o.side == Side::Bid {
                u64::MAX - o.price
            } else {
                o.price
            };
            (o.side, p, o.order_id)
        });
        v
    }

    /// `(price, base_lots, orders)` per level, best first.
    pub fn l2(&self, side: Side) -> Vec<(u64, u64, u32)> {
        let it = self.levels[side as usize]
            .iter()
            .map(|(p, l)| (*p, l.base_lots, l.orders));
        if side == Side::Bid {
            it.rev().collect()
        } else {
            it.collect()
        }
    }

    pub fn trader_of(&self, owner: &Pubkey) -> Option<u32> {
        self.trader_of.get(owner).copied()
    }

    /// The snapshot of `channel`.
    pub fn snapshot(&self, channel: &Channel) -> Value {
        match channel {
            Channel::Trades => json!({ "trades": self.trades }),
            Channel::L3 => {
                json!({ "orders": self.l3().iter().map(BookOrder::json).collect::<Vec<_>>() })
            }
            Channel::L2 => {
                let side = |s: Side| {
                    self.l2(s)
                        .into_iter()
                        .map(|(p, l, n)| json!({ "price": p, "base_lots": l, "orders": n }))
                        .collect::<Vec<_>>()
                };
                json!({ "bids": side(Side::Bid), "asks": side(Side::Ask) })
            }
            Channel::Candles(r) => {
                let c: Vec<Value> = self
                    .candles
                    .range((*r, i64::MIN)..=(*r, i64::MAX))
                    .map(|((r, s), c)| candle_json(*r, *s, c))
                    .collect();
                json!({ "candles": c })
            }
            Channel::Account(owner) => match self.trader_of(owner) {
                None => json!({ "trader_id": null, "orders": [], "balances": null }),
                Some(id) => json!({
                    "trader_id": id,
                    "orders": self.l3().iter().filter(|o| o.trader_id == id).map(BookOrder::json).collect::<Vec<_>>(),
                    "balances": self.balances.get(&id).map(balance_json),
                }),
            },
        }
    }

    /// Apply one ingested batch; returns the delta of every channel it
    /// changed (account deltas per owner; candle deltas per resolution).
    pub fn apply(&mut self, batch: &Ingested) -> Vec<(Channel, Value)> {
        let mut delta = BatchDelta::default();
        for ne in &batch.events {
            self.apply_event(ne, &mut delta);
        }
        self.trim_candles();
        let mut out = self.market_deltas(delta.trades, &delta.l3, &delta.l2, &delta.candles);
        out.extend(self.account_deltas(delta.account_orders, &batch.balances));
        out
    }

    /// One new event: the book, owners and candles change; `delta` records what to send.
    fn apply_event(&mut self, ne: &NewEvent, delta: &mut BatchDelta) {
        if self.seq.is_some_and(|s| ne.seq <= s) {
            return; // already part of the loaded state
        }
        let expected = self.seq.map_or(0, |s| s + 1);
        if ne.seq != expected {
            // Only this process's indexer feeds the view; a jump means
            // events were written by someone else (a second indexer on
            // the same database). Deltas stay gap-free per channel, but
            // the view misses those events until the server restarts.
            self.gaps += 1;
            tracing::error!(market = %self.market, expected, got = ne.seq, "feed view skipped events; restart the server to reload");
        }
        self.seq = Some(ne.seq);
        match &ne.event {
            ProgramEvent::TraderAccountOpened(e) => self.set_owner(e.trader_id, e.owner),
            ProgramEvent::TraderAccountClosed(e) => {
                self.owners.remove(&e.trader_id);
                self.trader_of.remove(&e.owner);
            }
            ProgramEvent::OrderPlaced(e) if e.posted_base_lots > 0 => {
                let o = BookOrder {
                    order_id: e.order_id,
                    side: e.side,
                    price: e.price,
                    trader_id: e.trader_id,
                    base_lots: e.posted_base_lots,
                };
                self.add(o);
                delta.touch(&o, OrderStatus::Open);
            }
            ProgramEvent::OrderFilled(e) => self.apply_fill(ne, e, delta),
            ProgramEvent::OrderOut(e) => {
                if let Some(o) = self.reduce(e.order_id, e.base_lots, e.order_gone) {
                    let gone = o.base_lots == 0;
                    delta.touch(&o, OrderStatus::after_out(e.reason, gone));
                }
            }
            ProgramEvent::OrderCancelled(e) => {
                if let Some(o) = self.reduce(e.order_id, 0, true) {
                    delta.touch(&o, OrderStatus::Cancelled);
                }
            }
            _ => {}
        }
    }

    /// A fill: its maker order shrinks, it is a trade, it joins the candles.
    fn apply_fill(&mut self, ne: &NewEvent, e: &OrderFilled, delta: &mut BatchDelta) {
        if let Some(o) = self.reduce(e.maker_order_id, e.base_lots, e.maker_out) {
            delta.touch(&o, OrderStatus::after_fill(o.base_lots == 0));
        }
        delta.trades.push(json!({
            "seq": ne.seq,
            "price": e.price,
            "base_lots": e.base_lots,
            "quote": e.quote.to_string(),
            "taker_side": side_name(e.taker_side),
            "maker_order_id": e.maker_order_id,
            "taker_order_id": e.taker_order_id,
            "maker_trader_id": e.maker_trader_id,
            "taker_trader_id": e.taker_trader_id,
            "slot": ne.slot,
            "block_time": ne.block_time,
        }));
        if let Some(time) = ne.block_time {
            for r in CANDLE_RESOLUTIONS {
                let key = (r, bucket_start(time, r));
                self.candles
                    .entry(key)
                    .or_insert(Candle::new(e.price as i64))
                    .add(e.price as i64, e.base_lots, e.quote);
                delta.candles.insert(key);
            }
        }
    }

    /// Drop candles beyond the kept window.
    fn trim_candles(&mut self) {
        for r in CANDLE_RESOLUTIONS {
            let keys: Vec<(i64, i64)> = self
                .candles
                .range((r, i64::MIN)..=(r, i64::MAX))
                .map(|(k, _)| *k)
                .collect();
            for k in keys.iter().take(keys.len().saturating_sub(RECENT_CANDLES)) {
                self.candles.remove(k);
            }
        }
    }

    /// The trades, L3, L2 and candle deltas of a batch.
    fn market_deltas(
        &mut self,
        trades: Vec<Value>,
        l3: &BTreeMap<u64, Value>,
        l2: &BTreeSet<(Side, u64)>,
        candles: &BTreeSet<(i64, i64)>,
    ) -> Vec<(Channel, Value)> {
        let mut out = Vec::new();
        if !trades.is_empty() {
            for t in &trades {
                self.trades.push_back(t.clone());
            }
            while self.trades.len() > RECENT_TRADES {
                self.trades.pop_front();
            }
            out.push((Channel::Trades, json!({ "trades": trades })));
        }
        if !l3.is_empty() {
            out.push((
                Channel::L3,
                json!({ "orders": l3.values().cloned().collect::<Vec<_>>() }),
            ));
            let levels: Vec<Value> = l2.iter().map(|(s, p)| self.level_json(*s, *p)).collect();
            out.push((Channel::L2, json!({ "levels": levels })));
        }
        for r in CANDLE_RESOLUTIONS {
            let c: Vec<Value> = candles
                .iter()
                .filter(|k| k.0 == r)
                .filter_map(|k| self.candles.get(k).map(|c| candle_json(k.0, k.1, c)))
                .collect();
            if !c.is_empty() {
                out.push((Channel::Candles(r), json!({ "candles": c })));
            }
        }
        out
    }

    /// Each touched trader's account delta (its orders and refreshed balances), by owner.
    fn account_deltas(
        &mut self,
        account_orders: BTreeMap<u32, BTreeMap<u64, Value>>,
        balances: &[BalanceRow],
    ) -> Vec<(Channel, Value)> {
        let mut account: BTreeMap<u32, Value> = BTreeMap::new();
        for (id, orders) in account_orders {
            account.insert(
                id,
                json!({ "trader_id": id, "orders": orders.into_values().collect::<Vec<_>>() }),
            );
        }
        for b in balances {
            if b.closed {
                self.balances.remove(&b.trader_id);
            } else {
                self.balances.insert(b.trader_id, b.clone());
            }
            account
                .entry(b.trader_id)
                .or_insert_with(|| json!({ "trader_id": b.trader_id, "orders": [] }))["balances"] =
                balance_json(b);
        }
        let mut out = Vec::new();
        for (id, delta) in account {
            let owner = self
                .owners
                .get(&id)
                .copied()
                .or_else(|| balances.iter().find(|b| b.trader_id == id).map(|b| b.owner));
            if let Some(owner) = owner {
                out.push((Channel::Account(owner), delta));
            }
        }
        out
    }
}

/// What one batch changed, per channel, while its events are applied.
#[derive(Default)]
struct BatchDelta {
    trades: Vec<Value>,
    /// Changed orders by id (their latest state).
    l3: BTreeMap<u64, Value>,
    /// Changed price levels (side, price).
    l2: BTreeSet<(Side, u64)>,
    /// Changed candles (resolution, bucket start).
    candles: BTreeSet<(i64, i64)>,
    /// Changed orders per trader.
    account_orders: BTreeMap<u32, BTreeMap<u64, Value>>,
}

impl BatchDelta {
    /// Record `order`'s new state in the L3, L2 and account deltas.
    fn touch(&mut self, order: &BookOrder, status: OrderStatus) {
        let mut j = order.json();
        j["status"] = json!(status.as_str());
        self.l3.insert(order.order_id, j.clone());
        self.account_orders
            .entry(order.trader_id)
            .or_default()
            .insert(order.order_id, j);
        self.l2.insert((order.side, order.price));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::Synthetic;

    fn batch(s: &mut Synthetic, txs: usize) -> Ingested {
        let mut out = Ingested {
            market: s.market,
            ..Default::default()
        };
        for _ in 0..txs {
            let tx = s.tx(8);
            for e in tx.events {
                out.events.push(crate::ingest::NewEvent {
                    seq: e.seq().1,
                    signature: tx.signature,
                    slot: tx.slot,
                    block_time: tx.block_time,
                    event: e,
                });
            }
        }
        out
    }

    #[test]
    fn l2_always_aggregates_l3_and_jumps_are_counted() {
        let mut s = Synthetic::new(Pubkey::new_unique());
        let mut v = MarketView::empty(s.market);
        for _ in 0..50 {
            let b = batch(&mut s, 3);
            let deltas = v.apply(&b);
            assert!(deltas.iter().any(|(c, _)| *c == Channel::L3));
            for side in [Side::Bid, Side::Ask] {
                let mut agg: BTreeMap<u64, (u64, u32)> = BTreeMap::new();
                for o in v.l3().iter().filter(|o| o.side == side) {
                    let e = agg.entry(o.price).or_default();
                    e.0 += o.base_lots;
                    e.1 += 1;
                }
                let l2: BTreeMap<u64, (u64, u32)> = v
                    .l2(side)
                    .into_iter()
                    .map(|(p, l, n)| (p, (l, n)))
                    .collect();
                assert_eq!(l2, agg);
            }
        }
        assert_eq!(v.gaps, 0);
        assert_eq!(v.seq, Some(s.next_seq - 1));
        // Replayed events are ignored; a jump is counted.
        let replay = v.apply(&batch(&mut Synthetic::new(s.market), 2));
        assert!(replay.is_empty());
        s.next_seq += 5;
        v.apply(&batch(&mut s, 1));
        assert_eq!(v.gaps, 1);
    }

    #[test]
    fn candles_keep_a_bounded_window() {
        let mut s = Synthetic::new(Pubkey::new_unique());
        let mut v = MarketView::empty(s.market);
        // One transaction per second: 60-second buckets roll over often.
        for _ in 0..(RECENT_CANDLES * 60 + 600) / 50 {
            v.apply(&batch(&mut s, 50));
        }
        let snap = v.snapshot(&Channel::Candles(60));
        let n = snap["candles"].as_array().unwrap().len();
        assert_eq!(n, RECENT_CANDLES);
        assert!(v.trades.len() <= RECENT_TRADES);
    }
}
