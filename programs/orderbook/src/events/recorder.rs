//! Event emission, owned here for every instruction: an instruction builds
//! one [`EventBatch`], pushes its events through the helpers below (each
//! takes the market's next sequence number, so no event can skip one), and
//! emits the batch once at its end. The batch is carried by Anchor's event
//! self-CPI, split at [`MAX_EVENT_CPI_BYTES`].

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use orderbook_engine::batch::{BatchEntry, EntryKind, NO_SLOT};
use orderbook_engine::quantity::fee_ceil;
use orderbook_engine::{
    CancelOutcome, EngineError, EventKind, OrderType as EngineOrderType, QueueEvent,
    Side as EngineSide,
};

use super::{
    AuctionFilled, EVENT_AUTHORITY_SEED, MAX_EVENT_CPI_BYTES, OrderCancelled, OrderFilled,
    OrderOut, OrderPosted, SealedFilled,
};
use crate::error::OrderbookError;
use crate::state::Market;

/// What an order rested by a batch clear carries from its batch entry (a
/// queued post or a revealed limit order) that its queue event does not:
/// the entry is found by its trader and reserved open-order slot, unique
/// among a trader's live entries.
pub struct RestingOrigin {
    pub trader_id: u32,
    pub slot: u8,
    pub client_order_id: u64,
    pub order_type: crate::types::OrderType,
    pub expiry: u64,
}

impl RestingOrigin {
    /// The revealed orders and queued posts of `entries` holding a
    /// reserved slot.
    pub fn of(entries: &[BatchEntry]) -> Result<Vec<Self>> {
        entries
            .iter()
            .filter(|e| {
                e.slot != NO_SLOT
                    && matches!(e.kind(), Ok(EntryKind::Revealed) | Ok(EntryKind::Post))
            })
            .map(|e| {
                let order_type =
                    EngineOrderType::try_from(e.order_type).map_err(OrderbookError::from)?;
                Ok(Self {
                    trader_id: e.trader_id,
                    slot: e.slot,
                    client_order_id: e.client_order_id,
                    order_type: order_type.into(),
                    expiry: e.expiry,
                })
            })
            .collect()
    }
}

/// Events of one instruction, emitted together by [`EventBatch::emit`].
#[derive(Default)]
pub struct EventBatch {
    chunks: Vec<Vec<u8>>,
}

