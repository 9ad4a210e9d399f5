//! Plumbing the off-chain binaries (node, keeper, indexer and feed) share,
//! so each behaves the same way as a service.

pub mod shutdown;
