//! The node's bank: a LiteSVM with the order-book program (native, or an SBF
//! build), the real SPL Token / Token-2022 / ATA programs, a slot clock, a
//! blockhash window and three commitment views over one fork.
//!
//! Commitment model (one leader, no forks): a transaction is executed and
//! committed to the ledger before `sendTransaction` answers, so it is
//! `confirmed` as soon as it is `processed`; `finalized` lags by
//! `finality_lag` slots, and the bank keeps before-images of the accounts
//! changed in those slots so finalized reads see the state as of then.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use litesvm::LiteSVM;
use solana_account::{Account, ReadableAccount};
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

use crate::ledger::{Genesis, LandedWrite, Ledger};
use crate::record::{BlockRecord, TokenBalance, TxRecord};

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

/// Why a transaction did not land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLanded(pub TransactionError);

/// A simulation's result.
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units_consumed: u64,
    pub fee: u64,
    pub return_data: Option<solana_transaction_context::TransactionReturnData>,
    pub inner_instructions: Vec<InnerInstructions>,
    pub post_accounts: HashMap<Pubkey, Account>,
    pub loaded_writable: Vec<Pubkey>,
    pub loaded_readonly: Vec<Pubkey>,
}

pub struct Bank {
    svm: LiteSVM,
    ledger: Ledger,
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
    undo: VecDeque<UndoFrame>,
    finality_lag: u64,
    /// Nothing at or below this slot can be un-finalized (set at a restart:
    /// the before-images of earlier slots are not kept on disk).
    finalized_floor: Slot,
    /// Per recent slot, what `getRecentPrioritizationFees` needs of each transaction.
    fees: VecDeque<(Slot, Vec<PaidPriority>)>,
    events: broadcast::Sender<NodeEvent>,
    transaction_count: u64,
}

/// A landed transaction's write locks and the compute-unit price it paid.
struct PaidPriority {
    write_locked: Vec<Pubkey>,
    micro_lamports_per_cu: u64,
}

/// A message's account keys: its static keys, then those loaded from
/// address lookup tables (writable first, as the runtime orders them).
pub struct ResolvedKeys {
    pub statics: Vec<Pubkey>,
    pub loaded_writable: Vec<Pubkey>,
    pub loaded_readonly: Vec<Pubkey>,
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

fn is_persistable(key: &Pubkey, account: &Option<Account>) -> bool {
    !solana_sdk_ids::sysvar::check_id(key) && !account.as_ref().is_some_and(|a| a.executable)
}

/// The native program needs the syscall stubs `solana-program-test`
/// installs (CPI, sysvars, logs) when it starts its first bank; there is no
/// other public way to install them, so start one once and drop it.
fn install_native_syscalls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the syscall stubs");
            runtime.block_on(async {
                let _ = solana_program_test::ProgramTest::default().start().await;
            });
        })
        .join()
        .expect("installing the native syscall stubs");
    });
}

/// The runtime's builtin entry for the native program: what
/// `solana_program_test::processor!` expands to, as a function so that it is
/// generic over the VM's lifetime as LiteSVM's `add_builtin` wants.
fn native_entry(
    vm: *mut solana_program_test::EbpfVm<solana_program_test::InvokeContext>,
    _: u64,
    _: u64,
    _: u64,
    _: u64,
    _: u64,
) {
    use solana_program_test::{EbpfError, EbpfVm, InvokeContext, get_runtime_environment_key};
    // SAFETY: the runtime passes the VM's context pointer offset by the
    // environment key, exactly as for program-test's own builtins.
    let vm = unsafe {
        &mut *((vm as *mut u64).offset(-(get_runtime_environment_key() as isize))
            as *mut EbpfVm<InvokeContext>)
    };
    vm.program_result = solana_program_test::invoke_builtin_function(
        orderbook_chain::in_process::process,
        vm.context_object_pointer,
    )
    .map_err(EbpfError::SyscallError)
    .into();
}

