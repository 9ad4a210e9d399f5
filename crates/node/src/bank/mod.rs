//! The node's bank: a LiteSVM with the order-book program (native, or an SBF
//! build), the real SPL Token / Token-2022 / ATA programs, a slot clock, a
//! blockhash window and three commitment views over one fork.
//!
//! Commitment model (one leader, no forks): a transaction is executed and
//! committed to the ledger (in a group, `commit`) before `sendTransaction`
//! answers, so it is `confirmed` as soon as its status shows; `finalized`
//! lags by `finality_lag` slots, and the bank keeps before-images of the
//! accounts changed in those slots so finalized reads see the state as of then.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use litesvm::LiteSVM;
use solana_account::{Account, AccountSharedData, ReadableAccount};
use solana_clock::{Clock, Slot, UnixTimestamp};
use solana_commitment_config::CommitmentLevel;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status::InnerInstructions;
use tokio::sync::broadcast;

use crate::ledger::{Genesis, Ledger};
use crate::record::{BlockRecord, TokenBalance, TxRecord};

mod commit;
mod execute;
pub mod native;
mod program;
mod slots;

pub use commit::{Durable, LedgerFailed};
use commit::{GroupCommit, Write};
pub use execute::{Landed, NotLanded, ResolvedKeys, Simulation};
use program::{ProgramRuntime, new_svm};

/// A blockhash is valid for this many blocks after its own, as on a cluster.
pub const MAX_PROCESSING_AGE: u64 = 150;
/// Blocks whose hash the bank remembers (twice the validity window, so an
/// expired hash is told apart from an unknown one).
const RECENT_BLOCKS_KEPT: usize = 2 * MAX_PROCESSING_AGE as usize;
/// Slots of prioritization fees kept (what `getRecentPrioritizationFees` covers).
pub const PRIORITIZATION_SLOTS: usize = 150;
/// Lamports the faucet starts with (500 million SOL).
const FAUCET_LAMPORTS: u64 = 500_000_000 * 1_000_000_000;

/// How the bank is started.
#[derive(Clone, Debug)]
pub struct BankConfig {
    pub ledger_dir: PathBuf,
    pub reset: bool,
    /// Slots between a block and its finalization.
    pub finality_lag: u64,
    /// Load this SBF build of the program instead of running it natively.
    pub program_so: Option<PathBuf>,
    /// Keep the blocks and transactions of this many slots behind the
    /// finalized one; older history is pruned (`None`: keep everything).
    /// Accounts are state and always kept.
    pub history_slots: Option<u64>,
}

/// What happened, for PubSub.
#[derive(Clone, Debug)]
pub enum NodeEvent {
    /// A new slot opened; `root` is the finalized slot.
    Slot {
        slot: Slot,
        parent: Slot,
        root: Slot,
    },
    /// A transaction landed (confirmed); `accounts` are the ones it changed,
    /// with their new state (`None`: closed).
    Transaction {
        record: Arc<TxRecord>,
        accounts: Arc<Vec<(Pubkey, Option<Account>)>>,
    },
    /// Slot `slot` became finalized; `accounts` changed in it.
    Finalized {
        slot: Slot,
        accounts: Arc<Vec<Pubkey>>,
    },
}

/// Accounts as they were before the first change in one slot.
struct UndoFrame {
    slot: Slot,
    before: HashMap<Pubkey, Option<Account>>,
}

