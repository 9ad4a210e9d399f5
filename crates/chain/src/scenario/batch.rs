//! Sealed batch markets (issue 25) through any [`Chain`]: make a market a
//! batch market, commit and reveal sealed orders, queue post-only orders.

use anchor_lang::prelude::Clock;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::solana_program::sysvar::SysvarId;
use orderbook::error::OrderbookError;
use orderbook::instructions::{BatchModeArgs, PlaceOrderArgs};
use orderbook::types::{DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS, DEFAULT_REVEAL_SLOTS};
use orderbook_client::accounts::{self as decode, Batches};
use orderbook_client::events::ProgramEvent;
use orderbook_client::{ix, sealed};
use solana_keypair::{Keypair, Signer};

use super::{MarketSetup, TraderSetup, send};
use crate::{Chain, ChainError};

/// Attempts of [`commit_sealed`]: each one that lands after its batch's
/// commit window closed is refused (bond untouched) and re-hashed for the
/// batch open then.
pub const COMMIT_ATTEMPTS: usize = 8;

/// The batch mode the demo and the tests use unless they need other
/// windows: the default windows (commit 2, grace 4, reveal 8 slots), a bond
/// of 0.001 SOL, a commit fee of 10,000 lamports, 16 entries per batch and
/// 4 commitments per trader.
pub fn standard_batch_args() -> BatchModeArgs {
    BatchModeArgs {
        commit_slots: DEFAULT_COMMIT_SLOTS,
        grace_slots: DEFAULT_GRACE_SLOTS,
        reveal_slots: DEFAULT_REVEAL_SLOTS,
        bond_lamports: 1_000_000,
        commit_fee_lamports: 10_000,
        entries_per_batch: 16,
        entries_per_trader: 4,
        beacon_chain_hash: [0; 32],
    }
}

/// Make `m` (books still empty) a sealed batch market: allocate its batch
/// account, three batches' worth of entries, and enable batch mode. Returns
/// the batch account's address.
pub async fn enable_batch_mode<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    args: BatchModeArgs,
) -> Result<Pubkey, ChainError> {
    let batch = Keypair::new();
    let len = ix::batch_account_size(3 * args.entries_per_batch);
    let rent = chain.minimum_balance(len).await?;
    let ixs = [
        system_instruction::create_account(
            &payer.pubkey(),
            &batch.pubkey(),
            rent,
            len as u64,
            &orderbook::ID,
        ),
        ix::enable_batch_mode(&m.authority.pubkey(), &m.keys, &batch.pubkey(), args),
    ];
    send(chain, payer, &ixs, &[&batch, &m.authority]).await?;
    Ok(batch.pubkey())
}

/// The chain's current slot (the batch clock), from the Clock sysvar, whose
/// first field it is.
pub async fn chain_slot<C: Chain + ?Sized>(chain: &C) -> Result<u64, ChainError> {
    let account = chain
        .account(&Clock::id())
        .await?
        .ok_or_else(|| ChainError::Rpc("clock sysvar not found".into()))?;
    let slot = account
        .data
        .get(..8)
        .ok_or_else(|| ChainError::Rpc("clock sysvar too short".into()))?;
    Ok(u64::from_le_bytes(slot.try_into().expect("8 bytes")))
}

/// The batch account `batch`, decoded.
pub async fn batches<C: Chain + ?Sized>(chain: &C, batch: &Pubkey) -> Result<Batches, ChainError> {
    let account = chain
        .account(batch)
        .await?
        .ok_or_else(|| ChainError::Rpc(format!("batch account {batch} not found")))?;
    decode::batch_account(&account.data).map_err(|e| ChainError::Rpc(e.to_string()))
}

/// A sealed order's commitment as it landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    pub batch: u64,
    /// Its batch account entry (what the reveal names).
    pub entry: u32,
}

