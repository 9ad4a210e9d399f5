//! Program accounts. The book sides and the event queue are raw engine
//! layouts behind an 8-byte Anchor discriminator; the market and trader
//! accounts embed the engine's headers next to the program's own fields.

mod batch;
mod market;
mod trader;

pub use batch::*;
pub use market::*;
pub use trader::*;

use anchor_lang::prelude::constant;

/// PDA seed of the account that owns a market's vaults.
#[constant]
pub const MARKET_AUTHORITY_SEED: &[u8] = b"market_authority";
/// PDA seeds of a market's token vaults: `[VAULT_SEED, market, BASE_VAULT_SEED]`
/// and `[VAULT_SEED, market, QUOTE_VAULT_SEED]`.
#[constant]
pub const VAULT_SEED: &[u8] = b"vault";
#[constant]
pub const BASE_VAULT_SEED: &[u8] = b"base";
#[constant]
pub const QUOTE_VAULT_SEED: &[u8] = b"quote";
/// PDA seed of a trader account: `[TRADER_SEED, market, owner]`.
#[constant]
pub const TRADER_SEED: &[u8] = b"trader";
