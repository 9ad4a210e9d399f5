//! Revealing encrypted orders (issue 26). On a batch market that names the
//! keeper's beacon, the keeper reads the ciphertexts that commits emit
//! (`OrderEncrypted`, from the batch account's transactions), and once a
//! commitment's reveal window is open and the round its ciphertext names is
//! published, decrypts it, checks that it opens the commitment, and sends
//! `reveal_order` paying its own fee. A ciphertext that does not decrypt,
//! or decrypts to anything but its commitment's order, is dropped and
//! counted: its bond forfeits at the clear. Two keepers racing both send;
//! the second reveal fails and costs only its fee.
//!
//! A reveal earns nothing in its own transaction: the spend rules count the
//! commit fee the keeper earns when it clears that batch.

use std::collections::BTreeMap;
use std::time::SystemTime;

use anchor_lang::prelude::Pubkey;
use orderbook::state::{Market, TraderAccount};
use orderbook_chain::{Chain, ChainError};
use orderbook_client::accounts as decode;
use orderbook_client::accounts::Batches;
use orderbook_client::encrypted;
use orderbook_client::events::ProgramEvent;
use orderbook_client::ix;
use orderbook_client::sealed::RevealPayload;
use orderbook_engine::auction::BatchPhase;
use orderbook_engine::batch::EntryKind;
use solana_signature::Signature;
use solana_signer::Signer;

use crate::beacon::BeaconClient;
use crate::{Keeper, PassStats};

/// Signatures of a batch account read per request.
const SIGNATURES_PER_PAGE: usize = 256;
/// Pages read per pass, at most: a pass reads back at most this many pages
/// of transactions since the last; a busier market loses the oldest
/// ciphertexts (warned), whose owners can still reveal.
const MAX_PAGES_PER_PASS: usize = 4;

/// (market, batch, entry) of an encrypted commitment.
type EntryKey = (Pubkey, u64, u32);

/// What the keeper knows of encrypted orders.
pub(crate) struct Reveals {
    pub(crate) beacon: BeaconClient,
    /// Per batch account: the newest transaction read.
    cursor: BTreeMap<Pubkey, Signature>,
    /// Ciphertexts of commitments not yet revealed.
    pending: BTreeMap<EntryKey, Vec<u8>>,
}

/// Why an encrypted commitment is not revealed.
enum Unopened {
    /// Its round is not published yet: try again next pass.
    Later,
    /// Never: it forfeits (the label counts it).
    Never(&'static str),
}

impl Reveals {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            beacon: BeaconClient::new(url),
            cursor: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }
}

fn rpc(e: impl std::fmt::Display) -> ChainError {
    ChainError::Rpc(e.to_string())
}

