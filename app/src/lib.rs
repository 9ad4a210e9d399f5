//! The off-chain application, one crate whose modules depend on each other
//! bottom-up only (`scripts/module-cycles.py` fails CI on a cycle):
//!
//! * [`model`]: the vocabulary, no I/O: a batch of new events, what it does
//!   to each table, orders, trades, candles, enums as stored;
//! * [`metrics`]: the one Prometheus registry of every role below;
//! * [`db`]: PostgreSQL, one module per table (schema in `migrations/`);
//! * [`ingest`]: a batch of transactions into the database, atomically;
//! * [`standby`]: one indexer per market, the others waiting (advisory lock);
//! * [`indexer`]: chain → PostgreSQL, following the node;
//! * [`feed`]: the WebSocket/REST server, wallet transactions, the faucet;
//! * [`broker`]: indexer → feed replicas over Redis Streams;
//! * [`reconcile`]: the database against the chain;
//! * [`demo`]: a market with makers and takers, for the local exchange.

pub mod broker;
pub mod db;
pub mod demo;
pub mod feed;
pub mod indexer;
pub mod ingest;
pub mod metrics;
pub mod model;
pub mod reconcile;
pub mod standby;
