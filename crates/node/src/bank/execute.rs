//! Running transactions: resolving their keys, landing them (execute,
//! commit to the ledger, tell subscribers), simulating them, airdrops.

use super::*;

/// Why a transaction did not land, with what its execution reported if it
/// ran (a preflight failure shows its logs).
pub struct NotLanded {
    pub err: TransactionError,
    pub simulation: Option<Box<Simulation>>,
}

impl NotLanded {
    fn refused(err: TransactionError) -> Self {
        Self {
            err,
            simulation: None,
        }
    }
}

/// A landed transaction; `durable` resolves once the ledger stored it.
pub struct Landed {
    pub record: Arc<TxRecord>,
    pub durable: Durable,
}

fn lamports(account: &Option<AccountSharedData>) -> u64 {
    account.as_ref().map_or(0, |a| a.lamports())
}

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

/// A message's account keys: its static keys, then those loaded from
/// address lookup tables (writable first, as the runtime orders them).
pub struct ResolvedKeys {
    pub statics: Vec<Pubkey>,
    pub loaded_writable: Vec<Pubkey>,
    pub loaded_readonly: Vec<Pubkey>,
}

impl Bank {
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

    /// The accounts' states (shared, not copied), `None` where none is live.
    fn snapshot(&self, keys: &[Pubkey]) -> Vec<Option<AccountSharedData>> {
        let db = self.svm.accounts_db();
        keys.iter()
            .map(|k| db.get_account(k).filter(|a| a.lamports() > 0))
            .collect()
    }

    fn token_balances(
        &self,
        keys: &[Pubkey],
        accounts: &[Option<AccountSharedData>],
    ) -> Vec<TokenBalance> {
        let db = self.svm.accounts_db();
        keys.iter()
            .zip(accounts)
            .enumerate()
            .filter_map(|(index, (_, account))| {
                let account = account.as_ref()?;
                let state = crate::tokens::token_account(account)?;
                let decimals = db
                    .get_account_ref(&state.mint)
                    .and_then(crate::tokens::mint_decimals)?;
                Some(TokenBalance {
                    account_index: u8::try_from(index).ok()?,
                    mint: state.mint,
                    owner: state.owner,
                    program_id: *account.owner(),
                    amount: state.amount,
                    decimals,
                })
            })
            .collect()
    }

    /// Whether `signature` already landed (durably, or in a recent slot
    /// whose write may still be on its way).
    pub fn has_landed(&self, signature: &Signature) -> bool {
        self.recent_signatures.contains(signature)
            || self.ledger.has_transaction(signature).unwrap_or(false)
    }

    /// Execute `tx` once and, if it lands (succeeds, or fails after its fee
    /// is charged and `preflight` is off), queue it for the ledger in the
    /// working slot; [`Landed::durable`] resolves once it is stored. With
    /// `preflight`, a transaction that fails is refused with nothing kept,
    /// as a node's preflight simulation refuses it (one execution serves as
    /// both: nothing else runs between them under the bank's lock).
    pub fn land(&mut self, tx: VersionedTransaction, preflight: bool) -> Result<Landed, NotLanded> {
        let signature = tx.signatures[0];
        let ResolvedKeys {
            statics,
            loaded_writable,
            loaded_readonly,
        } = self.resolve_keys(&tx.message).map_err(NotLanded::refused)?;
        let mut keys = statics;
        keys.extend(&loaded_writable);
        keys.extend(&loaded_readonly);
        let pre = self.snapshot(&keys);
        let compute_unit_price = crate::fees::compute_unit_price(&tx.message);
        let (err, meta) = match self.svm.send_transaction(tx.clone()) {
            Ok(meta) => (None, meta),
            // LiteSVM has already withdrawn the fee of a failed, included transaction.
            Err(failed) if is_included(&failed.err) && !preflight => {
                (Some(failed.err), failed.meta)
            }
            Err(failed) => {
                self.restore(&keys, &pre);
                // What a preflight simulation of the failed transaction reports.
                let simulation = self.simulation(
                    Some(failed.err.clone()),
                    failed.meta,
                    HashMap::new(),
                    loaded_writable,
                    loaded_readonly,
                );
                return Err(NotLanded {
                    err: failed.err,
                    simulation: Some(Box::new(simulation)),
                });
            }
        };
        let post = self.snapshot(&keys);
        let record = TxRecord {
            slot: self.slot,
            block_time: self.svm.get_sysvar::<Clock>().unix_timestamp,
            pre_token_balances: self.token_balances(&keys, &pre),
            post_token_balances: self.token_balances(&keys, &post),
            pre_balances: pre.iter().map(lamports).collect(),
            post_balances: post.iter().map(lamports).collect(),
            transaction: tx,
            err,
            fee: meta.fee,
            inner_instructions: solana_transaction_status::map_inner_instructions(
                meta.inner_instructions,
            )
            .collect(),
            logs: self.program_runtime.logs(meta.logs),
            compute_units_consumed: meta.compute_units_consumed,
            return_data: Some(meta.return_data).filter(|r| !r.data.is_empty()),
            loaded_writable,
            loaded_readonly,
            compute_unit_price,
        };
        let changed: Vec<_> = keys
            .into_iter()
            .zip(pre.into_iter().zip(post))
            .filter(|(_, (before, after))| before != after)
            .map(|(key, (before, after))| {
                self.remember_before(&key, before);
                (key, after)
            })
            .collect();
        Ok(self.commit(record, changed, signature))
    }

