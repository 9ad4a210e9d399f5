//! What a batch of new events does to the read models, with no I/O: every
//! `ProgramEvent` the indexer stores is interpreted here, once. `ingest`
//! writes the result, and re-reads the balances of the traders it names.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use orderbook::events::{
    BatchCleared, BatchModeEnabled, CancelQueued, MarketCreated, MarketGrown, OrderCommitted,
    OrderFilled, OrderPlaced, OrderPosted, OrderRevealed, PostQueued, TraderAccountOpened,
};
use orderbook::types::{MarketStatus, OrderType, Side, TokenKind};
use orderbook_client::events::ProgramEvent;

use super::batch_trades::{self, BatchFill};
use super::{CANDLE_RESOLUTIONS, Candle, NewEvent, OrderStatus, OutOfRange, bucket_start, i64_of};

/// A change to the `markets` row, in event order.
pub enum MarketChange<'a> {
    Created { event: &'a MarketCreated, slot: i64 },
    Status(MarketStatus),
    Grown(&'a MarketGrown),
    Deleted,
}

/// A change to a `traders` row, in event order.
pub enum TraderChange<'a> {
    Opened {
        event: &'a TraderAccountOpened,
        seq: i64,
    },
    Closed {
        trader_id: u32,
        seq: i64,
    },
}

/// An order as placed, or rested by a batch clear (a new `orders` row).
pub struct PlacedOrder {
    pub seq: i64,
    pub status: OrderStatus,
    pub order_id: u64,
    pub trader_id: u32,
    pub client_order_id: u64,
    pub side: Side,
    pub order_type: OrderType,
    pub price: u64,
    pub max_base_lots: u64,
    pub posted_base_lots: u64,
    pub filled_base_lots: u64,
    pub expiry: u64,
}

impl PlacedOrder {
    fn placed(seq: i64, e: &OrderPlaced) -> Self {
        Self {
            seq,
            status: OrderStatus::after_placement(
                e.posted_base_lots,
                e.filled_base_lots,
                e.max_base_lots,
            ),
            order_id: e.order_id,
            trader_id: e.trader_id,
            client_order_id: e.client_order_id,
            side: e.side,
            order_type: e.order_type,
            price: e.price,
            max_base_lots: e.max_base_lots,
            posted_base_lots: e.posted_base_lots,
            filled_base_lots: e.filled_base_lots,
            expiry: e.expiry,
        }
    }

    /// A batch clear rested it: what rests is all the row knows of its size
    /// (a sealed limit order's fill at the same clear is its `SealedFilled`).
    fn posted(seq: i64, e: &OrderPosted) -> Self {
        Self {
            seq,
            status: OrderStatus::Open,
            order_id: e.order_id,
            trader_id: e.trader_id,
            client_order_id: e.client_order_id,
            side: e.side,
            order_type: e.order_type,
            price: e.price,
            max_base_lots: e.base_lots,
            posted_base_lots: e.base_lots,
            filled_base_lots: 0,
            expiry: e.expiry,
        }
    }
}

/// A fill (a new `fills` row): an `OrderFilled`, or a trade of a batch
/// clear ([`batch_trades`]).
pub struct Fill<'a> {
    pub seq: i64,
    pub slot: i64,
    pub block_time: Option<i64>,
    pub event: Cow<'a, OrderFilled>,
}

/// The fills of the batch clear being read, paired into trades when the
/// next clear starts or the events end.
struct OpenClear {
    market: anchor_lang::prelude::Pubkey,
    price: u64,
    fills: Vec<BatchFill>,
    /// (slot, block time) of each fill event, by sequence number.
    times: BTreeMap<u64, (i64, Option<i64>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferKind {
    Deposit,
    Withdraw,
}

impl TransferKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deposit => "deposit",
            Self::Withdraw => "withdraw",
        }
    }
}

/// A deposit or withdrawal (a new `transfers` row).
pub struct Transfer {
    pub seq: i64,
    pub trader_id: u32,
    pub kind: TransferKind,
    pub token: TokenKind,
    pub amount: u64,
}

/// Which trader a queued maker event belongs to (a `queue_owners` row),
/// so a later crank can name the traders whose balances it changed.
pub struct QueueOwner {
    pub queue_seq: i64,
    pub trader_id: u32,
}

