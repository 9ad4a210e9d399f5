//! `solana-msg` 3.1.0 with one addition, [`set_native_logger`].
//!
//! Upstream, `msg!` in a native (host) build prints to stdout: a program run
//! natively (the local node without `--program-so`, `solana-program-test`)
//! writes nothing into its transaction's log, so its `Program log:` lines
//! (Anchor's `Instruction: …` and `AnchorError …`) never reach a client. The
//! node sets a logger that writes them where the runtime keeps the
//! transaction's log. On SBF (`target_os = "solana"`) nothing changes.
#![no_std]
#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// We re-export the `format!` macro from `alloc` for use in the `msg!` macro
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use alloc::format;

/// Print a message to the log.
///
/// Supports simple strings as well as Rust format strings. When passed a
/// single expression it will be passed directly to [`sol_log`]; otherwise
/// the tokens go through `format!` first.
#[cfg(feature = "alloc")]
#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&$crate::format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls;

/// A native build's logger: returns whether it took the message (false: it
/// goes to stdout, as upstream).
#[cfg(all(not(target_os = "solana"), feature = "std"))]
pub type NativeLogger = fn(&str) -> bool;

#[cfg(all(not(target_os = "solana"), feature = "std"))]
static NATIVE_LOGGER: std::sync::OnceLock<NativeLogger> = std::sync::OnceLock::new();

/// Route every later `msg!`/[`sol_log`] of this process through `logger`.
/// Set once; returns false (and keeps the first) when one is already set.
#[cfg(all(not(target_os = "solana"), feature = "std"))]
pub fn set_native_logger(logger: NativeLogger) -> bool {
    NATIVE_LOGGER.set(logger).is_ok()
}

/// Print a string to the log.
#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    #[cfg(all(not(target_os = "solana"), feature = "std"))]
    if !NATIVE_LOGGER.get().is_some_and(|logger| logger(message)) {
        std::println!("{message}");
    }

    #[cfg(all(not(target_os = "solana"), not(feature = "std")))]
    core::hint::black_box(message);
}
