//! `POST /api/faucet`: test tokens for a local wallet (the web app's "get
//! test tokens"), minted by the demo market's mint authority.
//!
//! Only with `--faucet-keypair`, only for the markets it was started for
//! (`--faucet-market`, the local demo's) and for mints that key may mint: on
//! a real cluster the server has no such key and the endpoint answers 404.
//! The answer is a transaction the mint authority has signed and the owner
//! signs and sends: the owner's wallet is its fee payer and pays its
//! associated token accounts' rent, so the faucet spends nothing (SOL for
//! the wallet comes from the node's `requestAirdrop`). Each owner and each
//! client address still gets only a few grants an hour
//! (`--faucet-grants-per-owner`, `--faucet-grants-per-ip`). Each transaction
//! is made unique by its compute-unit limit, so two grants to one wallet over
//! one blockhash are two transactions.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::State;
use orderbook::types::TokenKind;
use orderbook_chain::Chain;
use orderbook_client::ix::MarketKeys;
use orderbook_client::{pda, setup};
use orderbook_service::connections::client_key;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::bodies::{Body, FaucetBody};
use super::wallet_tx::{tx_context, wallet_transaction};
use super::{ApiError, ApiResult};
use crate::feed::AppState;
use crate::feed::client_ip::ClientIp;
use crate::feed::limits::RateLimiter;
use crate::feed::wire::{FaucetGrant, TokenGrant, U64Text};

/// What the faucet serves, to whom, and how often.
pub struct FaucetConfig {
    /// Whole tokens per request (scaled by each mint's decimals).
    pub base_tokens: u64,
    pub quote_tokens: u64,
    /// The markets it mints for (the local demo's).
    pub markets: Vec<Pubkey>,
    /// Grants per owner, and per client address, per hour.
    pub grants_per_owner_hour: u32,
    pub grants_per_ip_hour: u32,
}

/// The mint authority, what it serves, and who it served lately.
pub struct Faucet {
    pub authority: Keypair,
    pub config: FaucetConfig,
    by_owner: RateLimiter<Pubkey>,
    by_ip: RateLimiter<IpAddr>,
    /// Makes each transaction unique (see the module's comment).
    sent: AtomicU32,
}

/// Compute units a grant may use (two ATA creations and two mints use
/// about a quarter of this); the unique limits count down from it.
const GRANT_CU_LIMIT: u32 = 400_000;
/// Distinct limits before they repeat (by then the blockhash has moved on).
const UNIQUE_LIMITS: u32 = 100_000;

impl Faucet {
    pub fn new(authority: Keypair, config: FaucetConfig) -> Self {
        let per_hour = |n: u32| (f64::from(n) / 3_600.0, f64::from(n.max(1)));
        let (owner_rate, owner_burst) = per_hour(config.grants_per_owner_hour);
        let (ip_rate, ip_burst) = per_hour(config.grants_per_ip_hour);
        Self {
            authority,
            by_owner: RateLimiter::new(owner_rate, owner_burst),
            by_ip: RateLimiter::new(ip_rate, ip_burst),
            config,
            sent: AtomicU32::new(0),
        }
    }

    /// Refuse a market it does not serve, or an owner or address over its quota.
    fn admit(&self, market: &Pubkey, owner: &Pubkey, ip: IpAddr) -> Result<(), ApiError> {
        if !self.config.markets.contains(market) {
            return Err(ApiError::bad(format!(
                "this faucet mints only for the demo market(s) it was started for (--faucet-market), not {market}"
            )));
        }
        let quota = |what: &str, per_hour: u32| {
            ApiError::rate_limited(format!(
                "the faucet grants {per_hour} requests per hour per {what}; try again later"
            ))
        };
        if !self.by_ip.allow(client_key(ip)) {
            return Err(quota("address", self.config.grants_per_ip_hour));
        }
        if !self.by_owner.allow(*owner) {
            return Err(quota("wallet", self.config.grants_per_owner_hour));
        }
        Ok(())
    }

    /// `ixs` as a transaction `owner` pays for, signed by the faucet and
    /// left for the owner to sign; unlike any other faucet transaction (a
    /// compute-unit limit of its own).
    async fn transaction(
        &self,
        chain: &dyn Chain,
        owner: &Pubkey,
        ixs: &[Instruction],
    ) -> Result<Transaction, ApiError> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed) % UNIQUE_LIMITS;
        let unique = ComputeBudgetInstruction::set_compute_unit_limit(GRANT_CU_LIMIT - n);
        let ixs: Vec<Instruction> = std::iter::once(unique).chain(ixs.iter().cloned()).collect();
        let blockhash = chain.latest_blockhash().await?;
        let mut tx = Transaction::new_with_payer(&ixs, Some(owner));
        tx.partial_sign(&[&self.authority], blockhash);
        Ok(tx)
    }

    fn tokens(&self, token: TokenKind) -> u64 {
        match token {
            TokenKind::Base => self.config.base_tokens,
            TokenKind::Quote => self.config.quote_tokens,
        }
    }
}

