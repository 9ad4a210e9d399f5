//! `mev-bench`: what an adversary with the slot leader's power earns, and
//! what its victim loses, on the continuous book and in the sealed batch
//! auction mode (issue 25; ADR 0010).
//!
//! The adversary sees every pending transaction's bytes and inserts,
//! reorders and drops transactions within its slots. Each strategy is run
//! on seeded scenarios ([`scenario`]) with and without the adversary; the
//! continuous book is the engine's own matching ([`continuous`]), the batch
//! mode the engine's call auction on the engine's batch clock ([`batch`]).
//! [`report`] runs every strategy and tabulates the results.

pub mod batch;
pub mod continuous;
pub mod report;
pub mod scenario;
