//! Fees a transaction pays, as a cluster computes them.

use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_message::VersionedMessage;

/// Default compute-unit limit per non-builtin instruction when a
/// transaction sets none.
const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT: u64 = 200_000;
const MAX_COMPUTE_UNIT_LIMIT: u64 = 1_400_000;
const MICRO_LAMPORTS_PER_LAMPORT: u128 = 1_000_000;

fn compute_budget_instructions(
    message: &VersionedMessage,
) -> impl Iterator<Item = ComputeBudgetInstruction> + '_ {
    let keys = message.static_account_keys();
    message.instructions().iter().filter_map(move |ix| {
        let program = keys.get(ix.program_id_index as usize)?;
        if *program != solana_compute_budget_interface::ID {
            return None;
        }
        borsh::from_slice::<ComputeBudgetInstruction>(&ix.data).ok()
    })
}

/// The compute-unit price (micro-lamports) a message sets, 0 if none.
pub fn compute_unit_price(message: &VersionedMessage) -> u64 {
    compute_budget_instructions(message)
        .find_map(|ix| match ix {
            ComputeBudgetInstruction::SetComputeUnitPrice(price) => Some(price),
            _ => None,
        })
        .unwrap_or(0)
}

fn compute_unit_limit(message: &VersionedMessage) -> u64 {
    compute_budget_instructions(message)
        .find_map(|ix| match ix {
            ComputeBudgetInstruction::SetComputeUnitLimit(limit) => Some(u64::from(limit)),
            _ => None,
        })
        .unwrap_or_else(|| {
            let keys = message.static_account_keys();
            let counted = message
                .instructions()
                .iter()
                .filter(|ix| {
                    keys.get(ix.program_id_index as usize)
                        .is_some_and(|p| *p != solana_compute_budget_interface::ID)
                })
                .count() as u64;
            counted * DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT
        })
        .min(MAX_COMPUTE_UNIT_LIMIT)
}

/// Signature fee plus prioritization fee (`getFeeForMessage`).
pub fn fee_for_message(message: &VersionedMessage, lamports_per_signature: u64) -> u64 {
    let signatures = u64::from(message.header().num_required_signatures);
    let priority = (u128::from(compute_unit_price(message))
        * u128::from(compute_unit_limit(message)))
    .div_ceil(MICRO_LAMPORTS_PER_LAMPORT);
    signatures * lamports_per_signature + u64::try_from(priority).unwrap_or(u64::MAX)
}
