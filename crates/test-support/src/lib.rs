//! The one home of what the Rust tests and benches share, kept out of every
//! production crate: a node for tests ([`node`]), loopback ports and child
//! processes ([`process`]), scratch databases ([`db`]), a synthetic event
//! stream ([`synthetic`]) and percentiles ([`stats`]). The TypeScript suites
//! have their counterpart in `tests/support/`.

use std::time::Duration;

pub mod db;
pub mod node;
pub mod process;
pub mod stats;
pub mod synthetic;

/// A test node's slot: short, so tests see every commitment quickly.
pub const TEST_SLOT: Duration = Duration::from_millis(50);
/// A test node's finality lag in slots (a validator's is 32).
pub const TEST_FINALITY_LAG: u64 = 4;
/// How long a test waits for a state it needs (a confirmation, a
/// notification, a process answering) before failing: it bounds a hang on a
/// machine whose CPUs and disk are busy, it is not a speed requirement.
pub const STATE_DEADLINE: Duration = Duration::from_secs(120);