/// How the batch changes one existing order (sums of u64 lots, so u128).
pub struct OrderChange {
    pub reduce_lots: u128,
    pub filled_lots: u128,
    /// Cancelled: nothing left open, whatever was.
    pub emptied: bool,
    pub status: OrderStatus,
    pub seq: i64,
}

/// One candle's fills from this batch, with the sequence numbers of its
/// first and last (to merge with a stored candle in order).
pub struct CandleChange {
    pub candle: Candle,
    pub first_seq: i64,
    pub last_seq: i64,
}

/// A crank's range of queue sequence numbers (its makers' balances changed).
pub struct Consumed {
    pub first_queue_seq: i64,
    pub count: u32,
}

/// A sealed batch market's batch account entry, as an event tells it (a
/// `batch_entries` row, or a reveal filling one in).
pub enum EntryChange<'a> {
    Committed(&'a OrderCommitted),
    Revealed(&'a OrderRevealed),
    Post(&'a PostQueued),
    Cancel(&'a CancelQueued),
}

impl EntryChange<'_> {
    /// (batch, entry) of the row it writes.
    pub fn key(&self) -> (u64, u32) {
        match self {
            Self::Committed(e) => (e.batch, e.entry),
            Self::Revealed(e) => (e.batch, e.entry),
            Self::Post(e) => (e.batch, e.entry),
            Self::Cancel(e) => (e.batch, e.entry),
        }
    }
}

/// Everything a sealed batch market's events change (issue 25).
#[derive(Default)]
pub struct BatchChanges<'a> {
    /// `batch_markets`: the market became a batch market.
    pub enabled: Option<(i64, &'a BatchModeEnabled)>,
    /// `batch_entries`, in event order with their sequence numbers.
    pub entries: Vec<(i64, EntryChange<'a>)>,
    /// `batch_clears`.
    pub clears: Vec<(i64, &'a BatchCleared)>,
}

impl BatchChanges<'_> {
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.entries.is_empty() && self.clears.is_empty()
    }
}

/// Everything one batch changes, grouped by table.
#[derive(Default)]
pub struct Effects<'a> {
    pub markets: Vec<MarketChange<'a>>,
    pub traders: Vec<TraderChange<'a>>,
    pub placed: Vec<PlacedOrder>,
    pub fills: Vec<Fill<'a>>,
    pub transfers: Vec<Transfer>,
    pub queue_owners: Vec<QueueOwner>,
    /// By order id.
    pub order_changes: BTreeMap<i64, OrderChange>,
    /// By (resolution, bucket start).
    pub candles: BTreeMap<(i64, i64), CandleChange>,
    /// Traders whose balances the events name directly.
    pub touched_traders: BTreeSet<u32>,
    /// Cranks: their makers' balances changed too.
    pub consumed: Vec<Consumed>,
    /// Sealed batch markets' batches.
    pub batches: BatchChanges<'a>,
    open_clear: Option<OpenClear>,
}

impl<'a> Effects<'a> {
    /// The effects of `events` (new, in sequence order).
    pub fn of(events: &'a [NewEvent]) -> Result<Self, OutOfRange> {
        let mut effects = Self::default();
        for event in events {
            effects.apply(event)?;
        }
        effects.close_clear()?;
        Ok(effects)
    }

    fn apply(&mut self, new: &'a NewEvent) -> Result<(), OutOfRange> {
        let seq = i64_of(new.seq)?;
        match &new.event {
            ProgramEvent::MarketCreated(event) => {
                let slot = i64_of(new.slot)?;
                self.markets.push(MarketChange::Created { event, slot });
            }
            ProgramEvent::MarketStatusChanged(e) => {
                self.markets.push(MarketChange::Status(e.new_status));
            }
            ProgramEvent::MarketGrown(e) => self.markets.push(MarketChange::Grown(e)),
            ProgramEvent::MarketClosed(_) => self.markets.push(MarketChange::Deleted),
            ProgramEvent::TraderAccountOpened(event) => {
                self.touched_traders.insert(event.trader_id);
                self.traders.push(TraderChange::Opened { event, seq });
            }
            ProgramEvent::TraderAccountClosed(e) => {
                self.touched_traders.insert(e.trader_id);
                let trader_id = e.trader_id;
                self.traders.push(TraderChange::Closed { trader_id, seq });
            }
            ProgramEvent::Deposited(e) => {
                self.transfer(seq, e.trader_id, TransferKind::Deposit, e.token, e.amount);
            }
            ProgramEvent::Withdrew(e) => {
                self.transfer(seq, e.trader_id, TransferKind::Withdraw, e.token, e.amount);
            }
            ProgramEvent::OrderPlaced(event) => {
                self.touched_traders.insert(event.trader_id);
                self.placed.push(PlacedOrder::placed(seq, event));
            }
            ProgramEvent::OrderFilled(event) => self.fill(new, seq, event)?,
            ProgramEvent::OrderOut(e) => {
                self.touched_traders.insert(e.trader_id);
                self.queue_owners.push(QueueOwner {
                    queue_seq: i64_of(e.queue_seq)?,
                    trader_id: e.trader_id,
                });
                let change = self.order_change(e.order_id, seq)?;
                change.reduce_lots += u128::from(e.base_lots);
                change.status = OrderStatus::after_out(e.reason, e.order_gone);
            }
            ProgramEvent::OrderCancelled(e) => {
                self.touched_traders.insert(e.trader_id);
                let change = self.order_change(e.order_id, seq)?;
                change.emptied = true;
                change.status = OrderStatus::Cancelled;
            }
            ProgramEvent::EventsConsumed(e) => self.consumed.push(Consumed {
                first_queue_seq: i64_of(e.first_queue_seq)?,
                count: e.count,
            }),
            ProgramEvent::FeesSwept(_)
            | ProgramEvent::SurplusSwept(_)
            | ProgramEvent::ForfeitsSwept(_) => {}
            // Sealed batch markets (issue 25): a reveal or a queued post
            // moves the trader's funds into its lock.
            ProgramEvent::BatchModeEnabled(e) => self.batches.enabled = Some((seq, e)),
            ProgramEvent::OrderCommitted(e) => {
                self.batches.entries.push((seq, EntryChange::Committed(e)));
            }
            // The ciphertext is for keepers to decrypt once its round is
            // published; the entry's row comes from its `OrderCommitted`,
            // and its order from the reveal (the events table keeps it).
            ProgramEvent::OrderEncrypted(_) => {}
            ProgramEvent::CancelQueued(e) => {
                self.batches.entries.push((seq, EntryChange::Cancel(e)));
            }
            ProgramEvent::BatchCleared(e) => {
                self.close_clear()?;
                self.open_clear = Some(OpenClear {
                    market: e.market,
                    price: e.price,
                    fills: Vec::new(),
                    times: BTreeMap::new(),
                });
                self.batches.clears.push((seq, e));
            }
            ProgramEvent::OrderRevealed(e) => {
                self.touched_traders.insert(e.trader_id);
                self.batches.entries.push((seq, EntryChange::Revealed(e)));
            }
            ProgramEvent::PostQueued(e) => {
                self.touched_traders.insert(e.trader_id);
                self.batches.entries.push((seq, EntryChange::Post(e)));
            }
            // A clear's settlement reaches the trader when the crank applies
            // it: record whose balances that crank changes. The book changes
            // at the clear: an order rests, a resting order fills at p*.
            ProgramEvent::AuctionFilled(e) => {
                self.clear_fill(
                    new,
                    BatchFill {
                        seq: new.seq,
                        queue_seq: e.queue_seq,
                        trader_id: e.trader_id,
                        side: e.side,
                        resting_order: Some(e.order_id),
                        base_lots: e.base_lots,
                        quote: e.quote,
                        fee: e.maker_fee,
                    },
                )?;
                let change = self.order_change(e.order_id, seq)?;
                change.reduce_lots += u128::from(e.base_lots);
                change.filled_lots += u128::from(e.base_lots);
                change.status = OrderStatus::after_fill(e.order_gone);
            }
            ProgramEvent::SealedFilled(e) => {
                let fee = i64::try_from(e.taker_fee).map_err(|_| OutOfRange(e.taker_fee))?;
                self.clear_fill(
                    new,
                    BatchFill {
                        seq: new.seq,
                        queue_seq: e.queue_seq,
                        trader_id: e.trader_id,
                        side: e.side,
                        resting_order: None,
                        base_lots: e.base_lots,
                        quote: e.quote,
                        fee,
                    },
                )?;
            }
            ProgramEvent::OrderPosted(e) => {
                self.batch_settlement(e.queue_seq, e.trader_id)?;
                self.placed.push(PlacedOrder::posted(seq, e));
            }
        }
        Ok(())
    }

    fn transfer(
        &mut self,
        seq: i64,
        trader_id: u32,
        kind: TransferKind,
        token: TokenKind,
        amount: u64,
    ) {
        self.touched_traders.insert(trader_id);
        self.transfers.push(Transfer {
            seq,
            trader_id,
            kind,
            token,
            amount,
        });
    }

    /// A fill: its row, its maker's queue entry and order, its candles.
    /// A batch clear's queue event `queue_seq` for `trader_id`.
    fn batch_settlement(&mut self, queue_seq: u64, trader_id: u32) -> Result<(), OutOfRange> {
        self.touched_traders.insert(trader_id);
        self.queue_owners.push(QueueOwner {
            queue_seq: i64_of(queue_seq)?,
            trader_id,
        });
        Ok(())
    }

    fn fill(&mut self, new: &NewEvent, seq: i64, event: &'a OrderFilled) -> Result<(), OutOfRange> {
        self.queue_owners.push(QueueOwner {
            queue_seq: i64_of(event.queue_seq)?,
            trader_id: event.maker_trader_id,
        });
        let change = self.order_change(event.maker_order_id, seq)?;
        change.reduce_lots += u128::from(event.base_lots);
        change.filled_lots += u128::from(event.base_lots);
        change.status = OrderStatus::after_fill(event.maker_out);
        self.trade(seq, i64_of(new.slot)?, new.block_time, Cow::Borrowed(event))
    }

    /// A `fills` row and its candles.
    fn trade(
        &mut self,
        seq: i64,
        slot: i64,
        block_time: Option<i64>,
        event: Cow<'a, OrderFilled>,
    ) -> Result<(), OutOfRange> {
        if let Some(time) = block_time {
            let price_ticks = i64_of(event.price)?;
            for resolution in CANDLE_RESOLUTIONS {
                let bucket = self
                    .candles
                    .entry((resolution, bucket_start(time, resolution)))
                    .or_insert(CandleChange {
                        candle: Candle::new(price_ticks),
                        first_seq: seq,
                        last_seq: seq,
                    });
                bucket.candle.add(price_ticks, event.base_lots, event.quote);
                bucket.last_seq = seq;
            }
        }
        self.fills.push(Fill {
            seq,
            slot,
            block_time,
            event,
        });
        Ok(())
    }

    /// A participant's fill in the clear being read: settled for its trader
    /// by the crank, and one side of the clear's trades.
    fn clear_fill(&mut self, new: &NewEvent, fill: BatchFill) -> Result<(), OutOfRange> {
        self.batch_settlement(fill.queue_seq, fill.trader_id)?;
        let slot = i64_of(new.slot)?;
        if let Some(open) = self.open_clear.as_mut() {
            open.times.insert(fill.seq, (slot, new.block_time));
            open.fills.push(fill);
        }
        Ok(())
    }

    /// Pair the clear being read into trades ([`batch_trades`]).
    fn close_clear(&mut self) -> Result<(), OutOfRange> {
        let Some(open) = self.open_clear.take() else {
            return Ok(());
        };
        for t in batch_trades::pair(open.market, open.price, &open.fills) {
            let (slot, block_time) = open.times[&t.seq];
            self.trade(i64_of(t.seq)?, slot, block_time, Cow::Owned(t))?;
        }
        Ok(())
    }

    /// The batch's change to order `order_id`, made by the event at `seq`.
    fn order_change(&mut self, order_id: u64, seq: i64) -> Result<&mut OrderChange, OutOfRange> {
        let change = self
            .order_changes
            .entry(i64_of(order_id)?)
            .or_insert(OrderChange {
                reduce_lots: 0,
                filled_lots: 0,
                emptied: false,
                status: OrderStatus::Open,
                seq,
            });
        change.seq = seq;
        Ok(change)
    }
}
