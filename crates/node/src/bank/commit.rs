//! Group commit. The bank executes a transaction under its lock and queues
//! what the ledger must keep of it here; one thread writes everything queued
//! meanwhile in a single redb transaction (one fsync, each changed account
//! once, at its latest state), and only then answers the senders waiting on
//! that group and publishes its events, in landing order. A client is never
//! told a transaction is confirmed before it would survive a `kill -9`, and
//! the fsync is shared by every transaction that arrived during the last one,
//! as a database's WAL does it.
//!
//! Its signature status, record, block and PubSub notifications appear once
//! it is durable; RPC reads of account state wait for the same (a barrier
//! entry, `Bank::flush`), so nothing shown can be taken back by a crash.

use std::sync::mpsc;
use std::thread::JoinHandle;

use solana_account::AccountSharedData;
use tokio::sync::oneshot;

use super::*;
use crate::ledger::{AccountWrite, GroupWrite};

/// Writes queued ahead of the committer at most; a bank that gets further
/// ahead of the disk waits (backpressure under its lock).
const MAX_QUEUED_WRITES: usize = 4_096;
/// Writes in one group at most (one redb transaction).
const MAX_GROUP_WRITES: usize = 1_024;

/// An account's state after a transaction (`None`: closed).
pub(super) type ChangedAccount = (Pubkey, Option<AccountSharedData>);

/// What the ledger keeps of one queued entry.
pub(super) enum Write {
    /// A landed transaction, its position in its slot and every account it
    /// changed (sysvars and programs are published but not stored).
    Transaction {
        record: Arc<TxRecord>,
        position: u32,
        changed: Vec<ChangedAccount>,
    },
    Block(BlockRecord),
    Accounts(Vec<ChangedAccount>),
    /// Nothing to store: an event to publish in order, or a flush.
    Nothing,
}

struct Entry {
    write: Write,
    /// Published once the entry is durable (a transaction's is built from it).
    event: Option<NodeEvent>,
    done: Option<oneshot::Sender<Result<(), LedgerFailed>>>,
}

/// The ledger could not store a group: its transactions did not land.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the ledger write failed: {0}")]
pub struct LedgerFailed(Arc<str>);

/// Resolves when an entry is durable (or its group failed).
pub struct Durable(oneshot::Receiver<Result<(), LedgerFailed>>);

impl Durable {
    pub async fn wait(self) -> Result<(), LedgerFailed> {
        self.0
            .await
            .unwrap_or_else(|_| Err(LedgerFailed("the ledger writer stopped".into())))
    }
}

/// The queue and the thread that drains it.
pub(super) struct GroupCommit {
    queue: Option<mpsc::SyncSender<Entry>>,
    writer: Option<JoinHandle<()>>,
}

