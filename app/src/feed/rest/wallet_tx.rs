//! Unsigned transactions for wallets: `POST /api/tx/{deposit,withdraw,place,cancel}`,
//! and on sealed batch markets `POST /api/tx/{commit,reveal}` (a post-only
//! `place` and a `cancel` are queued to the batch there).
//!
//! Each body is a struct that refuses unknown fields (a typo must not be
//! ignored silently); axum names the offending field in the error. The
//! answer is a transaction whose fee payer and only signer is the owner,
//! over a fresh blockhash: the wallet signs it and sends it to a node.

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use orderbook::instructions::PlaceOrderArgs;
use orderbook::types::{OrderType, TokenKind};
use orderbook_client::{accounts, ix, pda};
use orderbook_engine::order::MAX_MATCH_LIMIT;
use solana_instruction::Instruction;
use solana_transaction::Transaction;

use super::bodies::{
    Body, CancelBody, CommitBody, Key, PlaceBody, RevealBody, SealedOrderBody, SelfTradeName,
    SideName, TopUpWallet, TransferBody, U64, positive,
};
use super::{ApiError, ApiResult};
use crate::feed::AppState;
use crate::feed::wire::{TransactionEncoding, WalletTransaction};

/// The market's keys, read from the chain, and whether `owner` trades on it.
pub(super) struct TxContext {
    pub(super) owner: Pubkey,
    pub(super) keys: ix::MarketKeys,
    has_trader: bool,
    /// A sealed batch market's batch account.
    batch: Option<Pubkey>,
}

impl TxContext {
    /// The owner's account for `token`: `wallet` when given, else the associated token account.
    fn wallet(&self, token: TokenKind, wallet: Option<Key>) -> Pubkey {
        wallet.map_or_else(
            || {
                let (mint, _, program) = self.keys.token(token);
                pda::associated_token(&self.owner, &mint, &program)
            },
            |Key(key)| key,
        )
    }

    fn require_batch(&self) -> Result<Pubkey, ApiError> {
        self.batch.ok_or_else(|| {
            ApiError::bad(format!(
                "{} is a continuous market: place orders with /api/tx/place",
                self.keys.market
            ))
        })
    }

    fn require_trader(&self) -> Result<(), ApiError> {
        if self.has_trader {
            Ok(())
        } else {
            Err(ApiError::not_found(format!(
                "{} has no trader account on this market",
                self.owner
            )))
        }
    }
}

pub(super) async fn tx_context(
    state: &AppState,
    Key(market): Key,
    Key(owner): Key,
) -> Result<TxContext, ApiError> {
    let chain = state.chain.as_ref().ok_or_else(|| {
        ApiError::unavailable("this server has no chain connection to build transactions")
    })?;
    let account = chain
        .account(&market)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("market {market} does not exist on chain")))?;
    // Any program can write bytes that look like a market; only the
    // program's own accounts are markets.
    if account.owner != orderbook::ID {
        return Err(ApiError::bad(format!(
            "{market} is not owned by the orderbook program"
        )));
    }
    let decoded = accounts::market(&account.data)
        .map_err(|_| ApiError::bad(format!("{market} is not a market account")))?;
    let has_trader = chain
        .account(&pda::trader(&market, &owner))
        .await?
        .is_some();
    Ok(TxContext {
        owner,
        keys: ix::MarketKeys::from_market(market, &decoded),
        has_trader,
        batch: decoded.is_batch_market().then_some(decoded.batch),
    })
}

/// The unsigned transaction, fee payer = owner, with a fresh blockhash.
async fn unsigned(
    state: &AppState,
    ctx: &TxContext,
    ixs: Vec<Instruction>,
) -> ApiResult<WalletTransaction> {
    unsigned_by(state, &ctx.owner, ixs).await
}

/// The unsigned transaction, fee payer `payer`, with a fresh blockhash.
async fn unsigned_by(
    state: &AppState,
    payer: &Pubkey,
    ixs: Vec<Instruction>,
) -> ApiResult<WalletTransaction> {
    let chain = state.chain.as_ref().expect("checked in tx_context");
    let blockhash = chain.latest_blockhash().await?;
    let mut tx = Transaction::new_with_payer(&ixs, Some(payer));
    tx.message.recent_blockhash = blockhash;
    Ok(Json(wallet_transaction(&tx)?))
}

