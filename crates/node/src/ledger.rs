//! The node's ledger on disk (redb, one file): accounts, landed transactions,
//! produced blocks and the per-address signature index. Every landed
//! transaction is committed durably (fsync) before the node answers for it,
//! so a `kill -9` loses nothing a client was told was confirmed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use solana_account::Account;
use solana_clock::Slot;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::record::{BlockRecord, TxRecord};

const ACCOUNTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("accounts");
const TRANSACTIONS: TableDefinition<&[u8; 64], &[u8]> = TableDefinition::new("transactions");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Key: address (32) ‖ slot (8, big-endian) ‖ position in the slot (4, BE);
/// value: signature. Big-endian so a reverse range walks newest first.
const ADDRESS_SIGNATURES: TableDefinition<&[u8; 44], &[u8; 64]> =
    TableDefinition::new("address_signatures");
/// Key: slot (8, BE) ‖ position (4, BE); value: signature.
const SLOT_SIGNATURES: TableDefinition<&[u8; 12], &[u8; 64]> =
    TableDefinition::new("slot_signatures");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// The file inside the ledger directory.
const LEDGER_FILE: &str = "ledger.redb";

/// What the node needs to resume: fixed at genesis.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Genesis {
    pub genesis_hash: solana_hash::Hash,
    /// Keypair bytes (64).
    pub identity: Vec<u8>,
    /// Keypair bytes (64).
    pub faucet: Vec<u8>,
    pub created_unix: i64,
}

pub struct Ledger {
    db: Database,
    path: PathBuf,
}

/// One landed transaction and the account states it left.
pub struct LandedWrite<'a> {
    pub record: &'a TxRecord,
    /// Position of the transaction in its slot.
    pub position: u32,
    pub accounts: &'a [(Pubkey, Option<Account>)],
}

fn address_key(address: &Pubkey, slot: Slot, position: u32) -> [u8; 44] {
    let mut key = [0u8; 44];
    key[..32].copy_from_slice(address.as_ref());
    key[32..40].copy_from_slice(&slot.to_be_bytes());
    key[40..].copy_from_slice(&position.to_be_bytes());
    key
}

