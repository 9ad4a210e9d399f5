//! The order-book program's entry as a native builtin: the node runs it this
//! way unless given `--program-so`, and `tests/program` registers it with
//! `solana-program-test` the same way, so both run one shim.

use std::cell::Cell;

use anchor_lang::prelude::{AccountInfo, Pubkey};

thread_local! {
    /// How many frames of the native program this thread is inside.
    static PROGRAM_FRAMES: Cell<u32> = const { Cell::new(0) };
}

/// The program's entry with independent lifetimes, as `solana-program-test`'s
/// `processor!` and LiteSVM's builtins want; Anchor's `entry` ties them together.
pub fn process(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    log_into_transactions();
    let _frame = ProgramFrame::enter();
    // SAFETY: the runtime keeps every account alive for the whole call; only
    // the lifetime parameters differ.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    orderbook::entry(program_id, accounts, data)
}

/// Send the program's `msg!` lines into the running transaction's log as
/// `Program log: …`, where a validator's `sol_log_` syscall writes them
/// (upstream's native `msg!` prints to stdout instead; see the patched
/// `solana-msg`). Outside the program, `msg!` still prints.
fn log_into_transactions() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        solana_msg::set_native_logger(|message| {
            if PROGRAM_FRAMES.get() == 0 {
                return false;
            }
            // `solana-program-test`'s stub: into the current invoke context's log collector.
            solana_sysvar::program_stubs::sol_log(message);
            true
        });
    });
}

/// One frame of the native program on this thread, for as long as it lives
/// (also when the program panics: the runtime catches it).
struct ProgramFrame;

impl ProgramFrame {
    fn enter() -> ProgramFrame {
        PROGRAM_FRAMES.set(PROGRAM_FRAMES.get() + 1);
        ProgramFrame
    }
}

impl Drop for ProgramFrame {
    fn drop(&mut self) {
        PROGRAM_FRAMES.set(PROGRAM_FRAMES.get() - 1);
    }
}