impl EventBatch {
    pub fn push<E: anchor_lang::Event>(&mut self, event: &E) {
        let data = event.data();
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.len() + data.len() <= MAX_EVENT_CPI_BYTES);
        if !fits {
            self.chunks
                .push(anchor_lang::event::EVENT_IX_TAG_LE.to_vec());
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.extend_from_slice(&data);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Self-CPI the batch, signed by the event authority PDA.
    pub fn emit(self, event_authority: &AccountInfo<'_>) -> Result<()> {
        let (authority, bump) = crate::EVENT_AUTHORITY_AND_BUMP;
        require_keys_eq!(
            event_authority.key(),
            authority,
            ErrorCode::ConstraintAddress
        );
        for data in self.chunks {
            let ix = Instruction {
                program_id: crate::ID,
                accounts: vec![AccountMeta::new_readonly(authority, true)],
                data,
            };
            invoke_signed(
                &ix,
                std::slice::from_ref(event_authority),
                &[&[EVENT_AUTHORITY_SEED, &[bump]]],
            )?;
        }
        Ok(())
    }

    /// `OrderCancelled` for an order `trader_id` cancelled.
    pub fn order_cancelled(
        &mut self,
        market: &mut Market,
        market_key: Pubkey,
        trader_id: u32,
        c: &CancelOutcome,
    ) -> Result<()> {
        self.push(&OrderCancelled {
            market: market_key,
            seq: market.next_seq()?,
            trader_id,
            order_id: c.order_id,
            client_order_id: c.client_order_id,
            side: c.side.into(),
            price: c.price.get(),
            base_lots: c.base_lots.get(),
        });
        Ok(())
    }

    /// `OrderFilled` or `OrderOut` for one queue event pushed by a taker (or a prune).
    #[allow(clippy::too_many_arguments)]
    pub fn queue_event(
        &mut self,
        market: &mut Market,
        market_key: Pubkey,
        ev: &QueueEvent,
        taker_side: EngineSide,
        taker_order_id: u64,
        taker_fee_ppm: u32,
    ) -> Result<()> {
        let seq = market.next_seq()?;
        match ev.kind().map_err(OrderbookError::from)? {
            EventKind::Fill => self.push(&OrderFilled {
                market: market_key,
                seq,
                queue_seq: ev.seq,
                maker_trader_id: ev.maker_trader_id,
                taker_trader_id: ev.taker_trader_id,
                maker_order_id: ev.maker_order_seq,
                taker_order_id,
                taker_side: taker_side.into(),
                price: ev.price.get(),
                base_lots: ev.base_lots.get(),
                quote: ev.quote.get(),
                taker_fee: fee_ceil(ev.quote.get(), taker_fee_ppm).map_err(OrderbookError::from)?,
                maker_fee: ev.maker_fee,
                maker_out: ev.maker_out != 0,
            }),
            EventKind::Out => self.order_out(market_key, seq, ev)?,
            // Only a batch clear queues these (`batch_event`): a taker's
            // placement or a prune never pushes them.
            EventKind::AuctionFill | EventKind::SealedFill | EventKind::Posted => {
                return Err(OrderbookError::from(EngineError::InvalidEnumValue).into());
            }
        }
        Ok(())
    }

    /// The event for one queue event a batch clear pushed; `origins` are
    /// the batch entries that could rest (see [`RestingOrigin`]).
    pub fn batch_event(
        &mut self,
        market: &mut Market,
        market_key: Pubkey,
        ev: &QueueEvent,
        origins: &[RestingOrigin],
    ) -> Result<()> {
        let seq = market.next_seq()?;
        let side = ev.maker_side().map_err(OrderbookError::from)?.into();
        match ev.kind().map_err(OrderbookError::from)? {
            EventKind::Out => self.order_out(market_key, seq, ev)?,
            EventKind::AuctionFill => self.push(&AuctionFilled {
                market: market_key,
                seq,
                queue_seq: ev.seq,
                trader_id: ev.maker_trader_id,
                order_id: ev.maker_order_seq,
                side,
                order_price: ev.price.get(),
                base_lots: ev.base_lots.get(),
                quote: ev.quote.get(),
                maker_fee: ev.maker_fee,
                order_gone: ev.maker_out != 0,
            }),
            EventKind::SealedFill => self.push(&SealedFilled {
                market: market_key,
                seq,
                queue_seq: ev.seq,
                trader_id: ev.maker_trader_id,
                side,
                price: ev.price.get(),
                base_lots: ev.base_lots.get(),
                quote: ev.quote.get(),
                taker_fee: ev.maker_fee.unsigned_abs(),
            }),
            EventKind::Posted => {
                let origin = origins
                    .iter()
                    .find(|o| o.trader_id == ev.maker_trader_id && o.slot == ev.maker_slot)
                    .ok_or(OrderbookError::from(EngineError::InvalidAccountData))?;
                self.push(&OrderPosted {
                    market: market_key,
                    seq,
                    queue_seq: ev.seq,
                    trader_id: ev.maker_trader_id,
                    order_id: ev.maker_order_seq,
                    client_order_id: origin.client_order_id,
                    side,
                    order_type: origin.order_type,
                    price: ev.price.get(),
                    base_lots: ev.base_lots.get(),
                    expiry: origin.expiry,
                })
            }
            EventKind::Fill => {
                return Err(OrderbookError::from(EngineError::InvalidEnumValue).into());
            }
        }
        Ok(())
    }

    fn order_out(&mut self, market_key: Pubkey, seq: u64, ev: &QueueEvent) -> Result<()> {
        self.push(&OrderOut {
            market: market_key,
            seq,
            queue_seq: ev.seq,
            trader_id: ev.maker_trader_id,
            order_id: ev.maker_order_seq,
            side: ev.maker_side().map_err(OrderbookError::from)?.into(),
            price: ev.price.get(),
            base_lots: ev.base_lots.get(),
            reason: ev.out_reason().map_err(OrderbookError::from)?.into(),
            order_gone: ev.maker_out != 0,
        });
        Ok(())
    }
}
