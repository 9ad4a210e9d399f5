//! Plumbing the off-chain binaries (node, keeper, indexer and feed) share,
//! so each behaves the same way as a service, and the child-process helpers
//! their tests and benches share.

pub mod connections;
pub mod process;
pub mod shutdown;
