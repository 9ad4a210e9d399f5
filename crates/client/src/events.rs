//! Decoder for the program's event batches (the data of its event self-CPI,
//! found in a transaction's inner instructions).

use anchor_lang::{AnchorDeserialize, Discriminator};
use orderbook::events::*;

use crate::DecodeError;

/// Any program event.
#[derive(Clone, Debug, PartialEq)]
pub enum ProgramEvent {
    MarketCreated(MarketCreated),
    MarketStatusChanged(MarketStatusChanged),
    MarketGrown(MarketGrown),
    TraderAccountOpened(TraderAccountOpened),
    TraderAccountClosed(TraderAccountClosed),
    Deposited(Deposited),
    Withdrew(Withdrew),
    OrderPlaced(OrderPlaced),
    OrderFilled(OrderFilled),
    OrderOut(OrderOut),
    OrderCancelled(OrderCancelled),
    EventsConsumed(EventsConsumed),
    FeesSwept(FeesSwept),
    SurplusSwept(SurplusSwept),
    MarketClosed(MarketClosed),
    BatchModeEnabled(BatchModeEnabled),
    OrderCommitted(OrderCommitted),
    OrderEncrypted(OrderEncrypted),
    OrderRevealed(OrderRevealed),
    BatchCleared(BatchCleared),
    AuctionFilled(AuctionFilled),
    SealedFilled(SealedFilled),
    OrderPosted(OrderPosted),
    PostQueued(PostQueued),
    CancelQueued(CancelQueued),
    ForfeitsSwept(ForfeitsSwept),
}

macro_rules! dispatch {
    ($disc:expr, $rest:expr, $($t:ident),* $(,)?) => {
        $(if $disc == <$t as Discriminator>::DISCRIMINATOR {
            return <$t>::deserialize($rest).map(ProgramEvent::$t).map_err(|e| DecodeError::Malformed(e.to_string()));
        })*
    };
}

fn decode_one(disc: &[u8], rest: &mut &[u8]) -> Result<ProgramEvent, DecodeError> {
    dispatch!(
        disc,
        rest,
        MarketCreated,
        MarketStatusChanged,
        MarketGrown,
        TraderAccountOpened,
        TraderAccountClosed,
        Deposited,
        Withdrew,
        OrderPlaced,
        OrderFilled,
        OrderOut,
        OrderCancelled,
        EventsConsumed,
        FeesSwept,
        SurplusSwept,
        MarketClosed,
        BatchModeEnabled,
        OrderCommitted,
        OrderEncrypted,
        OrderRevealed,
        BatchCleared,
        AuctionFilled,
        SealedFilled,
        OrderPosted,
        PostQueued,
        CancelQueued,
        ForfeitsSwept,
    );
    let mut d = [0u8; 8];
    d.copy_from_slice(disc);
    Err(DecodeError::UnknownEvent(d))
}

impl ProgramEvent {
    /// The event's bytes as emitted (discriminator + borsh).
    pub fn to_bytes(&self) -> Vec<u8> {
        use anchor_lang::Event;
        match self {
            Self::MarketCreated(e) => e.data(),
            Self::MarketStatusChanged(e) => e.data(),
            Self::MarketGrown(e) => e.data(),
            Self::TraderAccountOpened(e) => e.data(),
            Self::TraderAccountClosed(e) => e.data(),
            Self::Deposited(e) => e.data(),
            Self::Withdrew(e) => e.data(),
            Self::OrderPlaced(e) => e.data(),
            Self::OrderFilled(e) => e.data(),
            Self::OrderOut(e) => e.data(),
            Self::OrderCancelled(e) => e.data(),
            Self::EventsConsumed(e) => e.data(),
            Self::FeesSwept(e) => e.data(),
            Self::SurplusSwept(e) => e.data(),
            Self::MarketClosed(e) => e.data(),
            Self::BatchModeEnabled(e) => e.data(),
            Self::OrderCommitted(e) => e.data(),
            Self::OrderEncrypted(e) => e.data(),
            Self::OrderRevealed(e) => e.data(),
            Self::BatchCleared(e) => e.data(),
            Self::AuctionFilled(e) => e.data(),
            Self::SealedFilled(e) => e.data(),
            Self::OrderPosted(e) => e.data(),
            Self::PostQueued(e) => e.data(),
            Self::CancelQueued(e) => e.data(),
            Self::ForfeitsSwept(e) => e.data(),
        }
    }

