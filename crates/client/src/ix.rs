//! Typed builders for every program instruction, with PDAs derived.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use orderbook::instructions::{BatchModeArgs, CreateMarketArgs, PlaceOrderArgs};
use orderbook::state::Market;
use orderbook::types::{GrowTarget, MarketStatus, Side, TokenKind};
use orderbook::{accounts as acc, instruction as data};
use orderbook_engine::book::book_side_size;
use orderbook_engine::event_queue::event_queue_size;

use crate::pda;

/// Token program ids.
pub const TOKEN_PROGRAM_ID: Pubkey = anchor_spl::token::ID;
pub const TOKEN_2022_PROGRAM_ID: Pubkey = anchor_spl::token_2022::ID;
const SYSTEM_PROGRAM_ID: Pubkey = anchor_lang::solana_program::system_program::ID;

/// Every address an instruction on one market may need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketKeys {
    pub market: Pubkey,
    pub bids: Pubkey,
    pub asks: Pubkey,
    pub event_queue: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub base_vault: Pubkey,
    pub quote_vault: Pubkey,
    pub base_token_program: Pubkey,
    pub quote_token_program: Pubkey,
}

impl MarketKeys {
    /// Keys of a market from its decoded account.
    pub fn from_market(market: Pubkey, m: &Market) -> Self {
        Self {
            market,
            bids: m.bids,
            asks: m.asks,
            event_queue: m.event_queue,
            base_mint: m.base_mint,
            quote_mint: m.quote_mint,
            base_vault: m.base_vault,
            quote_vault: m.quote_vault,
            base_token_program: m.base_token_program,
            quote_token_program: m.quote_token_program,
        }
    }

    /// (mint, vault, token program) of `token`.
    pub fn token(&self, token: TokenKind) -> (Pubkey, Pubkey, Pubkey) {
        match token {
            TokenKind::Base => (self.base_mint, self.base_vault, self.base_token_program),
            TokenKind::Quote => (self.quote_mint, self.quote_vault, self.quote_token_program),
        }
    }
}

