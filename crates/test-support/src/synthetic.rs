//! A synthetic event stream for the benches and the fan-out tests: a
//! plausible mix of placements, fills, cancels and deposits with
//! consistent ids, sequence numbers and times, without a chain.

use std::collections::VecDeque;

use anchor_lang::prelude::Pubkey;
use orderbook::events::{Deposited, OrderCancelled, OrderFilled, OrderPlaced};
use orderbook::types::{OrderType, Side, TokenKind};
use orderbook_chain::TxEvents;
use orderbook_client::events::ProgramEvent;
use solana_signature::Signature;

/// Generates transactions for one market, continuing where it left off.
pub struct Synthetic {
    pub market: Pubkey,
    pub next_seq: u64,
    next_order: u64,
    next_queue: u64,
    open: VecDeque<(u64, Side, u64)>,
    tx: u64,
    pub start_time: i64,
}

impl Synthetic {
    pub fn new(market: Pubkey) -> Self {
        Self {
            market,
            next_seq: 0,
            next_order: 1,
            next_queue: 0,
            open: VecDeque::new(),
            tx: 0,
            start_time: 1_700_000_000,
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// The next event: 40% placements, 30% fills, 20% cancels, 10% deposits.
    pub fn event(&mut self) -> ProgramEvent {
        let market = self.market;
        let seq = self.seq();
        let roll = seq % 10;
        if (roll < 4 || self.open.len() < 4) || roll == 9 && self.open.len() < 8 {
            let id = self.next_order;
            self.next_order += 1;
            let side = if id.is_multiple_of(2) {
                Side::Bid
            } else {
                Side::Ask
            };
            let price = 1_000 + (id * 7919) % 40;
            self.open.push_back((id, side, price));
            return ProgramEvent::OrderPlaced(OrderPlaced {
                market,
                seq,
                trader_id: (id % 50) as u32,
                order_id: id,
                client_order_id: id,
                side,
                order_type: OrderType::Limit,
                price,
                max_base_lots: 10,
                posted_base_lots: 10,
                filled_base_lots: 0,
                filled_quote: 0,
                taker_fee: 0,
                expiry: 0,
            });
        }
        if roll < 7 {
            let (id, side, price) = self.open.pop_front().expect("kept non-empty");
            self.next_queue += 1;
            return ProgramEvent::OrderFilled(OrderFilled {
                market,
                seq,
                queue_seq: self.next_queue,
                maker_trader_id: (id % 50) as u32,
                taker_trader_id: 99,
                maker_order_id: id,
                taker_order_id: self.next_order + 1_000_000,
                taker_side: side.opposite(),
                price,
                base_lots: 10,
                quote: price * 10 * 10,
                taker_fee: 50,
                maker_fee: -10,
                maker_out: true,
            });
        }
        if roll < 9 {
            let (id, side, price) = self.open.pop_back().expect("kept non-empty");
            return ProgramEvent::OrderCancelled(OrderCancelled {
                market,
                seq,
                trader_id: (id % 50) as u32,
                order_id: id,
                client_order_id: id,
                side,
                price,
                base_lots: 10,
            });
        }
        ProgramEvent::Deposited(Deposited {
            market,
            seq,
            trader_id: (seq % 50) as u32,
            token: if seq.is_multiple_of(2) {
                TokenKind::Base
            } else {
                TokenKind::Quote
            },
            amount: 1_000_000,
        })
    }

    /// The next transaction with `events` events, one second after the last.
    pub fn tx(&mut self, events: usize) -> TxEvents {
        self.tx += 1;
        let mut sig = [0u8; 64];
        sig[..8].copy_from_slice(&self.tx.to_le_bytes());
        sig[8..40].copy_from_slice(self.market.as_ref());
        TxEvents {
            signature: Signature::from(sig),
            slot: self.tx,
            block_time: Some(self.start_time + self.tx as i64),
            events: (0..events).map(|_| self.event()).collect(),
            fee_payer_change_lamports: 0,
        }
    }
}
