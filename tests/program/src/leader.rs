//! A slot leader with an adversary's power (issue 25's program proof): it
//! holds the pending transactions of its slot, lets a strategy read their
//! bytes, and executes them in the order the strategy picks, with the
//! strategy's own transactions inserted and any it holds back left pending
//! for a later slot. What a strategy can learn from a transaction is only
//! what its instruction data says ([`readable_order`], [`is_cancel`]): a
//! `place_order` or a `reveal_order` shows the order, a `commit_order` only
//! its hash, a `commit_encrypted_order` its hash and a ciphertext
//! ([`ciphertext`]) that opens only at its beacon round.

use anchor_lang::{AnchorDeserialize, Discriminator};
use orderbook::instruction as data;
use orderbook::instructions::PlaceOrderArgs;
use orderbook_client::events::ProgramEvent;
use solana_transaction::Transaction;

use crate::{Env, TxError};

/// A transaction waiting for the leader, named for the test's reports.
pub struct Pending {
    pub label: &'static str,
    pub tx: Transaction,
}

/// What became of a transaction the leader executed.
#[derive(Debug)]
pub struct Landed {
    pub label: &'static str,
    pub result: Result<Vec<ProgramEvent>, TxError>,
}

/// The leader of consecutive slots, from `slot` on.
pub struct Leader {
    pub slot: u64,
    pending: Vec<Pending>,
}

impl Leader {
    pub fn new(slot: u64) -> Self {
        Self {
            slot,
            pending: Vec::new(),
        }
    }

    /// A wallet sends `tx`: it waits for this slot.
    pub fn submit(&mut self, label: &'static str, tx: Transaction) {
        self.pending.push(Pending { label, tx });
    }

    /// Everything pending, in arrival order, for a strategy to read and
    /// reorder (then [`Leader::execute`]).
    pub fn take(&mut self) -> Vec<Pending> {
        std::mem::take(&mut self.pending)
    }

    /// Produce the current slot: execute `run` in this order at the slot,
    /// keep `hold` pending, move to the next slot.
    pub async fn execute(
        &mut self,
        env: &mut Env,
        run: Vec<Pending>,
        hold: Vec<Pending>,
    ) -> Vec<Landed> {
        env.set_slot(self.slot).await;
        let mut landed = Vec::with_capacity(run.len());
        for p in run {
            let result = env.process(p.tx).await;
            landed.push(Landed {
                label: p.label,
                result,
            });
        }
        self.pending.extend(hold);
        self.slot += 1;
        landed
    }

    /// Produce the current slot honestly: everything pending, in arrival order.
    pub async fn honest(&mut self, env: &mut Env) -> Vec<Landed> {
        let run = self.take();
        self.execute(env, run, Vec::new()).await
    }
}

/// The orderbook instructions' data in `tx`.
fn orderbook_data(tx: &Transaction) -> impl Iterator<Item = &[u8]> {
    let keys = &tx.message.account_keys;
    tx.message
        .instructions
        .iter()
        .filter(|ix| keys.get(ix.program_id_index as usize) == Some(&orderbook::ID))
        .map(|ix| ix.data.as_slice())
}

/// The order a pending transaction shows to whoever reads its bytes: a
/// `place_order`'s or a `reveal_order`'s; a commitment shows none.
pub fn readable_order(tx: &Transaction) -> Option<PlaceOrderArgs> {
    orderbook_data(tx).find_map(|d| {
        if let Some(rest) = d.strip_prefix(data::PlaceOrder::DISCRIMINATOR) {
            return data::PlaceOrder::try_from_slice(rest).ok().map(|p| p.args);
        }
        let rest = d.strip_prefix(data::RevealOrder::DISCRIMINATOR)?;
        data::RevealOrder::try_from_slice(rest)
            .ok()
            .map(|r| r.order)
    })
}

/// Whether a pending transaction cancels orders (immediately or queued).
pub fn is_cancel(tx: &Transaction) -> bool {
    orderbook_data(tx).any(|d| {
        [
            data::CancelOrder::DISCRIMINATOR,
            data::CancelAll::DISCRIMINATOR,
            data::CancelByClientId::DISCRIMINATOR,
            data::QueueCancel::DISCRIMINATOR,
        ]
        .iter()
        .any(|disc| d.starts_with(disc))
    })
}

/// The ciphertext a pending `commit_encrypted_order` carries, if it is one.
pub fn ciphertext(tx: &Transaction) -> Option<Vec<u8>> {
    orderbook_data(tx).find_map(|d| {
        let rest = d.strip_prefix(data::CommitEncryptedOrder::DISCRIMINATOR)?;
        data::CommitEncryptedOrder::try_from_slice(rest)
            .ok()
            .map(|c| c.ciphertext)
    })
}
