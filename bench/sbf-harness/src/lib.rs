//! A minimal SBF program that runs `orderbook-engine` operations on account
//! data, so the engine's compute-unit cost can be measured on the real SBF
//! virtual machine (LiteSVM). It does no account validation: it is a
//! measuring device, not a product program.
//!
//! Accounts: `[market header, bids, asks, event queue, trader...]`, all owned
//! by this program and writable. Instruction data: see `orderbook_cu_protocol`.
#![no_std]
// pinocchio's macros test `target_os = "solana"`, unknown to upstream rustc.
#![allow(unexpected_cfgs)]

#[cfg(target_arch = "bpf")]
mod program {
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

    fn process(_id: &Address, accounts: &[AccountView], data: &[u8]) -> ProgramResult {
        let op = protocol::decode_op(data).ok_or(ProgramError::InvalidInstructionData)?;
        if op == Op::Noop {
            return Ok(());
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
        let first = traders.first().ok_or(ProgramError::NotEnoughAccountKeys)?;
        // SAFETY: as above.
        let trader = TraderState::load(unsafe { first.borrow_unchecked_mut() }).map_err(err)?;
        match op {
            Op::Noop => Ok(()),
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
}
