//! An on-chain central limit order book.
//!
//! Each market is four zero-copy accounts (market header, bids, asks, event
//! queue) plus two token vaults owned by the market-authority PDA. Traders
//! escrow funds in a per-(market, owner) trader account as free and locked
//! balances; orders match with price-time priority in the `orderbook-engine`
//! crate; a taker settles at once while maker fills go to the event queue,
//! which anyone may crank (`consume_events`) for a reward the takers pre-paid.
//! Every state change emits an event with the market's sequence number,
//! strictly +1 per event, through one self-CPI per instruction.
#![allow(unexpected_cfgs)]
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;

pub mod error;
pub mod events;
pub mod instructions;
pub mod state;
pub mod token;
pub mod types;

use instructions::*;
use types::*;

declare_id!("k7YsiePFMhV4yBTe6Bq6RwWrEj7EmSS3QGBp4jMsaEE");

#[program]
pub mod orderbook {
    use super::*;

    /// Create a market (permissionless). The client allocates `market`
    /// (600 + 8 bytes), `bids`/`asks` (8 + 64 + 64 × (capacity + 1) bytes,
    /// equal sizes) and `event_queue` (8 + 64 + 64 × capacity bytes), owned by
    /// this program; their sizes fix the capacities. Validates lot sizes,
    /// tick size, fee bounds (|maker| ≤ taker ≤ 10%), capacities, the crank
    /// reward, and refuses Token-2022 mints with escrow-breaking extensions.
    /// Creates both vaults. The payer is recorded as creator and gets all
    /// rent back from `close_market`.
    pub fn create_market(ctx: Context<CreateMarket>, args: CreateMarketArgs) -> Result<()> {
        create_market::handler(ctx, args)
    }

    /// Permissionless: give the market's bids, asks or event queue
    /// `additional` (1..=`MAX_GROWTH_PER_INSTRUCTION`, 160) more orders or
    /// events, up to the maximum chosen at creation. The payer pays the
    /// added rent, which returns to the market's creator at `close_market`.
    /// Nothing resting or queued moves; a queue whose ring wraps past the
    /// added room is refused (`EventQueueWrapped`) until it is cranked.
    pub fn grow_market(
        ctx: Context<GrowMarket>,
        target: GrowTarget,
        additional: u32,
    ) -> Result<()> {
        grow_market::handler(ctx, target, additional)
    }

    /// Market authority only: set the status — the kill switch. Paused and
    /// Closed stop new orders; cancels, cranks and withdrawals always work.
    /// Closed is final.
    pub fn set_market_status(ctx: Context<SetMarketStatus>, status: MarketStatus) -> Result<()> {
        set_market_status::handler(ctx, status)
    }

    /// Open the caller's trader account on a market (PDA
    /// `["trader", market, owner]`), assigning it a market-unique trader id.
    pub fn open_trader_account(ctx: Context<OpenTraderAccount>) -> Result<()> {
        open_trader_account::handler(ctx)
    }

