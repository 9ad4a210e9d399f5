//! A read-only chain replaying a recorded transaction history from a file.
//!
//! [`in_process::InProcessChain::export_history`](crate) writes what an
//! in-process bank saw; [`RecordedChain::load`] serves it back through the
//! [`Chain`] read calls an indexer uses (`signatures_for_address`,
//! `transaction_events`). It lets a separate process — an indexer that a test
//! kills with `SIGKILL` and restarts — index a history produced elsewhere.
//! Account reads return nothing and sending is refused.
//!
//! File format (little-endian): magic `OBHIST01`, then per transaction:
//! signature (64 bytes), slot u64, block time i64, failed u8, account count
//! u32 + 32 bytes each, event count u32 + (length u32 + event bytes) each.

use std::io::{self, Read, Write};

use anchor_lang::prelude::Pubkey;
use async_trait::async_trait;
use orderbook_client::events::decode_event;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;

use crate::{Chain, ChainAccount, ChainError, SignatureInfo, TxEvents};

const MAGIC: &[u8; 8] = b"OBHIST01";
/// Refuse absurd counts in a corrupt file instead of allocating them.
const MAX_ITEMS: u32 = 1 << 20;

/// One recorded transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTx {
    pub tx: TxEvents,
    pub accounts: Vec<Pubkey>,
    pub failed: bool,
}

pub struct RecordedChain {
    history: Vec<RecordedTx>,
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_count(r: &mut impl Read) -> io::Result<u32> {
    let n = read_u32(r)?;
    if n > MAX_ITEMS {
        return Err(bad(format!("count {n} exceeds {MAX_ITEMS}")));
    }
    Ok(n)
}

/// Write `history` in the format above.
pub fn write_history(w: &mut impl Write, history: &[RecordedTx]) -> io::Result<()> {
    w.write_all(MAGIC)?;
    for r in history {
        w.write_all(r.tx.signature.as_ref())?;
        w.write_all(&r.tx.slot.to_le_bytes())?;
        w.write_all(&r.tx.block_time.unwrap_or(i64::MIN).to_le_bytes())?;
        w.write_all(&[r.failed as u8])?;
        w.write_all(&(r.accounts.len() as u32).to_le_bytes())?;
        for a in &r.accounts {
            w.write_all(a.as_ref())?;
        }
        w.write_all(&(r.tx.events.len() as u32).to_le_bytes())?;
        for e in &r.tx.events {
            let b = e.to_bytes();
            w.write_all(&(b.len() as u32).to_le_bytes())?;
            w.write_all(&b)?;
        }
    }
    Ok(())
}

/// Read a history written by [`write_history`].
pub fn read_history(r: &mut impl Read) -> io::Result<Vec<RecordedTx>> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(bad("not a recorded history (bad magic)"));
    }
    let mut out = Vec::new();
    loop {
        let mut sig = [0u8; 64];
        match r.read_exact(&mut sig) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e),
        }
        let slot = read_u64(r)?;
        let time = read_u64(r)? as i64;
        let mut failed = [0u8; 1];
        r.read_exact(&mut failed)?;
        let mut accounts = Vec::new();
        for _ in 0..read_count(r)? {
            let mut k = [0u8; 32];
            r.read_exact(&mut k)?;
            accounts.push(Pubkey::new_from_array(k));
        }
        let mut events = Vec::new();
        for _ in 0..read_count(r)? {
            let mut b = vec![0u8; read_count(r)? as usize];
            r.read_exact(&mut b)?;
            events.push(decode_event(&b).map_err(|e| bad(e.to_string()))?);
        }
        out.push(RecordedTx {
            tx: TxEvents {
                signature: Signature::from(sig),
                slot,
                block_time: (time != i64::MIN).then_some(time),
                events,
            },
            accounts,
            failed: failed[0] != 0,
        });
    }
    Ok(out)
}

impl RecordedChain {
    pub fn new(history: Vec<RecordedTx>) -> Self {
        Self { history }
    }

    pub fn load(path: &std::path::Path) -> io::Result<Self> {
        let f = std::fs::File::open(path)?;
        Ok(Self::new(read_history(&mut io::BufReader::new(f))?))
    }

    pub fn history(&self) -> &[RecordedTx] {
        &self.history
    }
}

fn read_only() -> ChainError {
    ChainError::Rpc("a recorded chain is read-only".into())
}

#[async_trait]
impl Chain for RecordedChain {
    async fn account(&self, _key: &Pubkey) -> Result<Option<ChainAccount>, ChainError> {
        Ok(None)
    }

    async fn accounts(&self, keys: &[Pubkey]) -> Result<Vec<Option<ChainAccount>>, ChainError> {
        Ok(vec![None; keys.len()])
    }

    async fn program_accounts(
        &self,
        _discriminator: [u8; 8],
        _market: Option<Pubkey>,
    ) -> Result<Vec<(Pubkey, ChainAccount)>, ChainError> {
        Ok(Vec::new())
    }

    async fn latest_blockhash(&self) -> Result<Hash, ChainError> {
        Err(read_only())
    }

    async fn minimum_balance(&self, _len: usize) -> Result<u64, ChainError> {
        Err(read_only())
    }

    async fn send_and_confirm(&self, _tx: &Transaction) -> Result<(Signature, u64), ChainError> {
        Err(read_only())
    }

    async fn prioritization_fees(&self, _accounts: &[Pubkey]) -> Result<Vec<u64>, ChainError> {
        Ok(Vec::new())
    }

    async fn signatures_for_address(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Result<Vec<SignatureInfo>, ChainError> {
        Ok(crate::page_signatures(
            self.history
                .iter()
                .rev()
                .map(|r| (r.tx.signature, r.tx.slot, r.failed, r.accounts.as_slice())),
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
        Ok(self
            .history
            .iter()
            .find(|r| r.tx.signature == *signature)
            .map(|r| r.tx.clone()))
    }
}
