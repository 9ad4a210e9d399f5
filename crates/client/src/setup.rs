//! Builders for the token plumbing around a market (mints, token accounts,
//! minting), shared by tests, benches and the local demo. Works for SPL
//! Token and Token-2022 (both accept these instructions).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022;

/// Bytes of a mint without extensions.
pub const MINT_LEN: usize = spl_token_2022::state::Mint::LEN;
/// Bytes of a token account without extensions.
pub const TOKEN_ACCOUNT_LEN: usize = spl_token_2022::state::Account::LEN;

/// Create and initialise a mint at `mint` (a new keypair's address).
pub fn create_mint(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    token_program: &Pubkey,
    decimals: u8,
    rent: u64,
) -> Vec<Instruction> {
    vec![
        system_instruction::create_account(payer, mint, rent, MINT_LEN as u64, token_program),
        spl_token_2022::instruction::initialize_mint2(
            token_program,
            mint,
            authority,
            None,
            decimals,
        )
        .expect("token program id is SPL Token or Token-2022"),
    ]
}

/// Create and initialise a token account at `account` owned by `owner`.
pub fn create_token_account(
    payer: &Pubkey,
    account: &Pubkey,
    mint: &Pubkey,
    owner: &Pubkey,
    token_program: &Pubkey,
    rent: u64,
) -> Vec<Instruction> {
    vec![
        system_instruction::create_account(
            payer,
            account,
            rent,
            TOKEN_ACCOUNT_LEN as u64,
            token_program,
        ),
        spl_token_2022::instruction::initialize_account3(token_program, account, mint, owner)
            .expect("token program id is SPL Token or Token-2022"),
    ]
}

/// Mint `amount` to `to`, signed by the mint `authority`.
pub fn mint_to(
    token_program: &Pubkey,
    mint: &Pubkey,
    to: &Pubkey,
    authority: &Pubkey,
    amount: u64,
) -> Instruction {
    spl_token_2022::instruction::mint_to(token_program, mint, to, authority, &[], amount)
        .expect("token program id is SPL Token or Token-2022")
}

/// The token amount held by a token account's data.
pub fn token_amount(data: &[u8]) -> Option<u64> {
    spl_token_2022::state::Account::unpack_from_slice(data.get(..TOKEN_ACCOUNT_LEN)?)
        .ok()
        .map(|a| a.amount)
}

/// Create `owner`'s associated token account for `mint` unless it exists
/// (paid by `payer`).
pub fn create_associated_token_idempotent(
    payer: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
        payer,
        owner,
        mint,
        token_program,
    )
}

/// What a faucet needs of a mint: who may mint and its decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintInfo {
    pub mint_authority: Option<Pubkey>,
    pub decimals: u8,
}

/// A mint's authority and decimals from its account data (SPL Token or
/// Token-2022; extensions after the base layout are ignored).
pub fn mint_info(data: &[u8]) -> Option<MintInfo> {
    let mint = spl_token_2022::state::Mint::unpack_from_slice(data.get(..MINT_LEN)?).ok()?;
    mint.is_initialized.then_some(MintInfo {
        mint_authority: mint.mint_authority.into(),
        decimals: mint.decimals,
    })
}
