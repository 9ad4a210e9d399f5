//! A minimal SBF program that runs `orderbook-engine` operations on account
//! data, so the engine's compute-unit cost can be measured on the real SBF
//! virtual machine (LiteSVM). It does no account validation: it is a
//! measuring device, not a product program.
//!
//! Accounts: `[market header, bids, asks, event queue, trader...]`, all owned
//! by this program and writable; for the batch operations `[market header,
//! bids, asks, event queue, batch account, trader]`. Instruction data: see
//! `orderbook_cu_protocol`.
#![no_std]
// pinocchio's macros test `target_os = "solana"`, unknown to upstream rustc.
#![allow(unexpected_cfgs)]

#[cfg(target_arch = "bpf")]
mod program {
    #[cfg(feature = "batch")]
    use orderbook_engine::BaseLots;
    #[cfg(feature = "batch")]
    use orderbook_engine::batch::{
        BatchBook, BatchError, ClearBuffers, MAX_CLEAR_RESTING, Now, Participant,
    };
    use orderbook_engine::{BookSide, EngineError, EventQueue, Market, MarketHeader, TraderState};
    use pinocchio::error::ProgramError;
    use pinocchio::{AccountView, Address, ProgramResult};

    use orderbook_cu_protocol::{self as protocol, Op};

    pinocchio::program_entrypoint!(process, 16);
    pinocchio::no_allocator!();
    pinocchio::nostd_panic_handler!();

    fn err(e: EngineError) -> ProgramError {
        ProgramError::Custom(e as u32)
    }

    #[cfg(feature = "batch")]
    fn batch_err(e: BatchError) -> ProgramError {
        match e {
            BatchError::Engine(e) => err(e),
            // Any batch refusal: the bench expects none.
            _ => ProgramError::Custom(1_000),
        }
    }

    /// Entries per batch the clear's buffers hold: the bench's largest case.
    #[cfg(feature = "batch")]
    const BENCH_ENTRIES: usize = 64;
    #[cfg(feature = "batch")]
    const CLEAR_LEN: usize = MAX_CLEAR_RESTING + BENCH_ENTRIES;

    fn process(_id: &Address, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
        let op = protocol::decode_op(data).ok_or(ProgramError::InvalidInstructionData)?;
        if op == Op::Noop {
            return Ok(());
        }
        if op == Op::Grow {
            #[cfg(feature = "batch")]
            return grow_op(data, accounts);
            #[cfg(not(feature = "batch"))]
            return Err(ProgramError::InvalidInstructionData);
        }
        let [header, bids, asks, queue, traders @ ..] = accounts else {
            return Err(ProgramError::NotEnoughAccountKeys);
        };
        // SAFETY: each account is borrowed once and the views do not outlive `process`.
        let (header, bids, asks, queue) = unsafe {
            (
                header.borrow_unchecked_mut(),
                bids.borrow_unchecked_mut(),
                asks.borrow_unchecked_mut(),
                queue.borrow_unchecked_mut(),
            )
        };
        let header: &mut MarketHeader = bytemuck::try_from_bytes_mut(header)
            .map_err(|_| err(EngineError::InvalidAccountData))?;
        let mut market = Market::new(
            header,
            BookSide::load(bids).map_err(err)?,
            BookSide::load(asks).map_err(err)?,
            EventQueue::load(queue).map_err(err)?,
        )
        .map_err(err)?;
        if matches!(op, Op::Commit | Op::Reveal | Op::Clear) {
            #[cfg(feature = "batch")]
            return batch_op(op, data, &mut market, traders);
            #[cfg(not(feature = "batch"))]
            return Err(ProgramError::InvalidInstructionData);
        }
        let first = traders.first().ok_or(ProgramError::NotEnoughAccountKeys)?;
        // SAFETY: as above.
        let trader = TraderState::load(unsafe { first.borrow_unchecked_mut() }).map_err(err)?;
        match op {
            Op::Noop | Op::Commit | Op::Reveal | Op::Clear | Op::Grow => Ok(()),
            Op::Place => {
                let (params, now) =
                    protocol::decode_place(data).ok_or(ProgramError::InvalidInstructionData)?;
                market.place_order(trader, &params, now).map_err(err)?;
                Ok(())
            }
            Op::Cancel => {
                let id =
                    protocol::decode_cancel(data).ok_or(ProgramError::InvalidInstructionData)?;
                market.cancel_order(trader, id).map_err(err)?;
                Ok(())
            }
            Op::Consume => {
                let n =
                    protocol::decode_consume(data).ok_or(ProgramError::InvalidInstructionData)?;
                for _ in 0..n {
                    let Some(ev) = market.events.front() else {
                        break;
                    };
                    let maker_id = ev.maker_trader_id;
                    let account = traders
                        .iter()
                        .find(|a| {
                            unsafe { a.borrow_unchecked() }.get(..4)
                                == Some(&maker_id.to_le_bytes()[..])
                        })
                        .ok_or(ProgramError::NotEnoughAccountKeys)?;
                    // SAFETY: `trader` (the first account) is not used again in this arm.
                    let maker = TraderState::load(unsafe { account.borrow_unchecked_mut() })
                        .map_err(err)?;
                    market.consume_front(maker).map_err(err)?;
                }
                Ok(())
            }
        }
    }