/// Commit `t`'s sealed `order` (hashed with `salt`) to the batch whose
/// commit window is open. A commitment that lands after that window closed
/// is refused by the program, bond untouched: it is then hashed for the
/// batch open at that time and sent again, at most [`COMMIT_ATTEMPTS`]
/// times.
pub async fn commit_sealed<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    batch: &Pubkey,
    t: &TraderSetup,
    order: &PlaceOrderArgs,
    salt: &[u8; 32],
) -> Result<Committed, ChainError> {
    commit_with(chain, payer, m, batch, t, order, salt, None).await
}

/// [`commit_sealed`] with the order's `ciphertext` (issue 26:
/// `commit_encrypted_order`), which any keeper may decrypt and reveal.
#[allow(clippy::too_many_arguments)]
pub async fn commit_encrypted<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    batch: &Pubkey,
    t: &TraderSetup,
    order: &PlaceOrderArgs,
    salt: &[u8; 32],
    ciphertext: Vec<u8>,
) -> Result<Committed, ChainError> {
    commit_with(chain, payer, m, batch, t, order, salt, Some(ciphertext)).await
}

#[allow(clippy::too_many_arguments)]
async fn commit_with<C: Chain + ?Sized>(
    chain: &C,
    payer: &Keypair,
    m: &MarketSetup,
    batch: &Pubkey,
    t: &TraderSetup,
    order: &PlaceOrderArgs,
    salt: &[u8; 32],
    ciphertext: Option<Vec<u8>>,
) -> Result<Committed, ChainError> {
    let schedule = batches(chain, batch)
        .await?
        .schedule()
        .map_err(|e| ChainError::Rpc(e.to_string()))?;
    let owner = t.owner.pubkey();
    let market = m.keys.market;
    let mut last = ChainError::Rpc("no commit attempted".into());
    for _ in 0..COMMIT_ATTEMPTS {
        let slot = chain_slot(chain).await?;
        let k = schedule
            .committing_batch(slot)
            .ok_or_else(|| ChainError::Rpc(format!("no batch opened by slot {slot}")))?;
        let commitment = sealed::commitment(&market, &owner, k, &order.to_engine(), salt);
        let commit = match &ciphertext {
            None => ix::commit_order(&owner, &market, batch, k, commitment),
            Some(c) => ix::commit_encrypted_order(&owner, &market, batch, k, commitment, c.clone()),
        };
        match send(chain, payer, &[commit], &[&t.owner]).await {
            Ok((signature, _)) => {
                let events = chain.transaction_events(&signature).await?;
                let entry = events
                    .iter()
                    .flat_map(|t| &t.events)
                    .find_map(|e| match e {
                        ProgramEvent::OrderCommitted(c) => Some(c.entry),
                        _ => None,
                    })
                    .ok_or_else(|| ChainError::Rpc("commit without its event".into()))?;
                return Ok(Committed { batch: k, entry });
            }
            Err(e) if is_window_closed(&e) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

fn is_window_closed(e: &ChainError) -> bool {
    let window = u32::from(OrderbookError::BatchWindow);
    matches!(e, ChainError::Transaction { code: Some(code), .. } if *code == window)
}

/// Reveal `t`'s committed `order`, sent and paid for by `revealer` (anyone
/// holding the order and its salt may).
#[allow(clippy::too_many_arguments)]
pub async fn reveal_sealed<C: Chain + ?Sized>(
    chain: &C,
    revealer: &Keypair,
    m: &MarketSetup,
    batch: &Pubkey,
    t: &TraderSetup,
    committed: Committed,
    order: PlaceOrderArgs,
    salt: [u8; 32],
) -> Result<(), ChainError> {
    let reveal = ix::reveal_order(
        &revealer.pubkey(),
        &t.owner.pubkey(),
        &m.keys.market,
        batch,
        committed.entry,
        order,
        salt,
    );
    send(chain, revealer, &[reveal], &[]).await.map(|_| ())
}

/// Wait until the chain's slot reaches `slot`, polling every `poll`.
pub async fn until_slot<C: Chain + ?Sized>(
    chain: &C,
    slot: u64,
    poll: std::time::Duration,
) -> Result<(), ChainError> {
    while chain_slot(chain).await? < slot {
        tokio::time::sleep(poll).await;
    }
    Ok(())
}