pub struct Bank {
    svm: LiteSVM,
    ledger: Arc<Ledger>,
    /// Ledger writes on their way to disk (dropping it writes what is queued).
    commits: GroupCommit,
    genesis: Genesis,
    identity: Pubkey,
    faucet: Keypair,
    /// The slot transactions land in now.
    slot: Slot,
    /// The blockhash of the last completed block.
    blockhash: Hash,
    /// Completed blocks' `(slot, blockhash)`, oldest first.
    recent: VecDeque<(Slot, Hash)>,
    /// Signatures landed in the working slot, in order.
    working: Vec<Signature>,
    /// Signatures landed in the slots whose blockhashes are still valid, so a
    /// duplicate is refused before its first landing is durable.
    recent_signatures: RecentSignatures,
    undo: VecDeque<UndoFrame>,
    finality_lag: u64,
    /// Nothing at or below this slot can be un-finalized (set at a restart:
    /// the before-images of earlier slots are not kept on disk).
    finalized_floor: Slot,
    /// Per recent slot, what `getRecentPrioritizationFees` needs of each transaction.
    fees: VecDeque<(Slot, Vec<PaidPriority>)>,
    events: broadcast::Sender<NodeEvent>,
    transaction_count: u64,
    program_runtime: ProgramRuntime,
    history_slots: Option<u64>,
    /// The first slot whose block and transactions are kept.
    first_available: Slot,
}

/// A landed transaction's write locks and the compute-unit price it paid.
struct PaidPriority {
    write_locked: Vec<Pubkey>,
    micro_lamports_per_cu: u64,
}

fn now_unix() -> UnixTimestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A live account as RPC shows it: zero lamports means it does not exist.
fn live(account: Option<Account>) -> Option<Account> {
    account.filter(|a| a.lamports > 0)
}

fn is_persistable(key: &Pubkey, account: Option<&AccountSharedData>) -> bool {
    !solana_sdk_ids::sysvar::check_id(key) && !account.is_some_and(|a| a.executable())
}

/// The signatures of the last `MAX_PROCESSING_AGE + 1` slots (older ones
/// carry an expired blockhash and are refused for that).
#[derive(Default)]
struct RecentSignatures {
    all: std::collections::HashSet<Signature>,
    by_slot: VecDeque<(Slot, Vec<Signature>)>,
}

impl RecentSignatures {
    fn contains(&self, signature: &Signature) -> bool {
        self.all.contains(signature)
    }

    fn insert(&mut self, slot: Slot, signature: Signature) {
        match self.by_slot.back_mut() {
            Some((last, signatures)) if *last == slot => signatures.push(signature),
            _ => self.by_slot.push_back((slot, vec![signature])),
        }
        self.all.insert(signature);
    }

    /// Forget the slots before `oldest`.
    fn expire(&mut self, oldest: Slot) {
        while self.by_slot.front().is_some_and(|(slot, _)| *slot < oldest) {
            let (_, gone) = self.by_slot.pop_front().expect("checked");
            for signature in gone {
                self.all.remove(&signature);
            }
        }
    }
}

impl Bank {
    /// Open the ledger and resume its chain, or start a new one.
    pub fn open(config: &BankConfig) -> Result<(Self, broadcast::Receiver<NodeEvent>)> {
        let ledger = Arc::new(Ledger::open(&config.ledger_dir, config.reset)?);
        let svm = new_svm(config.program_so.as_deref())?;
        let (events, receiver) = broadcast::channel(4096);
        let commits = GroupCommit::start(ledger.clone(), events.clone())?;
        let genesis = match ledger.genesis()? {
            Some(genesis) => genesis,
            None => Self::create_genesis(&ledger)?,
        };
        let faucet = Keypair::try_from(genesis.faucet.as_slice()).context("faucet key")?;
        let identity = Keypair::try_from(genesis.identity.as_slice())
            .context("identity key")?
            .pubkey();
        let mut bank = Self {
            svm,
            ledger,
            commits,
            genesis,
            identity,
            faucet,
            slot: 0,
            blockhash: Hash::default(),
            recent: VecDeque::new(),
            working: Vec::new(),
            recent_signatures: RecentSignatures::default(),
            undo: VecDeque::new(),
            finality_lag: config.finality_lag,
            finalized_floor: 0,
            fees: VecDeque::new(),
            events,
            transaction_count: 0,
            history_slots: config.history_slots,
            first_available: 0,
            program_runtime: if config.program_so.is_some() {
                ProgramRuntime::Sbf
            } else {
                ProgramRuntime::Native
            },
        };
        bank.resume()?;
        Ok((bank, receiver))
    }

