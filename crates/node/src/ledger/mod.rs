//! The node's ledger on disk (redb, one file): accounts, landed transactions,
//! produced blocks and the per-address signature index. Landed transactions
//! are committed durably (fsync) in groups (`bank::commit`) before the node
//! answers for any of them, so a `kill -9` loses nothing a client was told
//! was confirmed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use solana_account::{Account, AccountSharedData};
use solana_clock::Slot;
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::record::{BlockRecord, TxRecord};

mod accounts;
pub use accounts::{AccountWrite, CHUNK_BYTES};

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

/// META keys: transactions pruned so far, and the first slot whose block is kept.
const PRUNED_TRANSACTIONS: &str = "pruned_transactions";
const FIRST_AVAILABLE_SLOT: &str = "first_available_slot";

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

/// What one durable commit writes: landed transactions with their
/// positions in their slots, closed blocks, and the latest state of every
/// account they left changed (`None`: closed), each account once.
#[derive(Default)]
pub struct GroupWrite<'a> {
    pub transactions: Vec<(&'a TxRecord, u32)>,
    pub blocks: Vec<&'a BlockRecord>,
    pub accounts: Vec<AccountWrite<'a>>,
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
            accounts::create_tables(&tx)?;
            let migrated = accounts::migrate_whole_accounts(&tx)?;
            if migrated > 0 {
                tracing::info!("moved {migrated} accounts of the ledger to its chunked layout");
            }
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
        accounts::read_all(&self.db.begin_read()?)
    }

    /// Store accounts written outside a transaction (genesis funding).
    pub fn put_accounts(&self, accounts: &[(Pubkey, Option<Account>)]) -> Result<()> {
        let shared: Vec<(Pubkey, Option<AccountSharedData>)> = accounts
            .iter()
            .map(|(key, account)| (*key, account.clone().map(Into::into)))
            .collect();
        self.commit_group(&GroupWrite {
            accounts: shared
                .iter()
                .map(|(key, account)| AccountWrite {
                    key,
                    account: account.as_ref(),
                    stored: None,
                })
                .collect(),
            ..GroupWrite::default()
        })
    }

    /// Write a group in one durable commit (one fsync): all of it or none.
    pub fn commit_group(&self, group: &GroupWrite<'_>) -> Result<()> {
        let tx = self.db.begin_write()?;
        {
            accounts::write(&tx, &group.accounts)?;
            let mut txs = tx.open_table(TRANSACTIONS)?;
            let mut slots = tx.open_table(SLOT_SIGNATURES)?;
            let mut index = tx.open_table(ADDRESS_SIGNATURES)?;
            for (record, position) in &group.transactions {
                let bytes: [u8; 64] = record.signature().into();
                txs.insert(&bytes, bincode::serialize(*record)?.as_slice())?;
                let mut slot_key = [0u8; 12];
                slot_key[..8].copy_from_slice(&record.slot.to_be_bytes());
                slot_key[8..].copy_from_slice(&position.to_be_bytes());
                slots.insert(&slot_key, &bytes)?;
                let mut keys = record.account_keys();
                keys.sort();
                keys.dedup();
                for key in keys {
                    index.insert(&address_key(&key, record.slot, *position), &bytes)?;
                }
            }
            let mut blocks = tx.open_table(BLOCKS)?;
            for block in &group.blocks {
                blocks.insert(block.slot, bincode::serialize(*block)?.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Store one block (genesis).
    pub fn put_block(&self, block: &BlockRecord) -> Result<()> {
        self.commit_group(&GroupWrite {
            blocks: vec![block],
            ..GroupWrite::default()
        })
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

    /// Whether `signature` landed (without decoding its record).
    pub fn has_transaction(&self, signature: &Signature) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let bytes: [u8; 64] = (*signature).into();
        Ok(tx.open_table(TRANSACTIONS)?.get(&bytes)?.is_some())
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

    /// Every transaction ever landed, the pruned ones included.
    pub fn transaction_count(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let kept = tx.open_table(TRANSACTIONS)?.len()?;
        let meta = tx.open_table(META)?;
        Ok(kept + read_u64(&meta, PRUNED_TRANSACTIONS)?)
    }

    /// The first slot whose block and transactions are kept.
    pub fn first_available_slot(&self) -> Result<Slot> {
        let tx = self.db.begin_read()?;
        read_u64(&tx.open_table(META)?, FIRST_AVAILABLE_SLOT)
    }

    /// Delete the blocks and transactions of slots before `before`, at most
    /// `max_transactions` transactions (and as many blocks) in this call, in
    /// one durable commit. Accounts are state, never history: untouched.
    /// Returns the first slot still kept (`before` once done).
    pub fn prune_before(&self, before: Slot, max_transactions: usize) -> Result<Slot> {
        let tx = self.db.begin_write()?;
        let first_kept = {
            let mut slots = tx.open_table(SLOT_SIGNATURES)?;
            let mut txs = tx.open_table(TRANSACTIONS)?;
            let mut index = tx.open_table(ADDRESS_SIGNATURES)?;
            let mut blocks = tx.open_table(BLOCKS)?;
            let mut end = [0u8; 12];
            end[..8].copy_from_slice(&before.to_be_bytes());
            let doomed: Vec<([u8; 12], [u8; 64])> = slots
                .range::<&[u8; 12]>(..&end)?
                .take(max_transactions)
                .map(|entry| entry.map(|(k, v)| (*k.value(), *v.value())))
                .collect::<Result<_, _>>()?;
            for (slot_key, signature) in &doomed {
                let slot = Slot::from_be_bytes(slot_key[..8].try_into().expect("8 bytes"));
                let position = u32::from_be_bytes(slot_key[8..].try_into().expect("4 bytes"));
                if let Some(stored) = txs.remove(signature)? {
                    let record: TxRecord = bincode::deserialize(stored.value())?;
                    for key in record.account_keys() {
                        index.remove(&address_key(&key, slot, position))?;
                    }
                }
                slots.remove(slot_key)?;
            }
            let old: Vec<u64> = blocks
                .range(..before)?
                .take(max_transactions.max(1))
                .map(|entry| entry.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()?;
            for slot in &old {
                blocks.remove(slot)?;
            }
            // The first slot with anything left before `before`, else `before`.
            let left_tx = slots.range::<&[u8; 12]>(..&end)?.next().transpose()?;
            let left_tx = left_tx
                .map(|(k, _)| Slot::from_be_bytes(k.value()[..8].try_into().expect("8 bytes")));
            let left_block = blocks
                .range(..before)?
                .next()
                .transpose()?
                .map(|(k, _)| k.value());
            let first_kept = [left_tx, left_block]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(before);
            let mut meta = tx.open_table(META)?;
            let pruned = read_u64(&meta, PRUNED_TRANSACTIONS)? + doomed.len() as u64;
            meta.insert(PRUNED_TRANSACTIONS, pruned.to_le_bytes().as_slice())?;
            meta.insert(FIRST_AVAILABLE_SLOT, first_kept.to_le_bytes().as_slice())?;
            first_kept
        };
        tx.commit()?;
        Ok(first_kept)
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

/// A u64 kept in META (0 when absent).
fn read_u64(meta: &impl ReadableTable<&'static str, &'static [u8]>, key: &str) -> Result<u64> {
    Ok(meta
        .get(key)?
        .and_then(|v| v.value().try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0))
}