    /// Put back the accounts a refused transaction changed (its fee).
    fn restore(&mut self, keys: &[Pubkey], pre: &[Option<AccountSharedData>]) {
        let now = self.snapshot(keys);
        for ((key, before), after) in keys.iter().zip(pre).zip(now) {
            if *before != after {
                let account = before.clone().map(Account::from).unwrap_or_default();
                if let Err(e) = self.svm.set_account(*key, account) {
                    tracing::error!("restoring {key} after a refused transaction: {e:?}");
                }
            }
        }
    }

    /// A simulation's report of an execution's metadata.
    fn simulation(
        &self,
        err: Option<TransactionError>,
        meta: litesvm::types::TransactionMetadata,
        post_accounts: HashMap<Pubkey, Account>,
        loaded_writable: Vec<Pubkey>,
        loaded_readonly: Vec<Pubkey>,
    ) -> Simulation {
        Simulation {
            err,
            logs: self.program_runtime.logs(meta.logs),
            units_consumed: meta.compute_units_consumed,
            fee: meta.fee,
            return_data: Some(meta.return_data).filter(|r| !r.data.is_empty()),
            inner_instructions: solana_transaction_status::map_inner_instructions(
                meta.inner_instructions,
            )
            .collect(),
            post_accounts,
            loaded_writable,
            loaded_readonly,
        }
    }

    /// Record a landed transaction in the working slot and queue its write.
    fn commit(
        &mut self,
        record: TxRecord,
        changed: Vec<(Pubkey, Option<AccountSharedData>)>,
        signature: Signature,
    ) -> Landed {
        let position = self.working.len() as u32;
        self.working.push(signature);
        self.recent_signatures.insert(self.slot, signature);
        self.transaction_count += 1;
        if let Some((_, slot_fees)) = self.fees.back_mut() {
            slot_fees.push(PaidPriority {
                write_locked: record.writable_keys(),
                micro_lamports_per_cu: record.compute_unit_price,
            });
        }
        let record = Arc::new(record);
        let durable = self.commits.write(Write::Transaction {
            record: record.clone(),
            position,
            changed,
        });
        Landed { record, durable }
    }

    fn remember_before(&mut self, key: &Pubkey, before: Option<AccountSharedData>) {
        if let Some(frame) = self.undo.back_mut() {
            frame
                .before
                .entry(*key)
                .or_insert_with(|| before.map(Account::from));
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
        let post_accounts = post_accounts
            .into_iter()
            .map(|(k, a)| (k, Account::from(a)))
            .collect();
        Ok(self.simulation(err, meta, post_accounts, loaded_writable, loaded_readonly))
    }

    /// Build and land a faucet transfer (what `requestAirdrop` does).
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Landed, NotLanded> {
        let instruction =
            solana_system_interface::instruction::transfer(&self.faucet.pubkey(), to, lamports);
        let message = solana_message::Message::new_with_blockhash(
            &[instruction],
            Some(&self.faucet.pubkey()),
            &self.blockhash,
        );
        let tx = solana_transaction::Transaction::new(&[&self.faucet], message, self.blockhash);
        self.land(VersionedTransaction::from(tx), true)
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