    /// `Grow`: raise a side's or the queue's capacity to what its account
    /// holds (the market is not loaded: its grown part does not load until
    /// grown). In the batch build, so the continuous build's code (and
    /// LTO's choices in it) stays as measured.
    #[cfg(feature = "batch")]
    fn grow_op(data: &[u8], accounts: &[AccountView]) -> ProgramResult {
        use orderbook_engine::layout::GrowTarget;
        let target = protocol::decode_grow(data).ok_or(ProgramError::InvalidInstructionData)?;
        let index = match target {
            GrowTarget::Bids => protocol::BIDS,
            GrowTarget::Asks => protocol::ASKS,
            GrowTarget::EventQueue => protocol::EVENTS,
        };
        let account = accounts
            .get(index)
            .ok_or(ProgramError::NotEnoughAccountKeys)?;
        // SAFETY: the only borrow of this account in this call.
        let data = unsafe { account.borrow_unchecked_mut() };
        match target {
            GrowTarget::Bids | GrowTarget::Asks => BookSide::grow(data, u32::MAX),
            GrowTarget::EventQueue => EventQueue::grow(data, u32::MAX),
        }
        .map_err(err)?;
        Ok(())
    }

    /// `Commit`, `Reveal` and `Clear` on the batch account that follows the
    /// market parts (`rest[0]`), for the trader after it (`rest[1]`).
    #[cfg(feature = "batch")]
    fn batch_op(
        op: Op,
        data: &[u8],
        market: &mut Market<'_>,
        rest: &[AccountView],
    ) -> ProgramResult {
        let batch = rest.first().ok_or(ProgramError::NotEnoughAccountKeys)?;
        // SAFETY: borrowed once; the view does not outlive this call.
        let mut book = BatchBook::load(unsafe { batch.borrow_unchecked_mut() }).map_err(err)?;
        match op {
            Op::Commit => {
                let (slot, commitment) =
                    protocol::decode_commit(data).ok_or(ProgramError::InvalidInstructionData)?;
                let trader = trader_at(rest, 1)?;
                // The batch the commitment was hashed for: the one open now.
                let batch = book
                    .schedule()
                    .map_err(err)?
                    .committing_batch(slot)
                    .ok_or(ProgramError::InvalidArgument)?;
                book.commit(trader.trader_id, batch, commitment, slot)
                    .map_err(batch_err)?;
            }
            Op::Reveal => {
                let (index, p, commitment, slot, unix_time) =
                    protocol::decode_reveal(data).ok_or(ProgramError::InvalidInstructionData)?;
                let trader = trader_at(rest, 1)?;
                let now = Now { slot, unix_time };
                book.reveal(&*market.header, trader, index, &p, &commitment, now)
                    .map_err(batch_err)?;
            }
            Op::Clear => {
                let (slot, unix_time) =
                    protocol::decode_clear(data).ok_or(ProgramError::InvalidInstructionData)?;
                // The heap region, zeroed: every buffer's bit pattern 0 is valid.
                // SAFETY: offsets do not overlap; this is the only use of the heap.
                let (bids, asks, bid_fills, ask_fills, posts) = unsafe {
                    let p = core::mem::size_of::<[Participant; CLEAR_LEN]>();
                    let f = core::mem::size_of::<[BaseLots; CLEAR_LEN]>();
                    (
                        allocate_unchecked::<[Participant; CLEAR_LEN]>(0),
                        allocate_unchecked::<[Participant; CLEAR_LEN]>(p),
                        allocate_unchecked::<[BaseLots; CLEAR_LEN]>(2 * p),
                        allocate_unchecked::<[BaseLots; CLEAR_LEN]>(2 * p + f),
                        allocate_unchecked::<[u32; CLEAR_LEN]>(2 * p + 2 * f),
                    )
                };
                let mut buffers = ClearBuffers {
                    bids,
                    asks,
                    bid_fills,
                    ask_fills,
                    posts,
                };
                book.clear(market, Now { slot, unix_time }, &mut buffers)
                    .map_err(batch_err)?;
            }
            _ => return Err(ProgramError::InvalidInstructionData),
        }
        Ok(())
    }

    #[cfg(feature = "batch")]
    fn trader_at(accounts: &[AccountView], i: usize) -> Result<&mut TraderState, ProgramError> {
        let account = accounts.get(i).ok_or(ProgramError::NotEnoughAccountKeys)?;
        // SAFETY: borrowed once per call.
        TraderState::load(unsafe { account.borrow_unchecked_mut() }).map_err(err)
    }
}