/// One token's mint instructions, or why the faucet cannot mint it.
struct Grant {
    amount: u64,
    wallet: Pubkey,
    instructions: [Instruction; 2],
}

impl Grant {
    fn wire(&self) -> TokenGrant {
        TokenGrant {
            wallet: self.wallet.to_string(),
            amount: U64Text(self.amount),
        }
    }
}

fn grant(
    faucet: &Faucet,
    owner: &Pubkey,
    keys: &MarketKeys,
    token: TokenKind,
    mint_data: Option<&[u8]>,
) -> Result<Grant, ApiError> {
    let (mint, _, program) = keys.token(token);
    let name = match token {
        TokenKind::Base => "base",
        TokenKind::Quote => "quote",
    };
    let info = mint_data
        .and_then(setup::mint_info)
        .ok_or_else(|| ApiError::unavailable(format!("the {name} mint {mint} is not readable")))?;
    let authority = faucet.authority.pubkey();
    if info.mint_authority != Some(authority) {
        return Err(ApiError::bad(format!(
            "this faucet cannot mint the market's {name} token {mint} (its authority is not {authority})"
        )));
    }
    let amount = 10u64
        .checked_pow(info.decimals.into())
        .and_then(|unit| unit.checked_mul(faucet.tokens(token)))
        .ok_or_else(|| ApiError::bad(format!("the faucet's {name} amount overflows u64")))?;
    let wallet = pda::associated_token(owner, &mint, &program);
    Ok(Grant {
        amount,
        wallet,
        instructions: [
            // The owner pays its own account's rent.
            setup::create_associated_token_idempotent(owner, owner, &mint, &program),
            setup::mint_to(&program, &mint, &wallet, &authority, amount),
        ],
    })
}

pub async fn faucet(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Body(body): Body<FaucetBody>,
) -> ApiResult<FaucetGrant> {
    let faucet = state.web.faucet.as_ref().ok_or_else(|| {
        ApiError::not_found("this server has no faucet (orderbook-app run --faucet-keypair)")
    })?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
    faucet.admit(&ctx.keys.market, &ctx.owner, client)?;
    let chain = state.chain.as_ref().expect("checked in tx_context");
    let keys = &ctx.keys;
    let tokens = [TokenKind::Base, TokenKind::Quote];
    let mint_keys = tokens.map(|token| keys.token(token).0);
    let mints = chain.accounts(&mint_keys).await?;
    let mut grants = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.into_iter().enumerate() {
        // A mint the chain does not return is refused by `grant` as unreadable.
        let data = mints
            .get(i)
            .and_then(Option::as_ref)
            .map(|a| a.data.as_slice());
        grants.push(grant(faucet, &ctx.owner, keys, token, data)?);
    }
    let wallets = grants.iter().map(|g| g.wallet);
    require_lamports(chain.as_ref(), &ctx.owner, wallets).await?;
    let ixs: Vec<Instruction> = grants
        .iter()
        .flat_map(|g| g.instructions.iter().cloned())
        .collect();
    let tx = faucet.transaction(chain.as_ref(), &ctx.owner, &ixs).await?;
    Ok(Json(FaucetGrant {
        transaction: wallet_transaction(&tx)?,
        base: grants[0].wire(),
        quote: grants[1].wire(),
    }))
}

/// Bytes of a token account, Token-2022's with its `ImmutableOwner`
/// extension (the larger of the two programs' associated accounts).
const TOKEN_ACCOUNT_LEN: usize = 170;
/// Signatures a grant carries (the owner's and the faucet's), and each one's fee.
const GRANT_SIGNATURES: u64 = 2;
const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// Refuse, with what it lacks, an owner that cannot pay the grant: the fee
/// and the rent of those of `wallets` that do not exist yet.
async fn require_lamports(
    chain: &dyn Chain,
    owner: &Pubkey,
    wallets: impl Iterator<Item = Pubkey>,
) -> Result<(), ApiError> {
    let keys: Vec<Pubkey> = std::iter::once(*owner).chain(wallets).collect();
    let accounts = chain.accounts(&keys).await?;
    let missing = accounts[1..].iter().filter(|a| a.is_none()).count() as u64;
    let rent = chain.minimum_balance(TOKEN_ACCOUNT_LEN).await?;
    let needed = GRANT_SIGNATURES * LAMPORTS_PER_SIGNATURE + missing * rent;
    let held = accounts[0].as_ref().map_or(0, |a| a.lamports);
    if held < needed {
        let sol = |lamports: u64| {
            format!(
                "{}.{:09} SOL",
                lamports / 1_000_000_000,
                lamports % 1_000_000_000
            )
        };
        return Err(ApiError::bad(format!(
            "{owner} holds {}; the grant needs {} (the fee and its token accounts' rent, which the wallet pays): airdrop SOL to it first",
            sol(held),
            sol(needed)
        )));
    }
    Ok(())
}
