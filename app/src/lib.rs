//! The off-chain application: the indexer that mirrors the program's events
//! into PostgreSQL (`indexer`, `ingest`, schema in `migrations/` applied by
//! [`db::migrate`]), the WebSocket/REST feed (`feed`), and the reconcile
//! check (`reconcile`).

pub mod broker;
pub mod db;
pub mod demo;
pub mod feed;
pub mod indexer;
pub mod ingest;
pub mod model;
pub mod reconcile;
pub mod standby;
pub mod synthetic;
