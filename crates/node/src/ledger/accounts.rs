//! Accounts in the ledger, stored in fixed-size chunks of their data so that
//! a commit writes only the chunks a transaction changed: a `place_order`
//! changes a few hundred bytes of a market's ~200 KB of book sides and event
//! queue, and writing the whole of them on every group was most of the
//! ledger's cost (see docs/node.md, "Where a transaction's time goes").
//!
//! `account_state`: address → lamports, owner, executable, rent epoch and
//! data length. `account_data`: address ‖ chunk index (u32, big-endian) →
//! that chunk's bytes (the last one shorter). Ledgers written before this
//! layout kept whole accounts in `accounts`; [`migrate_whole_accounts`]
//! rewrites them once, at open.

use anyhow::{Context, Result};
use redb::{ReadableTable, TableDefinition, TableHandle, WriteTransaction};
use solana_account::{Account, AccountSharedData, ReadableAccount};
use solana_pubkey::Pubkey;

const ACCOUNT_STATE: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("account_state");
const ACCOUNT_DATA: TableDefinition<&[u8; 36], &[u8]> = TableDefinition::new("account_data");
/// The layout before chunks: address → the whole account (bincode).
const WHOLE_ACCOUNTS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("accounts");

/// Bytes of account data per stored chunk: small enough that a transaction
/// touching a few orders rewrites little, large enough that an account is
/// few keys (a 64 KiB book side is 64).
pub const CHUNK_BYTES: usize = 1_024;

/// Everything of an account but its data.
#[derive(serde::Serialize, serde::Deserialize)]
struct AccountState {
    lamports: u64,
    owner: Pubkey,
    executable: bool,
    rent_epoch: u64,
    data_len: u64,
}

/// One account to store: its new state (`None`: closed) and, when known,
/// the state the ledger holds now, so only the chunks that differ are written.
pub struct AccountWrite<'a> {
    pub key: &'a Pubkey,
    pub account: Option<&'a AccountSharedData>,
    pub stored: Option<&'a AccountSharedData>,
}

fn chunk_key(key: &Pubkey, index: u32) -> [u8; 36] {
    let mut out = [0u8; 36];
    out[..32].copy_from_slice(key.as_ref());
    out[32..].copy_from_slice(&index.to_be_bytes());
    out
}

fn chunk_count(data_len: usize) -> u32 {
    u32::try_from(data_len.div_ceil(CHUNK_BYTES)).expect("accounts are at most 10 MiB")
}

/// Create the tables (a new ledger).
pub fn create_tables(tx: &WriteTransaction) -> Result<()> {
    tx.open_table(ACCOUNT_STATE)?;
    tx.open_table(ACCOUNT_DATA)?;
    Ok(())
}