    fn create_genesis(ledger: &Ledger) -> Result<Genesis> {
        let created_unix = now_unix();
        let genesis_hash = solana_sha256_hasher::hashv(&[
            b"orderbook-node genesis",
            &created_unix.to_le_bytes(),
            Keypair::new().pubkey().as_ref(),
        ]);
        let faucet = Keypair::new();
        let genesis = Genesis {
            genesis_hash,
            identity: Keypair::new().to_bytes().to_vec(),
            faucet: faucet.to_bytes().to_vec(),
            created_unix,
        };
        let faucet_account = Account::new(FAUCET_LAMPORTS, 0, &solana_sdk_ids::system_program::ID);
        ledger.put_accounts(&[(faucet.pubkey(), Some(faucet_account))])?;
        ledger.put_block(&BlockRecord {
            slot: 0,
            blockhash: genesis_hash,
            previous_blockhash: genesis_hash,
            block_time: created_unix,
        })?;
        ledger.write_genesis(&genesis)?;
        Ok(genesis)
    }

    /// Load the accounts and the recent blocks; reopen the slot after the last block.
    fn resume(&mut self) -> Result<()> {
        for (key, account) in self.ledger.accounts()? {
            self.svm
                .set_account(key, account)
                .map_err(|e| anyhow::anyhow!("restoring account {key}: {e:?}"))?;
        }
        let blocks = self.ledger.last_blocks(RECENT_BLOCKS_KEPT)?;
        let Some(last) = blocks.last() else {
            bail!("the ledger has no blocks (delete it or start with --reset)");
        };
        self.recent = blocks.iter().map(|b| (b.slot, b.blockhash)).collect();
        self.blockhash = last.blockhash;
        self.slot = last.slot + 1;
        self.finalized_floor = last.slot;
        self.working = self.ledger.slot_signatures(self.slot)?;
        self.transaction_count = self.ledger.transaction_count()?;
        self.first_available = self.ledger.first_available_slot()?;
        self.open_slot(now_unix());
        Ok(())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.events.subscribe()
    }

    pub fn genesis_hash(&self) -> Hash {
        self.genesis.genesis_hash
    }

    pub fn identity(&self) -> Pubkey {
        self.identity
    }

    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn transaction_count(&self) -> u64 {
        self.transaction_count
    }

    pub fn lamports_per_signature(&self) -> u64 {
        solana_fee_structure::FeeStructure::default().lamports_per_signature
    }

    pub fn minimum_balance(&self, len: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(len)
    }

    pub fn epoch_schedule(&self) -> solana_epoch_schedule::EpochSchedule {
        self.svm.get_sysvar()
    }

    /// The slot a read at `level` sees.
    pub fn slot_at(&self, level: CommitmentLevel) -> Slot {
        match level {
            CommitmentLevel::Finalized => self.finalized_slot(),
            _ => self.slot,
        }
    }

    pub fn finalized_slot(&self) -> Slot {
        self.slot
            .saturating_sub(self.finality_lag)
            .max(self.finalized_floor)
    }

    /// The newest completed block visible at `level`, with its blockhash.
    pub fn latest_block(&self, level: CommitmentLevel) -> (Slot, Hash) {
        let limit = match level {
            CommitmentLevel::Finalized => self.finalized_slot(),
            _ => self.slot - 1,
        };
        self.recent
            .iter()
            .rev()
            .find(|(slot, _)| *slot <= limit)
            .copied()
            .unwrap_or((self.slot - 1, self.blockhash))
    }

    /// The last block height at which `hash` is still accepted, if known.
    pub fn last_valid_block_height(&self, hash: &Hash) -> Option<u64> {
        self.recent
            .iter()
            .rev()
            .find(|(_, h)| h == hash)
            .map(|(slot, _)| slot + MAX_PROCESSING_AGE)
    }

    pub fn is_blockhash_valid(&self, hash: &Hash) -> bool {
        self.last_valid_block_height(hash)
            .is_some_and(|last| self.slot <= last)
    }

