//! Token movements (always `transfer_checked`, SPL Token and Token-2022) and
//! the Token-2022 mint extension allowlist.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::{self, CloseAccount, TransferChecked};

use crate::error::OrderbookError;
use crate::state::MARKET_AUTHORITY_SEED;

/// Token-2022 mint extensions that leave escrow accounting exact. Anything
/// else (transfer fees, transfer hooks, non-transferable, permanent delegate,
/// confidential transfers, default-frozen accounts, pausable, …) is refused
/// at market creation: with them the vault would not receive, keep or pay
/// exactly the amounts the program books.
///
/// `MintCloseAuthority` is refused too: an issuer could close a zero-supply
/// mint and re-create the same address with a permanent delegate, then move
/// deposits out of the vault. Extensions are only checked at creation, so
/// the mint must be unable to change them afterwards.
const ALLOWED_MINT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::InterestBearingConfig,
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
    ExtensionType::ScaledUiAmount,
];

/// Refuse a mint whose extensions would break escrow accounting.
pub fn check_mint_extensions(mint: &AccountInfo<'_>) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    for ext in state.get_extension_types()? {
        if !ALLOWED_MINT_EXTENSIONS.contains(&ext) {
            msg!("mint {} has unsupported extension {:?}", mint.key(), ext);
            return err!(OrderbookError::UnsupportedMintExtension);
        }
    }
    Ok(())
}

/// The accounts of one token movement between a wallet and a vault.
pub struct TokenMove<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub decimals: u8,
    pub vault: &'a AccountInfo<'info>,
    pub wallet: &'a AccountInfo<'info>,
}

impl<'info> TokenMove<'_, 'info> {
    /// Wallet → vault, signed by the wallet's owner.
    pub fn deposit(&self, owner: &AccountInfo<'info>, amount: u64) -> Result<()> {
        token_interface::transfer_checked(
            CpiContext::new(
                self.token_program.key(),
                TransferChecked {
                    from: self.wallet.clone(),
                    mint: self.mint.clone(),
                    to: self.vault.clone(),
                    authority: owner.clone(),
                },
            ),
            amount,
            self.decimals,
        )
    }

    /// Vault → wallet, signed by the market authority PDA.
    pub fn withdraw(
        &self,
        market_authority: &AccountInfo<'info>,
        market: &Pubkey,
        bump: u8,
        amount: u64,
    ) -> Result<()> {
        let seeds: &[&[u8]] = &[MARKET_AUTHORITY_SEED, market.as_ref(), &[bump]];
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                self.token_program.key(),
                TransferChecked {
                    from: self.vault.clone(),
                    mint: self.mint.clone(),
                    to: self.wallet.clone(),
                    authority: market_authority.clone(),
                },
                &[seeds],
            ),
            amount,
            self.decimals,
        )
    }
}

/// Close an empty vault, sending its rent to `destination`.
pub fn close_vault<'info>(
    token_program: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    destination: &AccountInfo<'info>,
    market_authority: &AccountInfo<'info>,
    market: &Pubkey,
    bump: u8,
) -> Result<()> {
    let seeds: &[&[u8]] = &[MARKET_AUTHORITY_SEED, market.as_ref(), &[bump]];
    token_interface::close_account(CpiContext::new_with_signer(
        token_program.key(),
        CloseAccount {
            account: vault.clone(),
            destination: destination.clone(),
            authority: market_authority.clone(),
        },
        &[seeds],
    ))
}
