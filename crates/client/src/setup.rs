//! Builders for the token plumbing around a market (mints, token accounts,
//! minting), shared by tests, benches and the local demo. Works for SPL
//! Token and Token-2022 (both accept these instructions).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022;
use spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions, metadata_pointer,
};
use spl_token_metadata_interface::state::TokenMetadata;

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

/// A token's name and symbol, as a Token-2022 mint's metadata extension holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName {
    pub name: String,
    pub symbol: String,
}

/// Bytes of a Token-2022 mint with a metadata pointer, before its metadata is written.
fn pointer_mint_len() -> usize {
    ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(&[
        ExtensionType::MetadataPointer,
    ])
    .expect("a mint with one fixed-size extension")
}

fn metadata_of(mint: &Pubkey, authority: &Pubkey, token: &TokenName) -> TokenMetadata {
    TokenMetadata {
        update_authority: Some(*authority).try_into().expect("a non-zero authority"),
        mint: *mint,
        name: token.name.clone(),
        symbol: token.symbol.clone(),
        ..TokenMetadata::default()
    }
}

/// Bytes a mint made by [`create_mint_with_metadata`] holds once its
/// metadata is written: what its rent must cover (Token-2022 grows the
/// account for the metadata but takes no lamports for it).
pub fn mint_with_metadata_size(mint: &Pubkey, authority: &Pubkey, token: &TokenName) -> usize {
    let metadata = metadata_of(mint, authority, token)
        .tlv_size_of()
        .expect("metadata of bounded size");
    pointer_mint_len() + metadata
}

/// Create a Token-2022 mint at `mint` that names itself: a metadata pointer
/// to its own account and the metadata extension with `token`'s name and
/// symbol, `authority` minting and updating it. `rent` must cover
/// [`mint_with_metadata_size`].
pub fn create_mint_with_metadata(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    decimals: u8,
    token: &TokenName,
    rent: u64,
) -> Vec<Instruction> {
    let program = anchor_spl::token_2022::ID;
    let len = pointer_mint_len() as u64;
    vec![
        system_instruction::create_account(payer, mint, rent, len, &program),
        metadata_pointer::instruction::initialize(&program, mint, Some(*authority), Some(*mint))
            .expect("Token-2022"),
        spl_token_2022::instruction::initialize_mint2(&program, mint, authority, None, decimals)
            .expect("Token-2022"),
        spl_token_metadata_interface::instruction::initialize(
            &program,
            mint,
            authority,
            mint,
            authority,
            token.name.clone(),
            token.symbol.clone(),
            String::new(),
        ),
    ]
}

/// The name and symbol in a mint's own metadata extension (Token-2022), or
/// None: an SPL Token mint, or one without metadata in its account.
pub fn token_name(data: &[u8]) -> Option<TokenName> {
    let mint = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(data).ok()?;
    let metadata = mint.get_variable_len_extension::<TokenMetadata>().ok()?;
    Some(TokenName {
        name: metadata.name,
        symbol: metadata.symbol,
    })
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
