//! The order-book program's entry as a native builtin: the node runs it this
//! way unless given `--program-so`, and `tests/program` registers it with
//! `solana-program-test` the same way, so both run one shim.

use anchor_lang::prelude::{AccountInfo, Pubkey};

/// The program's entry with independent lifetimes, as `solana-program-test`'s
/// `processor!` and LiteSVM's builtins want; Anchor's `entry` ties them together.
pub fn process(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: the runtime keeps every account alive for the whole call; only
    // the lifetime parameters differ.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    orderbook::entry(program_id, accounts, data)
}
