//! Reading SPL Token and Token-2022 accounts (both layouts start the same;
//! Token-2022 appends extensions, which `StateWithExtensions` skips).

use solana_account::Account;
use solana_program_pack::Pack;
use solana_pubkey::Pubkey;
use spl_token_2022_interface::extension::StateWithExtensions;
use spl_token_2022_interface::state::{Account as TokenAccount, Mint};

pub fn is_token_program(program: &Pubkey) -> bool {
    *program == spl_token_interface::ID || *program == spl_token_2022_interface::ID
}

/// The token account state, if `account` is one.
pub fn token_account(account: &Account) -> Option<TokenAccount> {
    if !is_token_program(&account.owner) || account.data.len() < TokenAccount::LEN {
        return None;
    }
    StateWithExtensions::<TokenAccount>::unpack(&account.data)
        .ok()
        .map(|state| state.base)
}

/// The mint state, if `account` is one.
pub fn mint(account: &Account) -> Option<Mint> {
    if !is_token_program(&account.owner) || account.data.len() < Mint::LEN {
        return None;
    }
    // A 165-byte token account is never a mint, but both start with
    // data Mint::unpack may accept; the account type byte settles it.
    if account.data.len() == TokenAccount::LEN {
        return None;
    }
    StateWithExtensions::<Mint>::unpack(&account.data)
        .ok()
        .map(|state| state.base)
}

pub fn mint_decimals(account: &Account) -> Option<u8> {
    mint(account).map(|m| m.decimals)
}
