//! Reading SPL Token and Token-2022 accounts (both layouts start the same;
//! Token-2022 appends extensions, which `StateWithExtensions` skips).

use solana_account::ReadableAccount;
use solana_program_pack::Pack;
use solana_pubkey::Pubkey;
use spl_token_2022_interface::extension::StateWithExtensions;
use spl_token_2022_interface::state::{Account as TokenAccount, Mint};

pub fn is_token_program(program: &Pubkey) -> bool {
    *program == spl_token_interface::ID || *program == spl_token_2022_interface::ID
}

/// The token account state, if `account` is one.
pub fn token_account(account: &impl ReadableAccount) -> Option<TokenAccount> {
    let data = account.data();
    if !is_token_program(account.owner()) || data.len() < TokenAccount::LEN {
        return None;
    }
    StateWithExtensions::<TokenAccount>::unpack(data)
        .ok()
        .map(|state| state.base)
}

/// The mint state, if `account` is one.
pub fn mint(account: &impl ReadableAccount) -> Option<Mint> {
    let data = account.data();
    if !is_token_program(account.owner()) || data.len() < Mint::LEN {
        return None;
    }
    // A 165-byte token account is never a mint, but both start with
    // data Mint::unpack may accept; the account type byte settles it.
    if data.len() == TokenAccount::LEN {
        return None;
    }
    StateWithExtensions::<Mint>::unpack(data)
        .ok()
        .map(|state| state.base)
}

pub fn mint_decimals(account: &impl ReadableAccount) -> Option<u8> {
    mint(account).map(|m| m.decimals)
}
