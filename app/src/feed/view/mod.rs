//! One market as the feed serves it: the book (L3 and L2), recent trades,
//! recent candles and traders' balances, loaded from PostgreSQL at start
//! ([`load`]) and then advanced by every ingested batch, producing the
//! deltas of each channel. Everything here is plain data; the hub owns one
//! per market.

pub mod auction;
mod book;
mod load;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use self::auction::Auction;
use self::book::Book;
use crate::feed::wire::{self, ChannelData, ChannelName};
use crate::model::effects::{Effects, TraderChange};
use crate::model::{BalanceRow, Ingested, NewEvent};
use crate::model::{BookOrder, CANDLE_RESOLUTIONS, Candle, OrderStatus, Trade};
use anchor_lang::prelude::Pubkey;
use orderbook::types::Side;

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
    /// A sealed batch market's batches.
    Auction,
}

impl Channel {
    pub fn name(&self) -> ChannelName {
        match self {
            Channel::Trades => ChannelName::Trades,
            Channel::L2 => ChannelName::L2,
            Channel::L3 => ChannelName::L3,
            Channel::Account(_) => ChannelName::Account,
            Channel::Candles(_) => ChannelName::Candles,
            Channel::Auction => ChannelName::Auction,
        }
    }

    /// The owner of an `account` channel.
    pub fn owner(&self) -> Option<Pubkey> {
        match self {
            Channel::Account(owner) => Some(*owner),
            _ => None,
        }
    }

    /// The resolution of a `candles` channel.
    pub fn resolution(&self) -> Option<i64> {
        match self {
            Channel::Candles(r) => Some(*r),
            _ => None,
        }
    }
}

pub struct MarketView {
    pub market: Pubkey,
    /// The last market sequence number applied.
    pub seq: Option<u64>,
    book: Book,
    trades: VecDeque<wire::Trade>,
    candles: BTreeMap<(i64, i64), Candle>,
    owners: HashMap<u32, Pubkey>,
    trader_of: HashMap<Pubkey, u32>,
    balances: HashMap<u32, BalanceRow>,
    auction: Auction,
    /// Sequence jumps seen (should stay 0; see `apply`).
    pub gaps: u64,
}

impl MarketView {
    pub fn empty(market: Pubkey) -> Self {
        Self {
            market,
            seq: None,
            book: Book::default(),
            trades: VecDeque::new(),
            candles: BTreeMap::new(),
            owners: HashMap::new(),
            trader_of: HashMap::new(),
            balances: HashMap::new(),
            auction: Auction::default(),
            gaps: 0,
        }
    }

    /// The market events this view reflects: the last sequence number
    /// applied + 1 (0 for none). A channel message's `seq`, and where a
    /// replica resumes its stream.
    pub fn events_applied(&self) -> u64 {
        self.seq.map_or(0, |s| s + 1)
    }

    fn set_owner(&mut self, trader_id: u32, owner: Pubkey) {
        self.owners.insert(trader_id, owner);
        self.trader_of.insert(owner, trader_id);
    }

    /// Resting orders, each side best first then by time (order id).
    pub fn l3(&self) -> Vec<BookOrder> {
        self.book.l3()
    }

    fn level_change(&self, side: Side, price_ticks: u64) -> wire::LevelChange {
        let level = self.book.level(side, price_ticks);
        wire::LevelChange {
            side: side.into(),
            level: level_of(price_ticks, level.base_lots, level.orders),
        }
    }

    pub fn trader_of(&self, owner: &Pubkey) -> Option<u32> {
        self.trader_of.get(owner).copied()
    }

    /// The snapshot of `channel`.
    pub fn snapshot(&self, channel: &Channel) -> ChannelData {
        match channel {
            Channel::Trades => ChannelData::Trades(wire::TradesData {
                trades: self.trades.iter().cloned().collect(),
            }),
            Channel::L3 => ChannelData::L3Snapshot(wire::L3Snapshot {
                orders: self.l3().iter().map(wire::BookOrder::from).collect(),
            }),
            Channel::L2 => {
                let side = |side: Side| {
                    self.book
                        .l2(side)
                        .into_iter()
                        .map(|(price, level)| level_of(price, level.base_lots, level.orders))
                        .collect()
                };
                ChannelData::L2Snapshot(wire::L2Snapshot {
                    bids: side(Side::Bid),
                    asks: side(Side::Ask),
                })
            }
            Channel::Candles(r) => ChannelData::Candles(wire::CandlesData {
                candles: self
                    .candles
                    .range((*r, i64::MIN)..=(*r, i64::MAX))
                    .map(|((r, s), c)| wire::Candle::new(*r, *s, c))
                    .collect(),
            }),
            Channel::Auction => ChannelData::AuctionSnapshot(self.auction.snapshot()),
            Channel::Account(owner) => {
                let id = self.trader_of(owner);
                ChannelData::AccountSnapshot(wire::AccountSnapshot {
                    trader_id: id,
                    orders: self
                        .l3()
                        .iter()
                        .filter(|o| Some(o.trader_id) == id)
                        .map(wire::BookOrder::from)
                        .collect(),
                    balances: id
                        .and_then(|id| self.balances.get(&id))
                        .map(wire::Balances::from),
                })
            }
        }
    }

