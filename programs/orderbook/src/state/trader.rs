use anchor_lang::prelude::*;
use orderbook_engine::TraderState;

/// One trader's escrow on one market: PDA `[TRADER_SEED, market, owner]`.
/// Byte budget: 1,216 = 2 × 32 keys + 8 (bump, padding) + 56 reserved
/// + 1,088 engine trader state.
#[account(zero_copy)]
#[repr(C)]
pub struct TraderAccount {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub bump: u8,
    pub _pad: [u8; 7],
    /// u64s so the struct is 8-aligned: off-chain copies then keep `state` aligned.
    pub _reserved: [u64; 7],
    /// The engine's `TraderState` (free/locked balances in atoms, open-order
    /// slots) as bytes; use [`TraderAccount::state`] / [`TraderAccount::state_mut`].
    pub state: [u8; 1088],
}
const _: () = assert!(std::mem::size_of::<TraderAccount>() == 1216);
const _: () = assert!(std::mem::align_of::<TraderAccount>() == 8);
const _: () = assert!(std::mem::size_of::<TraderState>() == 1088);

impl TraderAccount {
    pub fn state(&self) -> &TraderState {
        bytemuck::from_bytes(&self.state)
    }

    pub fn state_mut(&mut self) -> &mut TraderState {
        bytemuck::from_bytes_mut(&mut self.state)
    }
}
