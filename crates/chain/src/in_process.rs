//! A chain in this process: a `solana-program-test` bank with the orderbook
//! program running natively and the real SPL Token / Token-2022 programs.
//! It records every transaction it lands (signature, accounts, emitted
//! events) so history queries answer as an RPC node would.
#![allow(deprecated)] // `processor!` / `add_account` are flagged unstable in program-test 3.1.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anchor_lang::prelude::{AccountInfo, Pubkey};
use async_trait::async_trait;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext, processor};
use solana_signature::Signature;
use solana_transaction::Transaction;
use tokio::sync::Mutex;

use crate::{
    Chain, ChainAccount, ChainError, SignatureInfo, TxEvents, events_from_inner, tx_error,
};

/// Native entry: program-test's `processor!` wants independent lifetimes,
/// Anchor's `entry` ties them together.
pub fn process(
    program_id: &Pubkey,
    accounts: &[AccountInfo],
    data: &[u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    // SAFETY: the runtime keeps every account alive for the whole call; only
    // the lifetime parameters differ.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    orderbook::entry(program_id, accounts, data)
}

/// A `ProgramTest` with the orderbook program registered natively.
pub fn program_test() -> ProgramTest {
    let mut pt = ProgramTest::new("orderbook", orderbook::ID, processor!(process));
    pt.prefer_bpf(false);
    pt
}

struct Recorded {
    signature: Signature,
    slot: u64,
    accounts: Vec<Pubkey>,
    events: Vec<orderbook_client::events::ProgramEvent>,
    failed: bool,
    /// The bank clock when it landed (what a node reports as block time).
    block_time: i64,
}

struct Inner {
    ctx: ProgramTestContext,
    known: BTreeSet<Pubkey>,
    history: Vec<Recorded>,
    /// A transaction was rejected as a duplicate: the next blockhash must be new.
    need_new_blockhash: bool,
    /// The last blockhash handed out and when: reused for `BLOCKHASH_REUSE`.
    cached_blockhash: Option<(Hash, Instant)>,
    /// Blockhashes handed out recently, with when (see `BLOCKHASH_MAX_AGE`).
    issued: std::collections::VecDeque<(Hash, Instant)>,
}

/// program-test registers a new blockhash every 6.4 ms (a 64-tick slot of
/// 100 µs ticks) without advancing the block height, so a blockhash passes
/// the 150-hash processing age after about a second — and the bank
/// *panics* (an unchecked subtraction in
/// `get_blockhash_last_valid_block_height`) on a transaction whose hash is
/// 151–300 hashes old, taking the whole in-process chain down. A blockhash
/// is therefore reused for at most `BLOCKHASH_REUSE`, and a transaction whose
/// blockhash was handed out more than `BLOCKHASH_MAX_AGE` ago (or never) is
/// refused as expired before it reaches the bank; callers then re-sign with a
/// fresh one, as they would on a cluster.
const BLOCKHASH_REUSE: Duration = Duration::from_millis(250);
const BLOCKHASH_MAX_AGE: Duration = Duration::from_millis(700);
/// Recently issued blockhashes remembered.
const ISSUED_KEPT: usize = 64;

pub struct InProcessChain {
    inner: Mutex<Inner>,
    payer: Keypair,
}

fn banks(e: BanksClientError) -> ChainError {
    ChainError::Rpc(e.to_string())
}

impl InProcessChain {
    /// Start a fresh bank.
    pub async fn start() -> Self {
        Self::from_program_test(program_test()).await
    }

    /// Start from a prepared `ProgramTest` (extra genesis accounts, …).
    pub async fn from_program_test(pt: ProgramTest) -> Self {
        let ctx = pt.start_with_context().await;
        let payer = ctx.payer.insecure_clone();
        Self {
            inner: Mutex::new(Inner {
                ctx,
                known: BTreeSet::new(),
                history: Vec::new(),
                need_new_blockhash: false,
                cached_blockhash: None,
                issued: std::collections::VecDeque::new(),
            }),
            payer,
        }
    }

    /// The genesis payer (funded with plenty of SOL).
    pub fn payer(&self) -> Keypair {
        self.payer.insecure_clone()
    }

    /// Set the bank clock's unix timestamp (for expiry).
    pub async fn set_unix_time(&self, unix: i64) -> Result<(), ChainError> {
        let inner = self.inner.lock().await;
        let mut clock: anchor_lang::prelude::Clock =
            inner.ctx.banks_client.get_sysvar().await.map_err(banks)?;
        clock.unix_timestamp = unix;
        inner.ctx.set_sysvar(&clock);
        Ok(())
    }

    /// Write an account directly, as a validator's `--account` would (for
    /// tests that need accounts no instruction can make).
    pub async fn set_account(&self, key: &Pubkey, account: solana_account::Account) {
        let mut inner = self.inner.lock().await;
        inner.ctx.set_account(key, &account.into());
    }

    /// Everything landed so far, for [`crate::recorded::RecordedChain`].
    pub async fn export_history(&self) -> Vec<crate::recorded::RecordedTx> {
        self.inner
            .lock()
            .await
            .history
            .iter()
            .map(|r| crate::recorded::RecordedTx {
                tx: TxEvents {
                    signature: r.signature,
                    slot: r.slot,
                    block_time: Some(r.block_time),
                    events: r.events.clone(),
                },
                accounts: r.accounts.clone(),
                failed: r.failed,
            })
            .collect()
    }

    /// Number of transactions landed so far (successful or failed).
    pub async fn transaction_count(&self) -> usize {
        self.inner.lock().await.history.len()
    }
}

#[async_trait]
impl Chain for InProcessChain {
    async fn account(&self, key: &Pubkey) -> Result<Option<ChainAccount>, ChainError> {
        let inner = self.inner.lock().await;
        let a = inner
            .ctx
            .banks_client
            .get_account(*key)
            .await
            .map_err(banks)?;
        Ok(a.map(|a| ChainAccount {
            lamports: a.lamports,
            owner: a.owner,
            data: a.data,
        }))
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<ChainAccount>>, ChainError> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.account(k).await?);
        }
        Ok(out)
    }

    async fn program_accounts(
        &self,
        discriminator: [u8; 8],
        market: Option<Pubkey>,
    ) -> Result<Vec<(Pubkey, ChainAccount)>, ChainError> {
        let keys: Vec<Pubkey> = self.inner.lock().await.known.iter().copied().collect();
        let mut out = Vec::new();
        for k in keys {
            let Some(a) = self.account(&k).await? else {
                continue;
            };
            if a.owner != orderbook::ID || a.data.get(..8) != Some(&discriminator[..]) {
                continue;
            }
            if let Some(m) = market
                && a.data.get(8..40) != Some(m.as_ref())
            {
                continue;
            }
            out.push((k, a));
        }
        Ok(out)
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        let mut inner = self.inner.lock().await;
        let hash = if inner.need_new_blockhash {
            // After an identical transaction was rejected: wait for a new one.
            inner.need_new_blockhash = false;
            inner
                .ctx
                .get_new_latest_blockhash()
                .await
                .map_err(|e| ChainError::Rpc(e.to_string()))?
        } else if let Some((h, at)) = inner.cached_blockhash
            && at.elapsed() < BLOCKHASH_REUSE
        {
            return Ok(h);
        } else {
            inner
                .ctx
                .banks_client
                .get_latest_blockhash()
                .await
                .map_err(banks)?
        };
        inner.cached_blockhash = Some((hash, Instant::now()));
        if inner.issued.len() == ISSUED_KEPT {
            inner.issued.pop_front();
        }
        inner.issued.push_back((hash, Instant::now()));
        Ok(hash)
    }

    async fn minimum_balance(&self, len: usize) -> Result<u64, ChainError> {
        let inner = self.inner.lock().await;
        Ok(inner
            .ctx
            .banks_client
            .get_rent()
            .await
            .map_err(banks)?
            .minimum_balance(len))
    }

    async fn send_and_confirm(&self, tx: &Transaction) -> Result<(Signature, u64), ChainError> {
        let mut inner = self.inner.lock().await;
        let signature = tx.signatures.first().copied().unwrap_or_default();
        // A cluster drops a transaction identical to one it already has;
        // program-test would report it as processed without running it.
        if inner.history.iter().any(|r| r.signature == signature) {
            inner.need_new_blockhash = true;
            return Err(ChainError::BlockhashExpired);
        }
        let accounts = tx.message.account_keys.clone();
        let sim = inner
            .ctx
            .banks_client
            .simulate_transaction(tx.clone())
            .await
            .map_err(banks)?;
        let mut events = Vec::new();
        if let Some(details) = &sim.simulation_details
            && let Some(inner_ixs) = &details.inner_instructions
        {
            let pairs = inner_ixs.iter().flatten().map(|ii| {
                (
                    accounts[ii.instruction.program_id_index as usize],
                    ii.instruction.data.as_slice(),
                )
            });
            events = events_from_inner(pairs)?;
        }
        let fresh = inner
            .issued
            .iter()
            .rev()
            .find(|(h, _)| *h == tx.message.recent_blockhash)
            .is_some_and(|(_, at)| at.elapsed() < BLOCKHASH_MAX_AGE);
        if !fresh {
            return Err(ChainError::BlockhashExpired);
        }
        let result = inner.ctx.banks_client.process_transaction(tx.clone()).await;
        let slot = inner
            .ctx
            .banks_client
            .get_root_slot()
            .await
            .map_err(banks)?;
        inner.known.extend(accounts.iter().copied());
        let failed = result.is_err();
        if failed {
            events.clear();
        }
        let clock: anchor_lang::prelude::Clock =
            inner.ctx.banks_client.get_sysvar().await.map_err(banks)?;
        let block_time = clock.unix_timestamp;
        inner.history.push(Recorded {
            signature,
            slot,
            accounts,
            events,
            failed,
            block_time,
        });
        if let Err(BanksClientError::TransactionError(
            solana_transaction_error::TransactionError::AlreadyProcessed
            | solana_transaction_error::TransactionError::BlockhashNotFound,
        )) = &result
        {
            inner.need_new_blockhash = true;
            return Err(ChainError::BlockhashExpired);
        }
        match result {
            Ok(()) => Ok((signature, slot)),
            Err(BanksClientError::TransactionError(e))
            | Err(BanksClientError::SimulationError { err: e, .. }) => Err(tx_error(&e)),
            Err(e) => Err(banks(e)),
        }
    }

    async fn prioritization_fees(&self, _accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        // A private bank has no fee market.
        Ok(Vec::new())
    }

    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        let inner = self.inner.lock().await;
        Ok(crate::page_signatures(
            inner
                .history
                .iter()
                .rev()
                .map(|r| (r.signature, r.slot, r.failed, r.accounts.as_slice())),
            address,
            before,
            until,
            limit,
        ))
    }

    async fn transaction_events(
        &self,
        signature: &Signature,
    ) -> Result<Option<TxEvents>, ChainError> {
        let inner = self.inner.lock().await;
        Ok(inner
            .history
            .iter()
            .find(|r| r.signature == *signature)
            .map(|r| TxEvents {
                signature: r.signature,
                slot: r.slot,
                block_time: Some(r.block_time),
                events: r.events.clone(),
            }))
    }
}
