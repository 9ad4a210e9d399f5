//! Sealed orders for the batch auction mode (issue 25): the commitment a
//! trader signs with `commit_order`, hashed with the same SHA-256 the program
//! uses (the syscall on-chain, `sha2` off it) over the engine's preimage.

use anchor_lang::prelude::Pubkey;
use orderbook_engine::OrderParams;
use orderbook_engine::auction::commitment_preimage;

/// The 32-byte commitment to `order` in `batch` of `market` by `owner`.
pub fn commitment(
    market: &Pubkey,
    owner: &Pubkey,
    batch: u64,
    order: &OrderParams,
    salt: &[u8; 32],
) -> [u8; 32] {
    let preimage = commitment_preimage(&market.to_bytes(), &owner.to_bytes(), batch, order, salt);
    solana_sha256_hasher::hashv(&[&preimage]).to_bytes()
}

/// What an encrypted order hides (issue 26): everything its reveal needs,
/// version byte first, then the order (borsh, as `reveal_order` takes it),
/// then the salt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealPayload {
    pub order: orderbook::instructions::PlaceOrderArgs,
    pub salt: [u8; 32],
}

/// [`RevealPayload`]'s format version.
pub const REVEAL_PAYLOAD_VERSION: u8 = 1;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("not a version {REVEAL_PAYLOAD_VERSION} reveal payload")]
    Version,
    #[error("the payload does not hold an order and a 32-byte salt, exactly")]
    Malformed,
}

impl RevealPayload {
    pub fn to_bytes(&self) -> Vec<u8> {
        use anchor_lang::AnchorSerialize;
        let mut out = vec![REVEAL_PAYLOAD_VERSION];
        self.order
            .serialize(&mut out)
            .expect("writing to a Vec cannot fail");
        out.extend_from_slice(&self.salt);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PayloadError> {
        use anchor_lang::AnchorDeserialize;
        let (&version, mut rest) = bytes.split_first().ok_or(PayloadError::Version)?;
        if version != REVEAL_PAYLOAD_VERSION {
            return Err(PayloadError::Version);
        }
        let order = orderbook::instructions::PlaceOrderArgs::deserialize(&mut rest)
            .map_err(|_| PayloadError::Malformed)?;
        let salt = <[u8; 32]>::try_from(rest).map_err(|_| PayloadError::Malformed)?;
        Ok(Self { order, salt })
    }

    /// Whether this payload is the order `commitment` binds for `owner` in
    /// `batch` of `market`.
    pub fn opens(
        &self,
        market: &Pubkey,
        owner: &Pubkey,
        batch: u64,
        commitment: &[u8; 32],
    ) -> bool {
        commitment_matches(
            market,
            owner,
            batch,
            &self.order.to_engine(),
            &self.salt,
            commitment,
        )
    }
}

fn commitment_matches(
    market: &Pubkey,
    owner: &Pubkey,
    batch: u64,
    order: &OrderParams,
    salt: &[u8; 32],
    want: &[u8; 32],
) -> bool {
    &commitment(market, owner, batch, order, salt) == want
}

/// Solana's target slot time, milliseconds: what a [`SlotPace`] assumes
/// until it has measured one.
pub const TARGET_SLOT_MS: u64 = 400;

/// How fast a node's slots go, measured from two readings at least
/// [`SlotPace::MIN_SPAN`] apart (the first one and the latest), else
/// Solana's target: how far ahead a reveal window's beacon round is
/// reckoned (`@orderbook/client`'s `SlotPace` does the same in a page).
#[derive(Clone, Copy, Debug)]
pub struct SlotPace {
    first: Option<(u64, std::time::Instant)>,
    latest: Option<(u64, std::time::Instant)>,
}

impl SlotPace {
    pub const MIN_SPAN: std::time::Duration = std::time::Duration::from_secs(2);

    pub const fn new() -> Self {
        Self {
            first: None,
            latest: None,
        }
    }

    /// The node was at `slot` at `at`.
    pub fn observe(&mut self, slot: u64, at: std::time::Instant) {
        match self.first {
            Some((first, since)) if slot >= first && at >= since => {}
            _ => self.first = Some((slot, at)), // the first reading, or another node
        }
        self.latest = Some((slot, at));
    }

    /// Milliseconds per slot.
    pub fn ms_per_slot(&self) -> f64 {
        match (self.first, self.latest) {
            (Some((s0, t0)), Some((s1, t1)))
                if s1 > s0 && t1.duration_since(t0) >= Self::MIN_SPAN =>
            {
                t1.duration_since(t0).as_secs_f64() * 1e3 / (s1 - s0) as f64
            }
            _ => TARGET_SLOT_MS as f64,
        }
    }
}

impl Default for SlotPace {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod pace_tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_pace_is_measured_over_two_seconds_and_the_target_before() {
        let start = Instant::now();
        let mut pace = SlotPace::new();
        assert_eq!(pace.ms_per_slot(), 400.0);
        pace.observe(100, start);
        pace.observe(110, start + Duration::from_secs(1));
        assert_eq!(pace.ms_per_slot(), 400.0, "one second is too short a span");
        pace.observe(130, start + Duration::from_secs(3));
        assert_eq!(pace.ms_per_slot(), 100.0);
        // Another node (its slot behind): measured again from there.
        pace.observe(7, start + Duration::from_secs(4));
        assert_eq!(pace.ms_per_slot(), 400.0);
    }
}

#[cfg(test)]
mod payload_tests {
    use super::*;
    use orderbook::instructions::PlaceOrderArgs;
    use orderbook::types::{OrderType, Side};

    #[test]
    fn a_payload_round_trips_opens_its_commitment_only_and_refuses_bad_bytes() {
        let p = RevealPayload {
            order: PlaceOrderArgs {
                client_order_id: 77,
                ..PlaceOrderArgs::new(Side::Bid, OrderType::Limit, 10_050, 30)
            },
            salt: [9; 32],
        };
        let bytes = p.to_bytes();
        assert_eq!(RevealPayload::from_bytes(&bytes), Ok(p.clone()));
        let (market, owner) = (Pubkey::new_unique(), Pubkey::new_unique());
        let c = commitment(&market, &owner, 3, &p.order.to_engine(), &p.salt);
        assert!(p.opens(&market, &owner, 3, &c));
        assert!(!p.opens(&market, &owner, 4, &c), "another batch");
        assert!(
            !p.opens(&market, &Pubkey::new_unique(), 3, &c),
            "another owner"
        );
        let mut other = bytes.clone();
        other[0] = 2;
        assert_eq!(
            RevealPayload::from_bytes(&other),
            Err(PayloadError::Version)
        );
        assert_eq!(RevealPayload::from_bytes(&[]), Err(PayloadError::Version));
        let short = &bytes[..bytes.len() - 1];
        assert_eq!(
            RevealPayload::from_bytes(short),
            Err(PayloadError::Malformed)
        );
        let long = [bytes.as_slice(), &[0]].concat();
        assert_eq!(
            RevealPayload::from_bytes(&long),
            Err(PayloadError::Malformed)
        );
    }
}