fn new_svm(program_so: Option<&std::path::Path>) -> Result<LiteSVM> {
    // Signatures and blockhashes are checked by the bank itself (its own
    // window, by block height); LiteSVM only knows its latest hash.
    let mut svm = LiteSVM::new()
        .with_sigverify(false)
        .with_blockhash_check(false)
        .with_transaction_history(0)
        .with_log_bytes_limit(Some(100_000));
    match program_so {
        Some(path) => svm
            .add_program_from_file(orderbook::ID, path)
            .map_err(|e| anyhow::anyhow!("loading {}: {e}", path.display()))?,
        None => {
            install_native_syscalls();
            svm.add_builtin(orderbook::ID, native_entry);
        }
    }
    Ok(svm)
}

impl Bank {
    /// Open the ledger and resume its chain, or start a new one.
    pub fn open(config: &BankConfig) -> Result<(Self, broadcast::Receiver<NodeEvent>)> {
        let ledger = Ledger::open(&config.ledger_dir, config.reset)?;
        let svm = new_svm(config.program_so.as_deref())?;
        let (events, receiver) = broadcast::channel(4096);
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
            genesis,
            identity,
            faucet,
            slot: 0,
            blockhash: Hash::default(),
            recent: VecDeque::new(),
            working: Vec::new(),
            undo: VecDeque::new(),
            finality_lag: config.finality_lag,
            finalized_floor: 0,
            fees: VecDeque::new(),
            events,
            transaction_count: 0,
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

    /// Close the working block and open the next slot (the slot clock's tick).
    pub fn advance_slot(&mut self) -> Result<()> {
        let now = now_unix();
        let blockhash = self.block_hash_of_working();
        self.ledger.put_block(&BlockRecord {
            slot: self.slot,
            blockhash,
            previous_blockhash: self.blockhash,
            block_time: now,
        })?;
        self.recent.push_back((self.slot, blockhash));
        while self.recent.len() > RECENT_BLOCKS_KEPT {
            self.recent.pop_front();
        }
        self.blockhash = blockhash;
        self.slot += 1;
        self.working.clear();
        self.open_slot(now);
        Ok(())
    }

    fn block_hash_of_working(&self) -> Hash {
        let slot = self.slot.to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![self.blockhash.as_ref(), &slot];
        parts.extend(self.working.iter().map(|s| s.as_ref()));
        solana_sha256_hasher::hashv(&parts)
    }

    fn open_slot(&mut self, now: UnixTimestamp) {
        let schedule = self.epoch_schedule();
        let (epoch, _) = schedule.get_epoch_and_slot_index(self.slot);
        let mut clock: Clock = self.svm.get_sysvar();
        clock.slot = self.slot;
        clock.epoch = epoch;
        clock.leader_schedule_epoch = schedule.get_leader_schedule_epoch(self.slot);
        clock.unix_timestamp = now;
        self.svm.set_sysvar(&clock);
        // Address lookup tables are created against a recent slot's hash.
        let mut slot_hashes: solana_slot_hashes::SlotHashes = self.svm.get_sysvar();
        slot_hashes.add(self.slot - 1, self.blockhash);
        self.svm.set_sysvar(&slot_hashes);
        self.undo.push_back(UndoFrame {
            slot: self.slot,
            before: HashMap::new(),
        });
        self.fees.push_back((self.slot, Vec::new()));
        while self.fees.len() > PRIORITIZATION_SLOTS {
            self.fees.pop_front();
        }
        let root = self.finalized_slot();
        while self.undo.front().is_some_and(|f| f.slot <= root) {
            let frame = self.undo.pop_front().expect("checked");
            let _ = self.events.send(NodeEvent::Finalized {
                slot: frame.slot,
                accounts: Arc::new(frame.before.into_keys().collect()),
            });
        }
        let _ = self.events.send(NodeEvent::Slot {
            slot: self.slot,
            parent: self.slot - 1,
            root,
        });
    }

    /// Static keys, then the addresses loaded from lookup tables.
    pub fn resolve_keys(
        &self,
        message: &VersionedMessage,
    ) -> Result<ResolvedKeys, TransactionError> {
        let statics = message.static_account_keys().to_vec();
        let (mut writable, mut readonly) = (Vec::new(), Vec::new());
        if let Some(lookups) = message.address_table_lookups() {
            for lookup in lookups {
                let table = self
                    .svm
                    .get_account(&lookup.account_key)
                    .filter(|a| a.owner == solana_sdk_ids::address_lookup_table::ID)
                    .ok_or(TransactionError::AddressLookupTableNotFound)?;
                let table =
                    solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(
                        &table.data,
                    )
                    .map_err(|_| TransactionError::InvalidAddressLookupTableData)?;
                let pick = |indexes: &[u8], out: &mut Vec<Pubkey>| {
                    for index in indexes {
                        let key = table
                            .addresses
                            .get(*index as usize)
                            .ok_or(TransactionError::InvalidAddressLookupTableIndex)?;
                        out.push(*key);
                    }
                    Ok::<(), TransactionError>(())
                };
                pick(&lookup.writable_indexes, &mut writable)?;
                pick(&lookup.readonly_indexes, &mut readonly)?;
            }
        }
        Ok(ResolvedKeys {
            statics,
            loaded_writable: writable,
            loaded_readonly: readonly,
        })
    }

    fn snapshot(&self, keys: &[Pubkey]) -> Vec<Option<Account>> {
        keys.iter().map(|k| live(self.svm.get_account(k))).collect()
    }

    fn token_balances(&self, keys: &[Pubkey], accounts: &[Option<Account>]) -> Vec<TokenBalance> {
        keys.iter()
            .zip(accounts)
            .enumerate()
            .filter_map(|(index, (_, account))| {
                let account = account.as_ref()?;
                let state = crate::tokens::token_account(account)?;
                let decimals = self
                    .svm
                    .get_account(&state.mint)
                    .and_then(|mint| crate::tokens::mint_decimals(&mint))?;
                Some(TokenBalance {
                    account_index: u8::try_from(index).ok()?,
                    mint: state.mint,
                    owner: state.owner,
                    program_id: account.owner,
                    amount: state.amount,
                    decimals,
                })
            })
            .collect()
    }

    /// Execute `tx` and, if it lands (succeeds, or fails after its fee is
    /// charged), commit it to the ledger in the working slot.
    pub fn land(&mut self, tx: VersionedTransaction) -> Result<Arc<TxRecord>, NotLanded> {
        let signature = tx.signatures[0];
        let ResolvedKeys {
            statics,
            loaded_writable,
            loaded_readonly,
        } = self.resolve_keys(&tx.message).map_err(NotLanded)?;
        let mut keys = statics;
        keys.extend(&loaded_writable);
        keys.extend(&loaded_readonly);
        let pre = self.snapshot(&keys);
        let compute_unit_price = crate::fees::compute_unit_price(&tx.message);
        let (err, meta) = match self.svm.send_transaction(tx.clone()) {
            Ok(meta) => (None, meta),
            // LiteSVM has already withdrawn the fee of a failed, included transaction.
            Err(failed) if is_included(&failed.err) => (Some(failed.err), failed.meta),
            Err(failed) => return Err(NotLanded(failed.err)),
        };
        let post = self.snapshot(&keys);
        let record = TxRecord {
            slot: self.slot,
            block_time: self.svm.get_sysvar::<Clock>().unix_timestamp,
            pre_token_balances: self.token_balances(&keys, &pre),
            post_token_balances: self.token_balances(&keys, &post),
            pre_balances: pre
                .iter()
                .map(|a| a.as_ref().map_or(0, |a| a.lamports))
                .collect(),
            post_balances: post
                .iter()
                .map(|a| a.as_ref().map_or(0, |a| a.lamports))
                .collect(),
            transaction: tx,
            err,
            fee: meta.fee,
            inner_instructions: solana_transaction_status::map_inner_instructions(
                meta.inner_instructions,
            )
            .collect(),
            logs: meta.logs,
            compute_units_consumed: meta.compute_units_consumed,
            return_data: Some(meta.return_data).filter(|r| !r.data.is_empty()),
            loaded_writable,
            loaded_readonly,
            compute_unit_price,
        };
        let changed: Vec<(Pubkey, Option<Account>)> = keys
            .iter()
            .zip(pre.into_iter().zip(post))
            .filter(|(_, (before, after))| before != after)
            .map(|(key, (before, after))| {
                self.remember_before(key, before);
                (*key, after)
            })
            .collect();
        self.commit(record, changed, signature)
    }

    fn commit(
        &mut self,
        record: TxRecord,
        changed: Vec<(Pubkey, Option<Account>)>,
        signature: Signature,
    ) -> Result<Arc<TxRecord>, NotLanded> {
        let persisted: Vec<_> = changed
            .iter()
            .filter(|(k, a)| is_persistable(k, a))
            .cloned()
            .collect();
        let position = self.working.len() as u32;
        if let Err(e) = self.ledger.land(LandedWrite {
            record: &record,
            position,
            accounts: &persisted,
        }) {
            // The ledger is the source of truth: a transaction it could not
            // store did not land (its effects stay in memory until restart).
            tracing::error!("ledger write failed: {e:#}");
            return Err(NotLanded(TransactionError::ClusterMaintenance));
        }
        self.working.push(signature);
        self.transaction_count += 1;
        if let Some((_, slot_fees)) = self.fees.back_mut() {
            slot_fees.push(PaidPriority {
                write_locked: record.writable_keys(),
                micro_lamports_per_cu: record.compute_unit_price,
            });
        }
        let record = Arc::new(record);
        let _ = self.events.send(NodeEvent::Transaction {
            record: record.clone(),
            accounts: Arc::new(changed),
        });
        Ok(record)
    }

    fn remember_before(&mut self, key: &Pubkey, before: Option<Account>) {
        if let Some(frame) = self.undo.back_mut() {
            frame.before.entry(*key).or_insert(before);
        }
    }

    /// Run `tx` against the current state without keeping anything.
    pub fn simulate(&self, tx: VersionedTransaction) -> Result<Simulation, TransactionError> {
        let ResolvedKeys {
            loaded_writable,
            loaded_readonly,
            ..
        } = self.resolve_keys(&tx.message)?;
        let (err, meta, post_accounts) = match self.svm.simulate_transaction(tx) {
            Ok(info) => (None, info.meta, info.post_accounts),
            Err(failed) => (Some(failed.err), failed.meta, Vec::new()),
        };
        Ok(Simulation {
            err,
            logs: meta.logs,
            units_consumed: meta.compute_units_consumed,
            fee: meta.fee,
            return_data: Some(meta.return_data).filter(|r| !r.data.is_empty()),
            inner_instructions: solana_transaction_status::map_inner_instructions(
                meta.inner_instructions,
            )
            .collect(),
            post_accounts: post_accounts
                .into_iter()
                .map(|(k, a)| (k, Account::from(a)))
                .collect(),
            loaded_writable,
            loaded_readonly,
        })
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
        if slot > limit {
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
    /// one (fixtures and tests); it is persisted like any other.
    pub fn set_account(&mut self, key: Pubkey, account: Account) -> Result<()> {
        self.svm
            .set_account(key, account.clone())
            .map_err(|e| anyhow::anyhow!("setting account {key}: {e:?}"))?;
        self.ledger.put_accounts(&[(key, Some(account))])
    }

    /// Build and land a faucet transfer (what `requestAirdrop` does).
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Arc<TxRecord>, NotLanded> {
        let instruction =
            solana_system_interface::instruction::transfer(&self.faucet.pubkey(), to, lamports);
        let message = solana_message::Message::new_with_blockhash(
            &[instruction],
            Some(&self.faucet.pubkey()),
            &self.blockhash,
        );
        let tx = solana_transaction::Transaction::new(&[&self.faucet], message, self.blockhash);
        self.land(VersionedTransaction::from(tx))
    }
}

/// Whether a failed transaction is still recorded and charged on a cluster:
/// it was executed (an instruction failed), not refused at load.
fn is_included(err: &TransactionError) -> bool {
    matches!(
        err,
        TransactionError::InstructionError(..)
            | TransactionError::ProgramAccountNotFound
            | TransactionError::InvalidProgramForExecution
            | TransactionError::ProgramExecutionTemporarilyRestricted { .. }
            | TransactionError::InsufficientFundsForRent { .. }
            | TransactionError::MaxLoadedAccountsDataSizeExceeded
            | TransactionError::InvalidLoadedAccountsDataSizeLimit
            | TransactionError::UnbalancedTransaction
    )
}
