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
