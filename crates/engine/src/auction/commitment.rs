//! What a sealed order's commitment hashes. `commit_order` records
//! `sha256(preimage)`; `reveal_order` rebuilds the preimage from the
//! revealed parameters and salt and compares. The preimage binds the market,
//! the owner and the batch, so a reveal can be sent by anyone holding the
//! plaintext and cannot be replayed elsewhere. The engine only lays the
//! bytes out; hashing is the caller's (the SHA-256 syscall on-chain).
//!
//! Layout (little-endian integers), 172 bytes:
//! `DOMAIN[25] ‖ market[32] ‖ owner[32] ‖ batch u64 ‖ side u8 ‖ order type u8
//! ‖ self-trade u8 ‖ price u64 ‖ lots u64 ‖ quote limit u64 ‖ client order id
//! u64 ‖ expiry u64 ‖ salt[32]`.

use crate::order::OrderParams;

/// Domain separator: versioned, so a layout change cannot collide.
pub const COMMITMENT_DOMAIN: [u8; 25] = *b"orderbook/sealed-order/v1";
/// Bytes of a commitment preimage.
pub const COMMITMENT_PREIMAGE_LEN: usize = 25 + 32 + 32 + 8 + 3 + 5 * 8 + 32;

/// The bytes whose SHA-256 is the commitment to `order` in `batch`.
pub fn commitment_preimage(
    market: &[u8; 32],
    owner: &[u8; 32],
    batch: u64,
    order: &OrderParams,
    salt: &[u8; 32],
) -> [u8; COMMITMENT_PREIMAGE_LEN] {
    let mut out = [0u8; COMMITMENT_PREIMAGE_LEN];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&COMMITMENT_DOMAIN);
    put(market);
    put(owner);
    put(&batch.to_le_bytes());
    put(&[
        order.side as u8,
        order.order_type as u8,
        order.self_trade as u8,
    ]);
    put(&order.price.get().to_le_bytes());
    put(&order.max_base.get().to_le_bytes());
    put(&order.max_quote.get().to_le_bytes());
    put(&order.client_order_id.to_le_bytes());
    put(&order.expiry.to_le_bytes());
    put(salt);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{OrderType, Side};
    use crate::quantity::{BaseLots, Ticks};

    #[test]
    fn every_field_lands_at_its_offset() {
        let mut order = OrderParams::new(
            Side::Ask,
            OrderType::ImmediateOrCancel,
            Ticks::new(7),
            BaseLots::new(9),
        );
        order.client_order_id = 0x0102;
        order.expiry = 3;
        let p = commitment_preimage(&[1; 32], &[2; 32], 5, &order, &[4; 32]);
        assert_eq!(&p[..25], b"orderbook/sealed-order/v1");
        assert_eq!(p[25..57], [1; 32]);
        assert_eq!(p[57..89], [2; 32]);
        assert_eq!(p[89..97], 5u64.to_le_bytes());
        assert_eq!(p[97..100], [1, 3, 0]);
        assert_eq!(p[100..108], 7u64.to_le_bytes());
        assert_eq!(p[108..116], 9u64.to_le_bytes());
        assert_eq!(p[116..124], u64::MAX.to_le_bytes());
        assert_eq!(p[124..132], 0x0102u64.to_le_bytes());
        assert_eq!(p[132..140], 3u64.to_le_bytes());
        assert_eq!(p[140..], [4; 32]);
    }
}