impl GroupCommit {
    pub(super) fn start(ledger: Arc<Ledger>, events: broadcast::Sender<NodeEvent>) -> Result<Self> {
        let (queue, entries) = mpsc::sync_channel(MAX_QUEUED_WRITES);
        let writer = std::thread::Builder::new()
            .name("ledger-commit".into())
            .spawn(move || run(&ledger, &events, &entries))
            .context("starting the ledger writer")?;
        Ok(Self {
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    fn push(&self, write: Write, event: Option<NodeEvent>, wait: bool) -> Option<Durable> {
        let (done, durable) = if wait {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(Durable(rx)))
        } else {
            (None, None)
        };
        let entry = Entry { write, event, done };
        let sent = self.queue.as_ref().is_some_and(|q| q.send(entry).is_ok());
        if !sent {
            tracing::error!("the ledger writer has stopped: a write was dropped");
        }
        durable
    }

    /// Queue a write; the returned handle resolves once it is durable.
    pub(super) fn write(&self, write: Write) -> Durable {
        self.push(write, None, true)
            .expect("a waiting entry has a handle")
    }

    /// Queue a write nobody waits for (it is durable with its group).
    pub(super) fn write_later(&self, write: Write) {
        self.push(write, None, false);
    }

    /// Publish `event` after everything queued before it is durable.
    pub(super) fn publish(&self, event: NodeEvent) {
        self.push(Write::Nothing, Some(event), false);
    }
}

impl Drop for GroupCommit {
    /// Write what is queued, then stop the writer (which releases the ledger
    /// file, so a node can reopen it in the same process).
    fn drop(&mut self) {
        self.queue.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn run(ledger: &Ledger, events: &broadcast::Sender<NodeEvent>, entries: &mpsc::Receiver<Entry>) {
    // What the ledger holds of each account this writer stored (shared with
    // the bank's copy until the bank changes it), to write only what differs.
    let mut stored: HashMap<Pubkey, AccountSharedData> = HashMap::new();
    while let Ok(first) = entries.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP_WRITES {
            match entries.try_recv() {
                Ok(entry) => group.push(entry),
                Err(_) => break,
            }
        }
        // A group of only events and barriers writes nothing (no fsync).
        let writes = group.iter().any(|e| !matches!(e.write, Write::Nothing));
        let result = match writes {
            true => ledger
                .commit_group(&group_write(&group, &stored))
                .map_err(|e| LedgerFailed(format!("{e:#}").into())),
            false => Ok(()),
        };
        if result.is_ok() {
            remember_stored(&group, &mut stored);
        }
        if let Err(failed) = &result {
            // The ledger is the source of truth: these transactions did not
            // land (their effects stay in memory until a restart).
            tracing::error!("{failed}");
        }
        for entry in group {
            if result.is_ok()
                && let Some(event) = published(entry.write, entry.event)
            {
                let _ = events.send(event);
            }
            if let Some(done) = entry.done {
                let _ = done.send(result.clone());
            }
        }
    }
}

/// The accounts a group changed, each at the state its last write left.
fn latest_accounts(group: &[Entry]) -> Vec<&ChangedAccount> {
    let changes: Vec<&ChangedAccount> = group
        .iter()
        .flat_map(|entry| match &entry.write {
            Write::Transaction { changed, .. } | Write::Accounts(changed) => changed.as_slice(),
            Write::Block(_) | Write::Nothing => &[],
        })
        .filter(|(key, account)| is_persistable(key, account.as_ref()))
        .collect();
    let mut last: HashMap<&Pubkey, usize> = HashMap::new();
    for (index, (key, _)) in changes.iter().enumerate() {
        last.insert(key, index);
    }
    changes
        .iter()
        .enumerate()
        .filter(|(index, (key, _))| last[key] == *index)
        .map(|(_, change)| *change)
        .collect()
}

fn remember_stored(group: &[Entry], stored: &mut HashMap<Pubkey, AccountSharedData>) {
    for (key, account) in latest_accounts(group) {
        match account {
            Some(account) => stored.insert(*key, account.clone()),
            None => stored.remove(key),
        };
    }
}

/// The group as one ledger write: its transactions and blocks, and each
/// stored account once, at the state the group's last write left it in.
fn group_write<'a>(
    group: &'a [Entry],
    stored: &'a HashMap<Pubkey, AccountSharedData>,
) -> GroupWrite<'a> {
    let mut write = GroupWrite::default();
    for entry in group {
        match &entry.write {
            Write::Transaction {
                record, position, ..
            } => write.transactions.push((record.as_ref(), *position)),
            Write::Block(block) => write.blocks.push(block),
            Write::Accounts(_) | Write::Nothing => {}
        }
    }
    write.accounts = latest_accounts(group)
        .into_iter()
        .map(|(key, account)| AccountWrite {
            key,
            account: account.as_ref(),
            stored: stored.get(key),
        })
        .collect();
    write
}

/// The event a durable entry publishes.
fn published(write: Write, event: Option<NodeEvent>) -> Option<NodeEvent> {
    match write {
        Write::Transaction {
            record, changed, ..
        } => Some(NodeEvent::Transaction {
            record,
            accounts: Arc::new(
                changed
                    .into_iter()
                    .map(|(key, account)| (key, account.map(Account::from)))
                    .collect(),
            ),
        }),
        _ => event,
    }
}