    /// Move `amount` of the base or quote token (chosen by `mint`) from the
    /// owner's wallet into the vault, credited to the free balance.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        deposit::handler(ctx, amount)
    }

    /// Move `amount` of the base or quote token from the free balance to
    /// any token account of that mint. Works in every market status.
    pub fn withdraw(ctx: Context<Withdraw>, amount: u64) -> Result<()> {
        withdraw::handler(ctx, amount)
    }

    /// Place one order: any order type, self-trade mode, client id, expiry
    /// and match limit. Funds come from the free balance; if the optional
    /// wallet accounts are given, a shortfall is deposited first in the same
    /// instruction. The owner pre-pays `crank_reward_lamports` for each
    /// event the order queues (fills, expired/evicted/self-trade outs).
    pub fn place_order(ctx: Context<PlaceOrder>, args: PlaceOrderArgs) -> Result<()> {
        place_order::place_many(ctx, false, &[args])
    }

    /// Place up to `MAX_ORDERS_PER_BATCH` (8) orders atomically, in order.
    pub fn place_orders(ctx: Context<PlaceOrder>, orders: Vec<PlaceOrderArgs>) -> Result<()> {
        place_order::place_many(ctx, false, &orders)
    }

    /// Cancel all of the trader's resting orders, then place up to 8 orders,
    /// atomically: a market maker's requote in one instruction.
    pub fn cancel_all_and_place(
        ctx: Context<PlaceOrder>,
        orders: Vec<PlaceOrderArgs>,
    ) -> Result<()> {
        place_order::place_many(ctx, true, &orders)
    }

    /// Cancel one resting order by order id; its lock returns to the free balance at once.
    pub fn cancel_order(ctx: Context<CancelOrders>, order_id: u64) -> Result<()> {
        cancel::handler(ctx, CancelTarget::OrderId(order_id))
    }

    /// Cancel the trader's first resting order with this client order id.
    pub fn cancel_by_client_id(ctx: Context<CancelOrders>, client_order_id: u64) -> Result<()> {
        cancel::handler(ctx, CancelTarget::ClientId(client_order_id))
    }

    /// Cancel up to `limit` resting orders of the trader (one side or both).
    pub fn cancel_all(ctx: Context<CancelOrders>, side: Option<Side>, limit: u8) -> Result<()> {
        cancel::handler(ctx, CancelTarget::All { side, limit })
    }

    /// The permissionless crank: apply up to `limit` (≤ 64) queued maker
    /// events to the trader accounts passed as remaining accounts. Stops,
    /// without failing, at the first event whose maker account is missing.
    /// Pays the cranker `crank_reward_lamports` per event applied.
    pub fn consume_events<'info>(
        ctx: Context<'info, ConsumeEvents<'info>>,
        limit: u8,
    ) -> Result<()> {
        consume_events::handler(ctx, limit)
    }

    /// Permissionless: remove up to `limit` expired orders from one side,
    /// queueing `Out` events (the caller pre-pays their crank reward).
    pub fn prune_expired(ctx: Context<PruneExpired>, side: Side, limit: u8) -> Result<()> {
        prune_expired::handler(ctx, side, limit)
    }

    /// Fee authority only: send all accrued fees to a quote token account.
    pub fn sweep_fees(ctx: Context<SweepFees>) -> Result<()> {
        sweep_fees::handler(ctx)
    }

    /// Close the caller's empty trader account and refund its rent.
    pub fn close_trader_account(ctx: Context<CloseTraderAccount>) -> Result<()> {
        close_trader_account::handler(ctx)
    }

    /// Settle a trader account of a Closed market: cancel its orders, pay its
    /// free balances to the owner's token accounts and close it (rent to the
    /// owner). Anyone may settle an empty account; only the market authority
    /// one that holds funds or orders. Fails while the queue still holds
    /// events for the trader.
    pub fn settle_trader(ctx: Context<SettleTrader>) -> Result<()> {
        settle_trader::handler(ctx)
    }

    /// Market authority only: make an Active market with empty books a
    /// sealed batch market (issue 25; docs/batch-auction.md). The client
    /// allocates `batch` (8 + 128 + 128 × entries bytes, at least three
    /// batches' entries), owned by this program. From then on orders arrive
    /// sealed (`commit_order`, `reveal_order`), makers queue posts and cancels
    /// (`queue_post_only`, `queue_cancel`), and `clear_batch` crosses each
    /// batch; `place_order` and the immediate cancels are refused.
    pub fn enable_batch_mode(ctx: Context<EnableBatchMode>, args: BatchModeArgs) -> Result<()> {
        enable_batch_mode::handler(ctx, args)
    }

    /// Commit a sealed order: the SHA-256 of its commitment preimage (the
    /// market, the owner, the batch, every order field and a 32-byte salt).
    /// `batch` is the batch it was hashed for, whose commit window must be
    /// open. The owner pays the market's bond (refunded at the reveal) and
    /// commit fee; no funds lock.
    pub fn commit_order(ctx: Context<CommitOrder>, batch: u64, commitment: [u8; 32]) -> Result<()> {
        commit_order::handler(ctx, batch, commitment)
    }

    /// Commit a sealed order with its ciphertext: the order and salt
    /// time-lock encrypted to a round of the beacon the market names, so
    /// any keeper can reveal it once the round is published (issue 26).
    /// Otherwise as `commit_order`; the ciphertext is emitted
    /// (`OrderEncrypted`), 1 to `MAX_ORDER_CIPHERTEXT_BYTES` bytes.
    pub fn commit_encrypted_order(
        ctx: Context<CommitOrder>,
        batch: u64,
        commitment: [u8; 32],
        ciphertext: Vec<u8>,
    ) -> Result<()> {
        commit_encrypted_order::handler(ctx, batch, commitment, ciphertext)
    }

    /// Reveal a committed order in its batch's reveal window; anyone holding
    /// the order and salt may send it. Locks the order's worst case and
    /// refunds the bond to the owner.
    pub fn reveal_order(
        ctx: Context<RevealOrder>,
        entry: u32,
        order: PlaceOrderArgs,
        salt: [u8; 32],
    ) -> Result<()> {
        reveal_order::handler(ctx, entry, order, salt)
    }

    /// Sealed batch markets: queue a post-only order to the batch whose
    /// commit window is open. Its funds lock and a slot is reserved now; it
    /// rests at that batch's clear, before anything crosses.
    pub fn queue_post_only(ctx: Context<QueuePostOnly>, order: PlaceOrderArgs) -> Result<()> {
        queue_post_only::handler(ctx, order)
    }

    /// Sealed batch markets: queue a cancel of a resting order to the oldest
    /// batch whose reveals have not opened; it applies at that batch's clear,
    /// before anything crosses.
    pub fn queue_cancel(ctx: Context<QueueCancel>, order_id: u64) -> Result<()> {
        queue_cancel::handler(ctx, order_id)
    }

    /// Permissionless: clear the oldest batch holding entries once its reveal
    /// window is over (passing empty ones): forfeit unrevealed bonds, cross
    /// every revealed order at one price, queue the settlement events. The
    /// clearer pre-pays those events' crank rewards and receives the
    /// batch's commit fees.
    pub fn clear_batch(ctx: Context<ClearBatch>) -> Result<()> {
        clear_batch::handler(ctx)
    }

    /// Fee authority only: send the bonds forfeited by sealed orders never
    /// revealed (held in the batch account) to `destination`.
    pub fn sweep_forfeits(ctx: Context<SweepForfeits>) -> Result<()> {
        sweep_forfeits::handler(ctx)
    }

    /// Market authority only: delete a Closed market with empty books,
    /// queue and vaults, no trader accounts and no unswept fees, returning
    /// all rent to the creator.
    pub fn close_market(ctx: Context<CloseMarket>) -> Result<()> {
        close_market::handler(ctx)
    }
}
