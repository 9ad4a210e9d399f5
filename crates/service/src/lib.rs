//! What every off-chain binary (node, keeper, indexer and feed) shares so
//! that each behaves the same way as a service: graceful shutdown
//! ([`shutdown`]), connection caps per client ([`connections`]), logs and
//! metrics ([`telemetry`]), the orchestrator's probes ([`health`]). Test and bench helpers live in
//! `orderbook-test-support`, which no production binary links.

pub mod connections;
pub mod health;
pub mod shutdown;
pub mod telemetry;