    /// One account as seen at `level`.
    pub fn account(&self, key: &Pubkey, level: CommitmentLevel) -> Option<Account> {
        if level == CommitmentLevel::Finalized
            && let Some(before) = self.finalized_override(key)
        {
            return live(before);
        }
        live(self.svm.get_account(key))
    }

    /// The before-image of `key` in the oldest unfinalized slot that changed it.
    fn finalized_override(&self, key: &Pubkey) -> Option<Option<Account>> {
        let finalized = self.finalized_slot();
        self.undo
            .iter()
            .filter(|frame| frame.slot > finalized)
            .find_map(|frame| frame.before.get(key).cloned())
    }

    /// Every live account matching `keep`, at `level`.
    pub fn scan_accounts(
        &self,
        level: CommitmentLevel,
        keep: impl Fn(&Pubkey, &Account) -> bool,
    ) -> Vec<(Pubkey, Account)> {
        let mut out: Vec<(Pubkey, Account)> = Vec::new();
        let finalized = level == CommitmentLevel::Finalized;
        for (key, shared) in &self.svm.accounts_db().inner {
            if finalized && self.finalized_override(key).is_some() {
                continue;
            }
            if shared.lamports() == 0 {
                continue;
            }
            let account = Account::from(shared.clone());
            if keep(key, &account) {
                out.push((*key, account));
            }
        }
        if finalized {
            let mut seen = std::collections::HashSet::new();
            for frame in self.undo.iter().filter(|f| f.slot > self.finalized_slot()) {
                for (key, before) in &frame.before {
                    if seen.insert(*key)
                        && let Some(account) = live(before.clone())
                        && keep(key, &account)
                    {
                        out.push((*key, account));
                    }
                }
            }
        }
        out
    }

    /// A landed transaction visible at `level`.
    pub fn transaction(
        &self,
        signature: &Signature,
        level: CommitmentLevel,
    ) -> Result<Option<TxRecord>> {
        let record = self.ledger.transaction(signature)?;
        Ok(record.filter(|r| r.slot <= self.slot_at(level)))
    }

    /// Completed block `slot`, if visible at `level`, with its transactions.
    pub fn block(
        &self,
        slot: Slot,
        level: CommitmentLevel,
    ) -> Result<Option<(BlockRecord, Vec<TxRecord>)>> {
        let limit = match level {
            CommitmentLevel::Finalized => self.finalized_slot(),
            _ => self.slot - 1,
        };
        if slot > limit || slot < self.first_available {
            return Ok(None);
        }
        let Some(block) = self.ledger.block(slot)? else {
            return Ok(None);
        };
        let mut txs = Vec::new();
        for signature in self.ledger.slot_signatures(slot)? {
            if let Some(tx) = self.ledger.transaction(&signature)? {
                txs.push(tx);
            }
        }
        Ok(Some((block, txs)))
    }

    /// Per recent slot, the lowest compute-unit price among transactions
    /// that write-locked any of `accounts` (all transactions if empty).
    pub fn prioritization_fees(&self, accounts: &[Pubkey]) -> Vec<(Slot, u64)> {
        self.fees
            .iter()
            .map(|(slot, txs)| {
                let fee = txs
                    .iter()
                    .filter(|paid| {
                        accounts.is_empty()
                            || paid.write_locked.iter().any(|k| accounts.contains(k))
                    })
                    .map(|paid| paid.micro_lamports_per_cu)
                    .min()
                    .unwrap_or(0);
                (*slot, fee)
            })
            .collect()
    }

    /// Write an account directly, as `solana-test-validator --account` loads
    /// one (fixtures and tests); it is persisted like any other, with the
    /// next group.
    pub fn set_account(&mut self, key: Pubkey, account: Account) -> Result<()> {
        self.svm
            .set_account(key, account.clone())
            .map_err(|e| anyhow::anyhow!("setting account {key}: {e:?}"))?;
        self.commits
            .write_later(Write::Accounts(vec![(key, Some(account.into()))]));
        Ok(())
    }

    /// Resolves once everything landed so far is durable (for a shutdown).
    pub fn flush(&self) -> Durable {
        self.commits.write(Write::Nothing)
    }
}
