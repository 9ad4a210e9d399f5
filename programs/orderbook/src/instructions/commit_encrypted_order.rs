//! Commit a sealed order with its ciphertext (issue 26): the order and
//! salt time-lock encrypted (tlock) to a round of the beacon the market
//! names, so any keeper can reveal it once the round is published and the
//! trader may go offline. The program cannot check a decryption: the
//! commitment still binds the order, and a ciphertext that decrypts to
//! anything else is never revealed (its bond forfeits). The ciphertext is
//! emitted (`OrderEncrypted`), not stored (docs/adr/0012).

use anchor_lang::prelude::*;

use crate::error::OrderbookError;
use crate::instructions::commit_order::{CommitOrder, commit};

/// Longest ciphertext a commit carries: tlock's age format makes 563 bytes
/// of a 96-byte order and salt, and a commit carrying 704 signed by a fee
/// payer and the owner is 1,189 bytes of a packet's 1,232 (measured in
/// `tests/program`).
pub const MAX_ORDER_CIPHERTEXT_BYTES: usize = 704;

pub fn handler(
    ctx: Context<CommitOrder>,
    batch: u64,
    commitment: [u8; 32],
    ciphertext: Vec<u8>,
) -> Result<()> {
    require!(
        (1..=MAX_ORDER_CIPHERTEXT_BYTES).contains(&ciphertext.len()),
        OrderbookError::CiphertextLength
    );
    let a = &ctx.accounts;
    commit(a, batch, commitment, Some(ciphertext))?.emit(&a.event_authority)
}