    /// Apply one ingested batch; returns the delta of every channel it
    /// changed (account deltas per owner; candle deltas per resolution).
    /// The events mean to the view what they mean to the tables: both read
    /// them through [`Effects`].
    pub fn apply(&mut self, batch: &Ingested) -> Vec<(Channel, ChannelData)> {
        let mut delta = BatchDelta::default();
        let new_events = self.new_events(&batch.events);
        match Effects::of(new_events) {
            Ok(effects) => {
                self.apply_effects(&effects, &mut delta);
                delta.auction = self.auction.apply(&effects.batches);
            }
            // The indexer committed these events only after computing the
            // same effects, so this cannot happen with its batches.
            Err(e) => {
                self.gaps += 1;
                tracing::error!(market = %self.market, error = %e, "feed view skipped a batch it cannot interpret");
            }
        }
        self.trim_candles();
        let mut out = self.market_deltas(delta.trades, &delta.l3, &delta.l2, &delta.candles);
        if let Some(auction) = delta.auction {
            out.push((Channel::Auction, ChannelData::AuctionDelta(auction)));
        }
        out.extend(self.account_deltas(delta.account_orders, &batch.balances));
        out
    }

    /// The events after the view's sequence number (the earlier ones are
    /// part of the loaded state), counting any jump in the sequence.
    fn new_events<'e>(&mut self, events: &'e [NewEvent]) -> &'e [NewEvent] {
        let first_new = events.partition_point(|e| self.seq.is_some_and(|s| e.seq <= s));
        let new_events = &events[first_new..];
        for event in new_events {
            let expected = self.seq.map_or(0, |s| s + 1);
            if event.seq != expected {
                // Only this process's indexer feeds the view; a jump means
                // events were written by someone else (a second indexer on
                // the same database). Deltas stay gap-free per channel, but
                // the view misses those events until the server restarts.
                self.gaps += 1;
                tracing::error!(market = %self.market, expected, got = event.seq, "feed view skipped events; restart the server to reload");
            }
            self.seq = Some(event.seq);
        }
        new_events
    }

    /// Owners, then the book in the order the tables take it (placements,
    /// then each order's summed change), then trades and candles.
    fn apply_effects(&mut self, effects: &Effects<'_>, delta: &mut BatchDelta) {
        for change in &effects.traders {
            match change {
                TraderChange::Opened { event, .. } => self.set_owner(event.trader_id, event.owner),
                TraderChange::Closed { trader_id, .. } => {
                    if let Some(owner) = self.owners.remove(trader_id) {
                        self.trader_of.remove(&owner);
                    }
                }
            }
        }
        for placed in effects.placed.iter().filter(|p| p.posted_base_lots > 0) {
            let order = BookOrder {
                order_id: placed.order_id,
                side: placed.side,
                price_ticks: placed.price,
                trader_id: placed.trader_id,
                base_lots: placed.posted_base_lots,
            };
            self.book.add(order);
            delta.touch(&order, OrderStatus::Open);
        }
        for (&order_id, change) in &effects.order_changes {
            let lots = u64::try_from(change.reduce_lots).unwrap_or(u64::MAX);
            let gone = change.emptied || change.status != OrderStatus::Open;
            if let Some(order) = self.book.reduce(order_id as u64, lots, gone) {
                delta.touch(&order, change.status);
            }
        }
        for fill in &effects.fills {
            let trade = Trade::of_fill(
                &fill.event,
                fill.seq as u64,
                fill.slot as u64,
                fill.block_time,
            );
            delta.trades.push(wire::Trade::from(&trade));
        }
        for (key, change) in &effects.candles {
            self.candles
                .entry(*key)
                .and_modify(|candle| candle.merge(&change.candle))
                .or_insert(change.candle);
            delta.candles.insert(*key);
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
        trades: Vec<wire::Trade>,
        l3: &BTreeMap<u64, wire::OrderUpdate>,
        l2: &BTreeSet<(Side, u64)>,
        candles: &BTreeSet<(i64, i64)>,
    ) -> Vec<(Channel, ChannelData)> {
        let mut out = Vec::new();
        if !trades.is_empty() {
            for t in &trades {
                self.trades.push_back(t.clone());
            }
            while self.trades.len() > RECENT_TRADES {
                self.trades.pop_front();
            }
            out.push((
                Channel::Trades,
                ChannelData::Trades(wire::TradesData { trades }),
            ));
        }
        if !l3.is_empty() {
            let orders = l3.values().cloned().collect();
            out.push((Channel::L3, ChannelData::L3Delta(wire::L3Delta { orders })));
            let levels = l2.iter().map(|(s, p)| self.level_change(*s, *p)).collect();
            out.push((Channel::L2, ChannelData::L2Delta(wire::L2Delta { levels })));
        }
        for r in CANDLE_RESOLUTIONS {
            let candles: Vec<wire::Candle> = candles
                .iter()
                .filter(|k| k.0 == r)
                .filter_map(|k| self.candles.get(k).map(|c| wire::Candle::new(k.0, k.1, c)))
                .collect();
            if !candles.is_empty() {
                let data = ChannelData::Candles(wire::CandlesData { candles });
                out.push((Channel::Candles(r), data));
            }
        }
        out
    }

    /// Each touched trader's account delta (its orders and refreshed balances), by owner.
    fn account_deltas(
        &mut self,
        account_orders: BTreeMap<u32, BTreeMap<u64, wire::OrderUpdate>>,
        balances: &[BalanceRow],
    ) -> Vec<(Channel, ChannelData)> {
        let mut account: BTreeMap<u32, wire::AccountDelta> = BTreeMap::new();
        for (id, orders) in account_orders {
            let orders = orders.into_values().collect();
            account.insert(
                id,
                wire::AccountDelta {
                    trader_id: id,
                    orders,
                    balances: None,
                },
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
                .or_insert_with(|| wire::AccountDelta {
                    trader_id: b.trader_id,
                    orders: Vec::new(),
                    balances: None,
                })
                .balances = Some(wire::Balances::from(b));
        }
        let mut out = Vec::new();
        for (id, delta) in account {
            let owner = self
                .owners
                .get(&id)
                .copied()
                .or_else(|| balances.iter().find(|b| b.trader_id == id).map(|b| b.owner));
            if let Some(owner) = owner {
                out.push((Channel::Account(owner), ChannelData::AccountDelta(delta)));
            }
        }
        out
    }
}

/// A price level on the wire.
fn level_of(price_ticks: u64, base_lots: u64, orders: u32) -> wire::Level {
    wire::Level {
        price: wire::U64Text(price_ticks),
        base_lots: wire::U64Text(base_lots),
        orders,
    }
}

/// What one batch changed, per channel, while its events are applied.
#[derive(Default)]
struct BatchDelta {
    trades: Vec<wire::Trade>,
    /// Changed orders by id (their latest state).
    l3: BTreeMap<u64, wire::OrderUpdate>,
    /// Changed price levels (side, price).
    l2: BTreeSet<(Side, u64)>,
    /// Changed candles (resolution, bucket start).
    candles: BTreeSet<(i64, i64)>,
    /// Changed orders per trader.
    account_orders: BTreeMap<u32, BTreeMap<u64, wire::OrderUpdate>>,
    /// The auction channel's delta, if its state changed.
    auction: Option<wire::AuctionDelta>,
}

impl BatchDelta {
    /// Record `order`'s new state in the L3, L2 and account deltas.
    fn touch(&mut self, order: &BookOrder, status: OrderStatus) {
        let update = wire::OrderUpdate {
            order: wire::BookOrder::from(order),
            status,
        };
        self.l3.insert(order.order_id, update.clone());
        self.account_orders
            .entry(order.trader_id)
            .or_default()
            .insert(order.order_id, update);
        self.l2.insert((order.side, order.price_ticks));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderbook_test_support::synthetic::Synthetic;

    fn batch(s: &mut Synthetic, txs: usize) -> Ingested {
        let mut out = Ingested {
            market: s.market,
            ..Default::default()
        };
        for _ in 0..txs {
            let tx = s.tx(8);
            for e in tx.events {
                out.events.push(crate::model::NewEvent {
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
                    let e = agg.entry(o.price_ticks).or_default();
                    e.0 += o.base_lots;
                    e.1 += 1;
                }
                let l2: BTreeMap<u64, (u64, u32)> = v
                    .book
                    .l2(side)
                    .into_iter()
                    .map(|(price, level)| (price, (level.base_lots, level.orders)))
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
        let ChannelData::Candles(snap) = v.snapshot(&Channel::Candles(60)) else {
            panic!("a candles snapshot");
        };
        assert_eq!(snap.candles.len(), RECENT_CANDLES);
        assert!(v.trades.len() <= RECENT_TRADES);
    }
}