/// A transaction for a wallet to sign and send, as every `/api/tx/*` and
/// `/api/faucet` answer carries it: base64 of its bincode, its blockhash,
/// its fee payer and every key that must sign it (the first is the owner's).
pub(super) fn wallet_transaction(tx: &Transaction) -> Result<WalletTransaction, ApiError> {
    let bytes =
        bincode::serialize(tx).map_err(|e| ApiError::bad(format!("cannot serialize: {e}")))?;
    let message = &tx.message;
    let signers = &message.account_keys[..usize::from(message.header.num_required_signatures)];
    Ok(WalletTransaction {
        transaction: base64::engine::general_purpose::STANDARD.encode(bytes),
        encoding: TransactionEncoding::Base64,
        blockhash: message.recent_blockhash.to_string(),
        fee_payer: message.account_keys[0].to_string(),
        signers: signers.iter().map(Pubkey::to_string).collect(),
        instructions: message.instructions.len() as u32,
    })
}

pub async fn deposit(
    State(state): State<AppState>,
    Body(body): Body<TransferBody>,
) -> ApiResult<WalletTransaction> {
    let amount = positive("amount", body.amount)?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
    let token = body.token.into();
    let mut ixs = Vec::new();
    if !ctx.has_trader {
        ixs.push(ix::open_trader_account(&ctx.owner, &ctx.keys.market));
    }
    let wallet = ctx.wallet(token, body.wallet);
    ixs.push(ix::deposit(&ctx.owner, &ctx.keys, token, &wallet, amount));
    unsigned(&state, &ctx, ixs).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    Body(body): Body<TransferBody>,
) -> ApiResult<WalletTransaction> {
    let amount = positive("amount", body.amount)?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
    ctx.require_trader()?;
    let token = body.token.into();
    let wallet = ctx.wallet(token, body.wallet);
    let ixs = vec![ix::withdraw(&ctx.owner, &ctx.keys, token, &wallet, amount)];
    unsigned(&state, &ctx, ixs).await
}

/// The program's order arguments from a place body, checked.
fn place_args(body: &PlaceBody) -> Result<PlaceOrderArgs, ApiError> {
    let order_type = OrderType::from(body.order_type);
    let price_ticks = match (body.price, order_type) {
        (None, OrderType::Market) => 0,
        (None, _) => return Err(ApiError::bad("missing `price`")),
        (Some(price), OrderType::Market) => price.0,
        (Some(price), _) => positive("price", price)?,
    };
    let mut args = order_args(
        body.side,
        order_type,
        price_ticks,
        positive("base_lots", body.base_lots)?,
        body.client_order_id,
        body.expiry,
        body.self_trade,
    );
    if let Some(U64(max_quote)) = body.max_quote {
        args.max_quote = max_quote;
    }
    if let Some(U64(limit)) = body.match_limit {
        args.match_limit = u8::try_from(limit)
            .ok()
            .filter(|limit| (1..=MAX_MATCH_LIMIT).contains(limit))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "`match_limit` must be within 1..={MAX_MATCH_LIMIT}"
                ))
            })?;
    }
    Ok(args)
}

/// The order arguments every order body shares.
fn order_args(
    side: SideName,
    order_type: OrderType,
    price_ticks: u64,
    base_lots: u64,
    client_order_id: Option<U64>,
    expiry: Option<U64>,
    self_trade: SelfTradeName,
) -> PlaceOrderArgs {
    PlaceOrderArgs {
        client_order_id: client_order_id.map_or(0, |U64(id)| id),
        expiry: expiry.map_or(0, |U64(expiry)| expiry),
        self_trade: self_trade.into(),
        ..PlaceOrderArgs::new(side.into(), order_type, price_ticks, base_lots)
    }
}

pub async fn place(
    State(state): State<AppState>,
    Body(body): Body<PlaceBody>,
) -> ApiResult<WalletTransaction> {
    let args = place_args(&body)?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
    let mut ixs = Vec::new();
    if !ctx.has_trader {
        ixs.push(ix::open_trader_account(&ctx.owner, &ctx.keys.market));
    }
    // A bid spends quote, an ask base: that is what a top-up moves.
    let spent = match body.side {
        SideName::Bid => TokenKind::Quote,
        SideName::Ask => TokenKind::Base,
    };
    let top_up = match body.top_up_wallet {
        None | Some(TopUpWallet::Associated(false)) => None,
        Some(TopUpWallet::Associated(true)) => Some((spent, ctx.wallet(spent, None))),
        Some(TopUpWallet::Account(wallet)) => Some((spent, ctx.wallet(spent, Some(wallet)))),
    };
    if let Some(batch) = ctx.batch {
        if top_up.is_some() {
            return Err(ApiError::bad(format!(
                "{} is a sealed batch market: a queued order cannot top up from the wallet; deposit first (POST /api/tx/deposit)",
                ctx.keys.market
            )));
        }
        ixs.push(queued_post(&ctx, &batch, args)?);
    } else {
        ixs.push(ix::place_order(&ctx.owner, &ctx.keys, args, top_up));
    }
    unsigned(&state, &ctx, ixs).await
}

