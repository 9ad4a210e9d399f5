//! Instruction encoding shared by the SBF harness and its host-side bench runner.
#![no_std]

use orderbook_engine::layout::GrowTarget;
use orderbook_engine::{BaseLots, OrderParams, OrderType, QuoteAtoms, SelfTradeMode, Side, Ticks};

/// Account positions.
pub const MARKET: usize = 0;
pub const BIDS: usize = 1;
pub const ASKS: usize = 2;
pub const EVENTS: usize = 3;
pub const FIRST_TRADER: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// Entrypoint and dispatch only: the baseline subtracted from every case.
    Noop = 0,
    /// `[1][side, type, stp, match_limit][price, max_base, max_quote, client id, expiry, now: u64 LE]`
    Place = 1,
    /// `[2][order id: u64 LE]`, on the first trader.
    Cancel = 2,
    /// `[3][n: u8]`: apply up to `n` queued events to the trader accounts they name.
    Consume = 3,
    /// `[4][slot: u64 LE][commitment: 32]`: commit for the trader after the
    /// batch account (accounts: market parts, batch, trader).
    Commit = 4,
    /// `[5][entry: u32 LE][place params as in `Place`, without now][commitment: 32][slot, unix: u64 LE]`.
    Reveal = 5,
    /// `[6][slot, unix: u64 LE]`: clear the batch account's next batch.
    Clear = 6,
    /// `[7][target: u8]`: grow the bids (0), asks (1) or event queue (2) to
    /// the zeroed bytes their account holds past its capacity, as
    /// `grow_market` does after resizing it.
    Grow = 7,
}

pub const PLACE_LEN: usize = 1 + 4 + 6 * 8;

pub fn decode_op(data: &[u8]) -> Option<Op> {
    Some(match *data.first()? {
        0 => Op::Noop,
        1 => Op::Place,
        2 => Op::Cancel,
        3 => Op::Consume,
        4 => Op::Commit,
        5 => Op::Reveal,
        6 => Op::Clear,
        7 => Op::Grow,
        _ => return None,
    })
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
}

pub fn encode_place(p: &OrderParams, now: u64) -> [u8; PLACE_LEN] {
    let mut out = [0u8; PLACE_LEN];
    out[0] = Op::Place as u8;
    out[1] = p.side as u8;
    out[2] = p.order_type as u8;
    out[3] = p.self_trade as u8;
    out[4] = p.match_limit;
    for (i, v) in [
        p.price.get(),
        p.max_base.get(),
        p.max_quote.get(),
        p.client_order_id,
        p.expiry,
        now,
    ]
    .into_iter()
    .enumerate()
    {
        out[5 + 8 * i..13 + 8 * i].copy_from_slice(&v.to_le_bytes());
    }
    out
}

pub fn decode_place(data: &[u8]) -> Option<(OrderParams, u64)> {
    if data.len() != PLACE_LEN {
        return None;
    }
    let p = OrderParams {
        side: Side::try_from(data[1]).ok()?,
        order_type: OrderType::try_from(data[2]).ok()?,
        self_trade: SelfTradeMode::try_from(data[3]).ok()?,
        match_limit: data[4],
        price: Ticks(u64_at(data, 5)?),
        max_base: BaseLots(u64_at(data, 13)?),
        max_quote: QuoteAtoms(u64_at(data, 21)?),
        client_order_id: u64_at(data, 29)?,
        expiry: u64_at(data, 37)?,
    };
    Some((p, u64_at(data, 45)?))
}

pub fn encode_cancel(order_id: u64) -> [u8; 9] {
    let mut out = [Op::Cancel as u8; 9];
    out[1..].copy_from_slice(&order_id.to_le_bytes());
    out
}

pub fn decode_cancel(data: &[u8]) -> Option<u64> {
    if data.len() != 9 {
        None
    } else {
        u64_at(data, 1)
    }
}

pub fn encode_consume(n: u8) -> [u8; 2] {
    [Op::Consume as u8, n]
}

pub fn decode_consume(data: &[u8]) -> Option<u8> {
    if data.len() != 2 { None } else { Some(data[1]) }
}

/// Batch account position for `Commit`, `Reveal` and `Clear`; the trader follows it.
pub const BATCH: usize = 4;

pub const COMMIT_LEN: usize = 1 + 8 + 32;
pub const REVEAL_LEN: usize = 1 + 4 + 4 + 5 * 8 + 32 + 16;
pub const CLEAR_LEN: usize = 1 + 16;