impl Ledger {
    /// Open (or create) the ledger in `dir`; `reset` deletes it first.
    pub fn open(dir: &Path, reset: bool) -> Result<Self> {
        let path = dir.join(LEDGER_FILE);
        if reset && path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing the old ledger {}", path.display()))?;
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the ledger directory {}", dir.display()))?;
        let db = Database::create(&path).with_context(|| {
            format!(
                "opening the ledger {} (is another node using it?)",
                path.display()
            )
        })?;
        let tx = db.begin_write()?;
        {
            tx.open_table(ACCOUNTS)?;
            tx.open_table(TRANSACTIONS)?;
            tx.open_table(BLOCKS)?;
            tx.open_table(ADDRESS_SIGNATURES)?;
            tx.open_table(SLOT_SIGNATURES)?;
            tx.open_table(META)?;
        }
        tx.commit()?;
        Ok(Self { db, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn genesis(&self) -> Result<Option<Genesis>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(META)?;
        let value = table.get("genesis")?;
        value
            .map(|v| bincode::deserialize(v.value()).context("decoding the ledger's genesis"))
            .transpose()
    }

    pub fn write_genesis(&self, genesis: &Genesis) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut table = tx.open_table(META)?;
            table.insert("genesis", bincode::serialize(genesis)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every stored account (for loading the bank at start).
    pub fn accounts(&self) -> Result<Vec<(Pubkey, Account)>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(ACCOUNTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let account: Account =
                bincode::deserialize(value.value()).context("decoding a stored account")?;
            out.push((Pubkey::new_from_array(*key.value()), account));
        }
        Ok(out)
    }

    /// Store accounts written outside a transaction (genesis funding).
    pub fn put_accounts(&self, accounts: &[(Pubkey, Option<Account>)]) -> Result<()> {
        let tx = self.db.begin_write()?;
        Self::write_accounts(&tx, accounts)?;
        tx.commit()?;
        Ok(())
    }

    fn write_accounts(
        tx: &redb::WriteTransaction,
        accounts: &[(Pubkey, Option<Account>)],
    ) -> Result<()> {
        let mut table = tx.open_table(ACCOUNTS)?;
        for (key, account) in accounts {
            match account {
                Some(account) => {
                    table.insert(&key.to_bytes(), bincode::serialize(account)?.as_slice())?;
                }
                None => {
                    table.remove(&key.to_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// Commit one landed transaction durably.
    pub fn land(&self, write: LandedWrite<'_>) -> Result<()> {
        let tx = self.db.begin_write()?;
        Self::write_accounts(&tx, write.accounts)?;
        {
            let signature = write.record.signature();
            let mut txs = tx.open_table(TRANSACTIONS)?;
            let bytes: [u8; 64] = signature.into();
            txs.insert(&bytes, bincode::serialize(write.record)?.as_slice())?;
            let mut slot_key = [0u8; 12];
            slot_key[..8].copy_from_slice(&write.record.slot.to_be_bytes());
            slot_key[8..].copy_from_slice(&write.position.to_be_bytes());
            tx.open_table(SLOT_SIGNATURES)?.insert(&slot_key, &bytes)?;
            let mut index = tx.open_table(ADDRESS_SIGNATURES)?;
            let mut keys = write.record.account_keys();
            keys.sort();
            keys.dedup();
            for key in keys {
                index.insert(
                    &address_key(&key, write.record.slot, write.position),
                    &bytes,
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn put_block(&self, block: &BlockRecord) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            let mut blocks = tx.open_table(BLOCKS)?;
            blocks.insert(block.slot, bincode::serialize(block)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn block(&self, slot: Slot) -> Result<Option<BlockRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BLOCKS)?;
        let value = table.get(slot)?;
        value
            .map(|v| bincode::deserialize(v.value()).context("decoding a stored block"))
            .transpose()
    }

    /// The newest `count` blocks, oldest first.
    pub fn last_blocks(&self, count: usize) -> Result<Vec<BlockRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(BLOCKS)?;
        let mut out = Vec::new();
        for entry in table.iter()?.rev().take(count) {
            let (_, value) = entry?;
            out.push(bincode::deserialize(value.value()).context("decoding a stored block")?);
        }
        out.reverse();
        Ok(out)
    }

    /// Signatures landed in `slot`, in order.
    pub fn slot_signatures(&self, slot: Slot) -> Result<Vec<Signature>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(SLOT_SIGNATURES)?;
        let mut low = [0u8; 12];
        low[..8].copy_from_slice(&slot.to_be_bytes());
        let mut high = low;
        high[8..].copy_from_slice(&u32::MAX.to_be_bytes());
        let mut out = Vec::new();
        for entry in table.range::<&[u8; 12]>(&low..=&high)? {
            out.push(Signature::from(*entry?.1.value()));
        }
        Ok(out)
    }

    pub fn transaction(&self, signature: &Signature) -> Result<Option<TxRecord>> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(TRANSACTIONS)?;
        let bytes: [u8; 64] = (*signature).into();
        let value = table.get(&bytes)?;
        value
            .map(|v| bincode::deserialize(v.value()).context("decoding a stored transaction"))
            .transpose()
    }

    pub fn transaction_count(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(TRANSACTIONS)?.len()?)
    }

    /// Signatures mentioning `address` in slots `..=max_slot`, newest first.
    /// `visit` returns false to stop.
    pub fn signatures_for_address(
        &self,
        address: &Pubkey,
        max_slot: Slot,
        mut visit: impl FnMut(Signature) -> Result<bool>,
    ) -> Result<()> {
        let tx = self.db.begin_read()?;
        let table = tx.open_table(ADDRESS_SIGNATURES)?;
        let low = address_key(address, 0, 0);
        let high = address_key(address, max_slot, u32::MAX);
        for entry in table.range::<&[u8; 44]>(&low..=&high)?.rev() {
            let (_, value) = entry?;
            if !visit(Signature::from(*value.value()))? {
                break;
            }
        }
        Ok(())
    }
}
