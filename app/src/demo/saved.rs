//! A demo's resume file: its market and traders, so a restarted demo trades
//! the same market (the one the faucet, the keeper and the feed were given)
//! with the same makers, whose requotes replace their own resting orders.
//! It holds the traders' secret keys: written owner-only, local use only.

use std::path::Path;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use orderbook_chain::scenario::TraderSetup;
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;

#[derive(Serialize, Deserialize)]
pub struct SavedDemo {
    pub market: String,
    /// Where the makers' ladder was centred, in ticks, when last saved.
    pub mid: u64,
    pub makers: Vec<SavedTrader>,
    pub takers: Vec<SavedTrader>,
}

#[derive(Serialize, Deserialize)]
pub struct SavedTrader {
    /// The owner's keypair, base58 (as `solana-keygen`'s `--outfile` prompt shows it).
    owner: String,
    base_wallet: String,
    quote_wallet: String,
    account: String,
}

impl SavedTrader {
    pub fn of(trader: &TraderSetup) -> Self {
        Self {
            owner: trader.owner.to_base58_string(),
            base_wallet: trader.base_wallet.to_string(),
            quote_wallet: trader.quote_wallet.to_string(),
            account: trader.account.to_string(),
        }
    }

    pub fn trader(&self) -> Result<TraderSetup> {
        let owner = Keypair::try_from_base58_string(&self.owner)
            .map_err(|e| anyhow::anyhow!("a trader's keypair: {e}"))?;
        Ok(TraderSetup {
            owner,
            base_wallet: pubkey(&self.base_wallet)?,
            quote_wallet: pubkey(&self.quote_wallet)?,
            account: pubkey(&self.account)?,
        })
    }
}

impl SavedDemo {
    pub fn market(&self) -> Result<Pubkey> {
        pubkey(&self.market)
    }

    pub fn traders(saved: &[SavedTrader]) -> Result<Vec<TraderSetup>> {
        saved.iter().map(SavedTrader::trader).collect()
    }

    /// The file at `path`, or None when there is none.
    pub fn read(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a demo's resume file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Write whole or not at all (a temporary file renamed over it), owner-only.
    pub fn write(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let partial = path.with_extension("partial");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .with_context(|| format!("writing {}", partial.display()))?;
        file.write_all(&serde_json::to_vec_pretty(self)?)?;
        file.sync_all()?;
        std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
    }
}

fn pubkey(text: &str) -> Result<Pubkey> {
    Pubkey::from_str(text).map_err(|e| anyhow::anyhow!("{text:?} is not an address: {e}"))
}
