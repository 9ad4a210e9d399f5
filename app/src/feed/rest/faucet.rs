//! `POST /api/faucet`: test tokens for a local wallet (the web app's "get
//! test tokens"), minted by the demo market's mint authority.
//!
//! Only with `--faucet-keypair`, and only for mints that key may mint: on a
//! real cluster the server has no such key and the endpoint answers 404. The
//! faucet pays the fees and the associated token accounts' rent; SOL for the
//! wallet's own fees comes from the node's `requestAirdrop`.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::State;
use orderbook::types::TokenKind;
use orderbook_chain::Chain;
use orderbook_client::ix::MarketKeys;
use orderbook_client::{pda, setup};
use serde_json::json;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use super::bodies::{Body, FaucetBody};
use super::wallet_tx::tx_context;
use super::{ApiError, ApiResult};
use crate::feed::AppState;

/// The mint authority and how much one request mints.
pub struct Faucet {
    pub authority: Keypair,
    /// Whole tokens per request (scaled by each mint's decimals).
    pub base_tokens: u64,
    pub quote_tokens: u64,
    /// The blockhash of the last faucet transaction. Two requests for one
    /// wallet are the same transaction over the same blockhash, which the
    /// chain refuses as already processed: one faucet transaction per
    /// blockhash, in turn.
    last_blockhash: tokio::sync::Mutex<Option<Hash>>,
}

/// How long a request waits for a blockhash the faucet has not used.
const NEW_BLOCKHASH_POLLS: usize = 50;
const NEW_BLOCKHASH_POLL: Duration = Duration::from_millis(100);

impl Faucet {
    pub fn new(authority: Keypair, base_tokens: u64, quote_tokens: u64) -> Self {
        Self {
            authority,
            base_tokens,
            quote_tokens,
            last_blockhash: tokio::sync::Mutex::new(None),
        }
    }

    /// Sign and send `ixs`, fees paid by the faucet, over a blockhash no
    /// earlier faucet transaction used.
    async fn send(
        &self,
        chain: &dyn Chain,
        ixs: &[Instruction],
    ) -> Result<(Signature, u64), ApiError> {
        let mut last = self.last_blockhash.lock().await;
        let mut blockhash = chain.latest_blockhash().await?;
        for _ in 0..NEW_BLOCKHASH_POLLS {
            if Some(blockhash) != *last {
                break;
            }
            tokio::time::sleep(NEW_BLOCKHASH_POLL).await;
            blockhash = chain.latest_blockhash().await?;
        }
        if Some(blockhash) == *last {
            return Err(ApiError::unavailable("the chain produces no new blocks"));
        }
        let mut tx = Transaction::new_with_payer(ixs, Some(&self.authority.pubkey()));
        tx.sign(&[&self.authority], blockhash);
        *last = Some(blockhash);
        Ok(chain.send_and_confirm(&tx).await?)
    }

    fn tokens(&self, token: TokenKind) -> u64 {
        match token {
            TokenKind::Base => self.base_tokens,
            TokenKind::Quote => self.quote_tokens,
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
    fn json(&self) -> serde_json::Value {
        json!({ "wallet": self.wallet.to_string(), "amount": self.amount.to_string() })
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
            setup::create_associated_token_idempotent(&authority, owner, &mint, &program),
            setup::mint_to(&program, &mint, &wallet, &authority, amount),
        ],
    })
}

pub async fn faucet(State(state): State<AppState>, Body(body): Body<FaucetBody>) -> ApiResult {
    let faucet = state.web.faucet.as_ref().ok_or_else(|| {
        ApiError::not_found("this server has no faucet (orderbook-app run --faucet-keypair)")
    })?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
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
    let ixs: Vec<Instruction> = grants
        .iter()
        .flat_map(|g| g.instructions.iter().cloned())
        .collect();
    let (signature, slot) = faucet.send(chain.as_ref(), &ixs).await?;
    Ok(Json(json!({
        "signature": signature.to_string(),
        "slot": slot,
        "base": grants[0].json(),
        "quote": grants[1].json(),
    })))
}