/// Write `accounts` into `tx`.
pub fn write(tx: &WriteTransaction, accounts: &[AccountWrite<'_>]) -> Result<()> {
    let mut states = tx.open_table(ACCOUNT_STATE)?;
    let mut chunks = tx.open_table(ACCOUNT_DATA)?;
    for write in accounts {
        let key = write.key;
        let old_chunks = match write.stored {
            Some(stored) => chunk_count(stored.data().len()),
            None => match states.get(&key.to_bytes())? {
                Some(old) => {
                    let old: AccountState = bincode::deserialize(old.value())?;
                    chunk_count(old.data_len as usize)
                }
                None => 0,
            },
        };
        let Some(account) = write.account else {
            states.remove(&key.to_bytes())?;
            for index in 0..old_chunks {
                chunks.remove(&chunk_key(key, index))?;
            }
            continue;
        };
        let state = AccountState {
            lamports: account.lamports(),
            owner: *account.owner(),
            executable: account.executable(),
            rent_epoch: account.rent_epoch(),
            data_len: account.data().len() as u64,
        };
        states.insert(&key.to_bytes(), bincode::serialize(&state)?.as_slice())?;
        let stored = write.stored.map(|s| s.data());
        for (index, chunk) in account.data().chunks(CHUNK_BYTES).enumerate() {
            let unchanged = stored
                .and_then(|s| s.chunks(CHUNK_BYTES).nth(index))
                .is_some_and(|old| old == chunk);
            if !unchanged {
                chunks.insert(&chunk_key(key, index as u32), chunk)?;
            }
        }
        for index in chunk_count(account.data().len())..old_chunks {
            chunks.remove(&chunk_key(key, index))?;
        }
    }
    Ok(())
}

/// Every stored account (for loading the bank at start).
pub fn read_all(tx: &redb::ReadTransaction) -> Result<Vec<(Pubkey, Account)>> {
    let states = tx.open_table(ACCOUNT_STATE)?;
    let chunks = tx.open_table(ACCOUNT_DATA)?;
    let mut out = Vec::new();
    for entry in states.iter()? {
        let (key, value) = entry?;
        let key = Pubkey::new_from_array(*key.value());
        let state: AccountState =
            bincode::deserialize(value.value()).context("decoding a stored account")?;
        let mut data = Vec::with_capacity(state.data_len as usize);
        let range = chunk_key(&key, 0)..=chunk_key(&key, u32::MAX);
        for chunk in chunks.range::<&[u8; 36]>(&range.start()..=&range.end())? {
            data.extend_from_slice(chunk?.1.value());
        }
        anyhow::ensure!(
            data.len() as u64 == state.data_len,
            "the ledger's account {key} has {} bytes of data where its state says {}",
            data.len(),
            state.data_len
        );
        out.push((
            key,
            Account {
                lamports: state.lamports,
                data,
                owner: state.owner,
                executable: state.executable,
                rent_epoch: state.rent_epoch,
            },
        ));
    }
    Ok(out)
}

/// Rewrite the accounts of a ledger written before chunks, in `tx`;
/// returns how many were moved.
pub fn migrate_whole_accounts(tx: &WriteTransaction) -> Result<u64> {
    let exists = tx
        .list_tables()?
        .any(|table| table.name() == WHOLE_ACCOUNTS.name());
    if !exists {
        return Ok(0);
    }
    let whole: Vec<(Pubkey, AccountSharedData)> = tx
        .open_table(WHOLE_ACCOUNTS)?
        .iter()?
        .map(|entry| {
            let (key, value) = entry?;
            let account: Account =
                bincode::deserialize(value.value()).context("decoding a stored account")?;
            Ok((Pubkey::new_from_array(*key.value()), account.into()))
        })
        .collect::<Result<_>>()?;
    let writes: Vec<AccountWrite<'_>> = whole
        .iter()
        .map(|(key, account)| AccountWrite {
            key,
            account: Some(account),
            stored: None,
        })
        .collect();
    write(tx, &writes)?;
    tx.delete_table(WHOLE_ACCOUNTS)?;
    Ok(whole.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{GroupWrite, Ledger};

    fn account(data: Vec<u8>) -> AccountSharedData {
        Account {
            lamports: 1_000 + data.len() as u64,
            data,
            owner: Pubkey::new_unique(),
            executable: false,
            rent_epoch: 7,
        }
        .into()
    }

    fn store(
        ledger: &Ledger,
        key: &Pubkey,
        new: Option<&AccountSharedData>,
        stored: Option<&AccountSharedData>,
    ) {
        ledger
            .commit_group(&GroupWrite {
                accounts: vec![AccountWrite {
                    key,
                    account: new,
                    stored,
                }],
                ..GroupWrite::default()
            })
            .unwrap();
    }

    fn read(ledger: &Ledger, key: &Pubkey) -> Option<Account> {
        ledger
            .accounts()
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, a)| a)
    }

    fn chunks_of(ledger: &Ledger, key: &Pubkey) -> usize {
        let tx = ledger.db.begin_read().unwrap();
        let table = tx.open_table(ACCOUNT_DATA).unwrap();
        table
            .range::<&[u8; 36]>(&chunk_key(key, 0)..=&chunk_key(key, u32::MAX))
            .unwrap()
            .count()
    }

    #[test]
    fn partial_writes_leave_exactly_the_new_account() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), false).unwrap();
        let key = Pubkey::new_unique();
        let first = account((0..CHUNK_BYTES * 3 + 100).map(|i| i as u8).collect());
        store(&ledger, &key, Some(&first), None);
        assert_eq!(read(&ledger, &key), Some(Account::from(first.clone())));

        // One byte in the third chunk changes: only that chunk differs.
        let mut data = first.data().to_vec();
        data[CHUNK_BYTES * 2 + 5] ^= 0xff;
        let second = account(data);
        store(&ledger, &key, Some(&second), Some(&first));
        assert_eq!(read(&ledger, &key), Some(Account::from(second.clone())));

        // Shrinks to one chunk and a half: the chunks past it are gone.
        let third = account(second.data()[..CHUNK_BYTES + 10].to_vec());
        store(&ledger, &key, Some(&third), Some(&second));
        assert_eq!(read(&ledger, &key), Some(Account::from(third.clone())));
        assert_eq!(chunks_of(&ledger, &key), 2);

        // Grows again, written against what the ledger holds (no `stored`).
        let fourth = account(vec![9; CHUNK_BYTES * 4]);
        store(&ledger, &key, Some(&fourth), None);
        assert_eq!(read(&ledger, &key), Some(Account::from(fourth.clone())));

        // Closed: nothing of it is left.
        store(&ledger, &key, None, Some(&fourth));
        assert_eq!(read(&ledger, &key), None);
        assert_eq!(chunks_of(&ledger, &key), 0);
    }

    #[test]
    fn a_ledger_of_whole_accounts_moves_to_chunks_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let key = Pubkey::new_unique();
        let old = Account::from(account(vec![3; CHUNK_BYTES * 2 + 1]));
        {
            let db = redb::Database::create(dir.path().join("ledger.redb")).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(WHOLE_ACCOUNTS)
                .unwrap()
                .insert(
                    &key.to_bytes(),
                    bincode::serialize(&old).unwrap().as_slice(),
                )
                .unwrap();
            tx.commit().unwrap();
        }
        let ledger = Ledger::open(dir.path(), false).unwrap();
        assert_eq!(read(&ledger, &key), Some(old));
        let tx = ledger.db.begin_read().unwrap();
        assert!(
            !tx.list_tables()
                .unwrap()
                .any(|t| t.name() == WHOLE_ACCOUNTS.name()),
            "the old table is gone"
        );
    }
}