impl<C: Chain> Keeper<C> {
    /// Reveal what is due of `market`'s encrypted orders, if it is a batch
    /// market naming the keeper's beacon.
    pub(crate) async fn reveal_market(
        &mut self,
        market: &Pubkey,
        m: &Market,
        stats: &mut PassStats,
    ) -> Result<(), ChainError> {
        let Some(reveals) = self.reveals.as_mut() else {
            return Ok(());
        };
        if !m.is_batch_market() {
            return Ok(());
        }
        let chain_hash = reveals.beacon.chain_hash().await?;
        let acc = self.chain.account(&m.batch).await?;
        let Some(acc) = acc else { return Ok(()) };
        let batches = decode::batch_account(&acc.data).map_err(rpc)?;
        if batches.header.beacon_chain_hash != chain_hash {
            return Ok(());
        }
        self.read_ciphertexts(market, &m.batch).await?;
        let slot = self.chain_clock().await?.slot;
        let schedule = batches.schedule().map_err(rpc)?;
        let due: Vec<(EntryKey, Vec<u8>)> = self
            .reveals
            .as_ref()
            .map(|r| {
                r.pending
                    .range((*market, 0, 0)..=(*market, u64::MAX, u32::MAX))
                    .map(|(k, c)| (*k, c.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (key, ciphertext) in due {
            let (_, batch, entry) = key;
            match schedule.phase(batch, slot) {
                BatchPhase::Revealing => {}
                BatchPhase::Clearable => {
                    // Held to the end of its window unopened: its round came
                    // too late (or this keeper was away through it). It
                    // forfeits at the clear unless someone else revealed it.
                    self.forget(&key);
                    self.count_reveal(market, "window_closed");
                    tracing::info!(%market, batch, entry, "reveal window closed before this keeper could open the order");
                    continue;
                }
                _ => continue,
            }
            let live = batches
                .entries
                .get(entry as usize)
                .filter(|e| e.batch == batch && matches!(e.kind(), Ok(EntryKind::Committed)));
            let Some(e) = live else {
                // Revealed by someone else in the window.
                self.forget(&key);
                continue;
            };
            let commitment = e.commitment;
            let owner = self.owner_of(market, e.trader_id).await?;
            match self
                .open(&ciphertext, &chain_hash, market, &owner, batch, &commitment)
                .await?
            {
                Ok((payload, round)) => {
                    self.forget(&key);
                    let revealed = self
                        .send_reveal(market, m, &batches, &owner, entry, payload, stats)
                        .await?;
                    if revealed {
                        self.observe_reveal_delay(round);
                    }
                }
                Err(Unopened::Later) => {}
                Err(Unopened::Never(reason)) => {
                    self.forget(&key);
                    self.count_reveal(market, reason);
                    tracing::info!(%market, batch, entry, reason, "encrypted order left to forfeit");
                }
            }
        }
        Ok(())
    }

    fn forget(&mut self, key: &EntryKey) {
        if let Some(r) = self.reveals.as_mut() {
            r.pending.remove(key);
        }
    }

    fn count_reveal(&self, market: &Pubkey, outcome: &str) {
        self.metrics
            .reveals
            .with_label_values(&[&market.to_string(), outcome])
            .inc();
    }

    /// Read the ciphertexts of the batch account's transactions since the
    /// last pass (at most [`MAX_PAGES_PER_PASS`] pages).
    async fn read_ciphertexts(
        &mut self,
        market: &Pubkey,
        batch: &Pubkey,
    ) -> Result<(), ChainError> {
        let until = self
            .reveals
            .as_ref()
            .and_then(|r| r.cursor.get(batch).copied());
        let mut signatures = Vec::new();
        let mut before = None;
        for page in 0.. {
            let got = self
                .chain
                .signatures_for_address(batch, before, until, SIGNATURES_PER_PAGE)
                .await?;
            let full = got.len() == SIGNATURES_PER_PAGE;
            before = got.last().map(|s| s.signature);
            signatures.extend(got);
            if !full {
                break;
            }
            if page + 1 == MAX_PAGES_PER_PASS {
                tracing::warn!(%market, read = signatures.len(), "more transactions since the last pass than read; older ciphertexts skipped");
                break;
            }
        }
        let mut found = Vec::new();
        for info in signatures.iter().rev() {
            let events = self.chain.transaction_events(&info.signature).await?;
            for e in events.into_iter().flat_map(|t| t.events) {
                if let ProgramEvent::OrderEncrypted(e) = e
                    && e.market == *market
                {
                    found.push(((*market, e.batch, e.entry), e.ciphertext));
                }
            }
        }
        if let Some(r) = self.reveals.as_mut() {
            if let Some(newest) = signatures.first() {
                r.cursor.insert(*batch, newest.signature);
            }
            r.pending.extend(found);
        }
        Ok(())
    }

    /// The owner of `market`'s trader `trader_id`.
    async fn owner_of(&mut self, market: &Pubkey, trader_id: u32) -> Result<Pubkey, ChainError> {
        let account = self.resolve(market, &[trader_id]).await?[0]
            .ok_or_else(|| rpc(format!("trader {trader_id} of {market} not found")))?;
        let acc = self
            .chain
            .account(&account)
            .await?
            .ok_or_else(|| rpc(format!("trader account {account} not found")))?;
        let trader: TraderAccount = decode::trader(&acc.data).map_err(rpc)?;
        Ok(trader.owner)
    }

    /// Decrypt `ciphertext` once its round is published and check it opens
    /// `commitment`.
    async fn open(
        &mut self,
        ciphertext: &[u8],
        chain_hash: &[u8; 32],
        market: &Pubkey,
        owner: &Pubkey,
        batch: u64,
        commitment: &[u8; 32],
    ) -> Result<Result<(RevealPayload, u64), Unopened>, ChainError> {
        let Ok((round, _)) = encrypted::round_of(ciphertext) else {
            return Ok(Err(Unopened::Never("undecryptable")));
        };
        let reveals = self.reveals.as_mut().expect("checked by reveal_market");
        let Some(signature) = reveals.beacon.signature(round).await? else {
            return Ok(Err(Unopened::Later));
        };
        Ok(
            match encrypted::decrypt(ciphertext, chain_hash, &signature) {
                Ok(p) if p.opens(market, owner, batch, commitment) => Ok((p, round)),
                Ok(_) => Err(Unopened::Never("mismatched")),
                Err(_) => Err(Unopened::Never("undecryptable")),
            },
        )
    }

    /// How long after `round` was published its order's reveal landed.
    fn observe_reveal_delay(&self, round: u64) {
        let published = self
            .reveals
            .as_ref()
            .and_then(|r| r.beacon.published_at(round));
        if let Some(delay) = published.and_then(|at| SystemTime::now().duration_since(at).ok()) {
            self.metrics.reveal_delay.observe(delay.as_secs_f64());
        }
    }

    /// Send the reveal, paying its fee, within the spend rules (it earns the
    /// commit fee when this keeper clears the batch); true once it landed.
    #[allow(clippy::too_many_arguments)]
    async fn send_reveal(
        &mut self,
        market: &Pubkey,
        m: &Market,
        batches: &Batches,
        owner: &Pubkey,
        entry: u32,
        payload: RevealPayload,
        stats: &mut PassStats,
    ) -> Result<bool, ChainError> {
        // No compute-budget instruction: one signature, no priority fee.
        let fee = crate::spend::tx_fee(0, 0);
        let earned = batches.header.commit_fee_lamports;
        if let Err(refusal) = self.approve(market, "reveal", earned, fee) {
            tracing::debug!(%market, entry, reason = refusal.label(), "reveal not sent");
            return Ok(false);
        }
        let reveal = ix::reveal_order(
            &self.payer.pubkey(),
            owner,
            market,
            &m.batch,
            entry,
            payload.order,
            payload.salt,
        );
        let before = stats.failed;
        self.send_counted(market, "reveal", &[reveal], fee, stats)
            .await?;
        let revealed = stats.failed == before;
        self.count_reveal(market, if revealed { "revealed" } else { "failed" });
        Ok(revealed)
    }
}