fn ix(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: orderbook::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// Data sizes of the accounts a market with `orders_per_side` and `events` needs
/// (market, one book side, queue), each including the 8-byte discriminator.
pub fn market_account_sizes(orders_per_side: u32, events: u32) -> (usize, usize, usize) {
    (
        8 + std::mem::size_of::<Market>(),
        8 + book_side_size(orders_per_side),
        8 + event_queue_size(events),
    )
}

/// The four `create_account` instructions a market needs before
/// `create_market`; `rent(len)` gives the rent-exempt minimum for a length.
pub fn allocate_market_accounts(
    payer: &Pubkey,
    keys: &MarketKeys,
    orders_per_side: u32,
    events: u32,
    rent: impl Fn(usize) -> u64,
) -> Vec<Instruction> {
    let (m, side, q) = market_account_sizes(orders_per_side, events);
    [
        (keys.market, m),
        (keys.bids, side),
        (keys.asks, side),
        (keys.event_queue, q),
    ]
    .into_iter()
    .map(|(key, len)| {
        system_instruction::create_account(payer, &key, rent(len), len as u64, &orderbook::ID)
    })
    .collect()
}

/// `MarketKeys` for a market about to be created from these account keys and mints.
#[allow(clippy::too_many_arguments)]
pub fn new_market_keys(
    market: Pubkey,
    bids: Pubkey,
    asks: Pubkey,
    event_queue: Pubkey,
    base_mint: Pubkey,
    quote_mint: Pubkey,
    base_token_program: Pubkey,
    quote_token_program: Pubkey,
) -> MarketKeys {
    MarketKeys {
        market,
        bids,
        asks,
        event_queue,
        base_mint,
        quote_mint,
        base_vault: pda::vault(&market, TokenKind::Base),
        quote_vault: pda::vault(&market, TokenKind::Quote),
        base_token_program,
        quote_token_program,
    }
}

pub fn create_market(payer: &Pubkey, k: &MarketKeys, args: CreateMarketArgs) -> Instruction {
    ix(
        acc::CreateMarket {
            payer: *payer,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            event_queue: k.event_queue,
            market_authority: pda::market_authority(&k.market),
            base_mint: k.base_mint,
            quote_mint: k.quote_mint,
            base_vault: k.base_vault,
            quote_vault: k.quote_vault,
            base_token_program: k.base_token_program,
            quote_token_program: k.quote_token_program,
            system_program: SYSTEM_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::CreateMarket { args },
    )
}

pub fn set_market_status(authority: &Pubkey, market: &Pubkey, status: MarketStatus) -> Instruction {
    ix(
        acc::SetMarketStatus {
            authority: *authority,
            market: *market,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::SetMarketStatus { status },
    )
}

/// Grow the market's `target` (bids, asks or event queue, whose key is
/// `grown`) by `additional` orders or events; `payer` pays the added rent.
pub fn grow_market(
    payer: &Pubkey,
    market: &Pubkey,
    grown: &Pubkey,
    target: GrowTarget,
    additional: u32,
) -> Instruction {
    ix(
        acc::GrowMarket {
            payer: *payer,
            market: *market,
            grown: *grown,
            system_program: SYSTEM_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::GrowMarket { target, additional },
    )
}

pub fn open_trader_account(owner: &Pubkey, market: &Pubkey) -> Instruction {
    ix(
        acc::OpenTraderAccount {
            owner: *owner,
            market: *market,
            trader: pda::trader(market, owner),
            system_program: SYSTEM_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::OpenTraderAccount {},
    )
}

pub fn deposit(
    owner: &Pubkey,
    k: &MarketKeys,
    token: TokenKind,
    wallet: &Pubkey,
    amount: u64,
) -> Instruction {
    let (mint, vault, token_program) = k.token(token);
    ix(
        acc::Deposit {
            owner: *owner,
            market: k.market,
            trader: pda::trader(&k.market, owner),
            mint,
            wallet: *wallet,
            vault,
            token_program,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::Deposit { amount },
    )
}

pub fn withdraw(
    owner: &Pubkey,
    k: &MarketKeys,
    token: TokenKind,
    wallet: &Pubkey,
    amount: u64,
) -> Instruction {
    let (mint, vault, token_program) = k.token(token);
    ix(
        acc::Withdraw {
            owner: *owner,
            market: k.market,
            trader: pda::trader(&k.market, owner),
            market_authority: pda::market_authority(&k.market),
            mint,
            wallet: *wallet,
            vault,
            token_program,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::Withdraw { amount },
    )
}

/// Accounts shared by `place_order`, `place_orders` and `cancel_all_and_place`.
/// `top_up`: the wallet to fund a shortfall from, for the token the orders
/// spend (quote for bids, base for asks).
fn place_accounts(
    owner: &Pubkey,
    k: &MarketKeys,
    top_up: Option<(TokenKind, Pubkey)>,
) -> acc::PlaceOrder {
    let t = top_up.map(|(token, wallet)| (k.token(token), wallet));
    acc::PlaceOrder {
        owner: *owner,
        market: k.market,
        bids: k.bids,
        asks: k.asks,
        event_queue: k.event_queue,
        trader: pda::trader(&k.market, owner),
        mint: t.map(|((m, _, _), _)| m),
        wallet: t.map(|(_, w)| w),
        vault: t.map(|((_, v, _), _)| v),
        token_program: t.map(|((_, _, p), _)| p),
        system_program: SYSTEM_PROGRAM_ID,
        event_authority: pda::event_authority(),
        program: orderbook::ID,
    }
}

pub fn place_order(
    owner: &Pubkey,
    k: &MarketKeys,
    args: PlaceOrderArgs,
    top_up: Option<(TokenKind, Pubkey)>,
) -> Instruction {
    ix(place_accounts(owner, k, top_up), data::PlaceOrder { args })
}

pub fn place_orders(
    owner: &Pubkey,
    k: &MarketKeys,
    orders: Vec<PlaceOrderArgs>,
    top_up: Option<(TokenKind, Pubkey)>,
) -> Instruction {
    ix(
        place_accounts(owner, k, top_up),
        data::PlaceOrders { orders },
    )
}

pub fn cancel_all_and_place(
    owner: &Pubkey,
    k: &MarketKeys,
    orders: Vec<PlaceOrderArgs>,
    top_up: Option<(TokenKind, Pubkey)>,
) -> Instruction {
    ix(
        place_accounts(owner, k, top_up),
        data::CancelAllAndPlace { orders },
    )
}

fn cancel_accounts(owner: &Pubkey, k: &MarketKeys) -> acc::CancelOrders {
    acc::CancelOrders {
        owner: *owner,
        market: k.market,
        bids: k.bids,
        asks: k.asks,
        trader: pda::trader(&k.market, owner),
        event_authority: pda::event_authority(),
        program: orderbook::ID,
    }
}

pub fn cancel_order(owner: &Pubkey, k: &MarketKeys, order_id: u64) -> Instruction {
    ix(cancel_accounts(owner, k), data::CancelOrder { order_id })
}

pub fn cancel_by_client_id(owner: &Pubkey, k: &MarketKeys, client_order_id: u64) -> Instruction {
    ix(
        cancel_accounts(owner, k),
        data::CancelByClientId { client_order_id },
    )
}

pub fn cancel_all(owner: &Pubkey, k: &MarketKeys, side: Option<Side>, limit: u8) -> Instruction {
    ix(cancel_accounts(owner, k), data::CancelAll { side, limit })
}

/// Crank: `makers` are the trader accounts the queued events name, in any order.
pub fn consume_events(
    cranker: &Pubkey,
    market: &Pubkey,
    event_queue: &Pubkey,
    makers: &[Pubkey],
    limit: u8,
) -> Instruction {
    let mut i = ix(
        acc::ConsumeEvents {
            cranker: *cranker,
            market: *market,
            event_queue: *event_queue,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::ConsumeEvents { limit },
    );
    i.accounts
        .extend(makers.iter().map(|m| AccountMeta::new(*m, false)));
    i
}

pub fn prune_expired(pruner: &Pubkey, k: &MarketKeys, side: Side, limit: u8) -> Instruction {
    ix(
        acc::PruneExpired {
            pruner: *pruner,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            event_queue: k.event_queue,
            system_program: SYSTEM_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::PruneExpired { side, limit },
    )
}

/// Sweep `token`'s vault: accrued fees (quote) and any surplus sent to the
/// vault directly (either token) go to `destination`, a token account of
/// that mint.
pub fn sweep_fees(
    fee_authority: &Pubkey,
    k: &MarketKeys,
    token: TokenKind,
    destination: &Pubkey,
) -> Instruction {
    let (mint, vault, token_program) = k.token(token);
    ix(
        acc::SweepFees {
            fee_authority: *fee_authority,
            market: k.market,
            market_authority: pda::market_authority(&k.market),
            mint,
            vault,
            destination: *destination,
            token_program,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::SweepFees {},
    )
}

/// Settle `owner`'s trader account on a Closed market (signed by `closer`:
/// anyone for an empty account, the market authority otherwise). Free base
/// and quote go to `base_destination` / `quote_destination`, token accounts
/// of the owner (`None` leaves that token's accounts out, for a trader that
/// holds none of it); [`pda::associated_token`] gives the usual ones.
pub fn settle_trader(
    closer: &Pubkey,
    owner: &Pubkey,
    k: &MarketKeys,
    base_destination: Option<Pubkey>,
    quote_destination: Option<Pubkey>,
) -> Instruction {
    let (base_mint, base_vault, base_program) = k.token(TokenKind::Base);
    let (quote_mint, quote_vault, quote_program) = k.token(TokenKind::Quote);
    let with_base = base_destination.is_some();
    let with_quote = quote_destination.is_some();
    ix(
        acc::SettleTrader {
            closer: *closer,
            owner: *owner,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            trader: pda::trader(&k.market, owner),
            market_authority: pda::market_authority(&k.market),
            base_mint: with_base.then_some(base_mint),
            base_vault: with_base.then_some(base_vault),
            base_destination,
            base_token_program: with_base.then_some(base_program),
            quote_mint: with_quote.then_some(quote_mint),
            quote_vault: with_quote.then_some(quote_vault),
            quote_destination,
            quote_token_program: with_quote.then_some(quote_program),
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::SettleTrader {},
    )
}

pub fn close_trader_account(owner: &Pubkey, market: &Pubkey) -> Instruction {
    ix(
        acc::CloseTraderAccount {
            owner: *owner,
            market: *market,
            trader: pda::trader(market, owner),
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::CloseTraderAccount {},
    )
}

/// Delete a Closed, empty market; `batch` is a sealed batch market's batch
/// account (`Market.batch`), `None` for a continuous market.
pub fn close_market(
    authority: &Pubkey,
    k: &MarketKeys,
    creator: &Pubkey,
    batch: Option<Pubkey>,
) -> Instruction {
    ix(
        acc::CloseMarket {
            authority: *authority,
            market: k.market,
            creator: *creator,
            bids: k.bids,
            asks: k.asks,
            event_queue: k.event_queue,
            market_authority: pda::market_authority(&k.market),
            base_vault: k.base_vault,
            quote_vault: k.quote_vault,
            base_token_program: k.base_token_program,
            quote_token_program: k.quote_token_program,
            batch,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::CloseMarket {},
    )
}

/// Data size of a batch account whose pool holds `entries` entries (with
/// the 8-byte discriminator); a market needs three batches' worth.
pub fn batch_account_size(entries: u32) -> usize {
    8 + orderbook_engine::batch::batch_account_size(entries)
}

/// Make `k`'s market a sealed batch market with the (already allocated)
/// batch account `batch`.
pub fn enable_batch_mode(
    authority: &Pubkey,
    k: &MarketKeys,
    batch: &Pubkey,
    args: BatchModeArgs,
) -> Instruction {
    ix(
        acc::EnableBatchMode {
            authority: *authority,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            event_queue: k.event_queue,
            batch: *batch,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::EnableBatchMode { args },
    )
}

/// Commit `commitment` (see [`crate::sealed::commitment`]), hashed for batch
/// `batch_number`, for `owner`; refused once that batch's commit window closed.
pub fn commit_order(
    owner: &Pubkey,
    market: &Pubkey,
    batch: &Pubkey,
    batch_number: u64,
    commitment: [u8; 32],
) -> Instruction {
    ix(
        commit_accounts(owner, market, batch),
        data::CommitOrder {
            batch: batch_number,
            commitment,
        },
    )
}

/// [`commit_order`] with the order and salt time-lock encrypted to a round
/// of the market's beacon (`ciphertext`, tlock's age format), which any
/// keeper may decrypt and reveal once the round is published.
pub fn commit_encrypted_order(
    owner: &Pubkey,
    market: &Pubkey,
    batch: &Pubkey,
    batch_number: u64,
    commitment: [u8; 32],
    ciphertext: Vec<u8>,
) -> Instruction {
    ix(
        commit_accounts(owner, market, batch),
        data::CommitEncryptedOrder {
            batch: batch_number,
            commitment,
            ciphertext,
        },
    )
}

fn commit_accounts(owner: &Pubkey, market: &Pubkey, batch: &Pubkey) -> acc::CommitOrder {
    acc::CommitOrder {
        owner: *owner,
        market: *market,
        batch: *batch,
        trader: pda::trader(market, owner),
        system_program: SYSTEM_PROGRAM_ID,
        event_authority: pda::event_authority(),
        program: orderbook::ID,
    }
}

/// Reveal `owner`'s committed `order` (batch account entry `entry`), sent
/// and paid for by `revealer`.
pub fn reveal_order(
    revealer: &Pubkey,
    owner: &Pubkey,
    market: &Pubkey,
    batch: &Pubkey,
    entry: u32,
    order: PlaceOrderArgs,
    salt: [u8; 32],
) -> Instruction {
    ix(
        acc::RevealOrder {
            revealer: *revealer,
            market: *market,
            batch: *batch,
            trader: pda::trader(market, owner),
            owner: *owner,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::RevealOrder { entry, order, salt },
    )
}

/// Clear `k`'s market's oldest batch holding entries (`batch` is its batch account).
pub fn clear_batch(clearer: &Pubkey, k: &MarketKeys, batch: &Pubkey) -> Instruction {
    ix(
        acc::ClearBatch {
            clearer: *clearer,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            event_queue: k.event_queue,
            batch: *batch,
            system_program: SYSTEM_PROGRAM_ID,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::ClearBatch {},
    )
}

/// Send `k`'s market's forfeited bonds (held in `batch`) to `destination`;
/// signed by the fee authority.
pub fn sweep_forfeits(
    fee_authority: &Pubkey,
    market: &Pubkey,
    batch: &Pubkey,
    destination: &Pubkey,
) -> Instruction {
    ix(
        acc::SweepForfeits {
            fee_authority: *fee_authority,
            market: *market,
            batch: *batch,
            destination: *destination,
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::SweepForfeits {},
    )
}

/// Queue `owner`'s post-only `order` to the batch whose commit window is open.
pub fn queue_post_only(
    owner: &Pubkey,
    market: &Pubkey,
    batch: &Pubkey,
    order: PlaceOrderArgs,
) -> Instruction {
    ix(
        acc::QueuePostOnly {
            owner: *owner,
            market: *market,
            batch: *batch,
            trader: pda::trader(market, owner),
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::QueuePostOnly { order },
    )
}

/// Queue a cancel of `owner`'s resting order `order_id` on `k`'s batch market.
pub fn queue_cancel(owner: &Pubkey, k: &MarketKeys, batch: &Pubkey, order_id: u64) -> Instruction {
    ix(
        acc::QueueCancel {
            owner: *owner,
            market: k.market,
            bids: k.bids,
            asks: k.asks,
            batch: *batch,
            trader: pda::trader(&k.market, owner),
            event_authority: pda::event_authority(),
            program: orderbook::ID,
        },
        data::QueueCancel { order_id },
    )
}