    /// A short name of the event kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MarketCreated(_) => "market_created",
            Self::MarketStatusChanged(_) => "market_status_changed",
            Self::MarketGrown(_) => "market_grown",
            Self::TraderAccountOpened(_) => "trader_account_opened",
            Self::TraderAccountClosed(_) => "trader_account_closed",
            Self::Deposited(_) => "deposited",
            Self::Withdrew(_) => "withdrew",
            Self::OrderPlaced(_) => "order_placed",
            Self::OrderFilled(_) => "order_filled",
            Self::OrderOut(_) => "order_out",
            Self::OrderCancelled(_) => "order_cancelled",
            Self::EventsConsumed(_) => "events_consumed",
            Self::FeesSwept(_) => "fees_swept",
            Self::SurplusSwept(_) => "surplus_swept",
            Self::MarketClosed(_) => "market_closed",
            Self::BatchModeEnabled(_) => "batch_mode_enabled",
            Self::OrderCommitted(_) => "order_committed",
            Self::OrderEncrypted(_) => "order_encrypted",
            Self::OrderRevealed(_) => "order_revealed",
            Self::BatchCleared(_) => "batch_cleared",
            Self::AuctionFilled(_) => "auction_filled",
            Self::SealedFilled(_) => "sealed_filled",
            Self::OrderPosted(_) => "order_posted",
            Self::PostQueued(_) => "post_queued",
            Self::CancelQueued(_) => "cancel_queued",
            Self::ForfeitsSwept(_) => "forfeits_swept",
        }
    }

    /// The (market, sequence number) every event carries.
    pub fn seq(&self) -> (anchor_lang::prelude::Pubkey, u64) {
        match self {
            Self::MarketCreated(e) => (e.market, e.seq),
            Self::MarketStatusChanged(e) => (e.market, e.seq),
            Self::MarketGrown(e) => (e.market, e.seq),
            Self::TraderAccountOpened(e) => (e.market, e.seq),
            Self::TraderAccountClosed(e) => (e.market, e.seq),
            Self::Deposited(e) => (e.market, e.seq),
            Self::Withdrew(e) => (e.market, e.seq),
            Self::OrderPlaced(e) => (e.market, e.seq),
            Self::OrderFilled(e) => (e.market, e.seq),
            Self::OrderOut(e) => (e.market, e.seq),
            Self::OrderCancelled(e) => (e.market, e.seq),
            Self::EventsConsumed(e) => (e.market, e.seq),
            Self::FeesSwept(e) => (e.market, e.seq),
            Self::SurplusSwept(e) => (e.market, e.seq),
            Self::MarketClosed(e) => (e.market, e.seq),
            Self::BatchModeEnabled(e) => (e.market, e.seq),
            Self::OrderCommitted(e) => (e.market, e.seq),
            Self::OrderEncrypted(e) => (e.market, e.seq),
            Self::OrderRevealed(e) => (e.market, e.seq),
            Self::BatchCleared(e) => (e.market, e.seq),
            Self::AuctionFilled(e) => (e.market, e.seq),
            Self::SealedFilled(e) => (e.market, e.seq),
            Self::OrderPosted(e) => (e.market, e.seq),
            Self::PostQueued(e) => (e.market, e.seq),
            Self::CancelQueued(e) => (e.market, e.seq),
            Self::ForfeitsSwept(e) => (e.market, e.seq),
        }
    }
}

/// Decode one event from the bytes [`ProgramEvent::to_bytes`] produced
/// (discriminator + borsh), refusing trailing bytes.
pub fn decode_event(bytes: &[u8]) -> Result<ProgramEvent, DecodeError> {
    if bytes.len() < 8 {
        return Err(DecodeError::Malformed(
            "shorter than a discriminator".into(),
        ));
    }
    let (disc, mut rest) = bytes.split_at(8);
    let ev = decode_one(disc, &mut rest)?;
    if !rest.is_empty() {
        return Err(DecodeError::Malformed(format!(
            "{} trailing bytes after the event",
            rest.len()
        )));
    }
    Ok(ev)
}

/// Is this instruction data an event batch (Anchor's event-CPI tag)?
pub fn is_event_batch(data: &[u8]) -> bool {
    data.starts_with(anchor_lang::event::EVENT_IX_TAG_LE)
}

/// Decode every event in one event self-CPI's instruction data.
pub fn decode_batch(data: &[u8]) -> Result<Vec<ProgramEvent>, DecodeError> {
    let tag = anchor_lang::event::EVENT_IX_TAG_LE;
    let mut rest = data.strip_prefix(tag).ok_or(DecodeError::NotEventBatch)?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(DecodeError::Malformed(
                "trailing bytes shorter than a discriminator".into(),
            ));
        }
        let (disc, tail) = rest.split_at(8);
        rest = tail;
        out.push(decode_one(disc, &mut rest)?);
    }
    Ok(out)
}
