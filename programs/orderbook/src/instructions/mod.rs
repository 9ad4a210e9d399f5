// Anchor's `#[program]` needs each accounts struct and its generated client
// modules at the crate root, hence the glob re-exports; every module's
// `handler` is always called by its full path.
#![allow(ambiguous_glob_reexports)]

pub mod cancel;
pub mod clear_batch;
pub mod close_market;
pub mod close_trader_account;
pub mod commit_encrypted_order;
pub mod commit_order;
pub mod consume_events;
pub mod create_market;
pub mod deposit;
pub mod enable_batch_mode;
pub mod grow_market;
pub mod open_trader_account;
pub mod place_order;
pub mod prune_expired;
pub mod queue_cancel;
pub mod queue_post_only;
pub mod reveal_order;
pub mod set_market_status;
pub mod settle_trader;
pub mod sweep_fees;
pub mod sweep_forfeits;
pub mod withdraw;

pub use cancel::*;
pub use clear_batch::*;
pub use close_market::*;
pub use close_trader_account::*;
pub use commit_encrypted_order::*;
pub use commit_order::*;
pub use consume_events::*;
pub use create_market::*;
pub use deposit::*;
pub use enable_batch_mode::*;
pub use grow_market::*;
pub use open_trader_account::*;
pub use place_order::*;
pub use prune_expired::*;
pub use queue_cancel::*;
pub use queue_post_only::*;
pub use reveal_order::*;
pub use set_market_status::*;
pub use settle_trader::*;
pub use sweep_fees::*;
pub use sweep_forfeits::*;
pub use withdraw::*;