pub fn encode_commit(slot: u64, commitment: &[u8; 32]) -> [u8; COMMIT_LEN] {
    let mut out = [0u8; COMMIT_LEN];
    out[0] = Op::Commit as u8;
    out[1..9].copy_from_slice(&slot.to_le_bytes());
    out[9..].copy_from_slice(commitment);
    out
}

pub fn decode_commit(data: &[u8]) -> Option<(u64, [u8; 32])> {
    if data.len() != COMMIT_LEN {
        return None;
    }
    Some((u64_at(data, 1)?, data[9..].try_into().ok()?))
}

/// A reveal of entry `index`: the order, its commitment, slot and unix time.
pub fn encode_reveal(
    index: u32,
    p: &OrderParams,
    commitment: &[u8; 32],
    slot: u64,
    unix: u64,
) -> [u8; REVEAL_LEN] {
    let mut out = [0u8; REVEAL_LEN];
    out[0] = Op::Reveal as u8;
    out[1..5].copy_from_slice(&index.to_le_bytes());
    // The place encoding without its op byte and its trailing `now`.
    out[5..5 + PLACE_LEN - 9].copy_from_slice(&encode_place(p, 0)[1..PLACE_LEN - 8]);
    let at = 5 + PLACE_LEN - 9;
    out[at..at + 32].copy_from_slice(commitment);
    out[at + 32..at + 40].copy_from_slice(&slot.to_le_bytes());
    out[at + 40..].copy_from_slice(&unix.to_le_bytes());
    out
}

pub fn decode_reveal(data: &[u8]) -> Option<(u32, OrderParams, [u8; 32], u64, u64)> {
    if data.len() != REVEAL_LEN {
        return None;
    }
    let index = u32::from_le_bytes(data[1..5].try_into().ok()?);
    let mut place = [0u8; PLACE_LEN];
    place[0] = Op::Place as u8;
    place[1..PLACE_LEN - 8].copy_from_slice(&data[5..5 + PLACE_LEN - 9]);
    let (p, _) = decode_place(&place)?;
    let at = 5 + PLACE_LEN - 9;
    let commitment = data[at..at + 32].try_into().ok()?;
    Some((
        index,
        p,
        commitment,
        u64_at(data, at + 32)?,
        u64_at(data, at + 40)?,
    ))
}

pub fn encode_clear(slot: u64, unix: u64) -> [u8; CLEAR_LEN] {
    let mut out = [0u8; CLEAR_LEN];
    out[0] = Op::Clear as u8;
    out[1..9].copy_from_slice(&slot.to_le_bytes());
    out[9..].copy_from_slice(&unix.to_le_bytes());
    out
}

pub fn decode_clear(data: &[u8]) -> Option<(u64, u64)> {
    if data.len() != CLEAR_LEN {
        return None;
    }
    Some((u64_at(data, 1)?, u64_at(data, 9)?))
}

pub fn encode_grow(target: GrowTarget) -> [u8; 2] {
    [Op::Grow as u8, target as u8]
}

pub fn decode_grow(data: &[u8]) -> Option<GrowTarget> {
    match data {
        [_, 0] => Some(GrowTarget::Bids),
        [_, 1] => Some(GrowTarget::Asks),
        [_, 2] => Some(GrowTarget::EventQueue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_round_trips() {
        let p = OrderParams {
            side: Side::Ask,
            order_type: OrderType::FillOrKill,
            self_trade: SelfTradeMode::CancelProvide,
            price: Ticks(7),
            max_base: BaseLots(9),
            max_quote: QuoteAtoms(11),
            client_order_id: 13,
            expiry: 17,
            match_limit: 19,
        };
        assert_eq!(decode_place(&encode_place(&p, 23)), Some((p, 23)));
        assert_eq!(decode_cancel(&encode_cancel(5)), Some(5));
        assert_eq!(decode_consume(&encode_consume(16)), Some(16));
        assert_eq!(decode_op(&[9]), None);
        assert_eq!(
            decode_commit(&encode_commit(3, &[4; 32])),
            Some((3, [4; 32]))
        );
        assert_eq!(
            decode_reveal(&encode_reveal(2, &p, &[5; 32], 6, 7)),
            Some((2, OrderParams { ..p }, [5; 32], 6, 7))
        );
        assert_eq!(decode_clear(&encode_clear(8, 9)), Some((8, 9)));
    }
}