/// On a sealed batch market a post-only order is queued to the open batch;
/// a taking order must be sealed.
fn queued_post(
    ctx: &TxContext,
    batch: &Pubkey,
    args: PlaceOrderArgs,
) -> Result<Instruction, ApiError> {
    if args.order_type != OrderType::PostOnly {
        return Err(ApiError::bad(format!(
            "{} is a sealed batch market: a taking order is sealed (POST /api/tx/commit, then /api/tx/reveal); only post_only orders are placed, queued to the batch",
            ctx.keys.market
        )));
    }
    Ok(ix::queue_post_only(
        &ctx.owner,
        &ctx.keys.market,
        batch,
        args,
    ))
}

/// Commit a sealed order (a batch market): the commitment only.
pub async fn commit(
    State(state): State<AppState>,
    Body(body): Body<CommitBody>,
) -> ApiResult<WalletTransaction> {
    let ctx = tx_context(&state, body.market, body.owner).await?;
    let batch = ctx.require_batch()?;
    ctx.require_trader()?;
    let U64(number) = body.batch;
    let commit = ix::commit_order(
        &ctx.owner,
        &ctx.keys.market,
        &batch,
        number,
        body.commitment.0,
    );
    unsigned(&state, &ctx, vec![commit]).await
}

/// Reveal a committed order; the revealer (default the owner) pays and signs.
pub async fn reveal(
    State(state): State<AppState>,
    Body(body): Body<RevealBody>,
) -> ApiResult<WalletTransaction> {
    let args = sealed_args(&body.order)?;
    let entry = u32::try_from(body.entry.0)
        .map_err(|_| ApiError::bad("`entry` is a batch account entry index (a u32)"))?;
    let ctx = tx_context(&state, body.market, body.owner).await?;
    let batch = ctx.require_batch()?;
    let revealer = body.revealer.map_or(ctx.owner, |Key(key)| key);
    let reveal = ix::reveal_order(
        &revealer,
        &ctx.owner,
        &ctx.keys.market,
        &batch,
        entry,
        args,
        body.salt.0,
    );
    unsigned_by(&state, &revealer, vec![reveal]).await
}

/// A sealed order's arguments, as its commitment bound them.
fn sealed_args(body: &SealedOrderBody) -> Result<PlaceOrderArgs, ApiError> {
    Ok(order_args(
        body.side,
        OrderType::from(body.order_type),
        positive("price", body.price)?,
        positive("base_lots", body.base_lots)?,
        body.client_order_id,
        body.expiry,
        body.self_trade,
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    Body(body): Body<CancelBody>,
) -> ApiResult<WalletTransaction> {
    let by_id = match (body.order_id, body.client_order_id) {
        (Some(U64(order_id)), None) => Ok(order_id),
        (None, Some(U64(client_id))) => Err(client_id),
        _ => {
            return Err(ApiError::bad(
                "give exactly one of `order_id` and `client_order_id`",
            ));
        }
    };
    let ctx = tx_context(&state, body.market, body.owner).await?;
    ctx.require_trader()?;
    let instruction = match (by_id, ctx.batch) {
        // A batch market queues the cancel to the batch that takes cancels now.
        (Ok(order_id), Some(batch)) => ix::queue_cancel(&ctx.owner, &ctx.keys, &batch, order_id),
        (Err(_), Some(_)) => {
            return Err(ApiError::bad(
                "a sealed batch market cancels by `order_id` (queued to the batch)",
            ));
        }
        (Ok(order_id), None) => ix::cancel_order(&ctx.owner, &ctx.keys, order_id),
        (Err(client_id), None) => ix::cancel_by_client_id(&ctx.owner, &ctx.keys, client_id),
    };
    unsigned(&state, &ctx, vec![instruction]).await
}
