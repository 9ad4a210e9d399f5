//! The instructions of the keeper's transactions: which queued events one
//! crank takes, its compute-unit limit and priority fee.

use anchor_lang::prelude::Pubkey;
use orderbook_client::ix;
use orderbook_engine::QueueEvent;
use solana_compute_budget_interface::ComputeBudgetInstruction;

use crate::config::KeeperConfig;

/// Most distinct maker accounts per crank transaction: 24 keeps a
/// transaction with compute-budget instructions under the 1,232-byte packet
/// limit (checked by a test).
pub const MAX_MAKER_ACCOUNTS: usize = 24;

/// Choose the events of the next crank transaction: a prefix of the queue
/// with at most `max_events` events and `MAX_MAKER_ACCOUNTS` distinct makers.
/// Returns the event count and the makers' trader ids in first-seen order.
pub fn batch(events: &[QueueEvent], max_events: u8) -> (usize, Vec<u32>) {
    let mut makers: Vec<u32> = Vec::new();
    let mut n = 0;
    for ev in events.iter().take(usize::from(max_events)) {
        if !makers.contains(&ev.maker_trader_id) {
            if makers.len() == MAX_MAKER_ACCOUNTS {
                break;
            }
            makers.push(ev.maker_trader_id);
        }
        n += 1;
    }
    (n, makers)
}

/// The instructions of a crank transaction for `n` events: a compute-unit
/// limit of `cu_base + n × cu_per_event` plus `nonce % 1024` (so two cranks of
/// the same events within one blockhash are not byte-identical, which the
/// cluster would drop as a duplicate), a priority fee when non-zero, and
/// `consume_events` with the makers' trader accounts.
#[allow(clippy::too_many_arguments)]
pub fn crank_ixs(
    cfg: &KeeperConfig,
    cranker: &Pubkey,
    market: &Pubkey,
    queue: &Pubkey,
    makers: &[Pubkey],
    n: usize,
    priority_fee: u64,
    nonce: u32,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let mut ixs = compute_budget_ixs(crank_cu_limit(cfg, n, nonce), priority_fee);
    ixs.push(ix::consume_events(cranker, market, queue, makers, n as u8));
    ixs
}

/// The compute units a crank of `n` events requests (see [`crank_ixs`]).
pub fn crank_cu_limit(cfg: &KeeperConfig, n: usize, nonce: u32) -> u32 {
    cfg.cu_base
        .saturating_add(cfg.cu_per_event.saturating_mul(n as u32))
        .saturating_add(nonce % 1024)
        .min(MAX_COMPUTE_UNIT_LIMIT)
}

/// Most compute units a transaction may request.
const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;

/// A compute-unit limit, and a price when non-zero.
pub(crate) fn compute_budget_ixs(
    cu_limit: u32,
    priority_fee: u64,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let mut ixs = vec![ComputeBudgetInstruction::set_compute_unit_limit(cu_limit)];
    if priority_fee > 0 {
        ixs.push(ComputeBudgetInstruction::set_compute_unit_price(
            priority_fee,
        ));
    }
    ixs
}
