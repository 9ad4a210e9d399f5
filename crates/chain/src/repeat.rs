//! Signing without repeating a transaction. The same message under the same
//! blockhash is the same transaction (same signature): a node refuses the
//! second as already processed, so a client that really means to do the
//! same thing twice (a second crank, a second identical order) must sign it
//! under a newer blockhash. `@orderbook/client`'s `send` does the same.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use anchor_lang::solana_program::instruction::Instruction;
use solana_hash::Hash;
use solana_keypair::{Keypair, Signer};
use solana_transaction::Transaction;

use crate::{Chain, ChainError};

/// Messages remembered per [`SentMessages`].
const REMEMBERED: usize = 256;
/// How long [`SentMessages::sign`] waits for a new blockhash, and how often it asks.
const NEW_BLOCKHASH_TIMEOUT: Duration = Duration::from_secs(30);
const NEW_BLOCKHASH_POLL: Duration = Duration::from_millis(20);

/// The messages a sender signed last (a hash of each, oldest first; a
/// collision only costs a wait for the next blockhash).
pub struct SentMessages {
    recent: Mutex<VecDeque<u64>>,
}

impl Default for SentMessages {
    fn default() -> Self {
        Self::new()
    }
}

impl SentMessages {
    pub const fn new() -> Self {
        Self {
            recent: Mutex::new(VecDeque::new()),
        }
    }

    /// Remember `message`; false if it was signed before.
    fn first(&self, message: &[u8]) -> bool {
        let message = {
            use std::hash::{Hash as _, Hasher as _};
            let mut hasher = std::hash::DefaultHasher::new();
            message.hash(&mut hasher);
            hasher.finish()
        };
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.contains(&message) {
            return false;
        }
        if recent.len() == REMEMBERED {
            recent.pop_front();
        }
        recent.push_back(message);
        true
    }

    /// `ixs` signed by `signers` (the first pays) under the latest blockhash,
    /// or under the next one when this exact message was signed before.
    pub async fn sign<C: Chain + ?Sized>(
        &self,
        chain: &C,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Transaction, ChainError> {
        let payer = signers.first().map(|s| s.pubkey());
        let mut blockhash = chain.latest_blockhash().await?;
        loop {
            let tx = Transaction::new_signed_with_payer(ixs, payer.as_ref(), signers, blockhash);
            if self.first(&tx.message_data()) {
                return Ok(tx);
            }
            blockhash = blockhash_after(chain, blockhash).await?;
        }
    }
}

/// A blockhash other than `used`, waiting for the next block if need be.
async fn blockhash_after<C: Chain + ?Sized>(chain: &C, used: Hash) -> Result<Hash, ChainError> {
    let deadline = tokio::time::Instant::now() + NEW_BLOCKHASH_TIMEOUT;
    loop {
        let blockhash = chain.latest_blockhash().await?;
        if blockhash != used {
            return Ok(blockhash);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ChainError::Rpc(format!(
                "no new blockhash within {NEW_BLOCKHASH_TIMEOUT:?}: is the node producing blocks?"
            )));
        }
        tokio::time::sleep(NEW_BLOCKHASH_POLL).await;
    }
}
