//! The book in memory: resting orders by id and their price levels per
//! side, kept consistent by every add and reduce.

use std::collections::{BTreeMap, HashMap};

use orderbook::types::Side;

use crate::model::BookOrder;

/// One price level's total open lots and order count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Level {
    pub base_lots: u64,
    pub orders: u32,
}

#[derive(Default)]
pub struct Book {
    orders: HashMap<u64, BookOrder>,
    /// By price, indexed by `Side as usize`.
    levels: [BTreeMap<u64, Level>; 2],
}

impl Book {
    pub fn add(&mut self, order: BookOrder) {
        let level = self.levels[order.side as usize]
            .entry(order.price_ticks)
            .or_default();
        // Real levels fit a u64 (every resting lot is backed by vault tokens,
        // whose supply is a u64); saturate so no event can panic the hub.
        level.base_lots = level.base_lots.saturating_add(order.base_lots);
        level.orders = level.orders.saturating_add(1);
        self.orders.insert(order.order_id, order);
    }

    /// Take `lots` off an order (all of it when `gone`); returns the order
    /// as it now stands (`base_lots` 0 = removed).
    pub fn reduce(&mut self, order_id: u64, lots: u64, gone: bool) -> Option<BookOrder> {
        let order = self.orders.get_mut(&order_id)?;
        let take = if gone {
            order.base_lots
        } else {
            lots.min(order.base_lots)
        };
        order.base_lots -= take;
        let now = *order;
        let levels = &mut self.levels[now.side as usize];
        if let Some(level) = levels.get_mut(&now.price_ticks) {
            level.base_lots -= take.min(level.base_lots);
            if now.base_lots == 0 {
                level.orders -= 1;
            }
            if level.orders == 0 {
                levels.remove(&now.price_ticks);
            }
        }
        if now.base_lots == 0 {
            self.orders.remove(&order_id);
        }
        Some(now)
    }

    /// The level at `price_ticks` (empty if none).
    pub fn level(&self, side: Side, price_ticks: u64) -> Level {
        self.levels[side as usize]
            .get(&price_ticks)
            .copied()
            .unwrap_or_default()
    }

    /// Resting orders, each side best first then by time (order id).
    pub fn l3(&self) -> Vec<BookOrder> {
        let mut orders: Vec<BookOrder> = self.orders.values().copied().collect();
        orders.sort_by_key(|o| {
            let priority = match o.side {
                Side::Bid => u64::MAX - o.price_ticks,
                Side::Ask => o.price_ticks,
            };
            (o.side, priority, o.order_id)
        });
        orders
    }

    /// `(price_ticks, level)` per level of `side`, best first.
    pub fn l2(&self, side: Side) -> Vec<(u64, Level)> {
        let levels = self.levels[side as usize].iter().map(|(p, l)| (*p, *l));
        match side {
            Side::Bid => levels.rev().collect(),
            Side::Ask => levels.collect(),
        }
    }
}
