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
/// The same when the transaction also clears a batch: `clear_batch` adds the
/// book sides, the batch account and the system program, so two makers fewer
/// (24 makers and a clear measured 1,271 bytes; checked by a test).
pub const MAX_MAKER_ACCOUNTS_WITH_CLEAR: usize = 22;

/// Choose the events of the next crank transaction: a prefix of the queue
/// with at most `max_events` events and `max_makers` distinct makers.
/// Returns the event count and the makers' trader ids in first-seen order.
pub fn batch(events: &[QueueEvent], max_events: u8, max_makers: usize) -> (usize, Vec<u32>) {
    let mut makers: Vec<u32> = Vec::new();
    let mut n = 0;
    for ev in events.iter().take(usize::from(max_events)) {
        if !makers.contains(&ev.maker_trader_id) {
            if makers.len() == max_makers {
                break;
            }
            makers.push(ev.maker_trader_id);
        }
        n += 1;
    }
    (n, makers)
}

/// A sealed batch market's due batch, cleared after the crank in the same
/// transaction: the market's keys and its batch account.
#[derive(Clone, Copy)]
pub struct ClearAfter<'a> {
    pub keys: &'a ix::MarketKeys,
    pub batch: &'a Pubkey,
}

/// The instructions of a crank transaction for `n` events (none: no
/// `consume_events`) and, when `clear` is given, the clear after it: a
/// compute-unit limit from [`crank_cu_limit`] (`nonce` makes two cranks of
/// the same events within one blockhash differ, which the cluster would
/// otherwise drop as a duplicate), a priority fee when non-zero,
/// `consume_events` with the makers' trader accounts, and `clear_batch`.
#[allow(clippy::too_many_arguments)]
pub fn crank_ixs(
    cfg: &KeeperConfig,
    cranker: &Pubkey,
    market: &Pubkey,
    queue: &Pubkey,
    makers: &[Pubkey],
    n: usize,
    clear: Option<ClearAfter<'_>>,
    priority_fee: u64,
    nonce: u32,
) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let cu = crank_cu_limit(cfg, n, clear.is_some(), nonce);
    let mut ixs = compute_budget_ixs(cu, priority_fee);
    if n > 0 {
        ixs.push(ix::consume_events(cranker, market, queue, makers, n as u8));
    }
    if let Some(c) = clear {
        ixs.push(ix::clear_batch(cranker, c.keys, c.batch));
    }
    ixs
}

/// The compute units a crank of `n` events requests (see [`crank_ixs`]):
/// `cu_base + n × cu_per_event`, plus `clear_cu_limit` with a clear, plus
/// `nonce % 1024`.
pub fn crank_cu_limit(cfg: &KeeperConfig, n: usize, clear: bool, nonce: u32) -> u32 {
    let clear_cu = if clear { cfg.clear_cu_limit } else { 0 };
    cfg.cu_base
        .saturating_add(cfg.cu_per_event.saturating_mul(n as u32))
        .saturating_add(clear_cu)
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
