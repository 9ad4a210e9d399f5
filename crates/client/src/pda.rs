//! Program-derived addresses.

use anchor_lang::prelude::Pubkey;
use orderbook::state::{
    BASE_VAULT_SEED, MARKET_AUTHORITY_SEED, QUOTE_VAULT_SEED, TRADER_SEED, VAULT_SEED,
};
use orderbook::types::TokenKind;

/// The PDA that owns a market's vaults.
pub fn market_authority(market: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[MARKET_AUTHORITY_SEED, market.as_ref()], &orderbook::ID).0
}

/// A market's base or quote vault.
pub fn vault(market: &Pubkey, token: TokenKind) -> Pubkey {
    let which = match token {
        TokenKind::Base => BASE_VAULT_SEED,
        TokenKind::Quote => QUOTE_VAULT_SEED,
    };
    Pubkey::find_program_address(&[VAULT_SEED, market.as_ref(), which], &orderbook::ID).0
}

/// `owner`'s trader account on `market`.
pub fn trader(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[TRADER_SEED, market.as_ref(), owner.as_ref()],
        &orderbook::ID,
    )
    .0
}

/// Anchor's event authority (signer of the event self-CPI).
pub fn event_authority() -> Pubkey {
    orderbook::EVENT_AUTHORITY_AND_BUMP.0
}

/// The SPL associated token account program.
pub const ASSOCIATED_TOKEN_PROGRAM_ID: Pubkey =
    anchor_lang::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// `owner`'s associated token account for `mint` under `token_program`.
pub fn associated_token(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[owner.as_ref(), token_program.as_ref(), mint.as_ref()],
        &ASSOCIATED_TOKEN_PROGRAM_ID,
    )
    .0
}
